"""Indexing cost: a fresh index of tashkeela_classical, beside plain Whoosh and Lucene.

Each engine runs in its own process, in turn, ``--repeat`` times; the figures are
medians, and "vs plain" is the median of each round's ratio to plain Whoosh's run of
the same round (pair by pair, so that a machine whose speed drifts between rounds moves
it less than a ratio of medians). For each it prints the CPU seconds of the whole
process tree (user + system of the indexing process and every descendant: Whoosh's
workers are grandchildren, started by a forkserver, so this process makes itself their
subreaper and reaps them all before reading ``RUSAGE_CHILDREN``), the peak resident
memory of the tree (the sum over its processes, sampled from /proc), wall time and
index size.

Engines:
  ours         `search index` (search.indexer.index_paths) with its posting pool
  whoosh-pool  the same with Whoosh's own PostingPool, to see what the pool changes
  plain        plain Whoosh: StandardAnalyzer over tashkeel-stripped text, one stored
               text field, the same worker count (the text is stripped beforehand)
  lucene       ../shared/anchors/lucene_run.sh indexing the same file (Lucene 8's
               ArabicAnalyzer, title and text stored), when liblucene8-java is installed
An engine may be given as ENGINE@N to run it with N worker processes (ours@1,ours@2).

Then two re-runs of `search index` on the last index of the first of ours: unchanged,
and with 1% of the records changed (every hundredth record's text).

    python bench/index.py [--docs N] [--copies 2] [--repeat 3] [--workers 1]
                          [--engines ours,whoosh-pool,plain,lucene] [--pool-mb MB]

``--copies 2`` writes the corpus twice into one file, the second copy with new ids.
"""

import argparse
import ctypes
import glob
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _corpus import corpus_file  # noqa: E402

LUCENE_RUN = HERE.parent.parent / "shared" / "anchors" / "lucene_run.sh"
LUCENE_JARS = "/usr/share/java/lucene-core-8*.jar"
ENGINES = ("ours", "whoosh-pool", "plain", "lucene")
_PR_SET_CHILD_SUBREAPER = 36


def folder_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


class TreeMemory:
    """Samples the summed resident memory of this process's descendants (Linux /proc).

    Whoosh's workers are started by a forkserver, so they are grandchildren: the peak
    is of the sum over the whole tree below this process, which itself is left out.
    """

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak_mb, self._stop = interval, 0.0, threading.Event()
        self.process_peaks_mb: dict[int, float] = {}
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
            tree, frontier = set(), [os.getpid()]
            while frontier:
                parent = frontier.pop()
                children = [pid for pid, (ppid, _) in parents.items() if ppid == parent]
                tree.update(children)
                frontier.extend(children)
            resident = {pid: parents[pid][1] * page_mb for pid in tree if pid in parents}
            self.peak_mb = max(self.peak_mb, sum(resident.values()))
            for pid, megabytes in resident.items():
                self.process_peaks_mb[pid] = max(self.process_peaks_mb.get(pid, 0.0), megabytes)


def become_subreaper() -> None:
    """Orphaned descendants (a forkserver outliving its parent) become our children, so
    waiting for them adds their CPU, and their reaped children's, to RUSAGE_CHILDREN."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(ctypes.get_errno())}")


def reap_orphans() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def measure(command: list[str], **kwargs) -> dict:
    """Run ``command`` to the end: its tree's CPU seconds, wall time, peak memory (of the
    tree, of the process started, and of the largest of its descendants)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with TreeMemory() as memory:
        started = time.perf_counter()
        child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, **kwargs)
        _, errors = child.communicate()
        reap_orphans()
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{errors}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    others = [mb for pid, mb in memory.process_peaks_mb.items() if pid != child.pid]
    return {
        "cpu": cpu,
        "wall": wall,
        "peak_mb": memory.peak_mb,
        "main_mb": memory.process_peaks_mb.get(child.pid, 0.0),
        "other_mb": max(others, default=0.0),
    }


