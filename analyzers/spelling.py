"""How far apart two spellings of a word are, the Arabic way: an edit distance in which
the letters writers confuse cost less than the others.

A hamza on another seat (ء ئ ؤ أ), ة for ه or ت, ى for ي cost CHEAP; any other letter
added, dropped, replaced or swapped with its neighbour costs 1 (Damerau-Levenshtein).
Pure ``str -> float``, on normalized words (``analyzers.normalization``).
"""

CHEAP = 0.5
# Letters that stand for one another in common misspellings, after normalize (which
# already folds أ إ آ into ا, ة into ه and ى into ي).
CONFUSABLE = [set("اءئؤ"), set("ئي"), set("ؤو"), set("هت")]
_CHEAP_PAIRS = {(a, b) for group in CONFUSABLE for a in group for b in group if a != b}


def substitution_cost(a: str, b: str) -> float:
    """0 for the same letter, CHEAP for confusable letters, else 1.

    >>> substitution_cost("ئ", "ؤ"), substitution_cost("ه", "ت"), substitution_cost("ب", "ت")
    (0.5, 0.5, 1)
    """
    if a == b:
        return 0
    return CHEAP if (a, b) in _CHEAP_PAIRS else 1


def spelling_distance(a: str, b: str, limit: float = 3) -> float:
    """The weighted Damerau-Levenshtein distance of two words (more than ``limit``
    once every path exceeds it).

    >>> spelling_distance("مسئول", "مسؤول"), spelling_distance("كمبيوتر", "كمبيوتير")
    (0.5, 1)
    >>> spelling_distance("مكتبه", "مكتبت"), spelling_distance("كتاب", "كتب")
    (0.5, 1)
    """
    previous2: list[float] = []
    previous = [float(j) for j in range(len(b) + 1)]
    for i, x in enumerate(a, 1):
        current = [float(i)] + [0.0] * len(b)
        for j, y in enumerate(b, 1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + substitution_cost(x, y),
            )
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y and x != y:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    result = previous[len(b)]
    return int(result) if result == int(result) else result


def shared_prefix(word: str) -> int:
    """How many first letters a respelling keeps: typos are rarely in the first letter,
    nor in the article before it (half of an index's words start with ال, and a walk over
    them for one respelling took 0.9 s on tashkeela_classical).

    >>> shared_prefix("الصلاتت"), shared_prefix("كمبيوتر"), shared_prefix("الف")
    (3, 1, 1)
    """
    return 3 if word.startswith("ال") and len(word) > 4 else 1
