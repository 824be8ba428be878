"""A posting pool for Whoosh that groups postings by term, and writers that use it.

Whoosh's ``PostingPool`` keeps every posting as a Python tuple, sorts them all, and
spills a run with one ``pickle.dump`` per posting, read back with one ``pickle.load``
per posting into a posting-by-posting k-way merge. ``BulkPostingPool`` gives the same
postings to the segment writer in the same order, more cheaply:

1. A writer hands postings over in document order (``add_document`` numbers documents
   upwards; ``add_reader`` gives each reader a base above the previous documents and
   reads each term's postings in order), so each term's postings arrive sorted. The
   pool appends them, packed, to that term's ``bytearray`` (16 bytes plus the value,
   against about 200 for a tuple), and sorts only the distinct terms.
2. Past ``limitmb`` it writes the terms in order to a run file, in marshalled chunks of
   about ``CHUNK_BYTES`` (many thousands of postings each), and starts afresh.
3. Reading back merges the runs and what is left in memory term by term, not posting
   by posting: a term's postings from older runs come first, as their documents do.
   Should a term's documents ever arrive out of order (a caller other than Whoosh's
   writers), that term's postings are sorted before they are given out.
4. The writers here (``TermsInBulk``) take the terms from the pool and hand each one's
   postings to whoosh3's postings writer a block at a time, where Whoosh's
   ``add_postings`` takes them one by one.

Memory is bounded by ``limitmb`` plus one chunk per run being merged, not by the
corpus. Given ``held_elsewhere`` (a function: bytes), the pool shares ``limitmb`` with
what that counts (the indexer's word memos, which fill over the first tens of MB of a
corpus, and what it keeps of the file being read: ``search.indexer.HeldElsewhere``):
the pool spills when the two together pass the limit, so a spill comes at the same
memory whether or not those had grown full before the input ended. While reading
back, the pool tells ``progress`` (when set) the bytes of postings given out so far
and in all, so that writing a segment shows how far it has got.
``pooled_writer`` opens a writer (one process or Whoosh's ``MpWriter``) whose
pools, its workers' included, are this class: whoosh3 accepts ``poolclass`` but does
not use it, so the writers set ``self.pool`` after Whoosh's constructor, and each
worker process (started by this module) has ``whoosh.multiproc`` build its writer.
``WorkersWhenWorthIt`` starts the workers only once there is enough text to write; at
commit, a ``TermRangeHelper`` process writes the later terms of a large segment while
the writer copies the documents and writes the earlier ones. A worker that dies fails
the run (``check_workers``, ``check_finished``, ``WatchedQueue``): its documents would
be missing.
``tests/test_whoosh_pool.py`` compares the index with the one Whoosh's pool writes;
``tests/test_whoosh_pins.py`` pins the Whoosh code this relies on.

The segment writer pickles each block of postings, each rare term's inlined postings
and each block's header (``BLOCK_PICKLER``) at pickle protocol 5, not Whoosh's 2:
protocol 2 writes every bytes value, a posting's positions, as a call to
``_codecs.encode`` on latin-1 text, which cost 8.2 us a block to write and 7.5 us to
read where protocol 5 costs 1.5 and 1.8, on tashkeela_classical's blocks; they are
also 0.6x the size (0.5x compressed). Reading a word family's postings is most of a
search (``search.ranking``). Any Whoosh reads either protocol, so indexes written
before read as they did.
"""

import functools
import heapq
import marshal
import pickle
import queue
import struct
import sys
from array import array
from itertools import groupby
from operator import itemgetter

import whoosh.codec.whoosh3
from whoosh import multiproc
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocReader, W3TermInfo
from whoosh.index import LockError
from whoosh.multiproc import MpWriter
from whoosh.system import _LONG_SIZE, pack_long, pack_ushort, unpack_long
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import IndexWriter, PostingPool, SegmentWriter

from search import frequencies
from search.errors import SearchError
from search.whoosh_lengths import length_bytes

# One posting in a term's buffer: document number, weight, length of the value (-1 for
# None), then the value's bytes.
_POSTING = struct.Struct("<Idi")
_NO_VALUE = -1
# Memory a new term costs beyond its postings: the dict slot, the key and an empty
# bytearray with its over-allocation. On 1,500 tashkeela_classical records the pool
# estimated 29.4 MB where sys.getsizeof of its dicts, keys and buffers summed 27.4 MB
# (Whoosh's pool, on the same records: 103 MB estimated, up to 128 MB held).
_TERM_OVERHEAD = 160
# A run is written as length-prefixed marshal chunks of about this many bytes of
# postings: few enough calls to cost nothing, small enough that merging many runs
# holds little in memory (the merge holds a chunk of each run: at 4 MB, three runs of
# tashkeela_classical twice over peaked 5-9 MB above 256 KB chunks, bench/index.py).
CHUNK_BYTES = 256 * 1024
_CHUNK_LENGTH = struct.Struct("<Q")
# glibc's mallopt parameter, and the value the pool sets it to (glibc's default start).
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024
# A term with fewer postings than this (and no full block) is written into its term
# info, not as a block of the postings file (whoosh3's ``inlinelimit``; its default, 1,
# inlines nothing). On tashkeela_classical, 8 against none: index 82 against 86 MB,
# queries 0.97x (bench/query_versions.py, same code, the two indexes, 2 rounds;
# phrases 0.92x), a re-run with 1% of the records changed 0.91x the CPU (farm-bench
# -n 7 --vs; its segment's 12,006 terms are mostly rare).
INLINE_LIMIT = 8
# With ``held_elsewhere``, the pool spills when it and that together pass the limit,
# looking at that again every this many bytes the pool grows, and keeps at least this
# share of the limit whatever that holds.
RECHECK_BYTES = 2**20
MIN_POOL_SHARE = 0.25
# A worker hands its parent at most this many runs (merging its oldest first if it has
# more), so that the parent, which reads every worker's runs at once, keeps few open.
RUNS_PER_WORKER = 32
# A PooledMpWriter has a helper process write the terms from a split on
# (``TermRangeHelper``) when its workers hand over at least this many bytes of postings,
# the helper about this share of them: the writer also copies the workers' documents,
# which on tashkeela_classical took 1.5 s beside 6 s of writing postings.
SHARED_WRITE_BYTES = 16 * 2**20
HELPER_SHARE = 0.6
# How often the writer tells progress while it waits for the helper, and the size of the
# reads that append the helper's postings to the writer's.
JOIN_POLL_SECONDS = 0.2
COPY_BYTES = 2**20
POSTINGS_SUFFIX, TERMS_SUFFIX = ".pst", ".terms"
# While the workers' job queue is full, how often the writer looks whether they still live.
QUEUE_WAIT_SECONDS = 0.5
# ``progress`` is told at most this many times while the postings are read back.
PROGRESS_STEPS = 200
_TERM_KEY = itemgetter(0, 1)
# Python 3.8 and later read it.
BLOCK_PICKLE_PROTOCOL = 5


