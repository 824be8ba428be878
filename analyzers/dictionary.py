"""What an Arabic dictionary knows of a word: is it a noun, a verb, and its broken plurals.

The dictionary is Arramooz (Taha Zerrouki; the ``arramooz-pysqlite`` package, GPL, like
pyarabic): about 25,000 nouns with their broken plurals (مدرسة / مدارس، كتاب / كتب) and
proper nouns of places and people (لبنان، السودان), and 10,000 verbs. It ships as an SQLite
file inside the package, so nothing is downloaded at run time; its Python modules are not
imported (they load more than we ask). Every lookup is one indexed query on the
unvocalized column, for the spellings that ``normalize`` folds together (أ إ آ ا, ة ه, ى ي),
so no table is loaded into memory: a one-shot search opens the file and asks about the
words it was given. Without the package every answer is "unknown", and the morphology
falls back on the index's own vocabulary (``analyzers.morphology``).
"""

import importlib.util
import re
import sqlite3
import threading
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path

from analyzers.normalization import normalize

# normalize folds these letters into the key; a lookup tries every spelling they stand for.
SPELLINGS = {"ا": "اأإآ", "ه": "هة", "ي": "يى"}
# A word with more foldable letters than this is looked up only as written: few words
# have so many, and the spellings grow as a product.
MAX_SPELLINGS = 64
CACHE_SIZE = 20_000
ARABIC_WORD = re.compile("[\u0621-\u064a]+")
_local = threading.local()


@dataclass(frozen=True)
class Entry:
    """What the dictionary says of one normalized word."""

    noun: bool = False
    verb: bool = False
    proper: bool = False  # a name of a place or person (علم)
    plural_partners: frozenset[str] = frozenset()  # broken plural <-> singular, normalized

    @property
    def known(self) -> bool:
        return self.noun or self.verb


UNKNOWN = Entry()


def _connection() -> sqlite3.Connection | None:
    """The dictionary, opened read-only once per thread; None without the package."""
    if not hasattr(_local, "connection"):
        _local.connection = None
        try:
            # Where the package is, without importing it (nor importlib.resources, 2 ms
            # of every start).
            spec = importlib.util.find_spec("arramooz")
            folders = (spec.submodule_search_locations or []) if spec else []
            path = Path(next(iter(folders), "")) / "data" / "arabicdictionary.sqlite"
            if folders and path.is_file():
                _local.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except (ModuleNotFoundError, sqlite3.Error, OSError):
            pass
    return _local.connection


def available() -> bool:
    """Whether the dictionary is installed."""
    return _connection() is not None


def spellings(normalized: str) -> list[str]:
    """The spellings of a normalized word that ``normalize`` folds into it.

    >>> sorted(spellings("مدرسه"))
    ['مدرسة', 'مدرسه']
    """
    options = [SPELLINGS.get(char, char) for char in normalized]
    count = 1
    for option in options:
        count *= len(option)
    if count > MAX_SPELLINGS:
        return [normalized]
    return ["".join(letters) for letters in product(*options)]


@lru_cache(maxsize=CACHE_SIZE)
def lookup(normalized: str) -> Entry:
    """The dictionary's entry for a normalized word (UNKNOWN when it has none).

    >>> entry = lookup("مدرسه")
    >>> entry.noun, "مدارس" in entry.plural_partners
    (True, True)
    >>> lookup("لبنان").proper, lookup("قال").verb
    (True, True)
    """
    connection = _connection()
    if connection is None or not normalized:
        return UNKNOWN
    forms = spellings(normalized)
    marks = ",".join("?" * len(forms))
    try:
        nouns = connection.execute(
            f"SELECT wordtype, single, broken_plural FROM nouns WHERE unvocalized IN ({marks})",
            forms,
        ).fetchall()
        verb = connection.execute(
            f"SELECT 1 FROM verbs WHERE unvocalized IN ({marks}) LIMIT 1", forms
        ).fetchone()
    except sqlite3.Error:
        return UNKNOWN
    # A cell may list several plurals ("كبار;كبراء") or a note ("+ون(...)"): only
    # Arabic words count.
    partners = {
        word
        for _, single, plural in nouns
        for cell in (single, plural)
        if cell
        for word in map(normalize, cell.split(";"))
        if ARABIC_WORD.fullmatch(word)
    }
    partners.discard(normalized)
    return Entry(
        noun=bool(nouns),
        verb=verb is not None,
        proper=any((wordtype or "").startswith("علم") for wordtype, _, _ in nouns),
        plural_partners=frozenset(partners),
    )
