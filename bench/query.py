"""Query latency on the tashkeela_classical index, in-process beside Whoosh alone and Lucene, and one-shot.

Draws 200 single words, 50 three-word queries and 50 two- or three-word phrases from the
corpus (fixed seed, diacritics stripped as a user would type them), runs each through
``IndexSearcher.search`` with snippets for the top 10, and prints p50/p95 per kind. Two
baselines, measured in the same run on the same documents and queries:

- Whoosh alone: the parsed query through ``searcher.search(limit=10)`` on the same index,
  with no snippets, no count, no fallback and no suggestions;
- Lucene 8 with its UnifiedHighlighter (``bench/LuceneLatency.java``, compiled with javac
  into a scratch folder by ``search.lucene_check``; on when Java and Debian's
  liblucene8-java are installed, else a line says why it was skipped). One JVM indexes
  the same docs.jsonl (ArabicAnalyzer; id, title and text stored; the text's offsets in
  its postings, where the UnifiedHighlighter reads them without analyzing the text again;
  one segment, as our index is), then for each query: parses it with the classic
  MultiFieldQueryParser over title and text, finds the top 10 by BM25 with an exact count
  of the hits, loads the top 10's stored id and title, and highlights their text (at most
  3 passages of about 160 characters, from the whole text, as search.snippets cuts them).

Lucene is asked what we are asked, as closely as its classic parser allows. The typed
query reaches it through ``lucene_check.classic_query`` (only a phrase's quotes are read
as syntax). A word is ``title:w text:w``, w stemmed by ArabicAnalyzer, where ours looks
up the word's family (its forms in the index, with a bonus for the form typed). Every
word is required (AND), as ours requires them, and when no document has them all both
search again for any word; Lucene's stopword list is not ours, so it may drop a word
ours keeps, or keep one ours drops. A phrase is ``title:"a b" text:"a b"`` over stemmed
words, where ours matches the words as typed (normalized); the draw leaves out
stopwords and words under three letters, so most phrases skip a word of the text: our
index drops stopwords without a gap in the positions and still finds them, Lucene's
StopFilter leaves one, so it finds fewer (the "found" counts show it). Ours also adds
roots, proximity and character-gram reranking, and suggests a spelling when little is
found: that is its work, and stays in its time.

The engines take each query in turn (ours, Whoosh, Lucene), so that all three meet the
same moments of load on a shared machine; all are timed on their second pass over the
queries (warm caches, a warmed-up JVM). Wall time per query is ``time.perf_counter`` for
ours and Whoosh and ``System.nanoTime`` inside the JVM for Lucene (the round trip to the
JVM is not in it); CPU time is the querying thread's own, ``time.thread_time`` and
ThreadMXBean's current-thread CPU time, so the JVM's compiler and collector threads are
not in it. Ours' page of hits is then rendered as the CLI prints it on a terminal
(``search.render``, Rich, colours, 100 columns, into memory), timed apart: the issue asks
for rendering cheaper than the search. Then times ``search --json WORD`` as a whole
process, start to exit.

    python bench/query.py [--index DIR] [--lucene/--no-lucene] [--processes N]

Without --index it builds a fresh index of the corpus first (about 20 s); Lucene always
indexes the corpus afresh (about 10 s).
"""

import argparse
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from pyarabic.araby import strip_tashkeel, strip_tatweel  # noqa: E402

from _corpus import corpus_file, read_jsonl  # noqa: E402
from analyzers import is_stopword  # noqa: E402
from analyzers.words import WORD  # noqa: E402
from search import lucene_check  # noqa: E402
from search.indexer import index_paths  # noqa: E402
from search.render import PipeConsole, print_lines, results_lines  # noqa: E402
from search.searching import IndexSearcher  # noqa: E402

SEED = 20261127
LUCENE_CLASS = "LuceneLatency"
# The UnifiedHighlighter's PhraseHelper goes through the older highlighter's span extractor,
# which needs the queries module (CommonTermsQuery).
LUCENE_JARS = (*lucene_check.JARS, "lucene-highlighter-8", "lucene-queries-8")
ENGINES = ("ours, snippets for top 10", "Whoosh alone, no snippets", "Lucene + UnifiedHighlighter")
RENDERING = "ours, rendering the page"
RENDER_COLUMNS = 100


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


