"""Add, update and remove documents so the index mirrors the files under some paths.

A re-run reads nothing for a file whose size and mtime are unchanged; a file whose
bytes hash the same is not re-parsed; in a changed JSON or JSONL file only the
records whose content changed are re-indexed, and of a JSONL file only the lines whose
bytes changed are parsed (``FileState.known_lines``). Whoosh commits atomically, and this
commits at the end (and every COMMIT_EVERY_BYTES on large runs), so an interrupted
run leaves the last commit intact and a re-run picks up where it stopped.
"""

import errno
import json
import os
import re
import shutil
import signal
import stat
import sys
import threading
import traceback
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from analyzers import memo
from analyzers.grams import gram_text, read_gram_words
from search import frequencies, store, whoosh_pool, worker_lifetime
from search.filestate import FileState
from search.lexicon import save_lexicon
from search.documents import (
    MAX_FILE_BYTES,
    JsonLinesFile,
    KnownRecord,
    ParsedFile,
    SkipFile,
    Skipped,
    SourceFile,
    discover,
    parse_file,
    read_file,
)
from search.errors import SearchError

# Below this much text to read, one process is faster than starting workers.
PARALLEL_THRESHOLD_BYTES = 4_000_000
# Workers by default, where the machine has the cores (``default_workers``). Once each
# worker wrote a segment of its own, where a search looks every family up once per
# segment (queries 1.12x), so one process was the default. Since the workers hand their
# runs to the parent, which writes one segment (search.whoosh_pool), two are the default:
# tashkeela_classical, bench/index.py --engines ours@1,ours@2,plain,lucene --workers 1,
# medians of 3, same runs (CPU s / wall s / peak MB), quiet 2-core machine, 2026-12-01:
#   1 worker 29.7 / 29.7 / 200, 2 workers 34.9 / 22.5 / 466, plain Whoosh 31.6 / 31.6 /
#   189, Lucene 5.6 / 3.8 / 343.
# Peak MB with two workers on 47 / 94 / 141 MB of input (--copies), each with the whole
# pool's limit: 468 / 540 / 542, each worker's memos filling on half the input, so later
# than one process's; with half the limit each and smaller memos, 354 / 354 (POOL_MB).
# The workers' extra CPU is their own word memos, the documents handed to them and the
# parent's copy of their stored fields; the parent writes the segment alone (some 8 s of
# the 22). Earlier figures, when two workers wrote two segments and one process was the
# default, are in this file's history.
WORKERS = 2
# The memory the writer's posting pool (each worker's, if any) shares with what else the
# run holds and a larger input would make larger (HeldElsewhere: the word memos, the
# file's records, the new words), in MB: the pool spills a run to disk when the two
# together pass it. The history: the pool alone, 128 MB, peaked 283 / 317 MB on 47 / 94
# MB of input and 64 MB 242 / 262 (CPU alike: spilling costs little); then, the memos
# filling and staying (analyzers.memo) and the pool giving its memory back
# (search.whoosh_pool), 64 MB peaked 195 / 209 MB (bench/memory_timeline.py): on 94 MB
# the pool filled after the memos had (some 86 MB full on tashkeela_classical), which
# 47 MB never reached. Shared, 150 MB (the pool some 50-64 of it once the memos are
# full): spills at 186-190 / 189-192 MB, and with the term dictionary's hashes kept in
# arrays (search.whoosh_pool.CompactBucket) the merge stays below: peaks 190 / 192
# MB. Less would leave the pool less once the memos are full: a pool of 32 MB alone
# took 5.6% more CPU than 64 (every term written to and merged from twice as many runs).
# With workers, this is the whole run's: each of N workers' pools shares POOL_MB / N
# with its own memos (two workers: 75 MB each), so that more workers do not take more
# memory: peaks 354 MB on 47 and on 94 MB of input, where 150 MB each peaked 467 and 540
# (see TERM_CACHE_SIZE in analyzers.terms, changed with it).
POOL_MB = 150
# What a record of the file being read holds beyond its key (tracemalloc on
# tashkeela_classical: its id 62 bytes, location 58, line digest 65, and the set, dict
# and list slots), and a new word of the lexicon (85 bytes and its set slot).
RECORD_BYTES = 280
WORD_BYTES = 120
# A large run commits every this many bytes read, so an interruption loses little.
COMMIT_EVERY_BYTES = 200_000_000
# Progress is told of the bytes read inside a file at most once per this many.
PROGRESS_STEP_BYTES = 2**20
# Stopped workers get this long to exit before they are killed.
WORKER_EXIT_SECONDS = 5
STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def default_workers() -> int:
    """WORKERS, or fewer where this process may run on fewer cores."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(WORKERS, cores))


@cache
def _start_method() -> dict:
    """whoosh3 can start its workers with a start method that is safe with threads (fork
    warns on Python 3.12+); Whoosh 2.7's writer has no such option and forks. Asked only
    when workers are wanted: inspect takes 0.01 s to import."""
    import inspect
    import multiprocessing

    from whoosh.multiproc import MpWriter

    if (
        "start_method" in inspect.signature(MpWriter.__init__).parameters
        and "forkserver" in multiprocessing.get_all_start_methods()
    ):
        return {"start_method": "forkserver"}
    return {}


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
    """Receives progress; the CLI draws it. The default does nothing.

    ``start`` comes once; then for each file read, ``advance`` as its records are read
    (``done``: its bytes read so far, growing) and last with ``done == source.size``;
    ``committing`` whenever the index is being written (at the end, and on large runs
    every COMMIT_EVERY_BYTES), then ``writing`` as the new segment's postings are
    written, after which ``advance`` resumes."""

    def start(self, files: int, total_bytes: int) -> None:
        pass

    def advance(self, source: SourceFile, done: int) -> None:
        pass

    def committing(self) -> None:
        """The index is being written: segments, merges (a large part of the time)."""

    def writing(self, done: int, total: int) -> None:
        """Of the postings the commit writes, ``done`` bytes of ``total`` are written
        (growing, last ``done == total``)."""


@dataclass
class IndexState:
    """What the last commit knows: each file's state and how many records it has, and
    the records' fingerprints of the files asked for (``load_records``): an unchanged
    file's records are only counted."""

    files: dict[str, FileState] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # file -> records
    records: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> key -> fp

    @classmethod
    def load(cls, ix) -> "IndexState":
        state = cls()
        with ix.reader() as reader:
            if reader.doc_count() == 0 or ("kind", store.KIND_FILE) not in reader:
                return state
            files = reader.column_reader("file")
            fingerprints = reader.column_reader("fingerprint")
            for docnum in reader.postings("kind", store.KIND_FILE).all_ids():
                file = files[docnum]
                state.files[file] = FileState.decode(fingerprints[docnum])
                state.counts[file] = sum(1 for _ in reader.postings("file", file).all_ids()) - 1
        return state

    def load_records(self, ix, files: list[str]) -> None:
        """Read the keys and fingerprints of these files' records (those it holds)."""
        files = [file for file in files if file in self.counts]
        if not files:
            return
        with ix.reader() as reader:
            keys = reader.column_reader("key")
            fingerprints = reader.column_reader("fingerprint")
            for file in files:
                records = self.records[file] = {}
                for docnum in reader.postings("file", file).all_ids():
                    key = keys[docnum]
                    if key != file:
                        records[key] = fingerprints[docnum].decode("ascii")