def dumps_block(data, protocol=None) -> bytes:
    """``pickle.dumps`` for whoosh3's segment writer, at BLOCK_PICKLE_PROTOCOL whatever
    protocol Whoosh asks for."""
    return pickle.dumps(data, BLOCK_PICKLE_PROTOCOL)


# Where whoosh3's segment writer pickles (blocks, block headers, inlined postings):
# module -> (global replaced, replacement). Replaced on import, in the workers too
# (each imports this module for its pool); pinned by tests/test_whoosh_pins.py.
BLOCK_PICKLER = {whoosh.codec.whoosh3: ("dumps", dumps_block)}
for _module, (_name, _function) in BLOCK_PICKLER.items():
    setattr(_module, _name, _function)


# whoosh3's postings writer inlines a term's postings by calling ``set_inline`` on its
# term info, which has only ``set_inlined``: unreachable with the default inlinelimit,
# an AttributeError with any other. Pinned by tests/test_whoosh_pins.py.
if not hasattr(W3TermInfo, "set_inline"):
    W3TermInfo.set_inline = W3TermInfo.set_inlined


class BulkPostingPool(PostingPool):
    """Whoosh's posting pool, holding each term's postings packed together."""

    def __init__(self, tempstore, segment, limitmb=128, held_elsewhere=None, chunk_bytes=None, **kwargs):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        _fixed_mmap_threshold()
        # A function: the bytes that share the limit with the pool, when given.
        self.held_elsewhere = held_elsewhere
        self.chunk_bytes = chunk_bytes or CHUNK_BYTES
        self._room = self._measure_room()
        self._fields: dict[str, dict[bytes, bytearray]] = {}
        self._run_chunks: dict[str, list] = {}  # a run's path -> its chunks (``_write_run``)
        # Called as progress(done, total) with bytes of postings while ``items`` gives
        # them out, last with done == total.
        self.progress = None

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            if not isinstance(tbytes, bytes):
                raise TypeError(f"term {tbytes!r} is not bytes")
            postings = terms[tbytes] = bytearray()
            self.currentsize += _TERM_OVERHEAD + len(tbytes)
        if vbytes is None:
            postings += _POSTING.pack(docnum, weight, _NO_VALUE)
            self.currentsize += _POSTING.size
        else:
            if vbytes == "":
                # An inlined term of a field without values (an ID field), merged from
                # an older segment: Whoosh's ListMatcher gives "" for its missing values.
                vbytes = b""
            postings += _POSTING.pack(docnum, weight, len(vbytes))
            postings += vbytes
            self.currentsize += _POSTING.size + len(vbytes)
        if self.currentsize > self._room:
            self._room = self._measure_room()
            if self.currentsize > self._room:
                self.save()

    def _measure_room(self) -> int:
        """What the pool may grow to before it spills or looks again: its share of the
        limit, and at most ``RECHECK_BYTES`` more than it holds."""
        room = self.limit
        if self.held_elsewhere is not None:
            room = max(self.limit - self.held_elsewhere(), int(self.limit * MIN_POOL_SHARE))
        return min(room, self.currentsize + RECHECK_BYTES)

    def save(self):
        """Write what is in memory to a new run, terms in order, and empty the pool."""
        if self._fields:
            path, f = self._new_run()
            self._run_chunks[path] = self._write_run(f, self._take_terms())
            self._add_run(path)
        self.currentsize = 0
        self._room = self._measure_room()

    def _take_terms(self):
        """(fieldname, term, packed postings) in order, emptying the pool as it goes."""
        fields, self._fields = self._fields, {}
        for fieldname in sorted(fields):
            terms = fields.pop(fieldname)
            for tbytes in sorted(terms):
                yield fieldname, tbytes, terms.pop(tbytes)

    def _write_run(self, f, terms) -> list:
        """Write the terms to the run ``f`` and close it; its chunks, each as (fieldname,
        first term, position in the run, bytes of postings): where a range of terms
        starts, and how much the terms from there on hold (``split_key``)."""
        chunks, chunk, size, position = [], [], 0, 0
        for entry in terms:
            chunk.append(entry)
            size += len(entry[2])
            if size >= self.chunk_bytes:
                chunks.append((chunk[0][0], chunk[0][1], position, size))
                position += _write_chunk(f, chunk)
                chunk, size = [], 0
        if chunk:
            chunks.append((chunk[0][0], chunk[0][1], position, size))
            _write_chunk(f, chunk)
        f.close()
        return chunks

    def _read_run_terms(self, path, start=0, remove=True):
        """The (fieldname, term, packed postings) of a run, in order, from the chunk at
        ``start``; deletes the run after, unless told not to."""
        f = self._open_run(path)
        try:
            yield from _chunk_terms(f, start)
        finally:
            f.close()
            if remove:
                try:
                    self._remove_run(path)
                except FileNotFoundError:
                    pass  # a failed commit's cleanup took the writer's temporary folder first
                self._run_chunks.pop(path, None)

    def run_size(self, path) -> int:
        """The bytes of postings in one of this pool's runs."""
        return _chunks_bytes(self._run_chunks.get(path, ()))

    def _read_run(self, path):
        # MpWriter reads a worker's run back through this, as postings.
        for fieldname, tbytes, packed in self._read_run_terms(path):
            yield from _unpack_postings(fieldname, tbytes, packed)

    def _merged_terms(self, sources):
        """Merge term streams, oldest first: one (fieldname, term, packed) per term."""
        for fieldname, tbytes, parts in _merged_parts([(source, 0) for source in sources]):
            packed = [part for part, _ in parts]
            yield fieldname, tbytes, packed[0] if len(packed) == 1 else b"".join(packed)

    def reduce_to(self, target, k):
        """Merge the oldest ``k`` runs into one until at most ``target`` are left.

        Unlike Whoosh's, this keeps the runs in the order they were written, so each
        term's documents stay in order."""
        if k < 2:
            raise ValueError(f"k={k} must be >= 2")
        if target < 1:
            raise ValueError(f"target={target} must be >= 1")
        while len(self.runs) > target:
            oldest, self.runs = self.runs[:k], self.runs[k:]
            path, f = self._new_run()
            self._run_chunks[path] = self._write_run(
                f, self._merged_terms([self._read_run_terms(p) for p in oldest])
            )
            self.runs.insert(0, path)

    def items(self, maxfiles=128):
        for fieldname, tbytes, packed in self.terms(maxfiles):
            yield from _unpack_postings(fieldname, tbytes, packed)

    def terms(self, maxfiles=128):
        """(fieldname, term, packed postings) of every term in order, each term once,
        emptying the pool (``items`` unpacks them into Whoosh's postings)."""
        if maxfiles < 2:
            raise ValueError(f"maxfiles={maxfiles} must be >= 2")
        if len(self.runs) >= maxfiles:
            self.save()
            self.reduce_to(maxfiles - 1, maxfiles)
        total = self.pending_bytes()
        runs, self.runs = self.runs, []
        sources = [self._read_run_terms(path) for path in runs] + [self._take_terms()]
        self.currentsize = 0
        yield from _told(self._merged_terms(sources), self.progress, total)

    def pending_bytes(self) -> int:
        """The bytes of postings ``terms`` would give out: in runs and in memory."""
        return sum(self.run_size(path) for path in self.runs) + sum(
            len(packed) for terms in self._fields.values() for packed in terms.values()
        )

    def cleanup(self):
        super().cleanup()
        self._fields, self._run_chunks = {}, {}
        self.currentsize = 0


