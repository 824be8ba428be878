"""Find the words of a document that a query matched, and cut snippets around them.

Pure functions over the ORIGINAL text: a match is the (start, end) of a word exactly as
written, diacritics and glued prefixes included, whose index term
(``analyzers.terms.index_term``) is one the query looked up. Snippets are slices of the text (newlines made spaces, so
offsets stay valid), cut at word boundaries and, where one is near, after ، ؛ ؟ . ! or
a line break.
"""

import functools
import re
import sys
import unicodedata
from dataclasses import dataclass

from analyzers.normalization import DELETED_CHARACTERS, FOLDED_INTO
from analyzers.terms import index_term
from analyzers.words import WORD

# What may stand between two letters of a word as written: any character that is not
# a letter, digit, underscore or space (the diacritics and joiners normalization
# deletes are such), and the deleted characters that are letters (tatweel ـ, small
# waw and yeh). A class of the 69 deleted characters themselves cost the pattern's
# compilation 0.25 ms for each letter of each term (a set of many ranges compiles to a
# bitmap, in Python): 8 ms of a one-shot search for كتاب, 2.5 ms this way. The wider
# class lets through only candidate words that index_term turns down. Possessive (no
# term letter is one the gap takes, so nothing is lost by never giving back): the
# alternation backtracking scanned 300 documents in 77 ms, possessive 41, the old
# class 48. Python 3.10 has no possessive repeat: it backtracks.
_GAP = (
    "(?:[^\\w\\s]|[" + re.escape("".join(c for c in DELETED_CHARACTERS if re.match(r"\w", c))) + "])"
    + ("*+" if sys.version_info >= (3, 11) else "*")
)
# Ligatures, Arabic presentation forms and fullwidth forms: NFKC turns most of them into
# plain letters the raw-spelling pattern does not know (``compatibility_forms``).
COMPATIBILITY_BLOCKS = ((0xFB00, 0xFDFF), (0xFE70, 0xFEFF), (0xFF00, 0xFFEF))
# They are all from U+F000 up, which UTF-8 writes with a leading byte EF, and no
# character below: a text whose UTF-8 lacks that byte has none of them. Encoding and one
# memchr took a quarter of the class's search over the text (0.05 against 0.2 ms over
# a single word's 10 texts, bench/query.py's words on tashkeela_classical).
_FROM_U_F000 = b"\xef"
_ENCODED_UP_TO = 1 << 20  # characters
# Above this many distinct terms (a short prefix's expansions), scanning every word is
# faster than one alternation of them all.
MAX_FINDER_TERMS = 200
# Cut points a snippet prefers, strongest first: sentence ends, then clause marks.
SENTENCE_ENDS = ".!؟?\n"
CLAUSE_MARKS = "،؛,;:"
# The last cut point of a kind before a search's end (its endpos): one search, where an
# rfind for each mark took a fifth of cutting snippets.
_LAST_SENTENCE_END, _LAST_CLAUSE_MARK = (
    re.compile(f"[{re.escape(marks)}][^{re.escape(marks)}]*\\Z") for marks in (SENTENCE_ENDS, CLAUSE_MARKS)
)
SNIPPET_CHARS = 160
MAX_SNIPPETS = 3
# Of the context a snippet adds around its matches, this share goes before the first match.
LEADING_SHARE = 0.35


@dataclass(frozen=True)
class Snippet:
    """A slice of a document; highlights are (start, end) offsets into ``text``."""

    text: str
    highlights: tuple[tuple[int, int], ...]
    start: int  # where the slice starts in the document
    end: int

    def to_dict(self) -> dict:
        return {"text": self.text, "highlights": [list(span) for span in self.highlights]}


