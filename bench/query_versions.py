"""Query latency of two versions of this code, paired query by query.

Each version (a checkout of this repository, with an index of tashkeela_classical built
by that version) runs in a long-lived process of its own; for each of bench/query.py's
300 queries the two are asked in turn, alternating which goes first, so that both meet
the same moments of load on a shared machine. Each times ``IndexSearcher.search`` with
snippets cut for every hit (as bench/query.py's "ours" column), in the process's CPU
time, over ``--rounds`` passes after a warm-up pass (a query a version refuses, an
older one's stopwords differing, is timed to its refusal). The queries are drawn by
this checkout's bench/query.py. Prints p50 and p95 per kind of query for each version
and the median of the per-query ratios (B / A).

    python bench/query_versions.py OLD_CHECKOUT OLD_INDEX NEW_CHECKOUT NEW_INDEX [--rounds 4]

For example, against the code of commit 54c8e55:
    git worktree add ../base 54c8e55
    (cd ../base && python -m search index --index /tmp/ix-old ../shared/corpora/tashkeela_classical/docs.jsonl)
    python bench/query_versions.py ../base /tmp/ix-old . /tmp/ix-new
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from _corpus import corpus_file, read_jsonl  # noqa: E402
from query import draw_queries  # noqa: E402

# Runs in each version's process: its own checkout first on the path.
WORKER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from search.searching import IndexSearcher
searcher = IndexSearcher(Path(sys.argv[2]))
print("ready", flush=True)
for line in sys.stdin:
    started = time.process_time()
    try:
        results = searcher.search(json.loads(line), limit=10)
        sum(len(hit.snippets) for hit in results.hits)
    except Exception:  # an older version may refuse a query (its stopwords): timed all the same
        pass
    print(time.process_time() - started, flush=True)
"""


class Version:
    def __init__(self, checkout: Path, index: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(checkout.resolve()), str(index.resolve())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=checkout,
        )
        if self.process.stdout.readline().strip() != "ready":
            sys.exit(f"{checkout}: could not open {index}")

    def time(self, text: str) -> float:
        self.process.stdin.write(json.dumps(text) + "\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def percentile(values: list[float], fraction: float) -> float:
    return sorted(values)[min(int(fraction * len(values)), len(values) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_checkout", type=Path)
    parser.add_argument("old_index", type=Path)
    parser.add_argument("new_checkout", type=Path)
    parser.add_argument("new_index", type=Path)
    parser.add_argument("--rounds", type=int, default=4, help="timed passes over the queries")
    args = parser.parse_args()
    source = corpus_file("tashkeela_classical", "docs.jsonl")
    if source is None:
        sys.exit("nothing to measure without the corpus")
    queries = draw_queries(read_jsonl(source))
    versions = [Version(args.old_checkout, args.old_index), Version(args.new_checkout, args.new_index)]
    times = {kind: ([], []) for kind in queries}
    asked = 0
    for round_ in range(args.rounds + 1):
        for kind, texts in queries.items():
            for text in texts:
                order = (0, 1) if asked % 2 == 0 else (1, 0)
                asked += 1
                seconds = {which: versions[which].time(text) for which in order}
                if round_:  # the first pass warms both up
                    times[kind][0].append(seconds[0])
                    times[kind][1].append(seconds[1])
    for version in versions:
        version.close()
    times["all"] = ([t for old, _ in times.values() for t in old], [t for _, new in times.values() for t in new])
    print(f"ms of CPU per query, {args.rounds} rounds; A = {args.old_checkout}, B = {args.new_checkout}")
    print(f"{'':12} {'A p50':>7} {'B p50':>7} {'A p95':>7} {'B p95':>7} {'median B/A':>10}")
    for kind, (old, new) in times.items():
        ratios = [b / a for a, b in zip(old, new) if a > 0]
        print(
            f"{kind:12} {statistics.median(old) * 1e3:7.2f} {statistics.median(new) * 1e3:7.2f} "
            f"{percentile(old, 0.95) * 1e3:7.1f} {percentile(new, 0.95) * 1e3:7.1f} {statistics.median(ratios):10.2f}"
        )


if __name__ == "__main__":
    main()
