"""Wire the pure Arabic functions into Whoosh: tokenizer, filters, analyzer factories.

Filters change ``token.text`` only, never ``startchar``/``endchar``, so the offsets
always point into the original text: a highlight can mark وَبِالْمَدْرَسَةِ exactly
as written. Everything here pickles (Whoosh stores the schema in the index): no
lambdas or closures, and these import paths are part of the index format.
"""

from functools import lru_cache

from whoosh.analysis import Filter, RegexTokenizer, Token, Tokenizer

from analyzers.grams import GRAM_EDGE
from analyzers.normalization import normalize
from analyzers.roots import root
from analyzers.stem import light_stem
from analyzers.stopwords import STOPWORDS
from analyzers.words import WORD_PATTERN

# Stamped into every index; bump it whenever a change here or in normalize/stem/stopwords
# changes the terms produced, or what is indexed changes, so old indexes are rebuilt
# rather than silently mixed. 2: every word under its stem and its exact form; 3: back
# to the exact form only for words that are their own stem, and only real titles
# indexed as titles; 4: a column of each record's normalized words, for reranking by
# character n-grams (analyzers.grams); 5: a field of roots (analyzers.roots), and the
# letters borrowed for foreign sounds folded (پ ڤ چ گ …).
ANALYZER_VERSION = "5"

# Marks the exact (normalized, unstemmed) form of a word. Every word is indexed under its
# marked exact form; a word whose stem differs is also indexed under the bare stem, at the
# same position and offsets. So a stem matches as STEM or =STEM, an exact form as =FORM,
# and phrases and prefixes run over exact forms. Words that are their own stem (about
# two thirds of all words) cost one posting instead of two: indexing every word under
# both ran at half the speed for 0.006 more MRR@10 on wiki_qa, once the weighting gives
# STEM and =STEM the statistics of the whole stem (docs/relevance.md). The tokenizer never
# produces "=", so a marked term cannot collide with a stem.
EXACT_MARK = "="

# Distinct surface forms cached by ArabicTermFilter before it starts afresh. A large
# corpus has a few hundred thousand; this bounds the cache to some tens of MB.
TERM_CACHE_SIZE = 200_000


def term_forms(surface: str) -> tuple[str, str, bool]:
    """(stem, marked exact form, is_stopword) of one word as written; stem is "" if empty.

    >>> term_forms("وَبِالْمَدْرَسَةِ")
    ('مدرس', '=وبالمدرسه', False)
    """
    normalized = normalize(surface)
    if normalized in STOPWORDS:
        return normalized, EXACT_MARK + normalized, True
    return light_stem(normalized), EXACT_MARK + normalized, False


class ArabicTermFilter(Filter):
    """Normalize each token, mark stopwords and light-stem, in one cached pass.

    Rules, in order, for each token:
    1. ``normalize`` the text; a token left empty (only diacritics) is dropped.
    2. A normalized word in STOPWORDS is dropped, or kept with ``stopped=True`` when the
       caller passes ``removestops=False``; stopwords are never stemmed.
    3. Otherwise, with ``exact=True`` (the index's setting), the token becomes
       ``EXACT_MARK + normalized``, preceded at the same position and offsets by
       ``light_stem(normalized)`` when that differs from the normalized form. In query
       mode only the marked exact form is produced: the query builder derives the stem.
       With ``exact=False`` the token is just the stem.
    Positions are renumbered over the dropped tokens, as Whoosh's StopFilter does, so a
    phrase matches across a stopword.

    The three steps are fused, and cached by surface form, because each extra filter in a
    Whoosh chain costs about a microsecond per token: the chain of NormalizeFilter,
    StopFilter and StemFilter ran at 0.24M tokens/s where this runs at over 0.6M
    (``bench/analyzer.py``). The offsets are never touched.
    """

    def __init__(self, exact: bool = True):
        self.exact = exact
        self._cache = {}

    def __getstate__(self):
        return {"exact": self.exact}

    def __setstate__(self, state):
        self.__init__(**state)

    def __eq__(self, other):
        return type(self) is type(other) and self.exact == other.exact

    def __call__(self, tokens):
        cache = self._cache
        position = None
        for token in tokens:
            entry = cache.get(token.text)
            if entry is None:
                if len(cache) >= TERM_CACHE_SIZE:
                    cache.clear()
                entry = cache[token.text] = term_forms(token.text)
            stem, exact, stopped = entry
            if not stem:
                continue
            token.stopped = stopped
            if stopped:
                if not token.removestops:
                    token.text = stem
                    yield token
                continue
            if token.positions:
                position = token.pos if position is None else position + 1
                token.pos = position
            if not self.exact:
                token.text = stem
                yield token
                continue
            if token.mode != "query" and len(stem) + len(EXACT_MARK) != len(exact):
                token.text = stem
                yield token
            token.text = exact
            yield token


def word_tokenizer() -> RegexTokenizer:
    """Return the tokenizer that keeps diacritics and tatweel inside words."""
    return RegexTokenizer(WORD_PATTERN)


def arabic_analyzer(exact: bool = True):
    """Return the analyzer: tokenize, normalize, drop stopwords, light-stem.

    With ``exact`` (the index's setting), each word gives its marked exact form, after
    its stem when the stem differs; without it, only stems are produced.

    >>> [t.text for t in arabic_analyzer()("وَبِالْمَدْرَسَةِ في أثريا")]
    ['مدرس', '=وبالمدرسه', '=اثريا']
    >>> [t.text for t in arabic_analyzer()("وَبِالْمَدْرَسَةِ", mode="query")]
    ['=وبالمدرسه']
    """
    return word_tokenizer() | ArabicTermFilter(exact=exact)


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


@lru_cache(maxsize=TERM_CACHE_SIZE)
def _gram_word_root(word: str) -> str:
    """The root of one word of a ``gram_text`` (its edges marked)."""
    return root(word.strip(GRAM_EDGE))


def root_analyzer() -> RootTokenizer:
    """The roots field's analyzer, over ``gram_text`` values.

    >>> from analyzers.grams import gram_text
    >>> [token.text for token in root_analyzer()(gram_text("المَدْرَسَةُ في أثريا USB"))]
    ['درس', 'اثر']
    """
    return RootTokenizer()
