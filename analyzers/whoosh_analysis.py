"""Wire the pure Arabic functions into Whoosh: tokenizer, filters, analyzer factories.

Filters change ``token.text`` only, never ``startchar``/``endchar``, so the offsets
always point into the original text: a highlight can mark وَبِالْمَدْرَسَةِ exactly
as written. Everything here pickles (Whoosh stores the schema in the index): no
lambdas or closures, and these import paths are part of the index format.
"""

from whoosh.analysis import Filter, RegexTokenizer

from analyzers.normalization import normalize
from analyzers.stem import light_stem
from analyzers.stopwords import STOPWORDS

# Stamped into every index; bump it whenever a change here or in normalize/stem/stopwords
# changes the terms produced, so old indexes are rebuilt rather than silently mixed.
ANALYZER_VERSION = "1"

# A word is a run of letters and digits of any script plus the Arabic combining marks
# (which Python's \w does not cover), so مَدْرَسَة stays one token. Everything else
# splits: spaces, Latin punctuation, ، ؛ ؟ « » and the underscore.
ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
WORD_PATTERN = rf"(?:[^\W_]|[{ARABIC_MARKS}])+"

# Distinct surface forms cached by ArabicTermFilter before it starts afresh. A large
# corpus has a few hundred thousand; this bounds the cache to some tens of MB.
TERM_CACHE_SIZE = 200_000


class ArabicTermFilter(Filter):
    """Normalize each token, mark stopwords and optionally light-stem, in one cached pass.

    Rules, in order, for each token:
    1. ``normalize`` the text; a token left empty (only diacritics) is dropped.
    2. A normalized word in STOPWORDS is dropped, or kept with ``stopped=True`` when the
       caller passes ``removestops=False``; stopwords are never stemmed.
    3. Otherwise, with ``stem=True``, the text becomes ``light_stem(normalized)``.
    Positions are renumbered over the dropped tokens, as Whoosh's StopFilter does, so a
    phrase matches across a stopword.

    The three steps are fused, and cached by surface form, because each extra filter in a
    Whoosh chain costs about a microsecond per token: the chain of NormalizeFilter,
    StopFilter and StemFilter ran at 0.24M tokens/s where this runs at over 0.6M
    (``bench/analyzer.py``). The offsets are never touched.
    """

    def __init__(self, stem: bool = True):
        self.stem = stem
        self._cache = {}

    def __getstate__(self):
        return {"stem": self.stem}

    def __setstate__(self, state):
        self.__init__(**state)

    def __eq__(self, other):
        return type(self) is type(other) and self.stem == other.stem

    def _term(self, surface: str) -> tuple[str, bool]:
        normalized = normalize(surface)
        if normalized in STOPWORDS:
            return normalized, True
        return (light_stem(normalized) if self.stem else normalized), False

    def __call__(self, tokens):
        cache = self._cache
        position = None
        for token in tokens:
            entry = cache.get(token.text)
            if entry is None:
                if len(cache) >= TERM_CACHE_SIZE:
                    cache.clear()
                entry = cache[token.text] = self._term(token.text)
            text, stopped = entry
            if not text:
                continue
            token.text = text
            token.stopped = stopped
            if stopped:
                if not token.removestops:
                    yield token
                continue
            if token.positions:
                position = token.pos if position is None else position + 1
                token.pos = position
            yield token


def word_tokenizer() -> RegexTokenizer:
    """Return the tokenizer that keeps diacritics and tatweel inside words."""
    return RegexTokenizer(WORD_PATTERN)


def exact_analyzer():
    """Return the analyzer for exact matching: tokenize, normalize, drop stopwords."""
    return word_tokenizer() | ArabicTermFilter(stem=False)


def arabic_analyzer():
    """Return the full analyzer: tokenize, normalize, drop stopwords, light-stem."""
    return word_tokenizer() | ArabicTermFilter(stem=True)
