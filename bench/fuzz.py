"""Fuzz the query path at scale: failures by exception type, worst latency, peak memory.

Runs hostile queries from ``tests/query_fuzz.py`` (the generator of the CI fuzz test,
fixed seed) through ``IndexSearcher.search``, each query in one of the four modes in
turn (all words, any word, plain, plain any word), snippets and title highlights of the
hits included. A query must be answered or refused with a SearchError; anything else is
a failure, and so is a query still running after --timeout seconds. Prints the failures
(by type, with their first queries), the CPU-time p50 / p99 / worst with the worst
queries, beside a baseline measured in the same run (the generator's plain dictionary
words, searched as a user would), and the peak RSS with the query that raised it most.

Goal (issue 14): 0 failures, no query over 1 s or 500 MB on the tashkeela_classical
index.

    python bench/fuzz.py --index DIR [--count 100000] [--seed N] [--timeout 60]

Without --index it first indexes tashkeela_classical into a temporary folder (a few
minutes), or says that the corpus is absent and stops.
"""

import argparse
import collections
import resource
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from _corpus import corpus_file  # noqa: E402
from query_fuzz import WORDS, generate_queries  # noqa: E402
from search.errors import SearchError  # noqa: E402
from search.indexer import index_paths  # noqa: E402
from search.searching import IndexSearcher  # noqa: E402

SEED = 20261130
MODES = [(False, False), (True, False), (False, True), (True, True)]
MODE_NAMES = ["all words", "--any", "--plain", "--plain --any"]
LIMIT = 10
SLOW_SECONDS = 1.0  # the bound per query
WORST_SHOWN = 10
PROGRESS_EVERY = 1_000  # queries between progress lines on stderr


class QueryTimeout(Exception):
    """A query ran past --timeout."""


def _alarm(signum, frame):
    raise QueryTimeout


STOP = []  # set by SIGTERM: finish the query running, then report


def _stop(signum, frame):
    STOP.append(signum)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_one(searcher: IndexSearcher, text: str, match_any: bool, plain: bool):
    """Search, and touch what the CLI shows (snippets, highlights); the number of hits."""
    results = searcher.search(text, limit=LIMIT, match_any=match_any, plain=plain)
    for hit in results.hits:
        hit.snippets, hit.title_highlights  # noqa: B018 - computed when first asked for
    return len(results.hits)


def baseline(searcher: IndexSearcher) -> float:
    """Median CPU seconds of the generator's plain words, searched twice (warm)."""
    seconds = []
    for _ in range(2):
        seconds = []
        for word in WORDS:
            started = time.process_time()
            try:
                run_one(searcher, word, False, False)
            except SearchError:  # a stopword alone
                continue
            seconds.append(time.process_time() - started)
    return statistics.median(seconds)


def short(text: str, width: int = 160) -> str:
    shown = repr(text)
    return shown if len(shown) <= width else f"{shown[:width]}… ({len(text):,} characters)"


def fuzz(index_dir: Path, count: int, seed: int, timeout: int) -> int:
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGTERM, _stop)  # report what ran so far
    failures = collections.defaultdict(list)  # type -> [(query, mode, message)]
    refused = collections.Counter()
    timings = []  # (cpu seconds, wall seconds, query, mode)
    rss_jumps = []  # (MB, query, mode)
    answered = found = 0
    with IndexSearcher(index_dir) as searcher:
        base_before = baseline(searcher)
        started_run = time.perf_counter()
        for number, text in enumerate(generate_queries(count, seed)):
            if STOP:
                print(f"stopped after {number:,} queries; the figures are of those", file=sys.stderr)
                break
            mode = number % len(MODES)
            match_any, plain = MODES[mode]
            rss_before = peak_rss_mb()
            cpu, wall = time.process_time(), time.perf_counter()
            signal.alarm(timeout)
            try:
                hits = run_one(searcher, text, match_any, plain)
                answered += 1
                found += bool(hits)
            except SearchError as error:
                refused[str(error).split(";")[0].split("(")[0][:60]] += 1
            except QueryTimeout:
                failures[f"timeout ({timeout} s)"].append((text, mode, ""))
            except Exception as error:  # noqa: BLE001 - what the fuzzing is looking for
                failures[type(error).__name__].append((text, mode, str(error)[:200]))
            finally:
                signal.alarm(0)
            timings.append((time.process_time() - cpu, time.perf_counter() - wall, text, mode))
            if (jump := peak_rss_mb() - rss_before) > 0:
                rss_jumps.append((jump, text, mode))
            if (number + 1) % PROGRESS_EVERY == 0:
                print(f"  {number + 1:,} queries, {time.perf_counter() - started_run:,.0f} s, "
                      f"{sum(map(len, failures.values()))} failures, peak RSS {peak_rss_mb():,.0f} MB",
                      file=sys.stderr, flush=True)
        base_after = baseline(searcher)
    report(len(timings), seed, failures, refused, timings, rss_jumps, answered, found, (base_before, base_after))
    return 1 if failures else 0


