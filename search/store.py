"""The on-disk index: where it lives, its schema, and opening it safely.

Besides one Whoosh document per searchable record, the index holds one small
"file" document per source file with its size, mtime and content hash, so a
re-index knows what changed without a side file that could disagree with the
last commit.

Opening or searching an index runs none of its code. Whoosh keeps the schema and
the list of segments as pickles in the table of contents (``_MAIN_<generation>.toc``),
and pickles data inside segment files too, and reads them all with ``pickle``, which
calls whatever a crafted file names. Here:

- an index of this analyzer version is opened with this program's schema, so the
  schema pickled in its table of contents is skipped, never unpickled;
- the table of contents is read by ``read_toc``, a copy of ``whoosh.index.TOC.read``
  whose unpickler admits only the classes in ``TOC_CLASSES`` (our schema's fields,
  formats, column and analyzers, Whoosh's segment list); ``SafeFileIndex`` and
  ``SafeFileStorage`` route every read of it there (Whoosh's own ``exists_in`` and
  ``open_dir`` are never used, and a worker process opens the index through its
  storage);
- what Whoosh unpickles from segment files (see ``DATA_UNPICKLERS``) goes through
  ``load_data``/``loads_data``, which admit plain data only.

tests/test_hostile_index.py pins the Whoosh code this replaces or patches.

What remains of the pickle risk:
- the allowed classes are still built with the file's arguments: Whoosh's fields,
  formats and analyzers, ``re.compile`` (a pattern that backtracks forever would hang
  a search), our analyzers; none of them runs code it is given;
- a parallel run's job files (``MAIN.tmp/*.doclist``, written and read back during the
  run) are unpickled by Whoosh's workers with plain ``pickle``: someone who can write
  into the index folder while ``search index`` runs can run code in a worker;
- the posting pool's runs spilled while indexing (``search.whoosh_pool``; Whoosh's own
  pool, which pickles them, is not used) are marshalled, and marshal builds no objects
  that run;
- Whoosh's other codecs and old formats, which unpickle freely, are unreachable: the
  table of contents may name only the current codec, and older formats are refused.
An index folder is best writable by its owner only, like any program's data.
"""

import errno
import io
import json
import os
import pickle
import re
import shutil
import struct
import uuid
import zlib
from contextlib import contextmanager
from pathlib import Path

import whoosh
import whoosh.codec.whoosh3
import whoosh.columns
import whoosh.filedb.structfile
import whoosh.formats
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema, ensure_schema
from whoosh.index import (
    _CURRENT_TOC_VERSION,
    _DEF_INDEX_NAME,
    TOC,
    EmptyIndexError,
    FileIndex,
    IndexVersionError,
    LockError,
)
from whoosh.index import IndexError as WhooshIndexError
from whoosh.reading import CorruptIndexError
from whoosh.system import _FLOAT_SIZE, _INT_SIZE, _LONG_SIZE

from analyzers.whoosh_analysis import (
    ANALYZER_VERSION,
    WordFrequency,
    WordPositions,
    arabic_analyzer,
    name_analyzer,
    root_analyzer,
)
from search.errors import SearchError
from search.whoosh_storage import MappedFileStorage

DEFAULT_INDEX_DIR = "index_data"
INDEX_ENV_VAR = "SEARCH_INDEX"
META_FILE = "search-meta.json"
# The index's words, one a line (search.lexicon), and its next version while written.
LEXICON_FILE = "search-lexicon.txt"
LEXICON_NEW_FILE = f".{LEXICON_FILE}.new"
# A new index may go in a folder holding nothing, or nothing but this placeholder.
PLACEHOLDER = ".gitkeep"

KIND_RECORD = "doc"
KIND_FILE = "file"
KEY_SEPARATOR = "\x1f"

