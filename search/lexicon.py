"""The words an open index holds, as ``analyzers.morphology`` asks for them.

A word's family is grown by asking the lexicon which of a few hundred prefixes start
words of the index (``starting_with``). Whoosh answers each from its term dictionary on
disk in about 0.1 ms, which made a word's family cost 19 ms on tashkeela_classical. So
the indexer also keeps the index's words in a sorted text file beside it
(``LEXICON_FILE``, one word a line, written before each commit, so that it never lacks a
word the index holds; words of deleted records stay, and match nothing), which a search
reads once and bisects. An index without the file is asked through Whoosh.

Decoding the whole file into a list of words (143,000 words, 1.8 MB) cost a one-shot
search 20-60 ms, and it asks about a few hundred words. ``SortedWords`` reads the bytes,
notes the first word of each block of about ``BLOCK_BYTES`` and decodes a block the
first time a question reaches it; later questions to it cost what a list's bisect does.
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


# Some 330 words a block on tashkeela_classical's lexicon, decoded in ~30 µs.
BLOCK_BYTES = 4096


def load_lexicon(index_dir: Path) -> "SortedWords | None":
    """The index's words, sorted; None when the index has no lexicon file."""
    path = Path(index_dir) / LEXICON_FILE
    try:
        return SortedWords(path.read_bytes())
    except FileNotFoundError:
        return None
    except OSError:
        return SortedWords(b"")


class SortedWords:
    """Sorted words, one a line in ``data`` (UTF-8), decoded a block at a time as asked.

    A byte that is not UTF-8 spoils only its block: the word holding it decodes with
    U+FFFD, out of order.

    >>> words = SortedWords("\\n".join(["كتاب", "كتب", "مكتبة"]).encode(), block_bytes=4)
    >>> "كتب" in words, "كت" in words, words.starting_with("كت")
    (True, False, ('كتاب', 'كتب'))
    """

    def __init__(self, data: bytes, block_bytes: int = BLOCK_BYTES):
        self.data = data
        self.starts = [0]  # where each block starts; it ends a newline before the next
        at = data.find(b"\n", block_bytes)
        while at != -1:
            self.starts.append(at + 1)
            at = data.find(b"\n", at + 1 + block_bytes)
        self.firsts = [self._decode(start, data.find(b"\n", start)) for start in self.starts]
        self.blocks: dict[int, list[str]] = {}

    def _decode(self, start: int, end: int) -> str:
        return self.data[start : end if end != -1 else len(self.data)].decode("utf-8", "replace")

    def _block(self, number: int) -> list[str]:
        words = self.blocks.get(number)
        if words is None:
            end = self.starts[number + 1] - 1 if number + 1 < len(self.starts) else -1
            text = self._decode(self.starts[number], end)
            words = self.blocks[number] = text.split("\n") if self.data else []
        return words

    def __contains__(self, word: str) -> bool:
        words = self._block(max(bisect.bisect_right(self.firsts, word) - 1, 0))
        at = bisect.bisect_left(words, word)
        return at < len(words) and words[at] == word

    def starting_with(self, prefix: str) -> tuple[str, ...]:
        """The words that start with ``prefix``, in order."""
        number = max(bisect.bisect_right(self.firsts, prefix) - 1, 0)
        words = self._block(number)
        start = bisect.bisect_left(words, prefix)
        if start < len(words) and not words[start].startswith(prefix):
            return ()  # the word after it does not start with it (most prefixes asked)
        found = []
        while True:
            end = bisect.bisect_left(words, prefix + "\U0010ffff", start)
            found.extend(words[start:end])
            number += 1
            if end < len(words) or number == len(self.starts) or not self.firsts[number].startswith(prefix):
                return tuple(found)
            words, start = self._block(number), 0


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