@dataclass(frozen=True)
class Matcher:
    """What to highlight: index terms (the forms of the query's word families) and phrases."""

    terms: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) of every matched word in ``text``, in order.

        Without phrases, a regular expression first finds the words that can match (those
        containing a term's letters, in any spelling normalization folds together), so
        only those go through the analyzer; with phrases, or text in presentation forms
        that NFKC turns into other letters, every word does. A found stretch may run past
        its word (``_GAP``): the next search starts at that word's end.
        """
        if self.phrases or self._finder is None or _has_compatibility_forms(text):
            return self._spans_of_every_word(text)
        spans = set()
        search, at = self._finder.search, 0
        while found := search(text, at):
            # The word it is in: mostly the one after the last space before it.
            word = WORD.match(text, text.rfind(" ", 0, found.start()) + 1)
            if word is None or word.end() <= found.start():
                start = found.start()
                while start and WORD.match(text[start - 1]):
                    start -= 1
                word = WORD.match(text, start)
            if word is None:  # not a word's letter (cannot be: terms are words)
                at = found.start() + 1
                continue
            if index_term(word.group()) in self.terms:
                spans.add(word.span())
            at = max(word.end(), found.start() + 1)
        return sorted(spans)

    @functools.cached_property
    def _finder(self) -> re.Pattern | None:
        """A pattern for the raw spellings of the terms' letters, or None if too many."""
        shortest = []  # the terms holding no shorter term (one that does is found by it)
        for term in sorted(self.terms, key=len):
            if not any(short in term for short in shortest):
                shortest.append(term)
        if not shortest or len(shortest) > MAX_FINDER_TERMS:
            return None
        # One alternative for each spelling of a term's first letter: when every
        # alternative starts with a letter, re skips in C to where one of them stands
        # (its "charset prefix"); one class of letters first, and it tries the whole
        # pattern at every character (0.50 against 0.37 ms over a single word's 10 texts,
        # bench/query.py's words on tashkeela_classical).
        return re.compile(
            "|".join(spelling for term in shortest for spelling in _raw_spellings(term)),
            re.IGNORECASE,
        )

    def _spans_of_every_word(self, text: str) -> list[tuple[int, int]]:
        words = [
            (match.start(), match.end(), term)
            for match in WORD.finditer(text)
            if (term := index_term(match.group()))
        ]
        spans = {(start, end) for start, end, term in words if term in self.terms}
        for phrase in self.phrases:
            for first in range(len(words) - len(phrase) + 1):
                window = words[first : first + len(phrase)]
                if all(word == term for word, (_, _, term) in zip(phrase, window)):
                    spans.update((start, end) for start, end, _ in window)
        return sorted(spans)


def _has_compatibility_forms(text: str) -> bool:
    # (Not a copy of a long text: one record may hold up to a file's 100 MB.)
    if len(text) <= _ENCODED_UP_TO and _FROM_U_F000 not in text.encode("utf-8", "surrogatepass"):
        return False
    return compatibility_forms().search(text) is not None


@functools.cache
def compatibility_forms() -> re.Pattern:
    """A class of the characters of COMPATIBILITY_BLOCKS that NFKC changes: not the
    ornate parentheses ﴾ ﴿ around Quranic verses, nor the byte-order mark, which sent a
    text of a tafsir to the slow way (some 1 ms a text). Made when first needed, as 23
    ranges (1.1 ms; a class of its 1,013 characters took 2.4 ms to make)."""
    ranges: list[list[int]] = []
    for start, end in COMPATIBILITY_BLOCKS:
        for code in range(start, end + 1):
            if unicodedata.normalize("NFKC", chr(code)) == chr(code):
                continue
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    parts = (f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges)
    return re.compile("[" + "".join(parts) + "]")


def _raw_spellings(normalized: str) -> list[str]:
    """Regular expressions for ``normalized`` as it may be written, one for each spelling
    of its first letter: each letter in any form that folds into it, with diacritics or
    tatweel between.

    >>> [bool(re.fullmatch(p, "أَثْرِيَـا")) for p in _raw_spellings("اثريا")]
    [False, False, True, False, False]
    """
    rest = "".join(_GAP + _raw_letter(char) for char in normalized[1:])
    return [re.escape(first) + rest for first in FOLDED_INTO.get(normalized[0], normalized[0])]


def _raw_letter(char: str) -> str:
    spellings = FOLDED_INTO.get(char, char)
    return re.escape(char) if len(spellings) == 1 else f"[{re.escape(spellings)}]"


def snippets(
    text: str, spans: list[tuple[int, int]], count: int = MAX_SNIPPETS, width: int = SNIPPET_CHARS
) -> list[Snippet]:
    """Up to ``count`` snippets of about ``width`` characters, richest in matches first picked,
    returned in document order; the opening of the text when nothing matched.

    >>> text = "مقدمة. ذهب الطلاب إلى المدرسة، ثم عادوا. وبعد ذلك ناموا"
    >>> [(s.text, s.highlights) for s in snippets(text, [(22, 29)], width=30)]
    [('إلى المدرسة، ثم عادوا.', ((4, 11),))]
    """
    if not text.strip():
        return []
    groups = _group(spans, width)
    groups.sort(key=lambda group: (-len(group), group[0][0]))
    chosen = sorted(groups[:count], key=lambda group: group[0][0]) or [[(0, 0)]]
    result = []
    for group in chosen:
        start, end = _expand(text, group[0][0], group[-1][1], width)
        if result:
            if group[-1][1] <= result[-1].end:
                continue  # the previous snippet already shows these matches
            start = max(start, result[-1].end)
        highlights = tuple((s - start, e - start) for s, e in spans if s >= start and e <= end)
        flat = re.sub(r"\s", " ", text[start:end])
        result.append(Snippet(flat, highlights, start, end))
    return result


def _group(spans, width: int) -> list[list[tuple[int, int]]]:
    """Consecutive matches that fit together in one snippet."""
    groups = []
    for span in spans:
        if groups and span[1] - groups[-1][0][0] <= width:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def _expand(text: str, first: int, last: int, width: int) -> tuple[int, int]:
    """Grow [first, last) to about ``width`` characters, cutting at good boundaries."""
    room = max(width - (last - first), 0)
    lower = max(first - int(room * LEADING_SHARE), 0)
    upper = min(last + room - (first - lower), len(text))
    if upper - lower < width:
        lower = max(upper - width, 0)
    start = first if lower == first else _cut_start(text, lower, first)
    end = _cut_end(text, last, upper)
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _cut_start(text: str, lower: int, first: int) -> int:
    """Where to start before ``first``: after a sentence end or clause mark in the first half
    of [lower, first), else at the first word start from ``lower``."""
    if lower == 0:
        return 0
    middle = (lower + first) // 2
    for last_mark in (_LAST_SENTENCE_END, _LAST_CLAUSE_MARK):
        if cut := last_mark.search(text, lower, middle):
            return cut.start() + 1
    space = text.find(" ", lower - 1, first)
    return space + 1 if space >= 0 else first


def _cut_end(text: str, last: int, upper: int) -> int:
    """Where to end after ``last``: after a sentence end or clause mark in the second half
    of (last, upper], else at the last word end before ``upper``."""
    if upper == len(text):
        return upper
    middle = (last + upper) // 2
    for last_mark in (_LAST_SENTENCE_END, _LAST_CLAUSE_MARK):
        if cut := last_mark.search(text, middle, upper):
            return cut.start() + (0 if text[cut.start()] == "\n" else 1)
    space = text.rfind(" ", last, upper + 1)
    return space if space >= 0 else last
