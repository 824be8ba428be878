"""Arabic text analysis: pure normalization, stopwords, word families and roots.

The Whoosh wiring lives in ``analyzers.whoosh_analysis`` so that these pure
functions can be used without importing Whoosh; the term scheme, in
``analyzers.terms``.
"""

from analyzers.normalization import normalize
from analyzers.stopwords import STOPWORDS, is_stopword

__all__ = ["STOPWORDS", "is_stopword", "normalize"]
