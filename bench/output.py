"""What the output modes cost on the tashkeela_classical index, as whole processes.

Runs ``search WORDS`` (the baseline, in the same run) and the same query with ``--json``,
``-c``, ``-l`` (1,000 hits) and ``--sort date`` (1,000 hits sorted) as one-shot
processes, and prints the median CPU seconds (user + system of the process) and wall
seconds of each, on a machine others share.

    python bench/output.py [--index DIR] [--runs N]

Without --index it builds a fresh index of the corpus first (a few minutes).
"""

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import corpus_file  # noqa: E402
from search.indexer import index_paths  # noqa: E402

QUERIES = ("الله", "أبو بكر", "كتاب الصلاة")
MODES = {"baseline": [], "--json": ["--json"], "-c": ["-c"], "-l": ["-l"], "--sort date": ["--sort", "date"]}


def one_run(index: Path, query: str, options: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one ``search`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "search", "--index", str(index), *options, query],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index of the corpus (built if absent)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    index = args.index
    if index is None:
        corpus = corpus_file("tashkeela_classical", "docs.jsonl")
        if corpus is None:
            return
        index = Path(tempfile.mkdtemp()) / "index"
        index_paths([corpus], index)
    print(f"median of {args.runs} processes; CPU = user + system seconds")
    for query in QUERIES:
        for name, options in MODES.items():
            runs = [one_run(index, query, options) for _ in range(args.runs)]
            cpu = statistics.median(run[0] for run in runs)
            wall = statistics.median(run[1] for run in runs)
            print(f"{query:12} {name:12} CPU {cpu:.3f} s  wall {wall:.3f} s")


if __name__ == "__main__":
    main()
