"""The words an open index holds, as ``analyzers.morphology`` asks for them.

A word's family is grown by asking the lexicon which of a few hundred prefixes start
words of the index (``starting_with``). Whoosh answers each from its term dictionary on
disk in about 0.1 ms, which made a word's family cost 19 ms on tashkeela_classical. So
the indexer also keeps the index's words in a sorted text file beside it
(``LEXICON_FILE``, one word a line, written before each commit, so that it never lacks a
word the index holds; words of deleted records stay, and match nothing), which a search
reads once and bisects. An index without the file is asked through Whoosh.

The file is bisected as it is on disk, bytes (``SortedWords``): UTF-8 sorts as the code
points do. Decoding and splitting its 143,000 words (1.8 MB on tashkeela_classical)
cost a one-shot search 20 ms; a family asks a few hundred questions, each a few
microseconds of bisecting.
"""

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


def load_lexicon(index_dir: Path) -> "SortedWords | None":
    """The index's words, sorted; None when the index has no lexicon file."""
    path = Path(index_dir) / LEXICON_FILE
    if not path.is_file():
        return None
    try:
        return SortedWords(path.read_bytes())
    except OSError:
        return SortedWords(b"")


class SortedWords:
    """Words sorted one a line, UTF-8, looked up by bisecting the bytes (a line that is
    not UTF-8 comes out with replacement characters, and matches no term)."""

    def __init__(self, data: bytes):
        self.data = data

    def __contains__(self, word: str) -> bool:
        key = word.encode("utf-8", "surrogatepass")
        start = self._first_at_least(key)
        return self.data[start : self._line_end(start)] == key and start < len(self.data)

    def starting_with(self, prefix: str) -> tuple[str, ...]:
        key = prefix.encode("utf-8", "surrogatepass")
        start = self._first_at_least(key)
        end = self._first_at_least(key + b"\xff")  # no UTF-8 byte is 0xff
        if start >= end:
            return ()
        return tuple(self.data[start : end - 1].decode("utf-8", "replace").split("\n"))

    def _line_end(self, start: int) -> int:
        end = self.data.find(b"\n", start)
        return len(self.data) if end < 0 else end

    def _first_at_least(self, key: bytes) -> int:
        """Where the first line not below ``key`` starts (past the end when none)."""
        data, low, high = self.data, 0, len(self.data)
        while low < high:
            middle = (low + high) // 2
            start = data.rfind(b"\n", low, middle) + 1 or low
            end = self._line_end(middle)
            if data[start:end] < key:
                low = end + 1
            else:
                high = start
        return low


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

    def __init__(self, reader, fields: tuple[str, ...] | None = None, words: "SortedWords | None" = None):
        if fields is None:
            # Imported here: the indexer saves the lexicon and needs no query parser.
            from search.query import TEXT_FIELDS as fields
        self.reader = reader
        self.fields = tuple(field for field in fields if field in reader.schema)
        self.words = words
        self._contains: dict[str, bool] = {}
        self._prefixes: dict[str, tuple[str, ...]] = {}

    def __contains__(self, form: str) -> bool:
        if self.words is not None:
            return form in self.words
        found = self._contains.get(form)
        if found is None:
            found = self._contains[form] = any(
                (field, form) in self.reader for field in self.fields
            )
        return found

    def starting_with(self, prefix: str) -> tuple[str, ...]:
        if self.words is not None:
            return self.words.starting_with(prefix)
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