def index_paths(
    paths: list[Path],
    index_dir: Path,
    rebuild: bool = False,
    progress: Progress | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    workers: int | None = None,
) -> IndexReport:
    """Bring the index at ``index_dir`` up to date with the files under ``paths``.

    Files over ``max_file_bytes`` are skipped with a reason (and dropped if indexed before).
    ``workers`` processes write (``default_workers()`` when not given) once there is enough to write.
    """
    for path in paths:
        if not path.exists():
            raise SearchError(f"{path}: no such file or folder")
    if rebuild:
        return _rebuild(paths, index_dir, progress or Progress(), max_file_bytes, workers)
    if store.index_exists(index_dir):
        mismatch = store.version_mismatch(index_dir)
        if mismatch:
            raise SearchError(f"not mixing analyzer versions: {mismatch}")
        ix = store.open_index(index_dir)
    else:
        ix = store.create_index(index_dir)
    return _update(ix, index_dir, paths, progress or Progress(), max_file_bytes, workers=workers)


def _rebuild(
    paths, index_dir: Path, progress: Progress, max_file_bytes: int, workers: int | None
) -> IndexReport:
    """Build a fresh index beside the old one, then swap it in: the old stays whole until then.

    The old index's write lock is held throughout, so no other run updates it meanwhile.
    The fresh and retired folders are hidden siblings this run makes under new names,
    so indexing "." never walks into them and no folder of anyone else's is ever
    removed. Only files the index wrote are deleted: anything else in the old folder
    (a note, a ``.gitkeep``, the search history) moves into the new one, which keeps the
    old folder's permissions.
    """
    store.check_replaceable(index_dir)
    index_dir = _rebuildable(index_dir)
    with _holding_write_lock(index_dir) as locked:
        if locked:
            _remove_abandoned_siblings(index_dir)
        fresh = _new_sibling(index_dir, "rebuilding")
        try:
            report = _update(
                store.create_index(fresh), index_dir, paths, progress, max_file_bytes, writing_to=fresh,
                workers=workers,
            )
            retired = _swap_in(fresh, index_dir)
        except SearchError as error:
            _remove_index_folder(fresh)
            raise SearchError(str(error).replace(str(fresh), str(index_dir))) from error
        except OSError as error:  # the swap itself
            _remove_index_folder(fresh)
            raise store.write_error(index_dir, error) from error
        except BaseException:
            _remove_index_folder(fresh)
            raise
        if retired:
            _carry_user_files(retired, index_dir)
            _remove_index_folder(retired)
    return report