def report(count, seed, failures, refused, timings, rss_jumps, answered, found, bases) -> None:
    total_failures = sum(map(len, failures.values()))
    print(f"{count:,} queries (seed {seed}; modes in turn: {', '.join(MODE_NAMES)})")
    print(f"  answered {answered:,} ({found:,} with hits), refused with a SearchError "
          f"{sum(refused.values()):,}, failed {total_failures:,}")
    print("failures by type:" if failures else "failures by type: none")
    for kind, cases in sorted(failures.items(), key=lambda item: -len(item[1])):
        print(f"  {len(cases):6,}  {kind}")
        for text, mode, message in cases[:3]:
            print(f"          {short(text)} [{MODE_NAMES[mode]}] {message}")
    print("refusals by message:")
    for message, n in refused.most_common(12):
        print(f"  {n:6,}  {message}")
    cpu = sorted(seconds for seconds, _, _, _ in timings)
    wall = sorted(seconds for _, seconds, _, _ in timings)

    def at(values, share):
        return values[min(len(values) - 1, int(len(values) * share))] * 1000

    print(f"CPU per query: p50 {at(cpu, 0.5):.2f} ms, p99 {at(cpu, 0.99):.2f} ms, "
          f"worst {cpu[-1] * 1000:.0f} ms; over {SLOW_SECONDS:g} s: "
          f"{sum(seconds > SLOW_SECONDS for seconds in cpu)}")
    print(f"wall per query: p50 {at(wall, 0.5):.2f} ms, p99 {at(wall, 0.99):.2f} ms, "
          f"worst {wall[-1] * 1000:.0f} ms; over {SLOW_SECONDS:g} s: "
          f"{sum(seconds > SLOW_SECONDS for seconds in wall)}  (the machine is shared: CPU is the figure)")
    print(f"baseline, plain dictionary words, median CPU: {bases[0] * 1000:.2f} ms before, "
          f"{bases[1] * 1000:.2f} ms after the run")
    print(f"worst {WORST_SHOWN} queries by CPU:")
    for seconds, wall_seconds, text, mode in sorted(timings, key=lambda t: -t[0])[:WORST_SHOWN]:
        print(f"  {seconds * 1000:7.0f} ms CPU {wall_seconds * 1000:7.0f} ms wall  "
              f"[{MODE_NAMES[mode]}] {short(text)}")
    print(f"peak RSS {peak_rss_mb():,.0f} MB", end="")
    if rss_jumps:
        jump, text, mode = max(rss_jumps, key=lambda j: j[0])
        print(f"; the largest rise, {jump:,.1f} MB, during [{MODE_NAMES[mode]}] {short(text)}")
    else:
        print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an index to search (else tashkeela_classical is indexed)")
    parser.add_argument("--count", type=int, default=100_000, help="queries to run (default 100,000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--timeout", type=int, default=60, help="seconds before a query counts as failed")
    args = parser.parse_args()
    if args.index:
        print(f"index: {args.index}")
        return fuzz(args.index, args.count, args.seed, args.timeout)
    corpus = corpus_file("tashkeela_classical", "docs.jsonl")
    if corpus is None:
        print("tashkeela_classical is absent: nothing fuzzed; give an index with --index DIR")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        index_dir = Path(folder) / "index"
        print(f"indexing {corpus} into {index_dir} …", file=sys.stderr, flush=True)
        index_paths([corpus], index_dir)
        print(f"index: a fresh one of {corpus}")
        return fuzz(index_dir, args.count, args.seed, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