@dataclass
class Timings:
    """Seconds per query, on the wall clock and in the querying thread's CPU time."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    found: int = 0  # queries that found something

    def add(self, wall: float, cpu: float, found: bool) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.found += found

    def __add__(self, other: "Timings") -> "Timings":
        return Timings(self.wall + other.wall, self.cpu + other.cpu, self.found + other.found)

    def p50(self) -> float:
        return statistics.median(self.wall)

    def p95(self) -> float:
        ordered = sorted(self.wall)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]

    def cpu_p50(self) -> float:
        return statistics.median(self.cpu)


def row(label: str, timings: Timings) -> str:
    return (f"  {label:30} {timings.p50() * 1000:8.2f} {timings.p95() * 1000:8.2f} "
            f"{timings.cpu_p50() * 1000:8.2f}")


def ratio_row(label: str, timings: Timings, other: Timings) -> str:
    return (f"  {label:30} {timings.p50() / other.p50():7.2f}x {'':8} "
            f"{timings.cpu_p50() / other.cpu_p50():7.2f}x")


def time_queries(searcher: IndexSearcher, lucene: "Lucene | None",
                 queries: dict[str, list[str]]) -> tuple[dict[str, list[Timings]], dict[str, int]]:
    """Per kind, the timings of ours, Whoosh alone, Lucene (when it runs) and of rendering
    ours' page of hits; and how many snippets ours cut.

    The engines take each query in turn, so that all three meet the same load on a shared
    machine; all are timed on the second pass over the queries (warm caches, a warmed-up JVM)."""
    for _ in range(2):
        # Parsed afresh each pass: a parsed word family keeps its postings for the searcher,
        # and Whoosh alone would find them read already on the second pass.
        parsed = {kind: [searcher.parse(text) for text in texts] for kind, texts in queries.items()}
        timings = {kind: [Timings() for _ in ENGINES[: 3 if lucene else 2]] + [Timings()] for kind in queries}
        snippets = dict.fromkeys(queries, 0)
        for kind, texts in queries.items():
            ours, baseline, *theirs, rendering = timings[kind]
            for text, query in zip(texts, parsed[kind]):
                started, started_cpu = time.perf_counter(), time.thread_time()
                results = searcher.search(text, limit=10)
                # A Hit cuts its snippets when first asked for them (since cf8b274), as the CLI does.
                snippets[kind] += sum(len(hit.snippets) for hit in results.hits)
                ours.add(time.perf_counter() - started, time.thread_time() - started_cpu, bool(results.total))
                started, started_cpu = time.perf_counter(), time.thread_time()
                render_page(results)
                rendering.add(time.perf_counter() - started, time.thread_time() - started_cpu, bool(results.hits))
                started, started_cpu = time.perf_counter(), time.thread_time()
                found = searcher.searcher.search(query.query, limit=10).scored_length()
                baseline.add(time.perf_counter() - started, time.thread_time() - started_cpu, bool(found))
                if lucene:
                    theirs[0].add(*lucene.time(text))
    return timings, snippets


def render_page(results) -> str:
    """The page of hits as ``search`` prints it on a colour terminal of RENDER_COLUMNS."""
    console = PipeConsole(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=RENDER_COLUMNS)
    print_lines(console, results_lines(results))
    return console.file.getvalue()


def escaped_field(value) -> str:
    r"""A field on one line of LuceneLatency's documents file: backslashes, tabs and line breaks escaped.

    >>> print(escaped_field("ab\tc\nd\\e"))
    ab\tc\nd\\e
    """
    return str(value or "").replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Lucene:
    """bench/LuceneLatency.java in one JVM: it indexes the documents, then times each query sent to it."""

    def __init__(self, docs: list[dict], scratch: Path):
        classpath = lucene_check.compile_java(
            scratch, LUCENE_CLASS, (HERE / f"{LUCENE_CLASS}.java").read_text(encoding="utf-8"), LUCENE_JARS
        )
        docs_file = scratch / "docs.tsv"
        with docs_file.open("w", encoding="utf-8") as out:
            for doc in docs:
                out.write("\t".join(escaped_field(doc.get(name)) for name in ("id", "title", "text")) + "\n")
        print("indexing with Lucene ...", file=sys.stderr)
        self.process = subprocess.Popen(
            ["java", "-cp", classpath, LUCENE_CLASS, str(docs_file), str(scratch / "lucene")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, encoding="utf-8",
        )

    def time(self, text: str) -> tuple[float, float, bool]:
        """(wall seconds, CPU seconds, whether anything was found), as the JVM measured them."""
        # One query a line; the parser reads a line break as a space.
        self.process.stdin.write(lucene_check.classic_query(text).replace("\n", " ") + "\n")
        self.process.stdin.flush()
        wall, cpu, total = self.process.stdout.readline().split("\t")
        return int(wall) / 1e9, int(cpu) / 1e9, int(total) > 0

    def __enter__(self) -> "Lucene":
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.stdin.close()
        if self.process.wait():
            raise SystemExit(f"Lucene failed (exit {self.process.returncode})")


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
    parser.add_argument("--lucene", action=argparse.BooleanOptionalAction,
                        help="time Lucene + UnifiedHighlighter too (default: when Java and the jars are here)")
    parser.add_argument("--processes", type=int, default=10, help="one-shot runs to time")
    args = parser.parse_args()
    source = corpus_file("tashkeela_classical", "docs.jsonl")
    if source is None:
        sys.exit("nothing to measure without the corpus")
    lucene_missing = lucene_check.missing(LUCENE_JARS) if args.lucene is not False else "--no-lucene"
    if lucene_missing and args.lucene:
        sys.exit(f"--lucene: cannot run Lucene: {lucene_missing}")
    docs = read_jsonl(source)
    queries = draw_queries(docs)
    with tempfile.TemporaryDirectory() as scratch:
        index_dir = args.index
        if index_dir is None:
            index_dir = Path(scratch) / "index"
            print(f"indexing {source} ...", file=sys.stderr)
            index_paths([source], index_dir)
        lucene = None if lucene_missing else Lucene(docs, Path(scratch))
        with lucene or nullcontext(), IndexSearcher(index_dir) as searcher:
            document_count = searcher.document_count()
            timings, snippets = time_queries(searcher, lucene, queries)
        print(f"{document_count:,} documents; per query, in ms: median and 95th percentile of the wall "
              f"time, median of the querying thread's CPU time")
        if lucene_missing:
            print(f"Lucene skipped: {lucene_missing}")
        print(f"  {'':30} {'wall p50':>8} {'wall p95':>8} {'CPU p50':>8}")
        for kind, engines in timings.items():
            named = zip(("ours", "Whoosh", "Lucene"), engines[:-1])
            found = ", ".join(f"{name} {engine.found}" for name, engine in named)
            print(f"{kind} ({len(queries[kind])}; found: {found}; ours cut {snippets[kind]} snippets)")
            print_rows(engines)
        print(f"all ({sum(map(len, queries.values()))})")
        print_rows([sum(column, Timings()) for column in zip(*timings.values())])
        seconds = one_shot(index_dir, queries["single word"][1], args.processes)
        print(f"one-shot `search --json WORD` process: median {seconds:.3f} s of {args.processes}")


def print_rows(engines: list[Timings]) -> None:
    """ours, Whoosh alone and, when it ran, Lucene, then ours / Lucene; then rendering
    ours' pages (the last of ``engines``) and rendering / ours."""
    *engines, rendering = engines
    for label, timings in zip(ENGINES, engines):
        print(row(label, timings))
    if len(engines) == 3:
        print(ratio_row("ours / Lucene", engines[0], engines[2]))
    print(row(RENDERING, rendering))
    print(ratio_row("rendering / ours", rendering, engines[0]))


if __name__ == "__main__":
    main()
