"""Add, update and remove documents so the index mirrors the files under some paths.

A re-run reads nothing for a file whose size and mtime are unchanged; a file whose
bytes hash the same is not re-parsed; in a changed JSON or JSONL file only the
records whose content changed are re-indexed. Whoosh commits atomically, and this
commits at the end (and every COMMIT_EVERY_BYTES on large runs), so an interrupted
run leaves the last commit intact and a re-run picks up where it stopped.
"""

import inspect
import json
import multiprocessing
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.multiproc import MpWriter

from analyzers.grams import gram_text
from search import store
from search.documents import (
    ParsedFile,
    SkipFile,
    SourceFile,
    parse_file,
    read_file,
    source_file,
    walk,
)
from search.errors import SearchError

# Below this much text to read, one process is faster than starting workers.
PARALLEL_THRESHOLD_BYTES = 4_000_000
# One process: on this 2-core machine (shared, so CPU seconds are the steady figure) two
# workers cost as much CPU or more, 150 MB more memory and a larger index in more
# segments, and were faster in wall time only while the machine had a core to spare.
# tashkeela_classical, bench/index.py, medians of 3, same runs (CPU s / wall s / peak MB):
#   load ~6: 1 worker 49.2 / 86.6 / 437, 2 workers 50.0 /  72.3 / 581
#   load ~9: 1 worker 46.7 / 126  / 437, 2 workers 51.7 / 141   / 594
# The parent parses, fingerprints and normalizes every record before a worker sees it.
WORKERS = 1
# Postings the writer (each worker, if any) holds before it spills a run to disk, as
# search.whoosh_pool.BulkPostingPool counts them (within 10% of what it holds). It
# fills before 47 MB of input (the first 7.9 MB counted 29 MB), so it adds the same at
# twice that; spilling costs little. tashkeela_classical with 1 worker, bench/index.py,
# CPU s / peak MB:
#   200 MB, medians of 3: 47 MB of input 46.7 / 437, 94 MB (copies 2) 90.2 / 649
#   128 MB, medians of 3: 47 MB of input 46.1 / 437, 94 MB (copies 2) 79.0 / 560
# What still grows with the input is the indexing process reading a whole file, its
# text and its records (2 workers: the parent 210 MB at 47 MB, 325 MB at 94 MB).
POOL_MB = 128
# A large run commits every this many bytes read, so an interruption loses little.
COMMIT_EVERY_BYTES = 200_000_000
# whoosh3 can start its workers with a start method that is safe with threads (fork
# warns on Python 3.12+); Whoosh 2.7's writer has no such option and forks.
_START_METHOD = (
    {"start_method": "forkserver"}
    if "start_method" in inspect.signature(MpWriter.__init__).parameters
    and "forkserver" in multiprocessing.get_all_start_methods()
    else {}
)