@functools.cache
def _fixed_mmap_threshold() -> None:
    """Have glibc's malloc serve every block of MMAP_THRESHOLD bytes or more from a
    mapping of its own, given back when freed. By default the threshold rises to the
    largest such block freed (up to 32 MB), after which the pool's big term buffers and
    a spill's chunks come from the heap, whose freed memory stays with the process: the
    resident size rose 6-10 MB with each run spilled (tashkeela_classical twice over,
    three runs), where with the threshold fixed it falls 1-2 MB. Not glibc: nothing to
    do."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    except (AttributeError, OSError, TypeError):
        pass


def _aged(source, age: int, offset: int):
    """(fieldname, term, age, packed, offset) for each term of ``source``: merged with
    others, a term's parts come oldest first. (A generator expression would read ``age``
    when it runs, after the loop making the sources has left the last one in it.)"""
    for fieldname, tbytes, packed in source:
        yield fieldname, tbytes, age, packed, offset


def _write_chunk(f, chunk) -> int:
    """Write one chunk of (fieldname, term, packed postings) to a run; its bytes in the run."""
    data = marshal.dumps(chunk)
    f.write(_CHUNK_LENGTH.pack(len(data)))
    f.write(data)
    return _CHUNK_LENGTH.size + len(data)


def _chunks_bytes(chunks) -> int:
    """The bytes of postings in a run's chunks (``_write_run``)."""
    return sum(size for *_, size in chunks)


def _chunk_terms(f, start=0):
    """The (fieldname, term, packed postings) of the run file ``f``, from the chunk at ``start``."""
    f.seek(start)
    while header := f.read(_CHUNK_LENGTH.size):
        (length,) = _CHUNK_LENGTH.unpack(header)
        yield from marshal.loads(f.read(length))


def _unpack_postings(fieldname, tbytes, packed):
    """One term's postings as Whoosh's tuples, in document order."""
    return [(fieldname, tbytes, *posting) for posting in zip(*_unpack_columns(packed))]


def _unpack_columns(packed, offset=0):
    """One term's postings as (document numbers, weights, values), in document order;
    a posting without a value has None. ``offset`` is added to each document number."""
    docnums, weights, values = [], [], []
    unpack_from, size = _POSTING.unpack_from, _POSTING.size
    position, end = 0, len(packed)
    while position < end:
        docnum, weight, length = unpack_from(packed, position)
        position += size
        docnums.append(docnum + offset)
        weights.append(weight)
        if length == _NO_VALUE:
            values.append(None)
        else:
            values.append(bytes(packed[position : position + length]))
            position += length
    if any(later <= earlier for earlier, later in zip(docnums, docnums[1:])):
        postings = sorted(zip(docnums, weights, values))
        docnums, weights, values = (list(column) for column in zip(*postings))
    return docnums, weights, values


