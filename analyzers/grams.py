"""Character n-grams of words: a soft match between a word's spellings and forms.

Light stemming joins والمدرسة and مدرسة, but not أوكسجين and أكسجين, or شوكولاته and
شيكولاتة. Their character 4-grams overlap (كسجي سجين جين_): a document sharing many of a
query word's grams likely has a form of that word. Broken plurals mostly share none
(كتاب / كتب). Pure functions on text; ``search.grams`` uses them to rerank hits.

A record's normalized words (``gram_text``) are computed once at indexing: kept in a
column for the grams, they also feed the roots field
(``analyzers.whoosh_analysis.RootTokenizer``).
"""

from analyzers.memo import remembered
from analyzers.terms import TERM_CACHE_SIZE, index_term
from analyzers.words import find_words

# 4 beat 3 and 5 on wiki_qa (docs/relevance.md).
GRAM_SIZE = 4
# Marks a word's start and end, so edge grams (_مدر, رسه_) differ from inner ones. The
# word tokenizer never produces it.
GRAM_EDGE = "_"


def word_grams(normalized: str) -> tuple[str, ...]:
    """The character n-grams of a normalized word, its edges marked.

    >>> word_grams("مدرسه")
    ('_مدر', 'مدرس', 'درسه', 'رسه_')
    >>> word_grams("كتب")
    ('_كتب', 'كتب_')
    >>> word_grams("قط")
    ('_قط_',)
    """
    edged = GRAM_EDGE + normalized + GRAM_EDGE
    if len(edged) <= GRAM_SIZE:
        return (edged,)
    return tuple(edged[i : i + GRAM_SIZE] for i in range(len(edged) - GRAM_SIZE + 1))


def gram_text(text: str) -> str:
    """What a document's grams are counted in: its words normalized, stopwords left out,
    edges marked, one space apart, after the number of grams they have. How often a gram
    occurs in a document is how often it occurs in this string (a gram never holds a
    space), so counting one takes ``str.count``, not a pass over the words.

    >>> gram_text("في المدرسةِ، كُتُب")
    '8 _المدرسه_ _كتب_'
    >>> gram_text("في")
    '0 '
    """
    words = list(filter(None, map(_edged, find_words(text))))
    # A word has max(len(edged) - GRAM_SIZE + 1, 1) grams: counted in C.
    lengths = list(map(len, words))
    grams = sum(lengths) - (GRAM_SIZE - 1) * len(lengths)
    grams += sum(lengths.count(short) * (GRAM_SIZE - short) for short in range(1, GRAM_SIZE))
    return f"{grams} {' '.join(words)}"


def read_gram_text(value: str) -> tuple[int, str]:
    """(number of grams, words) of a ``gram_text``.

    >>> read_gram_text(gram_text("كُتُب"))
    (2, '_كتب_')
    """
    grams, _, words = value.partition(" ")
    return int(grams), words


def read_gram_count(value: bytes) -> int:
    """The number of grams at the head of a ``gram_text`` stored as UTF-8, 0 when it is
    not a number (a column written by hand).

    >>> read_gram_count(gram_text("كُتُب").encode()[:1]), read_gram_count(b"x")
    (2, 0)
    """
    return int(value) if value.isdigit() else 0


def read_gram_words(value: str) -> list[str]:
    """The words (index terms) of a ``gram_text``, without their edge marks.

    >>> read_gram_words(gram_text("في المدرسةِ، كُتُب"))
    ['المدرسه', 'كتب']
    """
    # No term holds GRAM_EDGE (no word does): the edges go in one pass, in C.
    return read_gram_text(value)[1].replace(GRAM_EDGE, " ").split()


@remembered(TERM_CACHE_SIZE)
def _edged(surface: str) -> str:
    """A word's index term with its edges marked ("" for none), remembered: three calls a
    word were most of building a record's gram text."""
    term = index_term(surface)
    return GRAM_EDGE + term + GRAM_EDGE if term else ""
