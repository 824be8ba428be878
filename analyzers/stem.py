"""A light Arabic stemmer: strips clitic prefixes and common suffixes, no roots.

Pure ``str -> str`` on words already passed through ``normalize`` (so ة is
already ه, alef forms are ا, and there are no diacritics). In the spirit of
Larkey et al.'s light10 and Lucene's ``ArabicStemmer``, with guards that keep
short words intact.
"""

from pyarabic.araby import ALEF, BEH, FEH, KAF, LAM, WAW

DEFINITE_ARTICLE = ALEF + LAM  # ال
CONJUNCTIONS = (WAW, FEH)  # و ف: "and", "so"
PREPOSITIONS = (BEH, KAF)  # ب ك: "with/in", "like"; ل + ال is written لل

# Every prefix that ends in the definite article, longest first:
# [و|ف] + [ب|ك] + ال, [و|ف] + لل, [و|ف] + ال, [ب|ك] + ال, لل, ال.
ARTICLE_PREFIXES = tuple(
    sorted(
        {
            conjunction + preposition + DEFINITE_ARTICLE
            for conjunction in ("", *CONJUNCTIONS)
            for preposition in ("", *PREPOSITIONS)
        }
        | {conjunction + LAM + LAM for conjunction in ("", *CONJUNCTIONS)},
        key=len,
        reverse=True,
    )
)

# Suffixes (teh marbuta already folded to heh), tried in this order, each at most once.
SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")

# A stem keeps at least three letters: most Arabic roots are triliteral, so a shorter
# remainder is more often a damaged word (الله -> له, الو -> و) than a real stem.
MIN_STEM = 3


def strip_prefix(word: str) -> str:
    """Strip one stacked clitic prefix from a normalized word.

    Rules, in order:
    1. A prefix ending in the article (وبال، فكال، ولل، وال، بال، كال، لل، ال …), longest
       first, if at least MIN_STEM letters remain.
    2. Else a lone conjunction و, if at least MIN_STEM letters remain. A lone ف ب ك ل is
       kept: too many words begin with those letters (فكره، كتاب، بيت، لحم).

    >>> strip_prefix("وبالمدرسه")
    'مدرسه'
    >>> strip_prefix("الله")
    'الله'
    """
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            return word[len(prefix) :]
    if word.startswith(WAW) and len(word) - 1 >= MIN_STEM:
        return word[1:]
    return word


def strip_suffixes(word: str) -> str:
    """Strip common suffixes from a normalized word.

    Each suffix in SUFFIXES is tried once, in order, and removed if at least
    MIN_STEM letters remain; so stacked suffixes (ات + ها) come off together.

    >>> strip_suffixes("مدرساتها")
    'مدرس'
    >>> strip_suffixes("سنه")
    'سنه'
    """
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
    return word


def light_stem(word: str) -> str:
    """Light-stem a normalized Arabic word: prefix first, then suffixes.

    Words that are not Arabic letters pass through unchanged (they match no affix).

    >>> light_stem("وبالمدرسه")
    'مدرس'
    >>> light_stem("الطلاب")
    'طلاب'
    >>> light_stem("الو")
    'الو'
    """
    return strip_suffixes(strip_prefix(word))