INDEX_NAME = _DEF_INDEX_NAME
WHOOSH_PACKAGE = Path(whoosh.__file__).parent
# The names of the files Whoosh writes in an index folder, and only ever removes
# (whoosh.index.TOC, clean_files, SegmentWriter, MpWriter, CompoundWriter): tables of
# contents, their temporary copies, segment files, locks, temporary storages
# (folders) and compound-file scratch files; random names are 28 of [a-z0-9].
WHOOSH_FILE_NAMES = re.compile(
    rf"""_{INDEX_NAME}_[0-9]+\.toc(\.[0-9.e+-]+)?
    | {INDEX_NAME}_[0-9a-z]+\.[A-Za-z0-9_.]+
    | {INDEX_NAME}_[A-Z]+LOCK
    | {INDEX_NAME}\.tmp
    | [0-9a-z]{{28}}\.(tmp|ctmp)""",
    re.VERBOSE,
)
TOC_FILE_NAME = re.compile(rf"_{INDEX_NAME}_([0-9]+)\.toc")
SEGMENT_ID = re.compile(rf"{INDEX_NAME}_[0-9a-z]+")
SEGMENT_FILE_NAME = re.compile(rf"({SEGMENT_ID.pattern})\.[A-Za-z0-9_.]+")
LOCK_FILE_NAME = re.compile(rf"{INDEX_NAME}_[A-Z]+LOCK")

# Every class the table of contents may name: our schema's fields, formats, column
# and analyzers, and Whoosh's segment list. tests/test_hostile_index.py checks the schema
# needs no other.
TOC_CLASSES = {
    "whoosh.fields": {"Schema", "TEXT", "ID", "STORED", "COLUMN"},
    "whoosh.formats": {"Existence", "Frequency", "Positions"},
    "whoosh.columns": {"VarBytesColumn"},
    "whoosh.analysis.analyzers": {"CompositeAnalyzer"},
    "whoosh.analysis.tokenizers": {"RegexTokenizer", "IDTokenizer"},
    "whoosh.analysis.filters": {"LowercaseFilter"},
    "analyzers.whoosh_analysis": {
        "ArabicTermFilter", "NormalizeFilter", "RootTokenizer", "WordPositions", "WordFrequency",
    },
    "re": {"_compile"},  # a RegexTokenizer's compiled pattern
    "whoosh.codec.whoosh3": {"W3Segment", "W3Codec"},
    "collections": {"defaultdict"},  # W3Segment's field lengths
    "builtins": {"int", "set", "frozenset"},
}


class _TocUnpickler(pickle.Unpickler):
    """An unpickler that makes only the objects of ``TOC_CLASSES``."""

    def find_class(self, module, name):
        if name in TOC_CLASSES.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"the table of contents names {module}.{name}")


def _safe_unpickle(data: bytes):
    return _TocUnpickler(io.BytesIO(data)).load()


class _DataUnpickler(pickle.Unpickler):
    """An unpickler of plain data (numbers, strings, bytes, tuples, lists, dicts): what
    Whoosh pickles inside segment files. Protocol 2 pickles bytes as a call to
    ``_codecs.encode(text, "latin1")``: that call is made ``str.encode``, which only
    encodes text (a block of postings holds hundreds, so it must stay a C call)."""

    def find_class(self, module, name):
        if (module, name) == ("_codecs", "encode"):
            return str.encode
        raise pickle.UnpicklingError(f"an index file names {module}.{name}")


# The opcodes that fetch something to call (GLOBAL, INST, EXT1, EXT2, EXT4,
# STACK_GLOBAL): a pickle with none of these bytes anywhere can only build plain data,
# so the plain (C) loader may read it.
_FETCHING_OPCODES = re.compile(rb"[ci\x82\x83\x84\x93]")


def load_data(file):
    """``pickle.load`` for a segment file: plain data only."""
    return _DataUnpickler(file).load()


def loads_data(data, *args, **kwargs):
    """``pickle.loads`` for a segment file: plain data only, fast when plainly so."""
    if _FETCHING_OPCODES.search(data) is None:
        return pickle.loads(data)
    # Buffered: the unpickler then reads the whole pickle at once, not opcode by opcode
    # (2.6x faster on a block of positions).
    return _DataUnpickler(io.BufferedReader(io.BytesIO(data))).load()


# Where Whoosh unpickles what it reads from a segment file, each by a module global:
# StructFile.read_pickle (the directory of a compound file, the extras of a hash table,
# the header of each block of postings or of a column), the stored fields of a
# document and the inlined postings of a rare term (codec), the positions of a posting
# (formats), the values of a pickle column (columns). Replaced on import; the sources
# are pinned in tests/test_hostile_index.py.
DATA_UNPICKLERS = {
    whoosh.filedb.structfile: ("load", load_data),
    whoosh.codec.whoosh3: ("loads", loads_data),
    whoosh.formats: ("loads", loads_data),
    whoosh.columns: ("loads", loads_data),
}
for _module, (_name, _function) in DATA_UNPICKLERS.items():
    setattr(_module, _name, _function)


