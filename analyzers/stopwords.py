"""Arabic stopwords: function words too common to help ranking.

Compiled for this project from the closed grammatical classes of Modern Standard
Arabic (prepositions, conjunctions, particles, pronouns, demonstratives, relative
pronouns, common auxiliaries), in the scope of the lists used by Lucene's
``ArabicAnalyzer`` (Jacques Savoy's list) and Larkey et al.'s light10 experiments,
plus the forms with a glued conjunction و or ف that the stemmer keeps intact.
Content words are not listed. Questions add interrogatives written as one word (ماهي,
ماهو, بماذا) and conjunctions or prepositions typed apart from their word (و هو).

A word is matched before ى and ة are folded (``normalize_marks_and_alef``: diacritics,
tatweel and the alef's hamza are gone, the letters stay apart), as Lucene's
``ArabicAnalyzer`` stops words before it normalizes them: على is a stopword and the name
علي stays searchable. Spellings people type for a stopword are listed beside it (فى).
"""

from analyzers.normalization import normalize, normalize_marks_and_alef

_WORDS = """
في فى من إلى على عن مع عند لدى حتى منذ مذ بين فوق تحت أمام خلف وراء دون حول ضد نحو خلال عبر
لدي لديه لديها لديهم لكن لكنه لكنها بل أو أم ثم إن أن إذ إذا إذن لو لولا لا لم لن ما ليس
ليست قد لقد كل بعض غير سوى أي أيضا كما كان كانت كانوا يكون تكون هو هي هم هما هن أنا نحن
أنت أنتم أنتما أنتن هذا هذه هذان هاتان هؤلاء ذلك تلك ذلكم أولئك هنا هناك هنالك الذي التي
الذين اللذان اللتان اللواتي اللاتي اللائي ما ماذا متى أين كيف لماذا كم هل إما إلا أما
وفي ومن وإلى وعلى وعن ومع وهو وهي وهم وهذا وهذه وذلك وتلك والذي والتي والذين وقد ولقد
ولا ولم ولن وما وإن وأن وكان وكانت وكل وبعض وكما ولكن أو فقد فإن فلا فما فهو فهي فهم ثم
به بها بهم بهما له لها لهم لهما منه منها منهم عنه عنها عنهم فيه فيها فيهم إليه إليها
إليهم عليه عليها عليهم بذلك لذلك كذلك ذات ذو ذي عندما بينما حيث حين كلما لأن لان يا
ماهي ماهو بماذا لماذا مالذي وماهي وماهو وما فما وكم وهل وكيف ومتى وأين ومن ومنذ
و ف ب ك ل ال
"""

STOPWORDS = frozenset(normalize_marks_and_alef(word) for word in _WORDS.split())
# The same words fully normalized: no base of a word family is one of these
# (analyzers.morphology), whatever its spelling.
NORMALIZED_STOPWORDS = frozenset(normalize(word) for word in _WORDS.split())


def is_stopword(surface: str) -> bool:
    """Whether a word as written is a stopword.

    >>> is_stopword("عَلَى"), is_stopword("علي"), is_stopword("إلى"), is_stopword("الى")
    (True, False, True, True)
    """
    return normalize_marks_and_alef(surface) in STOPWORDS