def _rebuildable(index_dir: Path) -> Path:
    """The real path of a folder that --rebuild may swap out, or a SearchError: not the
    current folder (nor one above it), and one the user may write to."""
    real = index_dir.resolve()
    cwd = Path.cwd().resolve()
    if real == cwd or real in cwd.parents:
        raise SearchError(
            f"cannot rebuild the index at {index_dir}: it holds the current folder; "
            "run the command from outside it"
        )
    if real.exists() and not os.access(real, os.W_OK):
        # The swap itself needs only the parent folder, but the user's files in it
        # must move to the new folder and the old index's files be deleted.
        code = errno.EROFS if os.statvfs(real).f_flag & os.ST_RDONLY else errno.EACCES
        raise store.write_error(index_dir, OSError(code, os.strerror(code)))
    return real


def _new_sibling(index_dir: Path, role: str) -> Path:
    """A new empty hidden folder beside ``index_dir``, never one that was there."""
    while True:
        folder = index_dir.with_name(f".{index_dir.name}.{role}-{uuid.uuid4().hex[:8]}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
        except OSError as error:
            raise store.write_error(index_dir, error) from error


def _remove_abandoned_siblings(index_dir: Path) -> None:
    """Remove what a killed rebuild left beside the index: a folder named as this
    module names them that holds only index files. Called with the index's write lock
    held, so no other rebuild of it is running."""
    pattern = re.compile(rf"\.{re.escape(index_dir.name)}\.(rebuilding|old)-[0-9a-f]{{8}}")
    for entry in os.scandir(index_dir.parent):
        if (
            pattern.fullmatch(entry.name)
            and entry.is_dir(follow_symlinks=False)
            and all(store.is_index_file(name) for name in os.listdir(entry.path))
        ):
            _remove_index_folder(Path(entry.path))


def _swap_in(fresh: Path, index_dir: Path) -> Path | None:
    """Put ``fresh`` at ``index_dir`` in one rename; return where the old index went."""
    if not index_dir.exists():
        fresh.rename(index_dir)
        return None
    os.chmod(fresh, stat.S_IMODE(index_dir.stat().st_mode))
    retired = _new_sibling(index_dir, "old")
    index_dir.rename(retired)  # onto the empty folder just made
    try:
        fresh.rename(index_dir)
    except BaseException:
        retired.rename(index_dir)
        raise
    return retired


def _carry_user_files(old: Path, new: Path) -> None:
    """Move everything the index did not write (a ``.gitkeep``, a note) to the new folder.

    What cannot be moved stays in the old folder, which is then kept."""
    for entry in old.iterdir():
        if not store.is_index_file(entry.name) and not (new / entry.name).exists():
            with suppress(OSError):
                entry.rename(new / entry.name)


def _remove_index_folder(folder: Path) -> None:
    """Delete the files the index wrote in ``folder``, then the folder if that empties it."""
    for entry in os.scandir(folder):
        if store.is_index_file(entry.name):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with suppress(OSError):
                    os.unlink(entry.path)
    with suppress(OSError):
        folder.rmdir()


@contextmanager
def _holding_write_lock(index_dir: Path):
    """Hold the index's write lock, without reading the index (it may be damaged)."""
    if not store.index_exists(index_dir):
        yield False
        return
    lock = store.SafeFileStorage(str(index_dir)).lock(f"{store.INDEX_NAME}_WRITELOCK")
    try:
        acquired = lock.acquire(blocking=False)
    except OSError as error:
        raise store.write_error(index_dir, error) from error
    if not acquired:
        raise SearchError(f"another `search index` is updating {index_dir}; wait for it to finish")
    try:
        yield True
    finally:
        lock.release()


def _update(
    ix, index_dir: Path, paths, progress: Progress, max_file_bytes: int,
    writing_to: Path | None = None, workers: int | None = None,
):
    report = IndexReport()
    with store.reading(index_dir, store.CORRUPTION_ERRORS):
        state = IndexState.load(ix)
    found: dict[Path, SourceFile] = {}
    disowned = set()  # the targets of links that lead outside their root
    for root in paths:
        for item in discover(root, ignore=index_dir, max_bytes=max_file_bytes):
            if isinstance(item, Skipped):
                report.skipped.append(str(item))
                if item.target:
                    disowned.add(item.target)
            else:
                found.setdefault(item.path, item)

    to_read = []
    for source in found.values():
        known = state.files.get(str(source.path))
        if known and known.stat_signature == source.stat_signature:
            report.unchanged += state.counts.get(str(source.path), 0)
            report.skipped.extend(known.skipped)
        else:
            to_read.append(source)
    # Each root as given and resolved: files are kept by their resolved path, and where
    # they were found under the root as given.
    roots = {os.path.abspath(root) for root in paths} | {str(root.resolve()) for root in paths}
    gone = [
        file
        for file, known in state.files.items()
        if Path(file) not in found and _is_gone(file, known, roots, disowned)
    ]

    with store.reading(index_dir, store.CORRUPTION_ERRORS):
        state.load_records(ix, [str(source.path) for source in to_read])

    total_bytes = sum(source.size for source in to_read)
    progress.start(len(to_read), total_bytes)
    writer_options = {"limitmb": POOL_MB, "held_elsewhere": HeldElsewhere()}
    workers = default_workers() if workers is None else workers
    if workers > 1 and total_bytes >= PARALLEL_THRESHOLD_BYTES:
        writer_options.update(
            limitmb=POOL_MB / workers,
            procs=workers,
            multisegment=False,
            start_workers_after=PARALLEL_THRESHOLD_BYTES,
            **_start_method(),
        )
    target = writing_to or index_dir
    with _writing(ix, target, writer_options, progress) as session:
        for file in gone:
            report.removed += state.counts.get(file, 0)
            session.writer.delete_by_term("file", file)
        for source in to_read:
            _index_file(session, source, state, report, progress)
            progress.advance(source, source.size)
            session.maybe_commit(report.bytes_read)
        progress.committing()
    return report


def _is_gone(file: str, known: FileState, roots: set[str], disowned: set[str]) -> bool:
    """Whether a file the index holds, not found in this run, was found here before.

    It was if it lies under a root, or was found at a path under one (a link to outside
    the root, no longer followed). An index written before the path was kept does not
    know it: a link met in this run that leads to the file tells.
    """
    return (
        any(_is_under(file, root) or _is_under(known.found_at, root) for root in roots)
        or (file in disowned and not known.found_at)
    )


def _is_under(file: str, root: str) -> bool:
    return file == root or file.startswith(root.rstrip("/") + "/")


def _index_file(
    session, source: SourceFile, state: IndexState, report: IndexReport, progress: Progress
) -> None:
    """Index one new or changed file and record its state, skipped or not.

    A file whose bytes hash as before is not parsed again, nor a JSON line whose bytes
    are those of a record indexed before (``FileState.known_lines``)."""
    file = str(source.path)
    known = state.records.get(file, {})
    previous = state.files.get(file)
    file_state = FileState(source.stat_signature, found_at=source.found_at)
    parsed = ParsedFile([])
    content = b""
    try:
        try:
            file_state.sha, content = read_file(source)
            if previous and previous.sha == file_state.sha:
                parsed = None
            else:
                known_lines = previous.known_lines() if previous else {}
                parsed = parse_file(source, content, _still_indexed(known_lines, file, known))
        except SkipFile as reason:
            file_state.skipped.append(f"{source.display}: {reason}")
        finally:
            report.bytes_read += source.size
        if parsed is None:
            report.unchanged += len(known)
            file_state.skipped = previous.skipped
            file_state.locations = previous.locations
            file_state.line_digests = previous.line_digests
        else:
            _index_records(session, source, parsed, known, file_state, report, progress)
            file_state.skipped.extend(parsed.problems)
            if parsed.changed:  # what was indexed is not what was found: read it next time
                file_state.stat_signature = file_state.sha = ""
    finally:
        if isinstance(content, JsonLinesFile):
            content.close()
    report.skipped.extend(file_state.skipped)
    session.writer.update_document(
        key=file, kind=store.KIND_FILE, file=file, fingerprint=file_state.encode()
    )
    session.held.file = 0  # the file's records' keys and state are let go


def _still_indexed(known_lines: dict[str, str], file: str, known: dict[str, str]) -> dict[str, str]:
    """The known lines whose records the index holds."""
    return {
        digest: record_id
        for digest, record_id in known_lines.items()
        if store.record_key(file, record_id) in known
    }


def _index_records(session, source, parsed, known, file_state, report, progress) -> None:
    """Add new records, replace changed ones and delete those gone from the file."""
    writer = session.writer
    file = str(source.path)
    current = set()
    held = session.held
    told = 0
    for record in parsed.records:
        if PROGRESS_STEP_BYTES <= parsed.position - told and parsed.position < source.size:
            told = parsed.position
            progress.advance(source, told)
        key = store.record_key(file, record.id)
        if key in current:
            file_state.skipped.append(f"{source.display}: duplicate id {record.id!r} ignored")
            continue
        current.add(key)
        held.file += sys.getsizeof(key) + RECORD_BYTES
        if record.location:
            file_state.locate(record.id, record.location, record.line_digest)
        if isinstance(record, KnownRecord):
            report.unchanged += 1
            continue
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
        session.add_words(read_gram_words(words))
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
            fingerprint=fingerprint.encode("ascii"),
            grams=words.encode("utf-8"),
            roots=words,
        )
    for key in known.keys() - current:
        writer.delete_by_term("key", key)
        report.removed += 1


