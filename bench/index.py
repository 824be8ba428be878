"""Indexing speed: a fresh index of tashkeela_classical, then a re-run on unchanged input.

Prints MB/s, documents/s, index size and peak memory (this process and its workers
together), beside a baseline measured in the same run: the same documents through a
plain Whoosh schema (StandardAnalyzer, one stored text field) with the same writer.

    python bench/index.py [--docs N] [--skip-baseline]
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from whoosh import index as whoosh_index  # noqa: E402
from whoosh.fields import ID, TEXT, Schema  # noqa: E402

from _corpus import corpus_file  # noqa: E402
from search.indexer import WORKERS, index_paths  # noqa: E402


def folder_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


class TreeMemory:
    """Samples the resident memory of this process and all its descendants (Linux /proc).

    Whoosh's workers are started by a forkserver, so they are grandchildren: getrusage's
    RUSAGE_CHILDREN never sees them. The peak is of the sum over the whole tree.
    """

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak_mb, self._stop = interval, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        page_mb = os.sysconf("SC_PAGE_SIZE") / 1e6
        while not self._stop.wait(self.interval):
            parents = {}
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(stat.parent.name)] = (int(fields[1]), int(fields[21]))
            tree, frontier = {os.getpid()}, [os.getpid()]
            while frontier:
                parent = frontier.pop()
                children = [pid for pid, (ppid, _) in parents.items() if ppid == parent]
                tree.update(children)
                frontier.extend(children)
            total = sum(parents[pid][1] for pid in tree if pid in parents) * page_mb
            self.peak_mb = max(self.peak_mb, total)


def plain_whoosh(docs_file: Path, folder: Path) -> float:
    schema = Schema(id=ID(stored=True), text=TEXT(stored=True))
    ix = whoosh_index.create_in(str(folder), schema)
    started = time.perf_counter()
    writer = ix.writer(procs=WORKERS)
    with docs_file.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            writer.add_document(id=doc["id"], text=doc["text"])
    writer.commit()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, help="index only the first N documents")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    source = corpus_file("tashkeela_classical", "docs.jsonl")
    if source is None:
        sys.exit("nothing to measure without the corpus")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        docs_file = scratch / "corpus" / "docs.jsonl"
        docs_file.parent.mkdir()
        with source.open(encoding="utf-8") as lines, docs_file.open("w", encoding="utf-8") as out:
            for number, line in enumerate(lines):
                if args.docs is not None and number >= args.docs:
                    break
                out.write(line)
        megabytes = docs_file.stat().st_size / 1e6
        documents = sum(1 for _ in docs_file.open(encoding="utf-8"))
        print(f"{documents:,} documents, {megabytes:.1f} MB, {WORKERS} worker processes")

        if not args.skip_baseline:
            (scratch / "plain").mkdir()
            seconds = plain_whoosh(docs_file, scratch / "plain")
            print(
                f"baseline, plain Whoosh:  {seconds:6.2f} s  {megabytes / seconds:5.2f} MB/s  "
                f"index {folder_size(scratch / 'plain') / 1e6:.0f} MB"
            )

        index_dir = scratch / "index"
        with TreeMemory() as memory:
            started = time.perf_counter()
            report = index_paths([docs_file.parent], index_dir)
            seconds = time.perf_counter() - started
        print(
            f"search index (fresh):    {seconds:6.2f} s  {megabytes / seconds:5.2f} MB/s  "
            f"{report.added / seconds:,.0f} docs/s  index {folder_size(index_dir) / 1e6:.0f} MB"
        )
        print(f"peak memory: {memory.peak_mb:,.0f} MB, this process and its workers together")

        started = time.perf_counter()
        report = index_paths([docs_file.parent], index_dir)
        seconds = time.perf_counter() - started
        print(f"search index (unchanged): {seconds:6.2f} s  ({report.unchanged:,} unchanged)")


if __name__ == "__main__":
    main()