# What each engine runs, in a child process of its own (``--child ENGINE …``).


def run_ours(docs_dir: Path, index_dir: Path, workers: int, pool_mb: int, whoosh_pool: bool):
    from search import indexer
    from search import whoosh_pool as pool

    indexer.WORKERS = workers
    if pool_mb:
        indexer.POOL_MB = pool_mb
    if whoosh_pool:
        from whoosh.writing import PostingPool

        pool.POOL_CLASS = PostingPool
    # The whole corpus, also where --copies makes it larger than `search index` takes
    # by default (search.limits.MAX_FILE_MB).
    corpus_bytes = sum(path.stat().st_size for path in docs_dir.iterdir())
    report = indexer.index_paths([docs_dir], index_dir, max_file_bytes=max(corpus_bytes, indexer.MAX_FILE_BYTES))
    if report.skipped:
        sys.exit(f"skipped: {report.skipped}")
    print(json.dumps({"added": report.added, "unchanged": report.unchanged}))


def run_plain(docs_dir: Path, index_dir: Path, workers: int):
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    index_dir.mkdir()
    ix = whoosh_index.create_in(str(index_dir), Schema(id=ID(stored=True), text=TEXT(stored=True)))
    writer = ix.writer(procs=workers, multisegment=True, start_method="forkserver")
    with (docs_dir / "stripped.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            writer.add_document(id=doc["id"], text=doc["text"])
    writer.commit()


def child(args) -> None:
    docs_dir, index_dir = Path(args.child[1]), Path(args.child[2])
    if args.child[0] == "plain":
        run_plain(docs_dir, index_dir, args.workers)
    else:
        run_ours(docs_dir, index_dir, args.workers, args.pool_mb, args.child[0] == "whoosh-pool")


def write_corpus(source: Path, folder: Path, docs: int | None, copies: int) -> Path:
    """The corpus (its first ``docs`` records, ``copies`` times with new ids) as
    ``corpus/docs.jsonl``, and its tashkeel-stripped text as ``plain/stripped.jsonl``."""
    from analyzers.normalization import strip_tashkeel

    corpus, plain = folder / "corpus", folder / "plain"
    corpus.mkdir()
    plain.mkdir()
    with (corpus / "docs.jsonl").open("w", encoding="utf-8") as out, (
        plain / "stripped.jsonl"
    ).open("w", encoding="utf-8") as stripped:
        for copy in range(copies):
            with source.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines):
                    if docs is not None and number >= docs:
                        break
                    record = json.loads(line)
                    if copy:
                        record["id"] = f"{record['id']}-copy{copy}"
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    text = f"{record.get('title') or ''}\n{record['text']}"
                    doc = {"id": record["id"], "text": strip_tashkeel(text)}
                    stripped.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return corpus