class HeldElsewhere:
    """What the posting pool shares ``POOL_MB`` with (``held_elsewhere`` of
    search.whoosh_pool), in bytes, about: the analyzers' word memos (analyzers.memo),
    what this run keeps of each record of the file being read (its key, to find the
    records gone from the file, and its id, location and line digest, for the file's
    state: ``file``) and the words of the records added since the last commit, for the
    lexicon (``words``). Without them the peak grew with the input: a pool full at
    a spill on 94 MB of input, with these grown, against one half full on 47 MB. A worker
    process gets a copy that counts its own memos only."""

    def __init__(self):
        self.file = 0
        self.words = 0

    def __call__(self) -> int:
        return memo.held_bytes() + self.file + self.words

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()


class _WritingSession:
    """One writer at a time; on large runs, commit and start a new writer every so often.

    The words of the records added (``vocabulary``) are saved to the index's lexicon file
    (``search.lexicon``) before each commit, so the file never lacks a word the index
    holds."""

    def __init__(self, ix, index_dir: Path, options: dict, progress: Progress):
        self.ix, self.index_dir, self.options, self.progress = ix, index_dir, options, progress
        self.writer = store.open_writer(ix, index_dir, **options)
        self.committed_at = 0
        self.vocabulary: set[str] = set()
        self.held = options["held_elsewhere"]

    def add_words(self, words) -> None:
        """Keep the words of a record added, for the lexicon, counting what they hold."""
        known = len(self.vocabulary)
        self.vocabulary.update(words)
        self.held.words += (len(self.vocabulary) - known) * WORD_BYTES

    def maybe_commit(self, bytes_read: int) -> None:
        self.check_workers()
        if bytes_read - self.committed_at >= COMMIT_EVERY_BYTES:
            self.progress.committing()
            self.commit()
            self.committed_at = bytes_read
            self.writer = store.open_writer(self.ix, self.index_dir, **self.options)

    def commit(self) -> None:
        self.check_workers()
        save_lexicon(self.index_dir, self.vocabulary)
        self.vocabulary = set()
        self.held.words = 0
        pool = getattr(self.writer, "pool", None)
        if hasattr(pool, "progress"):  # search.whoosh_pool's, in this process
            pool.progress = self.progress.writing
        self.writer.commit()

    def check_workers(self) -> None:
        """Raise SearchError if a worker has died (``whoosh_pool.check_workers``)."""
        whoosh_pool.check_workers(getattr(self.writer, "tasks", []))

    def cancel(self) -> None:
        """Stop the workers and drop the uncommitted writer (a failed commit closed it)."""
        tasks = getattr(self.writer, "tasks", [])
        for task in tasks:
            task.terminate()
        for task in tasks:
            task.join(WORKER_EXIT_SECONDS)
            if task.is_alive():
                task.kill()
                task.join()
        if not self.writer.is_closed:
            with suppress(Exception):  # disk full again while closing; cleaned up below
                self.writer.cancel()


