"""Wire the pure Arabic functions into Whoosh: tokenizer, filters, analyzer factories.

Filters change ``token.text`` only, never ``startchar``/``endchar``, so the offsets
always point into the original text: a highlight can mark وَبِالْمَدْرَسَةِ exactly
as written. Everything here pickles (Whoosh stores the schema in the index): no
lambdas or closures, and these import paths are part of the index format.
"""

from collections import Counter

from whoosh.analysis import Filter, RegexTokenizer, Token, Tokenizer
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from analyzers.grams import GRAM_EDGE
from analyzers.memo import remembered
from analyzers.roots import root
from analyzers.normalization import normalize
from analyzers.terms import TERM_CACHE_SIZE, index_term, word_term
from analyzers.words import WORD_PATTERN, find_words

# Stamped into every index; bump it whenever a change here or in the term scheme
# (analyzers.terms) changes the terms produced, or what is indexed changes, so old
# indexes are rebuilt rather than silently mixed. 2: every word under its stem and its
# exact form; 3: back to the exact form only for words that are their own stem, and only
# real titles indexed as titles; 4: a column of each record's normalized words, for
# reranking by character n-grams (analyzers.grams); 5: a field of roots
# (analyzers.roots), and the letters borrowed for foreign sounds folded (پ ڤ چ گ …);
# 6: one term per word, its normalized form (word families are found at query time,
# analyzers.morphology), and stopwords matched before ى and ة are folded; 7: LRM, RLM
# and ALM inside a word are part of it (they split it before).
ANALYZER_VERSION = "7"


class ArabicTermFilter(Filter):
    """Each token becomes its index term (``analyzers.terms.index_term``), in one cached pass.

    Rules, for each token:
    1. A stopword (matched before ى and ة are folded) is dropped, or kept with
       ``stopped=True`` and its normalized text when the caller passes
       ``removestops=False``.
    2. A token left empty (only diacritics) is dropped.
    3. Otherwise its text becomes its normalized form.
    Positions are renumbered over the dropped tokens, as Whoosh's StopFilter does, so a
    phrase matches across a stopword. The offsets are never touched.
    """

    def __init__(self, **_ignored):
        # Indexes before version 6 pickled an ``exact`` setting; it no longer exists.
        pass

    def __setstate__(self, state):
        self.__init__()

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, tokens):
        position = None
        for token in tokens:
            term, stopped = word_term(token.text)
            if not term:
                continue
            if stopped:
                token.stopped = True
                if not token.removestops:
                    token.text = term
                    yield token
                continue
            token.stopped = False
            if token.positions:
                position = token.pos if position is None else position + 1
                token.pos = position
            token.text = term
            yield token