class TermsInBulk:
    """Writes a segment's postings a term at a time, not a posting at a time, and, where
    ``gathers_frequencies``, gathers the segment's frequency file (``search.frequencies``)
    from them.

    Whoosh's ``FieldWriter.add_postings`` takes each posting through four Python calls
    and a field-length lookup: 60% of writing a segment, and writing segments some 40%
    of indexing tashkeela_classical. Here each term's postings go to whoosh3's postings
    writer a block at a time, with the block's statistics (highest weight, shortest and
    longest field) computed from the field's length column read once
    (``search.whoosh_lengths``); the blocks, term infos and files are Whoosh's own.
    Used when the pool is a ``BulkPostingPool`` and the field writer whoosh3's; otherwise
    Whoosh writes them. ``tests/test_whoosh_pool.py`` checks that the segment files are
    Whoosh's own byte for byte; the whoosh3 internals set here are pinned."""

    # Whether this writer's segments get their frequency file as they are written (not
    # a worker's: its postings go to its parent, which writes them).
    gathers_frequencies = True

    def _flush_segment(self):
        if not isinstance(self.pool, BulkPostingPool) or type(self.fieldwriter) is not W3FieldWriter:
            return super()._flush_segment()
        # SegmentWriter._flush_segment, with the postings written by write_terms.
        compact_term_index(self.fieldwriter)
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = field_lengths([pdr]) if pdr is not None else None
        entries = frequencies.Entries() if self.gathers_frequencies else None
        write_terms(self.fieldwriter, self.schema, lengths, self.pool.terms(), entries)
        self.fieldwriter.close()
        if pdr:
            pdr.close()
        if entries is not None:
            self._save_frequencies(entries)

    def _save_frequencies(self, entries) -> None:
        """Keep the new segment's frequency file, gathered as its postings were written,
        for the commit (``frequencies.save_pending``)."""
        folder = frequencies.storage_folder(self.storage)
        frequencies.save_pending(entries, folder, self.newsegment.segment_id(), self.docnum)


class CompactBucket:
    """One of the 256 buckets of (hash, position) pairs in which whoosh's ``HashWriter``
    (the term dictionary's writer) keeps every term it is given until it closes: here
    two arrays, 12 bytes a term, where a list of tuples of ints took 124. On
    tashkeela_classical twice over (195,000 terms) the lists held 24 MB at the end of
    writing the segment, small objects made all through the merge among its passing
    ones: the merge's resident size rose 12 MB on 94 MB of input, 4 on 47. Whoosh only
    appends to a bucket, takes its length and iterates it (pinned)."""

    __slots__ = ("hashes", "positions")

    def __init__(self):
        self.hashes = array("I")  # HashWriter's hashes are 32 bits
        self.positions = array("Q")

    def append(self, entry) -> None:
        hashval, position = entry
        self.hashes.append(hashval)
        self.positions.append(position)

    def __len__(self) -> int:
        return len(self.hashes)

    def __iter__(self):
        return zip(self.hashes, self.positions)


def compact_term_index(fieldwriter) -> None:
    """Give whoosh3's field writer's term dictionary ``CompactBucket``s, before any term."""
    tindex = fieldwriter._tindex
    if len(tindex.buckets) == 256 and not any(tindex.buckets):
        tindex.buckets = [CompactBucket() for _ in tindex.buckets]


def write_terms(fieldwriter, schema, lengths, terms, entries=None) -> None:
    """Write ``terms`` ((fieldname, term, postings) in order: packed postings, or a list
    of (packed, document offset) parts, ``_columns_of``) with whoosh3's field writer, as
    ``FieldWriter.add_postings`` would write their postings one by one. ``lengths`` is a
    function: a field's length bytes of every document of the segment (``field_lengths``),
    or None when the codec keeps no field lengths. ``entries`` (``frequencies.Entries``),
    if given, gathers the segment's frequency file from the same postings."""
    for (name, tbytes, postings), new_field in _in_fields(fieldwriter, schema, terms):
        if new_field:
            field_lengths_here = lengths(name) if lengths is not None else None
        # The pool packs document numbers unsigned: it holds none of the spelling
        # entries (document -1) add_postings skips.
        docnums, weights, values = _columns_of(postings)
        if entries is not None:
            entries.add_postings(name, tbytes, docnums, weights)
        fieldwriter.start_term(tbytes)
        postings = fieldwriter._postwriter
        limit = postings._blocklimit
        for start in range(0, len(docnums), limit):
            end = start + limit
            _fill_block(postings, docnums[start:end], weights[start:end], values[start:end], field_lengths_here)
            if end < len(docnums):
                postings._write_block()
        fieldwriter.finish_term()


def _in_fields(fieldwriter, schema, entries):
    """(entry, whether it is its field's first) for each of ``entries`` ((fieldname, …) in
    order), with whoosh3's field writer's field started before a field's first entry and
    finished after its last."""
    fieldname = None
    for entry in entries:
        new_field = entry[0] != fieldname
        if new_field:
            if fieldname is not None:
                fieldwriter.finish_field()
            fieldname = entry[0]
            fieldwriter.start_field(fieldname, schema[fieldname])
        yield entry, new_field
    if fieldname is not None:
        fieldwriter.finish_field()


def field_lengths(perdocs):
    """``write_terms``'s lengths from per-document readers: a field's length bytes in the
    documents of each reader in turn, as a segment that numbers them in that order holds."""

    def lengths(fieldname: str) -> bytes:
        return b"".join(length_bytes(pdr, fieldname, pdr.doc_count_all()) for pdr in perdocs)

    return lengths


def _columns_of(postings):
    """(document numbers, weights, values) of one term's postings: packed, or a list of
    (packed, offset) parts in document order, each part's numbers raised by its offset
    (a worker's postings, numbered from 0, in the segment its parent writes)."""
    if not isinstance(postings, list):
        return _unpack_columns(postings)
    columns = ([], [], [])
    for packed, offset in postings:
        for column, part in zip(columns, _unpack_columns(packed, offset)):
            column.extend(part)
    return columns


def _fill_block(postings, docnums, weights, values, lengths) -> None:
    """Set whoosh3's postings writer's buffered block as ``add_posting`` would leave it
    after adding these postings to an empty block."""
    postings._ids = array("I", docnums)
    postings._weights = array("f", weights)
    postings._values = [value for value in values if value]
    postings._maxweight = max(0, max(weights))
    present = set(map(lengths.__getitem__, docnums)) if lengths is not None else set()
    present.discard(0)
    postings._minlength = byte_to_length(min(present)) if present else None
    postings._maxlength = byte_to_length(max(present)) if present else 0


def _new_pool(poolclass, writer, limitmb, held_elsewhere, chunk_bytes=None):
    """A ``poolclass`` for ``writer``'s new segment (Whoosh's own takes no ``held_elsewhere``
    nor ``chunk_bytes``)."""
    if issubclass(poolclass, BulkPostingPool):
        return poolclass(writer._tempstorage, writer.newsegment, limitmb, held_elsewhere, chunk_bytes)
    return poolclass(writer._tempstorage, writer.newsegment, limitmb=limitmb)