def engine_command(engine: str, args, corpus: Path, index_dir: Path) -> list[str]:
    """The command for ENGINE, or ENGINE@WORKERS with its own worker count."""
    engine, _, workers = engine.partition("@")
    if engine == "lucene":
        return ["bash", str(LUCENE_RUN), str(corpus), str(index_dir.with_suffix(".run"))]
    docs_dir = corpus.parent / "plain" if engine == "plain" else corpus
    command = [sys.executable, __file__, "--child", engine, str(docs_dir), str(index_dir)]
    return command + ["--workers", workers or str(args.workers), "--pool-mb", str(args.pool_mb)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, help="index only the first N documents")
    parser.add_argument("--copies", type=int, default=1, help="the corpus this many times over")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--workers", type=int, help="worker processes (default: the indexer's)")
    parser.add_argument("--pool-mb", type=int, default=0, help="pool size (default: the indexer's)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workers is None:
        from search.indexer import default_workers

        args.workers = default_workers()
    if args.child:
        child(args)
        return
    source = corpus_file("tashkeela_classical", "docs.jsonl")
    if source is None:
        sys.exit("nothing to measure without the corpus")
    engines = [engine for engine in args.engines.split(",") if engine]
    unknown = [engine for engine in engines if engine.partition("@")[0] not in ENGINES]
    if unknown:
        sys.exit(f"unknown engines {unknown}; choose from {ENGINES}")
    if "lucene" in engines and not glob.glob(LUCENE_JARS):
        print(f"note: {LUCENE_JARS} is absent (apt-get install liblucene8-java); no Lucene column")
        engines.remove("lucene")
    elif "lucene" in engines and not LUCENE_RUN.is_file():
        print(f"note: {LUCENE_RUN} is absent; no Lucene column")
        engines.remove("lucene")
    become_subreaper()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        corpus = write_corpus(source, scratch, args.docs, args.copies)
        megabytes = (corpus / "docs.jsonl").stat().st_size / 1e6
        documents = sum(1 for _ in (corpus / "docs.jsonl").open(encoding="utf-8"))
        print(
            f"{documents:,} documents, {megabytes:.1f} MB, {args.workers} worker process(es), "
            f"medians of {args.repeat} runs"
        )
        results = {engine: [] for engine in engines}
        rerun_engine = next((e for e in engines if e.partition("@")[0] == "ours"), None)
        for attempt in range(args.repeat):
            for engine in engines:
                index_dir = scratch / f"{engine}-{attempt}"
                figures = measure(
                    engine_command(engine, args, corpus, index_dir), stdout=subprocess.DEVNULL
                )
                size = folder_size(index_dir) if index_dir.exists() else 0
                results[engine].append({**figures, "size_mb": size / 1e6})
                if engine != rerun_engine or attempt < args.repeat - 1:
                    subprocess.run(["rm", "-rf", str(index_dir)], check=True)

        baseline = results.get("plain")
        print(
            f"{'engine':<12} {'CPU s':>6} {'vs plain':>8} {'wall s':>6} {'peak MB':>7} "
            f"{'(main':>6} {'other)':>6} {'index MB':>8}"
        )
        for engine, runs in results.items():
            median = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
            ratio = ""
            if baseline:
                paired = statistics.median(run["cpu"] / plain["cpu"] for run, plain in zip(runs, baseline))
                ratio = f"{paired:7.2f}x"
            size = f"{median['size_mb']:8.0f}" if median["size_mb"] else f"{'-':>8}"
            each = ", ".join(f"{run['cpu']:.1f}" for run in runs)
            print(
                f"{engine:<12} {median['cpu']:6.1f} {ratio:>8} {median['wall']:6.1f} "
                f"{median['peak_mb']:7.0f} {median['main_mb']:6.0f} {median['other_mb']:6.0f} "
                f"{size}   (CPU of each run: {each})"
            )
        print("peak: the whole tree; main: the process started; other: the largest below it")
        if rerun_engine:
            rerun(args, corpus, scratch / f"{rerun_engine}-{args.repeat - 1}", rerun_engine, results)


def rerun(args, corpus: Path, index_dir: Path, engine: str, results: dict) -> None:
    """Re-run `search index` unchanged, then with 1% of the records changed."""
    command = engine_command(engine, args, corpus, index_dir)
    figures = measure(command, stdout=subprocess.DEVNULL)
    print(f"{engine} re-run, unchanged:   {figures['wall']:5.2f} s wall  {figures['cpu']:5.2f} CPU s")
    docs = corpus / "docs.jsonl"
    lines = docs.read_text(encoding="utf-8").splitlines()
    for number in range(0, len(lines), 100):
        record = json.loads(lines[number])
        record["text"] += " وهذا سطر مضاف للتجربة"
        lines[number] = json.dumps(record, ensure_ascii=False)
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    figures = measure(command, stdout=subprocess.DEVNULL)
    full = statistics.median(run["cpu"] for run in results[engine])
    print(
        f"{engine} re-run, 1% changed: {figures['wall']:5.2f} s wall  {figures['cpu']:5.2f} CPU s"
        f"  ({figures['cpu'] / full:.1%} of a full build's CPU)"
    )


if __name__ == "__main__":
    main()
