"""The on-disk index: where it lives, its schema, and opening it safely.

Besides one Whoosh document per searchable record, the index holds one small
"file" document per source file with its size, mtime and content hash, so a
re-index knows what changed without a side file that could disagree with the
last commit.
"""

import json
import os
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import RegexTokenizer, LowercaseFilter
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.index import LockError

from analyzers.whoosh_analysis import ANALYZER_VERSION, arabic_analyzer, root_analyzer
from search.errors import SearchError
from search.whoosh_pool import pooled_writer
from search.whoosh_storage import open_dir

DEFAULT_INDEX_DIR = "index_data"
INDEX_ENV_VAR = "SEARCH_INDEX"
META_FILE = "search-meta.json"

KIND_RECORD = "doc"
KIND_FILE = "file"
KEY_SEPARATOR = "\x1f"


def path_analyzer():
    """Lowercased runs of letters and digits, so path:news matches news/2024/a.txt."""
    return RegexTokenizer(r"[^\W_]+") | LowercaseFilter()


def make_schema() -> Schema:
    """The index schema. Stored text is kept for snippets; columns serve re-indexing."""
    return Schema(
        id=ID(stored=True),
        key=ID(unique=True, sortable=True),
        kind=ID,
        file=ID(stored=True, sortable=True),
        path=TEXT(analyzer=path_analyzer(), stored=True),
        title=TEXT(analyzer=arabic_analyzer(), stored=True, phrase=True),
        body=TEXT(analyzer=arabic_analyzer(), stored=True, phrase=True),
        source=TEXT(analyzer=path_analyzer(), stored=True),
        date=STORED,
        url=STORED,
        location=STORED,
        fingerprint=COLUMN(),
        grams=COLUMN(),  # analyzers.grams.gram_text of title and body, for search.grams
        roots=TEXT(analyzer=root_analyzer(), phrase=False),  # the same words' roots
    )


def record_key(file: str, record_id: str) -> str:
    """The unique key of one record: its source file and its id within that file."""
    return f"{file}{KEY_SEPARATOR}{record_id}"


def resolve_index_dir(index_dir: str | None) -> Path:
    """--index DIR, else $SEARCH_INDEX, else ./index_data."""
    return Path(index_dir or os.environ.get(INDEX_ENV_VAR) or DEFAULT_INDEX_DIR)


def index_exists(index_dir: Path) -> bool:
    return index_dir.is_dir() and whoosh_index.exists_in(str(index_dir))


def stored_analyzer_version(index_dir: Path) -> str | None:
    try:
        return json.loads((index_dir / META_FILE).read_text(encoding="utf-8"))["analyzer_version"]
    except (OSError, ValueError, KeyError):
        return None


def check_replaceable(index_dir: Path) -> None:
    """Refuse to create or replace an index in a folder that holds anything else.

    ``--index`` pointing at a folder of documents by mistake must not mix index files
    into it, nor, with ``--rebuild``, have it replaced. Hidden files (a ``.gitkeep``)
    do not count.
    """
    if index_dir.exists() and not index_exists(index_dir):
        if not index_dir.is_dir() or any(
            not entry.name.startswith(".") for entry in index_dir.iterdir()
        ):
            raise SearchError(
                f"{index_dir} exists and is not a search index; choose an empty or new folder "
                "with --index"
            )


def create_index(index_dir: Path):
    """Create an empty index stamped with the current analyzer version."""
    check_replaceable(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    (index_dir / META_FILE).write_text(
        json.dumps({"analyzer_version": ANALYZER_VERSION}), encoding="utf-8"
    )
    return whoosh_index.create_in(str(index_dir), make_schema())


def open_index(index_dir: Path):
    """Open an existing index, or raise a SearchError that says how to make one."""
    if not index_exists(index_dir):
        raise SearchError(f"No index at {index_dir} — run `search index PATH` first")
    try:
        return open_dir(index_dir)
    except (OSError, ValueError, EOFError, whoosh_index.IndexError) as error:
        raise SearchError(
            f"The index at {index_dir} cannot be read ({error}); rebuild it with "
            "`search index --rebuild PATH`"
        ) from error


def version_mismatch(index_dir: Path) -> str | None:
    """A sentence for the user when the index was built by another analyzer version."""
    stored = stored_analyzer_version(index_dir)
    if stored == ANALYZER_VERSION:
        return None
    return (
        f"the index at {index_dir} was built with analyzer version {stored or 'unknown'}, "
        f"this program has version {ANALYZER_VERSION}; run `search index --rebuild PATH`"
    )


def open_writer(ix, index_dir: Path, **options):
    """A writer on ``ix``; a second indexing run gets a clear error instead of waiting."""
    try:
        return pooled_writer(ix, **options)
    except LockError as error:
        raise SearchError(
            f"another `search index` is updating {index_dir}; wait for it to finish"
        ) from error
