"""Each segment's title and body terms with their documents and frequencies, without
positions, in a file of its own.

A one-word search sums the postings of some fifty forms a field, its family
(``search.query``). Whoosh keeps a posting's positions in the same block as its document
and frequency, compressed and pickled together, so summing a family decoded every
position too: ~2.4 ms of a single-word search on tashkeela_classical, where the same sums
from plain arrays take ~0.7 ms (``bench/family_postings.py``). So each segment gets a
file of each title and body term's documents and frequencies (``MAIN_<segment
id>.frequencies``), which a search maps and reads in place: no copy and no term
dictionary lookup. The file is gathered as the segment's postings are written
(``search.whoosh_pool.write_terms``, ``Entries``) under a temporary name, and given its
name after the run's last commit (``derive``), which reads back any segment without one
(2.2-2.8 s of CPU for tashkeela_classical's).

A segment never changes once written, so neither does its file, and Whoosh's cleanup
removes the file with its segment (the name is one of the segment's). Documents deleted
later are still in it: the reader leaves them out. The file only ever speeds a search
up: a segment without one (a run killed before it was written, an index of an earlier
version), or whose file fails its checks, is read from Whoosh's blocks, and so is a term
whose entry fails its check, or whose frequencies are not whole numbers.

Layout, in native byte order (checked by a marker), every part 4-byte aligned:

- header (``HEADER``): magic, byte-order marker, the segment's document count, the
  number of terms, where the table starts, the table's CRC-32, the length of the
  segment's id; then the id, padded;
- one entry per term (``ENTRY``): the CRC-32 of the rest of the entry, the key's length,
  its kind, how many numbers follow; the key (field name, NUL, term), padded; then the
  term's occurrences: each document number (uint32, ascending) as many times as the
  document holds the term, so that ``Counter.update`` sums a family's frequencies in C;
- the table: each key's CRC-32, ascending, then the offset of each key's entry, in the
  same order.
"""

import bisect
import os
import struct
import uuid
import weakref
import zlib
from array import array
from itertools import chain, repeat
from pathlib import Path

EXTENSION = "frequencies"
FIELDS = ("title", "body")  # search.query.TEXT_FIELDS: the fields a family is summed in
MAGIC = b"SRCHFRQ1"
MARKER = 0x01020304
HEADER = struct.Struct("=8sIIIIII")
# An entry's head: its CRC-32 (``CRC``), then the rest (``ENTRY_REST``).
CRC, ENTRY_REST = struct.Struct("=I"), struct.Struct("=HBxI")
ENTRY = struct.Struct(CRC.format + ENTRY_REST.format[1:])
# An entry's kinds: occurrences, or none (frequencies that are not whole numbers: the
# term is read from Whoosh).
OCCURRENCES, ELSEWHERE = 0, 1
USABLE = array("I").itemsize == 4


class Unreadable(Exception):
    """This file, or this entry of it, cannot be used: read the segment's blocks instead."""


def file_name(segment_id: str) -> str:
    return f"{segment_id}.{EXTENSION}"


def _padded(length: int) -> int:
    return (length + 3) & ~3