def read_toc(storage, indexname: str = INDEX_NAME, schema=None) -> TOC:
    """``whoosh.index.TOC.read`` for the current format, with ``_TocUnpickler``.

    Rules, in Whoosh's order: the latest generation's file; its word sizes and byte
    order must be this machine's; its format must be the current one (older formats
    have their own unpicklers, so are refused); the schema (skipped if one is given),
    the generation, an unused int, the segment list.
    """
    gen = TOC._latest_generation(storage, indexname)
    if gen < 0:
        raise EmptyIndexError(f"Index {indexname!r} does not exist in {storage!r}")
    stream = storage.open_file(TOC._filename(indexname, gen))
    try:
        for name, size in (("int", _INT_SIZE), ("long", _LONG_SIZE), ("float", _FLOAT_SIZE)):
            if stream.read_varint() != size:
                raise WhooshIndexError(f"the index was made on another architecture ({name})")
        if stream.read_int() != -12345:
            raise WhooshIndexError("number misread: byte order problem")
        version = stream.read_int()
        release = (stream.read_varint(), stream.read_varint(), stream.read_varint())
        if version != _CURRENT_TOC_VERSION:
            raise IndexVersionError(f"Can't read format {version}", version)
        if schema:
            stream.skip_string()
        else:
            schema = _safe_unpickle(stream.read_string())
        schema = ensure_schema(schema)
        if stream.read_int() != gen:
            raise WhooshIndexError("the table of contents names another generation")
        stream.read_int()  # unused
        segments = _TocUnpickler(stream.file).load()
    finally:
        stream.close()
    _check_segments(segments)
    return TOC(schema, segments, gen, version=version, release=release)


def _check_segments(segments) -> None:
    """Each segment must be Whoosh's current kind, with an id as Whoosh makes them: the
    id names the segment's files, and one like ``x/../../etc/y`` would read outside."""
    if not isinstance(segments, list):
        raise WhooshIndexError("the table of contents holds no list of segments")
    for segment in segments:
        if not isinstance(segment, whoosh.codec.whoosh3.W3Segment) or not SEGMENT_ID.fullmatch(
            str(segment.segment_id())
        ):
            raise WhooshIndexError("the table of contents names a segment unlike Whoosh's")


class SafeFileIndex(FileIndex):
    """A ``FileIndex`` that reads its table of contents with ``read_toc``, and its schema
    once: our indexes never change their schema (a rebuild makes a new index), and
    Whoosh would otherwise unpickle it again for every ``ix.schema``."""

    def __init__(self, storage, schema=None, indexname=INDEX_NAME):
        # FileIndex.__init__ without its unrestricted TOC.read.
        self.storage = storage
        self._schema = ensure_schema(schema) if schema else None
        self.indexname = indexname
        self._schema = self._read_toc().schema

    def _read_toc(self):
        return read_toc(self.storage, self.indexname, schema=self._schema)

    def _current_schema(self):
        return self._schema


class SafeFileStorage(MappedFileStorage):
    """A folder storage whose indexes are ``SafeFileIndex`` (Whoosh's worker processes
    open the index through their storage) and whose segment files are read without a
    copy (``search.whoosh_storage.MappedFileStorage``)."""

    def open_index(self, indexname=INDEX_NAME, schema=None, indexclass=None):
        return super().open_index(indexname, schema, indexclass or SafeFileIndex)

    def create_index(self, schema, indexname=INDEX_NAME, indexclass=None):
        return super().create_index(schema, indexname, indexclass or SafeFileIndex)


def make_schema() -> Schema:
    """The index schema. Stored text is kept for snippets; columns serve re-indexing."""
    schema = Schema(
        id=ID(stored=True),
        key=ID(unique=True, sortable=True),
        kind=ID,
        file=ID(stored=True, sortable=True),
        path=TEXT(analyzer=name_analyzer(), stored=True),  # path:news finds news/2024/a.txt
        title=TEXT(analyzer=arabic_analyzer(), stored=True, phrase=True),
        body=TEXT(analyzer=arabic_analyzer(), stored=True, phrase=True),
        source=TEXT(analyzer=name_analyzer(), stored=True),
        date=STORED,
        url=STORED,
        location=STORED,
        fingerprint=COLUMN(),
        grams=COLUMN(),  # analyzers.grams.gram_text of title and body, for search.grams
        roots=TEXT(analyzer=root_analyzer(), phrase=False),  # the same words' roots
    )
    # Postings straight from the words (a TEXT takes no format).
    for name, format_class in (("title", WordPositions), ("body", WordPositions), ("roots", WordFrequency)):
        schema[name].format = format_class(field_boost=schema[name].format.field_boost)
    return schema


