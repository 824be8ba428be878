"""Explain what the analyzer does to a text, token by token (the ``_analyze`` API)."""

from dataclasses import asdict, dataclass

from analyzers.morphology import Lexicon, NoLexicon, readings
from analyzers.roots import root
from analyzers.terms import word_term
from analyzers.words import WORD


@dataclass(frozen=True)
class AnalyzedToken:
    """One token: the surface form as written, its offsets, its index term, and how the
    morphology reads it (segmentation, lemma, and what attests the lemma)."""

    text: str
    start: int
    end: int
    normalized: str  # the index term ("" is never shown: stopwords keep their form)
    stopword: bool
    segmentation: str  # proclitic+stem+ending+pronoun, e.g. ب+مدرست+نا
    lemma: str  # the base the word's family grows from
    why: str  # what attests the lemma: dictionary, index, as typed
    root: str  # "" for a stopword or a word not in Arabic letters

    def to_dict(self) -> dict:
        return asdict(self)


def analyze_text(text: str, lexicon: Lexicon | None = None) -> list[AnalyzedToken]:
    """Analyze every word of ``text``, keeping stopwords; ``lexicon`` (an index's words)
    attests stems the dictionary does not know.

    Offsets are Python string indices into ``text``. Of a word's readings, the one that
    takes most off is shown.

    >>> [(t.segmentation, t.lemma, t.why) for t in analyze_text("بمدرستنا في")]
    [('ب+مدرست+نا', 'مدرسه', 'dictionary, ت written for ة'), ('في', 'في', 'stopword')]
    """
    lexicon = lexicon or NoLexicon()
    tokens = []
    for match in WORD.finditer(text):
        term, stopped = word_term(match.group())
        if not term:
            continue
        if stopped:
            segmentation, lemma, why = term, term, "stopword"
        else:
            reading, why = max(readings(term, lexicon), key=lambda found: len(str(found[0])))
            segmentation, lemma = str(reading), reading.base
        tokens.append(
            AnalyzedToken(
                text=match.group(),
                start=match.start(),
                end=match.end(),
                normalized=term,
                stopword=stopped,
                segmentation=segmentation,
                lemma=lemma,
                why=why,
                root="" if stopped else root(term),
            )
        )
    return tokens
