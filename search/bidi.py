"""Visual order for terminals that do not apply the Unicode bidirectional algorithm.

Terminals such as kitty, Alacritty, xterm and Windows Terminal draw characters left to
right as stored, so Arabic shows reversed. ``visual_order`` runs the Unicode
Bidirectional Algorithm (UAX #9, python-bidi's implementation) over ONE displayed line
and says, for each screen column, which character of the logical line goes there,
mirrored where needed (a ``(`` in right-to-left text is drawn as ``)``). Callers keep
styles by following the indices, so a highlight stays on its letters.
"""

import unicodedata

from bidi import algorithm

PARAGRAPH_LEVELS = {"L": 0, "R": 1}


def paragraph_is_rtl(line: str) -> bool:
    """Whether the line's first strong character is right-to-left (rules P2–P3).

    >>> paragraph_is_rtl("SY24 قال"), paragraph_is_rtl("قال SY24")
    (False, True)
    """
    return algorithm.get_base_level(line) == PARAGRAPH_LEVELS["R"]


def visual_order(line: str) -> list[tuple[int, str]]:
    """(logical index, character as drawn) for each position of ``line`` from left to right.

    Explicit bidi formatting characters (embeddings, overrides) are dropped, as the
    algorithm's rule X9 says; combining marks stay after their letters (rule L3).

    >>> "".join(char for _, char in visual_order("قال (نعم) 2019"))
    '2019 (معن) لاق'
    >>> "".join(char for _, char in visual_order("أَحْمَد"))
    'دمَحْأَ'
    """
    storage = algorithm.get_empty_storage()
    base_level = algorithm.get_base_level(line)
    storage["base_level"] = base_level
    storage["base_dir"] = ("L", "R")[base_level]
    algorithm.get_embedding_levels(line, storage, False, False)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    algorithm.explicit_embed_and_overrides(storage, False)
    algorithm.resolve_weak_types(storage, False)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    algorithm.reorder_resolved_levels(storage, False)
    algorithm.apply_mirroring(storage, False)
    return _marks_after_their_letters(storage["chars"])


def _marks_after_their_letters(chars: list[dict]) -> list[tuple[int, str]]:
    """Put each combining mark back after its letter inside reversed (odd-level) runs
    (UAX #9 rule L3), so a terminal draws the fatha on the letter it belongs to."""
    ordered, pending = [], []
    for char in chars:
        entry = (char["index"], char["ch"])
        if char["level"] % 2 and unicodedata.combining(char["ch"]):
            pending.append(entry)
            continue
        ordered.append(entry)
        ordered.extend(reversed(pending))
        pending = []
    ordered.extend(reversed(pending))
    return ordered