@contextmanager
def _writing(ix, index_dir: Path, options: dict, progress: Progress):
    """A writing session that commits on success and leaves the last commit alone otherwise.

    On failure (a full disk, a read-only folder, Ctrl-C) the workers are stopped and
    the partial segment files deleted, so the next run starts clean; a write error
    becomes one line for the user. What a killed run left is deleted before starting.
    """
    with _stopping_signals_interrupt():
        store.remove_leftovers(index_dir)  # of a killed run: on a full disk, the space needed
        with _workers_ignore_interrupts(options.get("procs", 1) > 1):
            session = _WritingSession(ix, index_dir, options, progress)
        try:
            yield session
            session.commit()
        except BaseException as error:
            session.cancel()
            # Close the failed writer's files now, not when the error is forgotten: on a
            # full disk their space is what the next run needs.
            session.writer = None
            traceback.clear_frames(error.__traceback__)
            frequencies.discard_pending(index_dir)
            store.remove_leftovers(index_dir)
            if isinstance(error, OSError):
                raise store.write_error(index_dir, error) from error
            if isinstance(error, store.DECODE_ERRORS) and store.raised_by_whoosh(error):
                raise store.unreadable(index_dir, error) from error  # merging a damaged segment
            raise
        # After the run's last commit only: the segments of earlier commits are often
        # merged away by the next.
        frequencies.derive(index_dir, ix)


@contextmanager
def _workers_ignore_interrupts(parallel: bool):
    """Start the worker launcher with Ctrl-C ignored, so only this process handles it,
    and with search.worker_lifetime loaded, so the workers die with it.

    Workers inherit the launcher's SIGINT disposition; without this each would print its
    own KeyboardInterrupt traceback when the user presses Ctrl-C.
    """
    if not parallel or not _start_method():
        yield
        return
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(["__main__", worker_lifetime.__name__])
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)
    yield


@contextmanager
def _stopping_signals_interrupt():
    """SIGTERM and SIGHUP (a closed terminal) stop a run as Ctrl-C does: the workers are
    stopped and the last commit is left intact. A second one while stopping ends the
    process at once (the workers die with it: search.worker_lifetime)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in STOPPING_SIGNALS}

    def interrupt(number, frame):
        for each in STOPPING_SIGNALS:
            signal.signal(each, signal.SIG_DFL)
        raise KeyboardInterrupt(signal.Signals(number).name)

    for number in STOPPING_SIGNALS:
        signal.signal(number, interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
