"""Arabic orthographic normalization: pure ``str -> str`` functions, no Whoosh.

Each rule is one small idempotent function with its own translation table;
``normalize`` applies them all in the order listed in its docstring. Because
no rule's output is in another rule's input (their keys are disjoint and none
maps to another's key), the tables merge into one, so ``normalize`` makes a
single ``str.translate`` pass after NFKC. ``tests/test_normalize.py`` checks
that the merged pass equals the rule-by-rule composition.
"""

import re
import unicodedata

from pyarabic.araby import (
    ALEF,
    ALEF_HAMZA_ABOVE,
    ALEF_HAMZA_BELOW,
    ALEF_MADDA,
    ALEF_MAKSURA,
    ALEF_WASLA,
    HEH,
    KAF,
    MINI_ALEF,
    TATWEEL,
    TEH_MARBUTA,
    YEH,
)

from analyzers.words import INVISIBLE

# Harakat, tanween, shadda, sukun and the rarer marks up to U+065F.
TASHKEEL_FIRST, TASHKEEL_LAST = 0x064B, 0x065F
# Honorific signs and small high letters written over a word (the ﷺ sign ؐ, small
# fatha/damma/kasra): محمدؐ is محمد.
ARABIC_SIGNS_FIRST, ARABIC_SIGNS_LAST = 0x0610, 0x061A
SUPERSCRIPT_ALEF = MINI_ALEF  # U+0670, the "dagger" alef of Quranic spelling
# Small high/low Quranic annotation marks (sajdah, waqf signs, small letters).
QURANIC_MARKS_FIRST, QURANIC_MARKS_LAST = 0x06D6, 0x06ED
ARABIC_INDIC_ZERO = 0x0660  # ٠ … ٩
PERSIAN_ZERO = 0x06F0  # ۰ … ۹ (Extended Arabic-Indic digits)
PERSIAN_YEH = "\u06cc"  # ی
PERSIAN_KEHEH = "\u06a9"  # ک
# Letters Persian and Arabic writers borrow for sounds Arabic lacks, each folded into
# the Arabic letter written for that sound when they are not used: فيليپ / فيليب,
# لاتڤيا / لاتفيا, گوگميلا / كوكميلا (wiki_qa spells names both ways).
BORROWED_LETTERS = {
    "\u067e": "\u0628",  # پ peh -> ب
    "\u06a4": "\u0641",  # ڤ veh -> ف
    "\u06a8": "\u0642",  # ڨ qaf with three dots (Maghrebi g) -> ق
    "\u0686": "\u062c",  # چ tcheh -> ج
    "\u0698": "\u0632",  # ژ jeh -> ز
    "\u06af": "\u0643",  # گ gaf -> ك
}

_MARKS_TABLE = {
    code: None
    for code in [
        *range(TASHKEEL_FIRST, TASHKEEL_LAST + 1),
        ord(SUPERSCRIPT_ALEF),
        *range(QURANIC_MARKS_FIRST, QURANIC_MARKS_LAST + 1),
        *range(ARABIC_SIGNS_FIRST, ARABIC_SIGNS_LAST + 1),
        *map(ord, INVISIBLE),
    ]
}
_TATWEEL_TABLE = {ord(TATWEEL): None}
_ALEF_TABLE = {
    ord(form): ALEF for form in (ALEF_HAMZA_ABOVE, ALEF_HAMZA_BELOW, ALEF_MADDA, ALEF_WASLA)
}
_ALEF_MAKSURA_TABLE = {ord(ALEF_MAKSURA): YEH}
_TEH_MARBUTA_TABLE = {ord(TEH_MARBUTA): HEH}
_DIGITS_TABLE = {
    zero + value: str(value) for zero in (ARABIC_INDIC_ZERO, PERSIAN_ZERO) for value in range(10)
}
_PERSIAN_LETTERS_TABLE = {ord(PERSIAN_YEH): YEH, ord(PERSIAN_KEHEH): KAF}
_BORROWED_LETTERS_TABLE = {ord(letter): arabic for letter, arabic in BORROWED_LETTERS.items()}

_RULE_TABLES = (
    _MARKS_TABLE,
    _TATWEEL_TABLE,
    _ALEF_TABLE,
    _ALEF_MAKSURA_TABLE,
    _TEH_MARBUTA_TABLE,
    _DIGITS_TABLE,
    _PERSIAN_LETTERS_TABLE,
    _BORROWED_LETTERS_TABLE,
)
_ALL_RULES_TABLE = {key: value for table in _RULE_TABLES for key, value in table.items()}

# The inverse view, for finding a normalized word in raw text without normalizing it:
# the characters each rule deletes, and for each output letter the letters folded into it.
DELETED_CHARACTERS = "".join(sorted(chr(key) for key, value in _ALL_RULES_TABLE.items() if value is None))
FOLDED_INTO: dict[str, str] = {}
for _key, _value in sorted(_ALL_RULES_TABLE.items()):
    if _value is not None:
        FOLDED_INTO[_value] = FOLDED_INTO.get(_value, _value) + chr(_key)