@dataclass
class IndexReport:
    """What a run did, in documents (records), plus files skipped with reasons."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: reason"
    bytes_read: int = 0


class Progress:
    """Receives progress; the CLI draws it. The default does nothing."""

    def start(self, files: int, total_bytes: int) -> None:
        pass

    def advance(self, source: SourceFile) -> None:
        pass

    def committing(self) -> None:
        """Every file is read; the workers are writing the index (the longer part)."""


@dataclass
class FileState:
    """What the index remembers of one source file, kept in its "file" document."""

    stat_signature: str  # "size:mtime_ns"
    sha: str = ""  # of the bytes, "" if they could not be read
    skipped: list[str] = field(default_factory=list)  # the file's or its records' reasons

    def encode(self) -> bytes:
        return json.dumps([self.stat_signature, self.sha, self.skipped]).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> "FileState":
        return cls(*json.loads(data.decode("utf-8")))


@dataclass
class IndexState:
    """What the last commit knows: each file's state and each record's fingerprint."""

    files: dict[str, FileState] = field(default_factory=dict)
    records: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> key -> fp

    @classmethod
    def load(cls, ix) -> "IndexState":
        state = cls()
        with ix.reader() as reader:
            if reader.doc_count() == 0:
                return state
            keys = reader.column_reader("key")
            files = reader.column_reader("file")
            fingerprints = reader.column_reader("fingerprint")
            for docnum in reader.all_doc_ids():
                key, file = keys[docnum], files[docnum]
                if key == file:
                    state.files[file] = FileState.decode(fingerprints[docnum])
                else:
                    fingerprint = fingerprints[docnum].decode("ascii")
                    state.records.setdefault(file, {})[key] = fingerprint
        return state


def index_paths(
    paths: list[Path], index_dir: Path, rebuild: bool = False, progress: Progress | None = None
) -> IndexReport:
    """Bring the index at ``index_dir`` up to date with the files under ``paths``."""
    for path in paths:
        if not path.exists():
            raise SearchError(f"{path}: no such file or folder")
    if rebuild:
        return _rebuild(paths, index_dir, progress or Progress())
    if store.index_exists(index_dir):
        mismatch = store.version_mismatch(index_dir)
        if mismatch:
            raise SearchError(f"not mixing analyzer versions: {mismatch}")
        ix = store.open_index(index_dir)
    else:
        ix = store.create_index(index_dir)
    return _update(ix, index_dir, paths, progress or Progress())


def _rebuild(paths, index_dir: Path, progress: Progress) -> IndexReport:
    """Build a fresh index beside the old one, then swap it in: the old stays whole until then.

    The old index's write lock is held throughout, so no other run updates it meanwhile.
    The sibling folders are hidden, so indexing "." never walks into them.
    """
    fresh = index_dir.with_name(f".{index_dir.name}.rebuilding")
    retired = index_dir.with_name(f".{index_dir.name}.old")
    store.check_replaceable(index_dir)
    with _holding_write_lock(index_dir):
        shutil.rmtree(fresh, ignore_errors=True)
        report = _update(store.create_index(fresh), index_dir, paths, progress, writing_to=fresh)
        shutil.rmtree(retired, ignore_errors=True)
        if index_dir.exists():
            _carry_hidden_files(index_dir, fresh)
            index_dir.rename(retired)
        fresh.rename(index_dir)
        shutil.rmtree(retired, ignore_errors=True)
    return report


def _carry_hidden_files(old: Path, new: Path) -> None:
    """Keep what the user put in the index folder (a ``.gitkeep``); Whoosh writes no dotfiles."""
    for entry in old.iterdir():
        if entry.name.startswith(".") and not (new / entry.name).exists():
            entry.rename(new / entry.name)


@contextmanager
def _holding_write_lock(index_dir: Path):
    if not store.index_exists(index_dir):
        yield
        return
    ix = store.open_index(index_dir)
    lock = ix.lock("WRITELOCK")
    if not lock.acquire(blocking=False):
        raise SearchError(f"another `search index` is updating {index_dir}; wait for it to finish")
    try:
        yield
    finally:
        lock.release()


def _update(ix, index_dir: Path, paths, progress: Progress, writing_to: Path | None = None):
    report = IndexReport()
    state = IndexState.load(ix)
    found: dict[Path, SourceFile] = {}
    for root in paths:
        for path, supported in walk(root, ignore=index_dir):
            if not supported:
                report.skipped.append(f"{printable(path)}: unsupported file type")
                continue
            if not _has_utf8_name(path):
                report.skipped.append(
                    f"{printable(path)}: the file name is not UTF-8; rename the file to index it"
                )
                continue
            try:
                source = source_file(path, root)
            except OSError as error:
                report.skipped.append(f"{printable(path)}: {error.strerror}")
                continue
            found.setdefault(source.path, source)

    to_read = []
    for source in found.values():
        known = state.files.get(str(source.path))
        if known and known.stat_signature == source.stat_signature:
            report.unchanged += len(state.records.get(str(source.path), {}))
            report.skipped.extend(known.skipped)
        else:
            to_read.append(source)
    roots = [str(root.resolve()) for root in paths]
    gone = [
        file
        for file in state.files
        if Path(file) not in found and any(_is_under(file, root) for root in roots)
    ]

    total_bytes = sum(source.size for source in to_read)
    progress.start(len(to_read), total_bytes)
    writer_options = {"limitmb": POOL_MB}
    if WORKERS > 1 and total_bytes >= PARALLEL_THRESHOLD_BYTES:
        writer_options.update(
            procs=WORKERS,
            multisegment=True,
            start_workers_after=PARALLEL_THRESHOLD_BYTES,
            **_START_METHOD,
        )
    target = writing_to or index_dir
    with _writing(ix, target, writer_options) as session:
        for file in gone:
            report.removed += len(state.records.get(file, {}))
            session.writer.delete_by_term("file", file)
        for source in to_read:
            _index_file(session, source, state, report)
            progress.advance(source)
            session.maybe_commit(report.bytes_read)
        progress.committing()
    return report


def _has_utf8_name(path: Path) -> bool:
    """Whether the path can be stored (Whoosh keeps terms as UTF-8): a name in another
    encoding reaches Python with undecodable bytes as lone surrogates."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(path: Path) -> str:
    """The path with undecodable bytes shown as \\xNN, safe to print anywhere."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _is_under(file: str, root: str) -> bool:
    return file == root or file.startswith(root.rstrip("/") + "/")


def _index_file(session, source: SourceFile, state: IndexState, report: IndexReport) -> None:
    """Index one new or changed file and record its state, skipped or not.

    A file whose bytes hash as before is not parsed again."""
    file = str(source.path)
    known = state.records.get(file, {})
    previous = state.files.get(file)
    file_state = FileState(source.stat_signature)
    parsed = ParsedFile([])
    try:
        file_state.sha, data = read_file(source)
        if previous and previous.sha == file_state.sha:
            parsed = None
        else:
            parsed = parse_file(source, data)
    except SkipFile as reason:
        file_state.skipped.append(f"{source.display}: {reason}")
    finally:
        report.bytes_read += source.size
    if parsed is None:
        report.unchanged += len(known)
        file_state.skipped = previous.skipped
    else:
        _index_records(session.writer, source, parsed.records, known, file_state, report)
        file_state.skipped.extend(parsed.problems)
    report.skipped.extend(file_state.skipped)
    session.writer.update_document(
        key=file, kind=store.KIND_FILE, file=file, fingerprint=file_state.encode()
    )


def _index_records(writer, source, records, known, file_state, report) -> None:
    """Add new records, replace changed ones and delete those gone from the file."""
    file = str(source.path)
    current = set()
    for record in records:
        key = store.record_key(file, record.id)
        if key in current:
            file_state.skipped.append(f"{source.display}: duplicate id {record.id!r} ignored")
            continue
        current.add(key)
        fingerprint = record.fingerprint
        if known.get(key) == fingerprint:
            report.unchanged += 1
            continue
        if key in known:
            writer.delete_by_term("key", key)
            report.updated += 1
        else:
            report.added += 1
        # Normalized once for the grams column and the roots field. The shown title: a
        # record without one has its first line counted twice, +0.003 MRR@10 on wiki_qa
        # over its real title (docs/relevance.md).
        words = gram_text(f"{record.display_title}\n{record.text}")
        writer.add_document(
            id=record.id,
            key=key,
            kind=store.KIND_RECORD,
            file=file,
            path=source.display,
            title=record.title,
            _stored_title=record.display_title,
            body=record.text,
            source=record.source,
            date=record.date,
            url=record.url,
            location=record.location,
            fingerprint=fingerprint.encode("ascii"),
            grams=words.encode("utf-8"),
            roots=words,
        )
    for key in known.keys() - current:
        writer.delete_by_term("key", key)
        report.removed += 1


class _WritingSession:
    """One writer at a time; on large runs, commit and start a new writer every so often."""

    def __init__(self, ix, index_dir: Path, options: dict):
        self.ix, self.index_dir, self.options = ix, index_dir, options
        self.writer = store.open_writer(ix, index_dir, **options)
        self.committed_at = 0

    def maybe_commit(self, bytes_read: int) -> None:
        if bytes_read - self.committed_at >= COMMIT_EVERY_BYTES:
            self.writer.commit()
            self.committed_at = bytes_read
            self.writer = store.open_writer(self.ix, self.index_dir, **self.options)

    def cancel(self) -> None:
        for task in getattr(self.writer, "tasks", []):
            task.terminate()
        self.writer.cancel()


@contextmanager
def _writing(ix, index_dir: Path, options: dict):
    """A writing session that commits on success and leaves the last commit alone otherwise."""
    session = _WritingSession(ix, index_dir, options)
    try:
        yield session
    except BaseException:
        session.cancel()
        raise
    session.writer.commit()
