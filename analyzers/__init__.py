"""Arabic text analysis: pure normalization, stemming and stopwords.

The Whoosh wiring lives in ``analyzers.whoosh_analysis`` so that these pure
functions can be used without importing Whoosh.
"""

from analyzers.normalization import normalize
from analyzers.stem import light_stem
from analyzers.stopwords import STOPWORDS

__all__ = ["STOPWORDS", "light_stem", "normalize"]