class NormalizeFilter(Filter):
    """Each token's text normalized (``analyzers.normalization.normalize``): diacritics,
    alef forms and case folded, so path:اسحاق finds إسحاق_نيوتن.txt."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, tokens):
        for token in tokens:
            token.text = normalize(token.text)
            if token.text:
                yield token


class WordPositions(Positions):
    """Whoosh's Positions format (the title and body fields'), which computes the
    postings of a text ``arabic_analyzer`` analyzes straight from its words.

    Whoosh indexes a text through its analyzer, a Token object a word passed from the
    tokenizer through the filter, then gathers the tokens' positions: more than a fifth
    of a build's CPU. Here the words are found (``find_words``, the tokenizer's pattern),
    turned into their index terms (``analyzers.terms.index_term``: what ``ArabicTermFilter``
    keeps when stopwords are removed), and their positions gathered in one pass, numbered
    as the filter numbers them: the first term kept at its word's place, each next one
    after it. The same terms, frequencies, weights and
    encoded positions in the same order (tests/test_whoosh_analysis.py); any other
    analyzer or value goes Whoosh's way. 2,500 records of tashkeela_classical: 1.97 ->
    0.88 s."""

    def word_values(self, value, analyzer, **kwargs):
        if type(value) is not str or kwargs.keys() - {"mode"} or analyzer != _ARABIC_ANALYZER:
            return super().word_values(value, analyzer, **kwargs)
        return self._word_values(value)

    def _word_values(self, text: str):
        terms = list(map(index_term, find_words(text)))  # "" for a word not indexed
        kept = list(filter(None, terms))
        if not kept:
            return
        positions: dict[str, list[int]] = {}
        for position, term in enumerate(kept, terms.index(kept[0])):
            found = positions.get(term)
            if found is None:
                positions[term] = [position]
            else:
                found.append(position)
        boost = self.field_boost
        for term, found in positions.items():
            yield term, len(found), len(found) * boost, self.encode(found)


def name_analyzer():
    """The analyzer of paths and sources: words (underscores, dots and slashes split
    them), normalized.

    >>> [t.text for t in name_analyzer()("كتب/إسحاق_نيوتن.TXT")]
    ['كتب', 'اسحاق', 'نيوتن', 'txt']
    """
    return word_tokenizer() | NormalizeFilter()


def word_tokenizer() -> RegexTokenizer:
    """Return the tokenizer that keeps diacritics and tatweel inside words."""
    return RegexTokenizer(WORD_PATTERN)


def arabic_analyzer():
    """Return the analyzer: tokenize, drop stopwords, normalize (one term per word).

    >>> [t.text for t in arabic_analyzer()("وَبِالْمَدْرَسَةِ في أثريا علي")]
    ['وبالمدرسه', 'اثريا', 'علي']
    """
    return word_tokenizer() | ArabicTermFilter()


_ARABIC_ANALYZER = arabic_analyzer()


class RootTokenizer(Tokenizer):
    """The roots (``analyzers.roots``) of the words of a ``gram_text``, one token each.

    The index's roots field reads the words the indexer already normalized for the grams
    column, so a record is not tokenized and normalized a second time; words without a
    root (Latin, digits, the text's leading count) give no token. A field of its own,
    without positions, rather than a root token beside each word in the title and body
    (tried first): the same indexing time and MRR@10 (0.800), an index of 137 MB, not 151,
    on tashkeela_classical, and phrases, highlights and idf over words left as they were.
    """

    def __call__(self, value, positions=False, chars=False, removestops=True, mode="", start_pos=0, **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode)
        position = start_pos
        for word in value.split():
            word_root = _gram_word_root(word)
            if word_root:
                token.text = word_root
                if positions:
                    token.pos = position
                    position += 1
                yield token


@remembered(TERM_CACHE_SIZE)
def _gram_word_root(word: str) -> str:
    """The root of one word of a ``gram_text`` (its edges marked)."""
    return root(word.strip(GRAM_EDGE))


class WordFrequency(Frequency):
    """Whoosh's Frequency format (the roots field's), which counts the roots of a
    ``gram_text`` that ``root_analyzer`` analyzes straight from its words, as
    ``WordPositions`` does the title's and body's: the same roots, frequencies, weights
    and encoded values, in the same order; anything else goes Whoosh's way. 2,500 records
    of tashkeela_classical: 0.55 -> 0.27 s."""

    def word_values(self, value, analyzer, **kwargs):
        if type(value) is not str or kwargs.keys() - {"mode"} or analyzer != _ROOT_ANALYZER:
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        counts = Counter(filter(None, map(_gram_word_root, value.split())))
        return ((word, count, count * boost, pack_uint(count)) for word, count in counts.items())


def root_analyzer() -> RootTokenizer:
    """The roots field's analyzer, over ``gram_text`` values.

    >>> from analyzers.grams import gram_text
    >>> [token.text for token in root_analyzer()(gram_text("المَدْرَسَةُ في أثريا USB"))]
    ['درس', 'اثر']
    """
    return RootTokenizer()


_ROOT_ANALYZER = root_analyzer()
