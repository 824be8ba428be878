"""Explain what the analyzer does to a text, token by token (the ``_analyze`` API)."""

from dataclasses import asdict, dataclass

from analyzers.normalization import normalize
from analyzers.roots import root
from analyzers.whoosh_analysis import arabic_analyzer


@dataclass(frozen=True)
class AnalyzedToken:
    """One token: the surface form as written, its offsets, normalized form, stem and root."""

    text: str
    start: int
    end: int
    normalized: str
    stem: str
    root: str  # "" for a stopword or a word not in Arabic letters: the index holds none
    stopword: bool

    def to_dict(self) -> dict:
        return asdict(self)


def analyze_text(text: str) -> list[AnalyzedToken]:
    """Run the index analyzer over ``text``, keeping stopwords and reporting each step.

    Offsets are Python string indices into ``text``; a stopword's stem is its
    normalized form, since stopwords are never stemmed.

    >>> [(t.stem, t.root) for t in analyze_text("المَدَارِسُ في")]
    [('مدارس', 'درس'), ('في', '')]
    """
    tokens = []
    for token in arabic_analyzer(exact=False)(text, chars=True, removestops=False):
        surface = text[token.startchar : token.endchar]
        normalized = normalize(surface)
        tokens.append(
            AnalyzedToken(
                text=surface,
                start=token.startchar,
                end=token.endchar,
                normalized=normalized,
                stem=token.text,
                root="" if token.stopped else root(normalized),
                stopword=bool(token.stopped),
            )
        )
    return tokens