class FrequencyFile:
    """A segment's frequency file, mapped; ``occurrences`` answers from it."""

    def __init__(self, path: Path, segment_id: str, doc_count: int):
        import mmap

        with open(path, "rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        size = len(self._map)
        if size < HEADER.size:
            raise Unreadable("shorter than its header")
        magic, marker, docs, terms, table, table_crc, id_length = HEADER.unpack_from(self._map)
        if magic != MAGIC or marker != MARKER:
            raise Unreadable("not a frequency file of this machine's byte order")
        self._start = HEADER.size + _padded(id_length)
        if docs != doc_count or self._map[HEADER.size : HEADER.size + id_length] != segment_id.encode():
            raise Unreadable("of another segment")
        if table % 4 or not self._start <= table <= size or size - table != 8 * terms:
            raise Unreadable("its table is out of place")
        view = memoryview(self._map)
        if zlib.crc32(view[table:]) != table_crc:
            raise Unreadable("its table is damaged")
        self._hashes = view[table : table + 4 * terms].cast("I")
        self._offsets = view[table + 4 * terms :].cast("I")
        self._view, self._table = view, table

    def occurrences(self, fieldname: str, text: str):
        """The term's occurrences (a uint32 view: each document holding it, as many times
        as it does, ascending); None when the segment does not hold it. Raises Unreadable
        for an entry that fails its check or holds no occurrences."""
        try:
            key = f"{fieldname}\0{text}".encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no term holds one
            return None
        wanted = zlib.crc32(key)
        at = bisect.bisect_left(self._hashes, wanted)
        while at < len(self._hashes) and self._hashes[at] == wanted:
            found = self._entry(self._offsets[at], key)
            if found is not None:
                return found
            at += 1
        return None

    def _entry(self, offset: int, key: bytes):
        if offset % 4 or not self._start <= offset <= self._table - ENTRY.size:
            raise Unreadable("an entry is out of place")
        crc, key_length, kind, count = ENTRY.unpack_from(self._map, offset)
        numbers_at = offset + ENTRY.size + _padded(key_length)
        end = numbers_at + 4 * count
        if kind > ELSEWHERE or end > self._table or zlib.crc32(self._view[offset + 4 : end]) != crc:
            raise Unreadable("an entry is damaged")
        if self._map[offset + ENTRY.size : offset + ENTRY.size + key_length] != key:
            return None  # another key of the same CRC-32
        if kind == ELSEWHERE:
            raise Unreadable("frequencies that are not whole numbers")
        return self._view[numbers_at:end].cast("I")


def frequency_file(reader) -> FrequencyFile | None:
    """The frequency file of a Whoosh segment reader, if it has a usable one; opened once
    for the reader's life."""
    try:
        return _OPENED[reader]
    except KeyError:
        pass
    except TypeError:  # a reader that cannot be weakly referenced
        return None
    found = _OPENED[reader] = _opened(reader)
    return found


_OPENED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def distrust(reader) -> None:
    """Read this segment reader's postings from Whoosh's blocks from now on."""
    _OPENED[reader] = None


def _opened(reader) -> FrequencyFile | None:
    segment, folder = getattr(reader, "_segment", None), storage_folder(getattr(reader, "_storage", None))
    if not USABLE or segment is None or not folder:
        return None
    segment_id = segment.segment_id()
    try:
        return FrequencyFile(Path(folder) / file_name(segment_id), segment_id, reader.doc_count_all())
    except (OSError, ValueError, Unreadable):
        return None


def storage_folder(storage) -> str | None:
    """The folder of a Whoosh storage: a compound segment's reader has an
    ``OverlayStorage`` of the segment's file (``a``) over the index's folder (``b``)."""
    while storage is not None:
        folder = getattr(storage, "folder", None)
        if folder:
            return folder
        storage = getattr(storage, "b", None)
    return None


class Entries:
    """A frequency file's entries, in order, with each key's CRC-32 and its entry's place
    among them: gathered as a segment's postings are written (``add_postings``), or read
    back from it (``_read_back``)."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.keys: list[tuple[int, int]] = []
        self.size = 0

    def add_postings(self, fieldname: str, term: bytes, docnums, weights) -> None:
        """A term's postings (document numbers, and weights as floats) as its segment
        is written; only the title's and body's are kept."""
        if fieldname in FIELDS:
            self.add(fieldname, term, _occurrences([(docnums, weights)]))

    def add(self, fieldname: str, term: bytes, occurrences: array | None) -> None:
        """A term's entry, after the last: its occurrences, or None when its frequencies
        are not whole numbers."""
        key = fieldname.encode() + b"\0" + term
        numbers = b"" if occurrences is None else occurrences.tobytes()
        rest = b"".join([
            ENTRY_REST.pack(len(key), ELSEWHERE if occurrences is None else OCCURRENCES, len(numbers) // 4),
            key, b"\0" * (_padded(len(key)) - len(key)), numbers,
        ])
        self.keys.append((zlib.crc32(key), self.size))
        self.chunks.append(CRC.pack(zlib.crc32(rest)) + rest)
        self.size += CRC.size + len(rest)

    def packed(self) -> tuple[bytes, list[tuple[int, int]]]:
        """The entries' bytes and keys, to send to the writer of the segment's file."""
        return b"".join(self.chunks), self.keys

    def extend(self, data: bytes, keys: list[tuple[int, int]]) -> None:
        """Another's ``packed`` entries (of the terms after these), after these."""
        self.keys.extend((crc, self.size + at) for crc, at in keys)
        self.chunks.append(data)
        self.size += len(data)

    def file_chunks(self, segment_id: str, doc_count: int) -> list[bytes] | None:
        """The bytes of the file, in pieces; None if it would not fit."""
        identity = segment_id.encode()
        start = HEADER.size + _padded(len(identity))
        keys = sorted((crc, start + at) for crc, at in self.keys)
        table = array("I", (crc for crc, _ in keys)).tobytes() + array("I", (at for _, at in keys)).tobytes()
        if start + self.size + len(table) >= 2**32:
            return None
        header = HEADER.pack(MAGIC, MARKER, doc_count, len(keys), start + self.size, zlib.crc32(table),
                             len(identity))
        return [header, identity + b"\0" * (start - HEADER.size - len(identity)), *self.chunks, table]


# The files gathered as segments were written in this process, under temporary names
# until the segment is committed (Whoosh assembles a new segment's files, named as this
# one is, into its compound file): {(index folder, segment id): temporary file}.
PENDING: dict[tuple[str, str], Path] = {}


def save_pending(entries: Entries, folder: str | None, segment_id: str, doc_count: int) -> None:
    """Write a new segment's file, gathered as it was written, for ``derive`` to give its
    name once the segment is committed. Best effort: ``derive`` reads the segment back
    if there is none."""
    if not folder:  # an index in memory (Whoosh's RamStorage has folder "")
        return
    chunks = entries.file_chunks(segment_id, doc_count)
    if chunks is None:
        return
    pending = _write_new(Path(folder), chunks)
    if pending is not None:
        PENDING[os.path.abspath(folder), segment_id] = pending


def _write_new(folder: Path, chunks: list[bytes]) -> Path | None:
    """``chunks`` written to a new file of a temporary name (which ``store.remove_leftovers``
    removes when a run is killed), or None if it could not be written."""
    fresh = folder / f"{uuid.uuid4().hex[:28]}.tmp"
    try:
        with open(fresh, "wb") as out:
            out.writelines(chunks)
    except BaseException as error:
        fresh.unlink(missing_ok=True)
        if not isinstance(error, OSError):
            raise
        return None
    return fresh


def derive(index_dir: Path, ix) -> int:
    """Give each segment of ``ix`` (the index at ``index_dir``) that lacks one its
    frequency file: the one gathered as it was written in this process, else one read
    back from it; how many were given. A segment that cannot be read gets none."""
    from whoosh.codec.whoosh3 import W3TermsReader

    from search import store

    written, folder = 0, os.path.abspath(index_dir)
    try:
        reader = ix.reader()
    except store.CORRUPTION_ERRORS:
        return 0
    with reader:
        for leaf, _ in reader.leaf_readers():
            segment = getattr(leaf, "_segment", None)
            if segment is None or type(getattr(leaf, "_terms", None)) is not W3TermsReader:
                continue
            segment_id = segment.segment_id()
            path = Path(index_dir) / file_name(segment_id)
            pending = PENDING.pop((folder, segment_id), None)
            if path.exists():
                if pending is not None:
                    pending.unlink(missing_ok=True)
                continue
            if pending is None or not _counts(pending, leaf.doc_count_all()):
                try:
                    chunks = _read_back(leaf).file_chunks(segment_id, leaf.doc_count_all())
                except store.CORRUPTION_ERRORS:
                    continue  # a damaged segment: searches read it, and report it, as they can
                pending = _write_new(Path(index_dir), chunks) if chunks is not None else None
            if pending is None:
                continue
            try:
                os.replace(pending, path)
            except OSError:
                pending.unlink(missing_ok=True)
                continue
            written += 1
    # Those gathered for segments merged away since (a long run commits on the way).
    discard_pending(index_dir)
    return written


def discard_pending(index_dir: Path) -> None:
    """Forget, and delete, the files gathered for segments of ``index_dir`` that no
    commit will name: merged away, or of a run that failed."""
    folder = os.path.abspath(index_dir)
    for key in [key for key in PENDING if key[0] == folder]:
        PENDING.pop(key).unlink(missing_ok=True)


def _counts(path: Path, doc_count: int) -> bool:
    """Whether the file gathered for a segment counts its documents (else a writer's
    count was not the segment's, and it is read back)."""
    try:
        with open(path, "rb") as file:
            header = file.read(HEADER.size)
    except OSError:
        return False
    if len(header) < HEADER.size or HEADER.unpack(header)[2] != doc_count:
        path.unlink(missing_ok=True)
        return False
    return True


def _read_back(reader) -> Entries:
    """A segment's entries, read from its blocks: the title and body terms, in the order
    the segment's writer wrote them (by field name, then term).

    Each field's terms are read from whoosh3's term dictionary, from the field's first
    key on (a key is the field's number, then the term): the other fields' 34,000 terms
    on tashkeela_classical are never decoded."""
    from whoosh.codec.whoosh3 import W3TermInfo

    from search.query import term_blocks

    terms = reader._terms
    entries = Entries()
    for fieldname in sorted(FIELDS):
        if fieldname not in reader.schema or fieldname not in terms._fieldmap:
            continue
        form = reader.schema[fieldname].format
        start = terms._keycoder(fieldname, b"")
        for keybytes, value in terms._tindex.items_from(start):
            if keybytes[: len(start)] != start:
                break
            blocks = term_blocks(terms, W3TermInfo.from_bytes(value), form)
            entries.add(fieldname, keybytes[len(start) :], _occurrences(blocks))
    return entries


def _occurrences(blocks) -> array | None:
    """A term's occurrences from its blocks of (docnums, weights), weights as whoosh3
    stores them (None when all are 1, one float when all alike); None when a weight is
    not a whole number of at least 1."""
    occurrences = array("I")
    for docnums, weights in blocks:
        if weights is None or weights == 1.0:
            occurrences.extend(docnums)
            continue
        weights = [weights] * len(docnums) if isinstance(weights, float) else list(weights)
        if weights.count(1.0) == len(weights):
            occurrences.extend(docnums)
            continue
        try:
            counts = array("I", map(int, weights))
        except (OverflowError, ValueError):
            return None
        if list(map(float, counts)) != weights or 0 in counts:
            return None
        occurrences.extend(chain.from_iterable(map(repeat, docnums, counts)))
    return occurrences
