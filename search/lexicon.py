"""The words an open index holds, as ``analyzers.morphology`` asks for them.

A word's family is grown by asking the lexicon which of a few hundred prefixes start
words of the index (``starting_with``). Whoosh answers each from its term dictionary on
disk in about 0.1 ms, which made a word's family cost 19 ms on tashkeela_classical. So
the indexer also keeps the index's words in a sorted text file beside it
(``LEXICON_FILE``, one word a line, written before each commit, so that it never lacks a
word the index holds; words of deleted records stay, and match nothing), which a search
reads once (143,000 words, 2 MB, in some 20 ms) and bisects. An index without the file
is asked through Whoosh.
"""

import bisect
import os
from heapq import merge
from pathlib import Path

from whoosh.support.levenshtein import damerau_levenshtein

from search.store import LEXICON_FILE, LEXICON_NEW_FILE


def save_lexicon(index_dir: Path, words: set[str]) -> None:
    """Add ``words`` to the index's lexicon file, atomically (a new file renamed over)."""
    path = Path(index_dir) / LEXICON_FILE
    if not words and path.exists():
        return
    known = set(_read_words(path))
    if words <= known and path.exists():
        return
    fresh = path.with_name(LEXICON_NEW_FILE)
    fresh.write_text("\n".join(sorted(known | words)), encoding="utf-8")
    os.replace(fresh, path)


def load_lexicon(index_dir: Path) -> list[str] | None:
    """The index's words, sorted; None when the index has no lexicon file."""
    path = Path(index_dir) / LEXICON_FILE
    if not path.is_file():
        return None
    return _read_words(path)


def _read_words(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return text.split("\n") if text else []


class IndexLexicon:
    """The normalized words of an index's title and body fields: from its lexicon file
    when given (``words``, sorted), else looked up in its term dictionary; answers are
    remembered for the reader's life."""

    def __init__(self, reader, fields: tuple[str, ...] | None = None, words: list[str] | None = None):
        if fields is None:
            # Imported here: the indexer saves the lexicon and needs no query parser.
            from search.query import TEXT_FIELDS as fields
        self.reader = reader
        self.fields = tuple(field for field in fields if field in reader.schema)
        self.words = words  # a set of them cost a one-shot search 20 ms more than bisecting
        self._contains: dict[str, bool] = {}
        self._prefixes: dict[str, tuple[str, ...]] = {}

    def __contains__(self, form: str) -> bool:
        if self.words is not None:
            at = bisect.bisect_left(self.words, form)
            return at < len(self.words) and self.words[at] == form
        found = self._contains.get(form)
        if found is None:
            found = self._contains[form] = any(
                (field, form) in self.reader for field in self.fields
            )
        return found

    def starting_with(self, prefix: str) -> tuple[str, ...]:
        if self.words is not None:
            start = bisect.bisect_left(self.words, prefix)
            end = bisect.bisect_left(self.words, prefix + "\U0010ffff", start)
            return tuple(self.words[start:end])
        found = self._prefixes.get(prefix)
        if found is None:
            streams = [self.reader.expand_prefix(field, prefix) for field in self.fields]
            found = self._prefixes[prefix] = tuple(
                dict.fromkeys(_text(term) for term in merge(*streams))
            )
        return found

    def within(self, word: str, edits: int, prefix: int):
        """Words within ``edits`` (Damerau-Levenshtein) sharing the first ``prefix``
        letters, lazily. Only words whose length is within ``edits`` of the word's are
        measured: Whoosh's reader measured every word with the prefix (a multi-segment
        index has no automaton), 1 s for a word of 100 letters~2 on tashkeela_classical."""
        for term in self.starting_with(word[:prefix]):
            if abs(len(term) - len(word)) <= edits and damerau_levenshtein(term, word, edits) <= edits:
                yield term

    def document_frequency(self, form: str) -> int:
        return sum(self.reader.doc_frequency(field, form) for field in self.fields)


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