class PooledSegmentWriter(TermsInBulk, SegmentWriter):
    """Whoosh's one-process writer with a ``poolclass`` that is used."""

    def __init__(self, ix, poolclass=None, limitmb=128, held_elsewhere=None, chunk_bytes=None, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _new_pool(poolclass or POOL_CLASS, self, limitmb, held_elsewhere, chunk_bytes)


class _WorkerSegmentWriter(PooledSegmentWriter):
    """A worker's writer: its parent writes its postings, and gathers their frequencies."""

    gathers_frequencies = False


class PooledMpWriter(TermsInBulk, MpWriter):
    """Whoosh's multi-process writer whose workers, and itself, use ``poolclass``."""

    def __init__(self, ix, procs=None, poolclass=None, limitmb=128, held_elsewhere=None, **kwargs):
        poolclass = poolclass or POOL_CLASS
        super().__init__(ix, procs=procs, limitmb=limitmb, **kwargs)
        # Workers never lock: this writer holds the lock for them. Each counts what its
        # own process holds elsewhere, and cuts its runs in this process's chunks (where
        # the helper may split the terms, TermRangeHelper).
        self.subargs = {
            **self.subargs, "poolclass": poolclass, "held_elsewhere": held_elsewhere, "chunk_bytes": CHUNK_BYTES,
        }
        self.subargs.pop("_lk", None)
        # Merging small segments at commit goes through this writer's own pool.
        self.pool = _new_pool(poolclass, self, limitmb, held_elsewhere)
        self.jobqueue = WatchedQueue(self.jobqueue, self.tasks)

    def _new_task(self):
        # search.indexer starts the forkserver with Ctrl-C ignored and
        # search.worker_lifetime preloaded, before the writer is made.
        args = (
            self.storage,
            self.indexname,
            self.jobqueue.queue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        task = self._mpctx.Process(target=_run_pooled_subwriter, args=args)
        self.tasks.append(task)
        task.start()
        return task

    def _merge_subsegments(self, results, mergetype):
        """Whoosh's merge of the workers' documents into this writer's one segment, with
        the postings written a term at a time (``write_terms``) straight from every run
        of every worker (``_finish_pooled_subsegment``), each worker's document numbers
        raised by where its documents land, as Whoosh's ``_read_and_renumber_run`` does
        for the one run it has a worker merge its runs into and then reads a posting at a
        time through ``add_postings``.

        With SHARED_WRITE_BYTES of postings or more, and none of this writer's own, a
        helper process (``TermRangeHelper``) writes the terms from a ``split_key`` on
        while this one copies the documents and writes the terms before it; their
        postings and term infos are then joined. Should the helper fail, this writer
        writes its terms itself."""
        check_finished(self.tasks, results)
        if not isinstance(self.pool, BulkPostingPool) or type(self.fieldwriter) is not W3FieldWriter:
            return super()._merge_subsegments(results, mergetype)
        compact_term_index(self.fieldwriter)
        schemanames = set(self.schema.names())
        progress, self.pool.progress = self.pool.progress, None
        # What this writer holds itself (segments merged in through add_reader) numbers
        # its documents first; then each worker's, in the order Whoosh copies them.
        own = self._added or self.docnum > 0
        sources, total = [], 0
        if own:
            total += self.pool.pending_bytes()
            sources.append((self.pool.terms(), 0))
        workers, offset = [], self.docnum
        for runs, fieldnames, segment in results:
            runs = runs or ()
            workers.append((runs, fieldnames, segment, offset))
            offset += segment.doc_count_all()
            total += sum(_chunks_bytes(chunks) for _, chunks in runs)
        helper = None
        if not own and total >= SHARED_WRITE_BYTES and hasattr(self, "_mpctx"):
            split = split_key([chunks for runs, *_ in workers for _, chunks in runs], HELPER_SHARE)
            if split is not None:
                try:
                    helper = TermRangeHelper(self, workers, split)
                except OSError:
                    helper = None  # no process to be had (too many open files, no memory): write alone
        pdrs = []
        try:
            for runs, fieldnames, segment, offset in workers:
                pdr = self.codec.per_document_reader(self.storage, segment)
                _remember_columns(pdr)
                pdrs.append(pdr)
                assert self.docnum == offset
                docmap = self.write_per_doc(set(fieldnames) | schemanames, pdr)
                assert docmap is None  # a worker's segment has no deletions
                for path, _ in runs:
                    sources.append((self.pool._read_run_terms(path, remove=helper is None), offset))
            # Whoosh reads the field lengths through a reader of every segment, its own
            # first; its own holds every document's by now, the workers' copied above.
            self.perdocwriter.close()
            pdrs.insert(0, self.per_document_reader())
            lengths = field_lengths(pdrs[:1])
            terms = _merged_parts(sources)
            entries = frequencies.Entries()
            if helper is None:
                write_terms(self.fieldwriter, self.schema, lengths, _told(terms, progress, total), entries)
            else:
                told = helper.telling(progress, total)
                write_terms(
                    self.fieldwriter, self.schema, lengths, _told(helper.before(terms), told, total, False), entries
                )
                if not helper.join(entries):
                    told = helper.telling_after()
                    write_terms(
                        self.fieldwriter, self.schema, lengths, _told(helper.after(self.pool), told, total, False),
                        entries,
                    )
                helper.tell_all()
            self._save_frequencies(entries)
        finally:
            for pdr in pdrs:
                pdr.close()
            if helper is not None:
                helper.stop()
        self._added = True


def check_workers(tasks) -> None:
    """Raise SearchError if one of the worker processes ``tasks`` has ended (the kernel's
    OOM killer, a kill): Whoosh would commit without its documents, or wait forever for
    it to take more."""
    for task in tasks:
        if task.exitcode is not None:
            raise _stopped(task.exitcode)


def check_finished(tasks, results) -> None:
    """Raise SearchError unless every worker ended well and handed over its results.
    Whoosh's ``MpWriter._commit`` joins the workers and takes what results come within a
    second each: a worker that died while handing over its postings (after the run last
    looked at them) left none, and its documents would be silently missing."""
    for task in tasks:
        if task.exitcode != 0:
            raise _stopped(task.exitcode)
    if len(results) != len(tasks):
        raise _stopped("handed over nothing")


def _stopped(why) -> SearchError:
    why = f"exit status {why}" if isinstance(why, int) else why
    return SearchError(
        f"an indexing worker stopped ({why}); nothing of this run since the last commit was kept — run it again"
    )


class WatchedQueue:
    """The workers' job queue, whose ``put`` waits for room only while every worker
    lives: with all of them dead, Whoosh's would wait forever."""

    def __init__(self, jobs, tasks):
        self.queue, self.tasks = jobs, tasks

    def put(self, item) -> None:
        while True:
            try:
                self.queue.put(item, timeout=QUEUE_WAIT_SECONDS)
                return
            except queue.Full:
                check_workers(self.tasks)

    def __getattr__(self, name):
        return getattr(self.queue, name)


class TermRangeHelper:
    """A process that writes the postings of a segment's terms from ``split`` on, for a
    ``PooledMpWriter`` that writes those before it: after the workers, the writer alone
    copied their documents and wrote every term (a third of building
    tashkeela_classical's index with two workers), the workers done and a core idle.

    The helper reads the workers' runs from the chunk holding ``split`` (the runs stay
    until the writer's temporary folder goes), takes the field lengths from the workers'
    segments, and writes its postings through whoosh3's postings writer into a file of
    its own (``write_term_range``), with each term's term info; the writer appends that
    file to its postings file and adds the term infos to its term dictionary, each one's
    place in the postings file moved by where the file landed (``join``)."""

    def __init__(self, writer, workers, split):
        self.writer, self.split = writer, split
        self.name = f"range-{random_name()}"
        self.written = writer._mpctx.Value("q", 0, lock=False)
        self.sources = [(path, chunks, offset) for runs, _, _, offset in workers for path, chunks in runs]
        segments = [segment for _, _, segment, _ in workers]
        args = (writer.storage, writer.indexname, writer.codec, writer.schema, segments, self.sources, split,
                self.name, self.written)
        self.process = writer._mpctx.Process(target=RANGE_WRITER, args=args, name="search-term-range")
        self.process.start()

    def before(self, terms):
        """The merged ``terms`` (``_merged_parts``) before the split."""
        split = self.split
        for entry in terms:
            if (entry[0], entry[1]) >= split:
                return
            yield entry

    def after(self, pool):
        """The terms from the split on, read again by the writer (``pool``'s runs)."""

        def read(path, start):
            return pool._read_run_terms(path, start, remove=False)

        return _merged_parts(_streams_from(self.sources, self.split, read))

    def telling(self, progress, total):
        """A progress function for the writer's own terms, which adds the helper's bytes
        (None without ``progress``)."""
        self._progress, self._total, self._mine, self._told = progress, total, 0, 0
        return self._tell if progress is not None else None

    def _tell(self, done, _total=None) -> None:
        self._mine = done
        both = min(done + self.written.value, self._total)
        if both > self._told:
            self._told = both
            self._progress(both, self._total)

    def telling_after(self):
        """A progress function for the terms from the split on, when the writer writes
        them itself (the helper failed)."""
        if self._progress is None:
            return None
        mine = self._mine
        self.written.value = 0
        return lambda done, _: self._tell(mine + done)

    def tell_all(self) -> None:
        """Tell progress that every posting is written."""
        if self._progress is not None and self._told < self._total:
            self._told = self._total
            self._progress(self._total, self._total)

    def join(self, entries) -> bool:
        """Wait for the helper, telling progress how far both have got; then add what it
        wrote to the writer's segment, and its terms' frequency entries to ``entries``.
        False (nothing added) when the helper failed."""
        while self.process.is_alive():
            self.process.join(JOIN_POLL_SECONDS)
            if self._progress is not None:
                self._tell(self._mine)
        if self.process.exitcode != 0:
            return False
        tempstore = self.writer.temp_storage()
        try:
            with tempstore.open_file(self.name + TERMS_SUFFIX) as f:
                terms, (entry_bytes, entry_keys) = marshal.loads(f.read())
        except (OSError, EOFError, ValueError, TypeError):
            return False
        fieldwriter = self.writer.fieldwriter
        postfile = fieldwriter._postfile
        base = postfile.tell()
        with tempstore.open_file(self.name + POSTINGS_SUFFIX) as f:
            while data := f.read(COPY_BYTES):
                postfile.write(data)
        add_term_infos(fieldwriter, self.writer.schema, terms, base)
        entries.extend(entry_bytes, entry_keys)
        return True

    def stop(self) -> None:
        """End the helper if it still runs (the writer failed or was interrupted)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def split_key(runs_chunks, share: float):
    """The (fieldname, term) from which about ``share`` of the runs' postings bytes
    follow: of the chunks' first terms (``_write_run``) after the very first, the one
    closest to it; None when there is none (too few chunks to share).

    A chunk's bytes lie between its first term and the next chunk's: a chunk wholly
    before a candidate counts whole, one the candidate falls in half. So the bytes before
    a candidate are half the sum of the chunks starting before it and of those ending at
    or before it."""
    starts, ends = [], []  # (term, bytes) of each chunk's first term, and of its end
    for chunks in runs_chunks:
        for number, (fieldname, tbytes, _, size) in enumerate(chunks):
            starts.append(((fieldname, tbytes), size))
            if number + 1 < len(chunks):
                ends.append(((chunks[number + 1][0], chunks[number + 1][1]), size))
    starts.sort()
    ends.sort()
    total = sum(size for _, size in starts)
    best, best_distance = None, None
    started = ended = 0
    next_start = next_end = 0
    for position, (key, size) in enumerate(starts):
        while next_start < len(starts) and starts[next_start][0] < key:
            started += starts[next_start][1]
            next_start += 1
        while next_end < len(ends) and ends[next_end][0] <= key:
            ended += ends[next_end][1]
            next_end += 1
        if position and key > starts[0][0]:
            distance = abs(total - (started + ended) / 2 - share * total)
            if best is None or distance < best_distance:
                best, best_distance = key, distance
    return best


def _start_of(chunks, split) -> int:
    """Where in a run the chunk that may hold ``split`` (its last at or before it) starts."""
    start = 0
    for fieldname, tbytes, position, _ in chunks:
        if (fieldname, tbytes) > split:
            break
        start = position
    return start


def _streams_from(sources, split, read):
    """(the run's terms from ``split`` on, document offset) of each (path, chunks,
    offset) of ``sources``, each run read by ``read(path, start)`` from the chunk that
    may hold ``split``."""
    return [(terms_from(read(path, _start_of(chunks, split)), split), offset) for path, chunks, offset in sources]


def terms_from(terms, split):
    """The (fieldname, term, …) entries of a run's ``terms`` from ``split`` on."""
    for entry in terms:
        if (entry[0], entry[1]) >= split:
            yield entry


def write_term_range(storage, indexname, codec, schema, segments, sources, split, name, written) -> None:
    """A ``TermRangeHelper`` process: write the postings of the terms from ``split`` on.

    ``sources`` are the workers' runs as (path, chunks, document offset), in the
    writer's temporary folder; ``segments`` the workers' segments, whose documents the
    writer numbers from 0 in that order. The postings go to ``name`` + POSTINGS_SUFFIX
    there, each term's (fieldname, term, term info bytes), with the terms' frequency
    entries (``frequencies.Entries.packed``), to ``name`` + TERMS_SUFFIX (marshal),
    written last: the writer reads the terms only after this process exited
    cleanly. ``written`` (a shared integer) is told the bytes of postings written so far.
    A failure ends the process with status 1 and no traceback: the writer then writes
    these terms itself, and the run goes on."""
    try:
        _write_term_range(storage, indexname, codec, schema, segments, sources, split, name, written)
    except Exception:
        sys.exit(1)


def _write_term_range(storage, indexname, codec, schema, segments, sources, split, name, written) -> None:
    tempstore = storage.temp_storage(f"{indexname}.tmp")
    perdocs = [codec.per_document_reader(storage, segment) for segment in segments]
    files = []

    def read(path, start):
        files.append(tempstore.open_file(path).raw_file())
        return _chunk_terms(files[-1], start)

    try:
        streams = _streams_from(sources, split, read)
        fieldwriter = _TermRangeWriter(codec, tempstore.create_file(name + POSTINGS_SUFFIX))

        def tell(done, _total):
            written.value = done

        total = sum(_chunks_bytes(chunks) for _, chunks, _ in sources)
        entries = frequencies.Entries()
        write_terms(
            fieldwriter, schema, field_lengths(perdocs), _told(_merged_parts(streams), tell, total, False), entries
        )
        fieldwriter.close()
        with tempstore.create_file(name + TERMS_SUFFIX) as out:
            out.write(marshal.dumps((fieldwriter.terms, entries.packed())))
    finally:
        for f in files:
            f.close()
        for pdr in perdocs:
            pdr.close()


# The function a TermRangeHelper's process runs (a test has it fail).
RANGE_WRITER = write_term_range


class _TermRangeWriter(W3FieldWriter):
    """whoosh3's field writer for a range of a segment's terms: the postings go to
    ``postfile`` as whoosh3 writes them; each term's (fieldname, term, term info bytes)
    is kept in ``terms``, for the segment's writer to add to its term dictionary
    (``add_term_infos``), where the term's key holds the field's number in that writer."""

    def __init__(self, codec, postfile):
        # W3FieldWriter.__init__'s attributes, without the term dictionary.
        self._codec = codec
        self._fieldname = self._fieldid = self._btext = self._fieldobj = self._format = None
        self._fieldmap = {}
        self._postfile = postfile
        self._postwriter = None
        self._infield = False
        self.is_closed = False
        self.terms = []

    def finish_term(self):
        terminfo = self._postwriter.finish_postings()
        self.terms.append((self._fieldname, self._btext, terminfo.to_bytes()))

    def close(self):
        self._postfile.close()
        self.is_closed = True


def add_term_infos(fieldwriter, schema, terms, base: int) -> None:
    """Add (fieldname, term, term info bytes) in order to whoosh3's field writer's term
    dictionary, as its ``finish_term`` would, each postings' place moved by ``base``."""
    tindex = fieldwriter._tindex
    for (_, tbytes, info), new_field in _in_fields(fieldwriter, schema, terms):
        if new_field:
            key = pack_ushort(fieldwriter._fieldid)
        tindex.add(key + tbytes, moved_term_info(info, base))


_EXTENT_AT = W3TermInfo._struct.size


def moved_term_info(info: bytes, base: int) -> bytes:
    """whoosh3's term info bytes with the place of its postings ``base`` bytes further
    on; an inlined term's are unchanged (its postings are in it)."""
    if info[0]:
        return info
    (offset,) = unpack_long(info[_EXTENT_AT : _EXTENT_AT + _LONG_SIZE])
    return info[:_EXTENT_AT] + pack_long(offset + base) + info[_EXTENT_AT + _LONG_SIZE :]


def _remember_columns(pdr) -> None:
    """Have whoosh3's per-document reader of a worker's segment look each column's file up
    once. Copying its documents (``write_per_doc``) asks every document's length in every
    field, and for a field with no lengths column whoosh3 looks for the file each time: a
    stat per field per document, a quarter of the copy (cProfile). The worker has closed
    its files; nothing changes them while they are copied."""
    if type(pdr) is W3PerDocReader:
        pdr.has_column = functools.cache(pdr.has_column)


def _merged_parts(sources):
    """Merge (term stream, document offset) sources, oldest first (a term's documents
    in a source come after those in the ones before, once raised by its offset): one
    (fieldname, term, [(packed, offset), ...]) per term, in order."""
    keyed = [_aged(source, age, offset) for age, (source, offset) in enumerate(sources)]
    for (fieldname, tbytes), group in groupby(heapq.merge(*keyed), key=_TERM_KEY):
        yield fieldname, tbytes, [(packed, offset) for _, _, _, packed, offset in group]


def _told(terms, progress, total: int, finish: bool = True):
    """``terms`` as given, telling ``progress`` (when set) the bytes of postings given out
    so far and ``total`` at most PROGRESS_STEPS times, last with done == total (unless not
    to ``finish``: others write the rest)."""
    done, told, step = 0, 0, max(total // PROGRESS_STEPS, 1)
    for entry in terms:
        yield entry
        if progress is not None:
            postings = entry[2]
            done += sum(len(packed) for packed, _ in postings) if isinstance(postings, list) else len(postings)
            if done - told >= step:
                progress(min(done, total), total)
                told = done
    if progress is not None and finish and told < total:
        progress(total, total)


def _finish_pooled_subsegment(writer, k=64):
    """A worker's end when its parent writes one segment: Whoosh's ``finish_subsegment``
    has the worker merge all its runs into one, a pass over every posting that the
    parent then reads again; here the worker spills what it holds and hands over every
    run as it is, with its chunks: ((path, chunks), ...) where Whoosh gives a path."""
    pool = writer.pool
    if not isinstance(pool, BulkPostingPool):
        return _whoosh_finish_subsegment(writer, k)
    pool.save()
    pool.reduce_to(RUNS_PER_WORKER, RUNS_PER_WORKER)
    runs = tuple((path, pool._run_chunks.get(path, [])) for path in pool.runs)
    return runs, pool.fieldnames, writer._partial_segment()


_whoosh_finish_subsegment = multiproc.finish_subsegment


def _run_pooled_subwriter(*args):
    """A worker process's entry point: Whoosh's sub-writer loop with our writer.

    ``SubWriterTask.run`` builds its writer from ``whoosh.multiproc.SegmentWriter`` and
    ends it with ``whoosh.multiproc.finish_subsegment``; this process is a worker started
    for that loop alone, so the names are rebound here only."""
    multiproc.SegmentWriter = _WorkerSegmentWriter
    multiproc.finish_subsegment = _finish_pooled_subsegment
    multiproc._run_subwriter(*args)


# The pool the writers use unless told otherwise (bench/index.py compares Whoosh's).
POOL_CLASS = BulkPostingPool


def pooled_writer(ix, procs=1, start_workers_after=0, **options):
    """A writer on ``ix`` like ``ix.writer(procs=…, …)``, with ``BulkPostingPool``.

    With ``start_workers_after``, the workers start only once that many characters of
    document text are waiting (``WorkersWhenWorthIt``)."""
    options.setdefault("codec", W3Codec(inlinelimit=INLINE_LIMIT))
    if procs > 1 and getattr(ix.storage, "supports_multiproc_writing", False):
        if start_workers_after:
            return WorkersWhenWorthIt(ix, procs, start_workers_after, **options)
        return PooledMpWriter(ix, procs=procs, **options)
    return _one_process_writer(ix, **options)


def _one_process_writer(ix, multisegment=None, start_method=None, **options):
    return PooledSegmentWriter(ix, **options)


class WorkersWhenWorthIt(IndexWriter):
    """A writer that starts worker processes only when there is enough to write.

    Operations wait, in order, until ``start_workers_after`` characters of document text
    are waiting; then they are replayed into a ``PooledMpWriter`` and later ones go
    straight to it. A commit with less waiting replays them into a one-process writer,
    so a re-run that changes a few records of a large file starts no worker. (Whoosh's
    ``AsyncWriter`` waits and replays the same way.) The index's write lock is taken at
    once, so a second run fails early, and handed to the writer that does the work.
    """

    def __init__(self, ix, procs: int, start_workers_after: int, **options):
        self.ix, self.procs, self.options = ix, procs, options
        self.start_workers_after = start_workers_after
        self.writelock = ix.lock("WRITELOCK")
        if not self.writelock.acquire(blocking=False):
            raise LockError
        self.writer = None
        self._waiting: list = []
        self._waiting_text = 0
        self._cancelled = False

    @property
    def is_closed(self) -> bool:
        """Committed or cancelled, as ``SegmentWriter.is_closed``."""
        return self.writer.is_closed if self.writer is not None else self._cancelled

    @property
    def tasks(self) -> list:
        """The worker processes started so far."""
        return getattr(self.writer, "tasks", [])

    @property
    def pool(self):
        """The pool of the writer that writes the segment, once there is one."""
        return getattr(self.writer, "pool", None)

    def add_document(self, **fields):
        self._do("add_document", (), fields)

    def update_document(self, **fields):
        self._do("update_document", (), fields)

    def delete_by_term(self, fieldname, text, searcher=None):
        self._do("delete_by_term", (fieldname, text), {"searcher": searcher})

    def _do(self, method: str, args: tuple, kwargs: dict) -> None:
        if self.writer is not None:
            getattr(self.writer, method)(*args, **kwargs)
            return
        self._waiting.append((method, args, kwargs))
        self._waiting_text += sum(len(value) for value in kwargs.values() if isinstance(value, str))
        if self._waiting_text >= self.start_workers_after:
            self._start(self.procs)

    def _start(self, procs: int) -> None:
        try:
            if procs > 1:
                writer = PooledMpWriter(self.ix, procs=procs, _lk=False, **self.options)
            else:
                writer = _one_process_writer(self.ix, _lk=False, **self.options)
        except BaseException:
            self.writelock.release()
            raise
        writer.writelock, self.writer = self.writelock, writer
        waiting, self._waiting = self._waiting, []
        for method, args, kwargs in waiting:
            getattr(writer, method)(*args, **kwargs)

    def commit(self, *args, **kwargs):
        if self.writer is None:
            self._start(1)
        self.writer.commit(*args, **kwargs)

    def cancel(self, *args, **kwargs):
        if self.writer is None:
            self._waiting = []
            self.writelock.release()
            self._cancelled = True
        else:
            self.writer.cancel(*args, **kwargs)
