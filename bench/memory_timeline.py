"""Where indexing's memory goes: the resident size at each spill of the posting pool and
around the final merge, one process, for the corpus once and more times over.

For each ``--copies`` (tashkeela_classical written that many times into one file, the
later copies with new ids, as bench/index.py does), indexes it with `search index`'s
code in a fresh child process that samples its own resident size every 0.1 s and marks
each spill (start, end) and the merge of the runs into the segment; then prints the
marks and the peak, and during what it came. A peak that grows from one copy to the next
is memory the corpus, not a setting, decides.

    python bench/memory_timeline.py [--copies 1,2] [--pool-mb MB]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _corpus import corpus_file  # noqa: E402

CHILD = """
import json, sys, threading, time
from pathlib import Path
from search import indexer, whoosh_pool

def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20

started, marks, peak, stage = time.monotonic(), [], [0.0, "reading"], ["reading"]

def sample():
    while True:
        now = resident_mb()
        if now > peak[0]:
            peak[:] = [now, stage[0]]
        time.sleep(0.1)

def mark(name):
    stage[0] = name
    marks.append((round(time.monotonic() - started, 1), name, round(resident_mb())))

save, terms = whoosh_pool.BulkPostingPool.save, whoosh_pool.BulkPostingPool.terms

def marked_save(self):
    mark("spill starts")
    save(self)
    mark("spill ends")
    stage[0] = "reading"

def marked_terms(self, maxfiles=128):
    mark(f"merge of {len(self.runs)} run(s) starts")
    yield from terms(self, maxfiles)
    mark("merge ends")

whoosh_pool.BulkPostingPool.save, whoosh_pool.BulkPostingPool.terms = marked_save, marked_terms
if int(sys.argv[3]):
    indexer.POOL_MB = int(sys.argv[3])
threading.Thread(target=sample, daemon=True).start()
corpus = Path(sys.argv[1])
indexer.index_paths([corpus], Path(sys.argv[2]), max_file_bytes=corpus.stat().st_size + 1)
mark("done")
print(json.dumps({"marks": marks, "peak": round(peak[0]), "during": peak[1]}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="1,2", help="comma-separated: the corpus this many times over")
    parser.add_argument("--pool-mb", type=int, default=0, help="pool size (default: the indexer's)")
    args = parser.parse_args()
    if not Path("/proc/self/statm").exists():
        sys.exit("reads the resident size from /proc/self/statm (Linux)")
    source = corpus_file("tashkeela_classical", "docs.jsonl")
    if source is None:
        sys.exit(1)
    from index import write_corpus

    peaks = []
    for copies in (int(count) for count in args.copies.split(",")):
        with tempfile.TemporaryDirectory(prefix="memory-timeline-") as scratch:
            corpus = write_corpus(source, Path(scratch), None, copies) / "docs.jsonl"
            size_mb = corpus.stat().st_size / 1e6
            child = subprocess.run(
                [sys.executable, "-c", CHILD, str(corpus), str(Path(scratch) / "index"), str(args.pool_mb)],
                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(HERE.parent)},
            )
            if child.returncode:
                sys.exit(child.stderr)
            found = json.loads(child.stdout.splitlines()[-1])
        print(f"{copies} cop{'y' if copies == 1 else 'ies'}, {size_mb:.1f} MB: s / mark / resident MB")
        for seconds, name, megabytes in found["marks"]:
            print(f"  {seconds:7.1f}  {name:28} {megabytes:5}")
        print(f"  peak {found['peak']} MB, during: {found['during']}")
        peaks.append((size_mb, found["peak"]))
    print("peaks: " + ", ".join(f"{size:.0f} MB of input -> {peak} MB" for size, peak in peaks))


if __name__ == "__main__":
    main()