def record_key(file: str, record_id: str) -> str:
    """The unique key of one record: its source file and its id within that file."""
    return f"{file}{KEY_SEPARATOR}{record_id}"


def resolve_index_dir(index_dir: str | None) -> Path:
    """--index DIR, else $SEARCH_INDEX, else ./index_data."""
    return Path(index_dir or os.environ.get(INDEX_ENV_VAR) or DEFAULT_INDEX_DIR)


def index_exists(index_dir: Path) -> bool:
    """Whether the folder holds a table of contents: readable or not, it is an index.

    Nothing is read, so a damaged index is still one (and ``--rebuild`` replaces it)."""
    try:
        return any(TOC_FILE_NAME.fullmatch(name) for name in os.listdir(index_dir))
    except OSError:
        return False


def is_index_file(name: str) -> bool:
    """Whether a file of that name in an index folder was written by the index itself."""
    return name in (META_FILE, LEXICON_FILE, LEXICON_NEW_FILE) or bool(WHOOSH_FILE_NAMES.fullmatch(name))


def read_meta(index_dir: Path) -> dict:
    """The index's own notes (analyzer version, build id); {} if unreadable."""
    try:
        meta = json.loads((index_dir / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def stored_analyzer_version(index_dir: Path) -> str | None:
    version = read_meta(index_dir).get("analyzer_version")
    return version if isinstance(version, str) else None


def build_id(index_dir: Path) -> str | None:
    """Changes when the index is rebuilt (a new folder swapped in), never on updates."""
    build = read_meta(index_dir).get("build")
    return build if isinstance(build, str) else None


def check_replaceable(index_dir: Path) -> None:
    """Refuse to create or replace an index in a folder that holds anything else.

    ``--index`` pointing at a folder of documents (or a home folder of dotfiles) by
    mistake must not mix index files into it, nor, with ``--rebuild``, have it
    replaced. Only an index (or what is left of one), an empty folder, or one
    holding just a ``.gitkeep`` will do.
    """
    if not index_dir.exists() and not index_dir.is_symlink():
        return
    if index_dir.is_dir() and index_exists(index_dir):
        return
    try:
        names = set(os.listdir(index_dir)) if index_dir.is_dir() else None
    except OSError as error:
        raise SearchError(f"{index_dir}: {error.strerror}") from error
    if names is None or any(
        name != PLACEHOLDER and not is_index_file(name) for name in names
    ):  # what is left of an index that lost its table of contents may be replaced
        raise SearchError(
            f"{index_dir} exists and is not a search index; choose an empty or new folder "
            "with --index"
        )


def create_index(index_dir: Path):
    """Create an empty index stamped with the current analyzer version and a new build id."""
    check_replaceable(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        (index_dir / META_FILE).write_text(
            json.dumps({"analyzer_version": ANALYZER_VERSION, "build": uuid.uuid4().hex}),
            encoding="utf-8",
        )
        return SafeFileIndex.create(SafeFileStorage(str(index_dir)), make_schema(), INDEX_NAME)
    except OSError as error:
        raise write_error(index_dir, error) from error


# What a query raises when it reads damaged postings, columns or stored fields: decoding
# errors only, so a bug elsewhere (an IndexError in a query) is not blamed on the index.
DECODE_ERRORS = (
    zlib.error,
    struct.error,
    UnicodeDecodeError,
    EOFError,
    pickle.UnpicklingError,
    CorruptIndexError,
)


# What opening or reading a damaged index raises, from the table of contents to a
# segment's tables: Whoosh checks little and decodes with struct, zlib, pickle and marshal.
CORRUPTION_ERRORS = DECODE_ERRORS + (
    OSError,
    ValueError,
    LookupError,  # IndexError and KeyError of a bad offset or name
    TypeError,
    AttributeError,  # an allowed class with the wrong state
    OverflowError,
    MemoryError,  # a length read from flipped bytes
    WhooshIndexError,
)


@contextmanager
def reading(index_dir: Path, errors=DECODE_ERRORS):
    """Turn the decoding errors of a damaged index, met while searching, into a SearchError
    (with ``errors=CORRUPTION_ERRORS``, any error of a code path that only reads the index)."""
    try:
        yield
    except errors as error:
        raise unreadable(index_dir, error) from error


def raised_by_whoosh(error: BaseException) -> bool:
    """Whether the innermost Python frame of ``error`` is Whoosh's code: a decoding error
    there comes from the index's bytes, elsewhere maybe from a document's."""
    traceback = error.__traceback__
    while traceback and traceback.tb_next:
        traceback = traceback.tb_next
    return bool(traceback) and Path(traceback.tb_frame.f_code.co_filename).is_relative_to(
        WHOOSH_PACKAGE
    )


def unreadable(index_dir: Path, error: BaseException) -> SearchError:
    """The one line to show when the index at ``index_dir`` cannot be read."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return SearchError(
        f"the index at {index_dir} cannot be read ({reason}); rebuild it with "
        "`search index --rebuild PATH`"
    )


def write_error(index_dir: Path, error: OSError) -> SearchError:
    """The one line to show when the index at ``index_dir`` cannot be written."""
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space and run it again; the last commit is kept"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = "the folder must be writable to index into it"
    else:
        advice = "the last commit is kept"
    return SearchError(f"cannot write the index at {index_dir}: {reason}; {advice}")


def open_index(index_dir: Path):
    """Open an existing index, or raise a SearchError that says how to make one (or
    to rebuild a damaged one).

    An index of this analyzer version has this program's schema, so the one in its
    table of contents is not even read; an older index's is (an index of version 4
    has no roots field), with ``_TocUnpickler``."""
    if not index_exists(index_dir):
        raise SearchError(f"No index at {index_dir} — run `search index PATH` first")
    schema = make_schema() if stored_analyzer_version(index_dir) == ANALYZER_VERSION else None
    try:
        return SafeFileIndex(SafeFileStorage(str(index_dir)), schema, INDEX_NAME)
    except CORRUPTION_ERRORS as error:
        raise unreadable(index_dir, error) from error


def version_mismatch(index_dir: Path) -> str | None:
    """A sentence for the user when the index was built by another analyzer version."""
    stored = stored_analyzer_version(index_dir)
    if stored == ANALYZER_VERSION:
        return None
    return (
        f"the index at {index_dir} was built with analyzer version {stored or 'unknown'}, "
        f"this program has version {ANALYZER_VERSION}; run `search index --rebuild PATH`"
    )


def remove_leftovers(index_dir: Path) -> None:
    """Delete what a failed or killed write left in the index folder: segment files the
    table of contents does not name, temporary tables of contents and storages.

    Only index files go, and only while no writer holds the index's lock (a running
    writer's new segment is named nowhere yet either). Best effort: a file that cannot
    be deleted now is deleted by the next commit or cleanup.
    """
    lock = SafeFileStorage(str(index_dir)).lock(f"{INDEX_NAME}_WRITELOCK")
    try:
        if not lock.acquire(blocking=False):
            return
    except OSError:
        return
    try:
        try:
            segments = read_toc(SafeFileStorage(str(index_dir))).segments
            kept = {segment.segment_id() for segment in segments}
        except CORRUPTION_ERRORS:
            kept = None  # which segments are current is unknown: keep them all
        for entry in os.scandir(index_dir):
            if not is_index_file(entry.name) or entry.name in (META_FILE, LEXICON_FILE):
                continue
            segment = SEGMENT_FILE_NAME.fullmatch(entry.name)
            if TOC_FILE_NAME.fullmatch(entry.name) or LOCK_FILE_NAME.fullmatch(entry.name):
                continue
            if segment and (kept is None or segment.group(1) in kept):
                continue
            _remove(entry)
    finally:
        lock.release()


def _remove(entry: os.DirEntry) -> None:
    try:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    except OSError:
        pass


def open_writer(ix, index_dir: Path, **options):
    """A writer on ``ix``; a second indexing run gets a clear error instead of waiting."""
    from search.whoosh_pool import pooled_writer  # writing only: it loads multiprocessing

    try:
        return pooled_writer(ix, **options)
    except LockError as error:
        raise SearchError(
            f"another `search index` is updating {index_dir}; wait for it to finish"
        ) from error
    except OSError as error:
        raise write_error(index_dir, error) from error
    except CORRUPTION_ERRORS as error:
        raise unreadable(index_dir, error) from error
