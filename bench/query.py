"""Query latency on the tashkeela_classical index: in-process and one-shot processes.

Draws 200 single words, 50 three-word queries and 50 two- or three-word phrases from the
corpus (fixed seed, diacritics stripped as a user would type them), runs each through
``IndexSearcher.search`` with snippets for the top 10, and prints p50/p95 per kind. The
baseline, measured in the same run on the same index and queries, is Whoosh alone: the
parsed query through ``searcher.search(limit=10)`` with no snippets, no count, no
fallback and no suggestions. Both are timed on a second pass (warm caches). Then times ``search --json WORD`` as a whole process, start to exit.

    python bench/query.py [--index DIR] [--processes N]

Without --index it builds a fresh index of the corpus first (about 20 s).
"""

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pyarabic.araby import strip_tashkeel, strip_tatweel  # noqa: E402

from _corpus import corpus_file, read_jsonl  # noqa: E402
from analyzers import is_stopword  # noqa: E402
from analyzers.words import WORD  # noqa: E402
from search.indexer import index_paths  # noqa: E402
from search.searching import IndexSearcher  # noqa: E402

SEED = 20261127


def draw_queries(docs: list[dict]) -> dict[str, list[str]]:
    """Single words, three-word queries and quoted phrases, as a user would type them."""
    rng = random.Random(SEED)

    def words_of(doc):
        plain = strip_tatweel(strip_tashkeel(doc["text"]))
        return [w for w in WORD.findall(plain) if len(w) >= 3 and not is_stopword(w)]

    def draw(count, make):
        drawn = []
        while len(drawn) < count:
            words = words_of(rng.choice(docs))
            if len(words) >= 3:
                drawn.append(make(words))
        return drawn

    def run_of(words, length):
        start = rng.randrange(len(words) - length + 1)
        return words[start : start + length]

    return {
        "single word": draw(200, lambda words: rng.choice(words)),
        "three words": draw(50, lambda words: " ".join(rng.sample(words, 3))),
        "phrase": draw(50, lambda words: '"' + " ".join(run_of(words, rng.choice((2, 3)))) + '"'),
    }


def percentiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


def time_queries(searcher: IndexSearcher, queries: list[str]) -> tuple[list[float], list[float], int, int]:
    """(ours, Whoosh alone) seconds per query, how many queries found something, and how
    many snippets ours cut.

    Each is timed on its second pass over the queries, so both run on warm caches."""
    parsed = [searcher.parse(text) for text in queries]
    for _ in range(2):
        ours, baseline, found, snippets = [], [], 0, 0
        for text in queries:
            started = time.perf_counter()
            results = searcher.search(text, limit=10)
            # A Hit cuts its snippets when first asked for them (since cf8b274), as the CLI does.
            snippets += sum(len(hit.snippets) for hit in results.hits)
            ours.append(time.perf_counter() - started)
            found += bool(results.total)
        for query in parsed:
            started = time.perf_counter()
            searcher.searcher.search(query.query, limit=10)
            baseline.append(time.perf_counter() - started)
    return ours, baseline, found, snippets


def one_shot(index_dir: Path, word: str, processes: int) -> float:
    """Median seconds of a whole ``search --json WORD`` process."""
    seconds = []
    for _ in range(processes):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "search", "--json", "--index", str(index_dir), word],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index of tashkeela_classical already built")
    parser.add_argument("--processes", type=int, default=10, help="one-shot runs to time")
    args = parser.parse_args()
    source = corpus_file("tashkeela_classical", "docs.jsonl")
    if source is None:
        sys.exit("nothing to measure without the corpus")
    queries = draw_queries(read_jsonl(source))
    with tempfile.TemporaryDirectory() as scratch:
        index_dir = args.index
        if index_dir is None:
            index_dir = Path(scratch) / "index"
            print(f"indexing {source} ...", file=sys.stderr)
            index_paths([source], index_dir)
        with IndexSearcher(index_dir) as searcher:
            print(f"{searcher.document_count():,} documents; median and 95th percentile per query")
            everything_ours, everything_baseline = [], []
            for kind, texts in queries.items():
                ours, baseline, found, snippets = time_queries(searcher, texts)
                everything_ours += ours
                everything_baseline += baseline
                print(f"{kind:12} ({len(texts)}, {found} found, {snippets} snippets)")
                print(f"  search, snippets for top 10: {percentiles(ours)}")
                print(f"  baseline, Whoosh alone:      {percentiles(baseline)}")
            print(f"all ({len(everything_ours)})")
            print(f"  search, snippets for top 10: {percentiles(everything_ours)}")
            print(f"  baseline, Whoosh alone:      {percentiles(everything_baseline)}")
        seconds = one_shot(index_dir, queries["single word"][1], args.processes)
        print(f"one-shot `search --json WORD` process: median {seconds:.3f} s of {args.processes}")


if __name__ == "__main__":
    main()
