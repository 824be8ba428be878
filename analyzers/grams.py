"""Character n-grams of words: a soft match between a word's spellings and forms.

Light stemming joins والمدرسة and مدرسة, but not اوكسيجين and اكسجين, تأسس and أسس,
or a broken plural and its singular. Their character 4-grams overlap: a document
sharing many of a query word's grams likely has a form of that word. Pure functions
on words; ``search.grams`` uses them to rerank hits.
"""

from functools import lru_cache

from analyzers.normalization import normalize
from analyzers.stopwords import STOPWORDS

# 4 beat 3 and 5 on wiki_qa (docs/relevance.md).
GRAM_SIZE = 4
# Marks a word's start and end, so edge grams (_مدر, رسه_) differ from inner ones. The
# word tokenizer never produces it.
GRAM_EDGE = "_"
# Distinct words whose grams are remembered.
CACHE_SIZE = 200_000


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


@lru_cache(maxsize=CACHE_SIZE)
def surface_grams(surface: str) -> tuple[str, ...]:
    """The grams of one word as written, normalized first; none for a stopword or a
    word of only diacritics.

    >>> surface_grams("كُتُب"), surface_grams("في"), surface_grams("ـــ")
    (('_كتب', 'كتب_'), (), ())
    """
    normalized = normalize(surface)
    if not normalized or normalized in STOPWORDS:
        return ()
    return word_grams(normalized)