def unicode_compatibility(text: str) -> str:
    """Apply Unicode NFKC: presentation forms and lam-alef ligatures become plain letters.

    >>> unicode_compatibility("\\ufefb") == "\\u0644\\u0627"  # ﻻ -> لا
    True
    """
    return unicodedata.normalize("NFKC", text)


def strip_tashkeel(text: str) -> str:
    """Remove harakat, tanween, shadda, sukun, superscript alef, Quranic marks, the
    signs written over a word (U+0610-U+061A) and invisible joiners.

    >>> strip_tashkeel("أَثْرِيَا"), strip_tashkeel("محمدؐ"), strip_tashkeel("مدر\u200cسة")
    ('أثريا', 'محمد', 'مدرسة')
    """
    return text.translate(_MARKS_TABLE)


def strip_tatweel(text: str) -> str:
    """Remove tatweel (kashida), the letter-stretching character.

    >>> strip_tatweel("مـــدرسة")
    'مدرسة'
    """
    return text.translate(_TATWEEL_TABLE)


def fold_alef(text: str) -> str:
    """Fold alef with hamza above or below, alef madda and alef wasla to bare alef.

    >>> fold_alef("أإآٱ")
    'اااا'
    """
    return text.translate(_ALEF_TABLE)


def fold_alef_maksura(text: str) -> str:
    """Fold alef maksura to yeh, as both are written for a final ي sound.

    >>> fold_alef_maksura("على")
    'علي'
    """
    return text.translate(_ALEF_MAKSURA_TABLE)


def fold_teh_marbuta(text: str) -> str:
    """Fold teh marbuta to heh, as commonly typed without its dots.

    >>> fold_teh_marbuta("المدرسة")
    'المدرسه'
    """
    return text.translate(_TEH_MARBUTA_TABLE)


def fold_digits(text: str) -> str:
    """Map Arabic-Indic and Persian digits to ASCII digits.

    >>> fold_digits("٢٠١٩ و ۱۴۰۲")
    '2019 و 1402'
    """
    return text.translate(_DIGITS_TABLE)


def fold_persian_letters(text: str) -> str:
    """Map Persian yeh and keheh to Arabic yeh and kaf.

    >>> fold_persian_letters("کتابی")
    'كتابي'
    """
    return text.translate(_PERSIAN_LETTERS_TABLE)


def fold_borrowed_letters(text: str) -> str:
    """Map the letters borrowed for foreign sounds (پ ڤ ڨ چ ژ گ) to Arabic letters.

    >>> fold_borrowed_letters("لاتڤيا فيليپ")
    'لاتفيا فيليب'
    """
    return text.translate(_BORROWED_LETTERS_TABLE)


_MARKS_AND_TATWEEL_TABLE = {**_MARKS_TABLE, **_TATWEEL_TABLE}


def normalize_for_stopwords(text: str) -> str:
    """NFKC, no diacritics or tatweel, a first alef without its hamza, lowercase: ى, ة
    and a later hamza stay as written.

    Stopwords are matched in this form, before the folding that would make the name علي
    the preposition على (Lucene's ArabicAnalyzer likewise stops words before normalizing
    them). A first hamza is often left off (الى، ان); a last one is part of the word
    (هنأ is not هنا).

    >>> normalize_for_stopwords("عَلَى إلى علي هنأ")
    'على الى علي هنأ'
    """
    words = unicodedata.normalize("NFKC", text).translate(_MARKS_AND_TATWEEL_TABLE).lower()
    return _FIRST_ALEF.sub(ALEF, words)


_FIRST_ALEF = re.compile(f"(?<!\\w)[{ALEF_HAMZA_ABOVE}{ALEF_HAMZA_BELOW}{ALEF_MADDA}{ALEF_WASLA}]")


def normalize(text: str) -> str:
    """Normalize Arabic text for matching.

    Rules, in the order applied:
    1. Unicode NFKC (presentation forms, lam-alef ligatures -> plain letters).
    2. Remove tashkeel U+064B-U+065F, superscript alef U+0670, Quranic marks U+06D6-U+06ED,
       signs U+0610-U+061A and the invisible joiners (ZWSP, ZWNJ, ZWJ, soft hyphen …).
    3. Remove tatweel U+0640.
    4. Alef forms أ إ آ ٱ -> ا.
    5. Alef maksura ى -> ي.
    6. Teh marbuta ة -> ه.
    7. Arabic-Indic ٠-٩ and Persian ۰-۹ digits -> 0-9.
    8. Persian ی ک -> ي ك.
    9. Borrowed letters پ ڤ ڨ چ ژ گ -> ب ف ق ج ز ك.
    10. Lowercase (Latin and other cased scripts).

    >>> normalize("أَحْمَد")
    'احمد'
    >>> normalize("المـدرسةُ الأولى ٢٠١٩ SY24")
    'المدرسه الاولي 2019 sy24'
    """
    return unicodedata.normalize("NFKC", text).translate(_ALL_RULES_TABLE).lower()
