"""Start-up cost: opening an index, and a one-shot `search WORD --json`.

Beside Whoosh's own storage in the same run (which copies every segment file into
memory on open), on an index of tashkeela_classical built with `search index`:
  - in a fresh process each time: open the index and a searcher, search once;
    CPU and wall time of the open, and resident memory added by it;
  - the whole one-shot command, `search WORD --json`, in a fresh process: wall time
    and peak resident memory;
  - with ``--queries``, in-process latency afterwards: bench/query.py's 300 queries,
    snippets for the top 10, p50 of a warm second pass, once per storage.
Medians of ``--repeat`` runs.

    python bench/startup.py INDEX_DIR [--word كتاب] [--repeat 5] [--queries]

Build the index first, e.g. `search index --index /tmp/tk ../shared/corpora/tashkeela_classical`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Run in a child process: ``storage`` is "mapped" (ours) or "whoosh".
USE_WHOOSH_STORAGE = """
from search.whoosh_storage import MappedFileStorage
MappedFileStorage.copies = True
"""
OPEN_ONCE = """
import json, sys, time
from pathlib import Path
def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6
from search import store
from search.searching import IndexSearcher
before, cpu, wall = rss_mb(), time.process_time(), time.perf_counter()
with IndexSearcher(Path(sys.argv[1])) as searcher:
    opened = (time.process_time() - cpu, time.perf_counter() - wall, rss_mb() - before)
    hits = len(searcher.search(sys.argv[2]).hits)
print(json.dumps({"open_cpu": opened[0], "open_wall": opened[1], "open_rss": opened[2], "hits": hits}))
"""
LATENCY = """
import json, statistics, sys
from pathlib import Path
sys.path.insert(0, "bench")
from _corpus import corpus_file, read_jsonl
from query import draw_queries, time_queries
from search.searching import IndexSearcher
drawn = draw_queries(read_jsonl(corpus_file("tashkeela_classical", "docs.jsonl")))
with IndexSearcher(Path(sys.argv[1])) as searcher:
    seconds, _, _ = time_queries(searcher, [text for texts in drawn.values() for text in texts])
print(json.dumps({"p50_ms": statistics.median(seconds) * 1e3}))
"""
ONE_SHOT = """
import sys
from search.cli import cli
cli(sys.argv[1:], prog_name="search")
"""


def run(code: str, args: list[str]) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak RSS MB) of ``python -c code args`` in a fresh process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, cwd=REPO, text=True
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        sys.exit(f"the child failed ({child.returncode})")
    return output, wall, usage.ru_maxrss / 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--word", default="كتاب")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--queries", action="store_true", help="also in-process latency")
    args = parser.parse_args()
    figures = {storage: {} for storage in ("mapped", "whoosh")}
    for _ in range(args.repeat):
        for storage, figure in figures.items():
            prefix = USE_WHOOSH_STORAGE if storage == "whoosh" else ""
            output, _, _ = run(prefix + OPEN_ONCE, [str(args.index_dir), args.word])
            for name, value in json.loads(output).items():
                figure.setdefault(name, []).append(value)
            command = [args.word, "--json", "--index", str(args.index_dir)]
            output, wall, peak = run(prefix + ONE_SHOT, command)
            figure.setdefault("oneshot_wall", []).append(wall)
            figure.setdefault("oneshot_rss", []).append(peak)
            figure.setdefault("oneshot_hits", []).append(len(output.splitlines()))
    print(f"index {args.index_dir}, word {args.word}, medians of {args.repeat} fresh processes")
    print(
        f"{'storage':<8} {'open CPU ms':>11} {'open wall ms':>12} {'open +RSS MB':>12} "
        f"{'search --json s':>15} {'peak RSS MB':>11} {'hits':>5}"
    )
    for storage, figure in figures.items():
        median = {name: statistics.median(values) for name, values in figure.items()}
        print(
            f"{storage:<8} {median['open_cpu'] * 1e3:11.1f} {median['open_wall'] * 1e3:12.1f} "
            f"{median['open_rss']:12.1f} {median['oneshot_wall']:15.3f} "
            f"{median['oneshot_rss']:11.0f} {median['oneshot_hits']:5.0f}"
        )
    if args.queries:
        for storage in figures:
            prefix = USE_WHOOSH_STORAGE if storage == "whoosh" else ""
            output, _, _ = run(prefix + LATENCY, [str(args.index_dir)])
            print(f"{storage:<8} 300 queries in-process, snippets: p50 {json.loads(output)['p50_ms']:.2f} ms")


if __name__ == "__main__":
    main()
