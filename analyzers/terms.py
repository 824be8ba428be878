"""The term scheme: how a document word becomes an index term, and a query word the
terms to look up. Indexing (``analyzers.whoosh_analysis``), queries (``search.query``),
highlights (``search.snippets``) and scoring (``search.searching``) all ask this module.

- A document word is indexed under one term, its normalized form
  (``analyzers.normalization``): وَبِالْمَدْرَسَةِ -> وبالمدرسه. A stopword, matched before
  folding (``analyzers.stopwords``), is not indexed.
- A query word is looked up as its family (``analyzers.morphology``): the forms the
  index holds of the word, its clitics, endings, hamza seats, broken plurals and, for a
  verb, its conjugations. The index's own vocabulary decides which forms exist, so a
  word costs one posting, whatever its family.
- A document word matches a query word when its term is one of the family's.
"""


from analyzers.memo import remembered
from analyzers.morphology import Family, Lexicon, family
from analyzers.normalization import normalize
from analyzers.stopwords import is_stopword

# Distinct words as written whose term is remembered: a large corpus has a few hundred
# thousand, most of the rare ones seen once, when remembering gains nothing. 100,000
# (some 45 MB for both memos, full) against 200,000 (some 90): on tashkeela_classical
# with two workers (each has its own memos, and the parent one), with the pool's share
# halved too (search.indexer.POOL_MB), peaks 354 MB on both 47 and 94 MB of input
# against 467 and 540, for 1.01-1.05x the CPU (bench/index.py, three rounds, pair by
# pair); one process, 1.00-1.04x the CPU, peak 196 against 207 MB.
TERM_CACHE_SIZE = 100_000


@remembered(TERM_CACHE_SIZE)
def word_term(surface: str) -> tuple[str, bool]:
    """(normalized form, is a stopword) of one word as written.

    >>> word_term("عَلَى"), word_term("علي")
    (('علي', True), ('علي', False))
    """
    return normalize(surface), is_stopword(surface)


def index_term(surface: str) -> str:
    """The one term a document word is indexed under; "" for a stopword or no letters.

    >>> index_term("وَبِالْمَدْرَسَةِ"), index_term("عَلَى"), index_term("علي"), index_term("ـ")
    ('وبالمدرسه', '', 'علي', '')
    """
    term, stopped = word_term(surface)
    return "" if stopped else term


def query_terms(term: str, lexicon: Lexicon) -> Family:
    """The family a query word (already its index term) is looked up as: the terms to
    search for, each with how it reads.

    >>> class Words(set):
    ...     def starting_with(self, prefix):
    ...         return sorted(w for w in self if w.startswith(prefix))
    >>> sorted(query_terms(index_term("مدرسة"), Words({"بالمدرسه", "مدارس", "مدرس"})).terms)
    ['بالمدرسه', 'مدارس']
    """
    return family(term, lexicon)
