import pytest

from analyzers import normalization as rules
from analyzers.normalization import normalize


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("أَثْرِيَا", "اثريا"),
        ("مُدَرِّسٌ", "مدرس"),
        ("رَحْمٰن", "رحمن"),
        ("مـــدرسة", "مدرسه"),
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("آمن", "امن"),
        ("ٱلْحَمْد", "الحمد"),
        ("على", "علي"),
        ("المدرسة", "المدرسه"),
        ("٢٠١٩", "2019"),
        ("۱۴۰۲", "1402"),
        ("کتابی", "كتابي"),
        ("لاتڤيا، فيليپ", "لاتفيا، فيليب"),
        ("\ufefb", "لا"),
        ("\ufef7", "لا"),
        ("ﷲ", "الله"),
        ("SY24 Damascus", "sy24 damascus"),
        ("ذٰلِكَ ۖ", "ذلك "),
        ("", ""),
        ("hello, world!", "hello, world!"),
        ("«قال»؛ ماذا؟ (نعم)", "«قال»؛ ماذا؟ (نعم)"),
    ],
    ids=[
        "tashkeel",
        "shadda_tanween",
        "superscript_alef",
        "tatweel",
        "alef_hamza_above",
        "alef_hamza_below",
        "alef_madda",
        "alef_wasla",
        "alef_maksura",
        "teh_marbuta",
        "arabic_indic_digits",
        "persian_digits",
        "persian_yeh_keheh",
        "borrowed_letters",
        "lam_alef_ligature",
        "lam_alef_hamza_ligature",
        "allah_ligature",
        "latin_lowercase",
        "quranic_mark",
        "empty",
        "latin_untouched",
        "punctuation_kept",
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "rule, raw, expected",
    [
        (rules.strip_tashkeel, "أَثْرِيَا", "أثريا"),
        (rules.strip_tatweel, "مـــدرسة", "مدرسة"),
        (rules.fold_alef, "أإآٱا", "ااااا"),
        (rules.fold_alef_maksura, "مستشفى", "مستشفي"),
        (rules.fold_teh_marbuta, "مدرسة", "مدرسه"),
        (rules.fold_digits, "٠١٢٣٤٥٦٧٨٩", "0123456789"),
        (rules.fold_persian_letters, "ی ک", "ي ك"),
        (rules.fold_borrowed_letters, "پ ڤ ڨ چ ژ گ", "ب ف ق ج ز ك"),
        (rules.unicode_compatibility, "\ufefb", "لا"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_single_rule(rule, raw, expected):
    assert rule(raw) == expected
    assert rule(expected) == expected  # each rule is idempotent


MIXED = "وَبِالْمَدْرَسَةِ الأُولى ٢٠١٩ «أثريا-الرقة» SY24؟ کتابی مـــدرسة ﻻ ذٰلِكَ ۖ (آمن)؛ گوگميلا"


def test_normalize_is_idempotent():
    once = normalize(MIXED)
    assert normalize(once) == once


def test_merged_table_equals_rule_by_rule_composition():
    composed = MIXED
    for rule in (
        rules.unicode_compatibility,
        rules.strip_tashkeel,
        rules.strip_tatweel,
        rules.fold_alef,
        rules.fold_alef_maksura,
        rules.fold_teh_marbuta,
        rules.fold_digits,
        rules.fold_persian_letters,
        rules.fold_borrowed_letters,
        str.lower,
    ):
        composed = rule(composed)
    assert normalize(MIXED) == composed


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("محمدؐ", "محمد"),
        ("صلىؑ", "صلي"),
        ("مدر\u200cسة", "مدرسه"),
        ("مدر\u200dسة", "مدرسه"),
        ("مدر\u200bسة", "مدرسه"),
        ("كتا\u00adب", "كتاب"),
        ("مدر\u200fسة", "مدرسه"),
        ("\u200eمدرسة\u061c", "مدرسه"),
        ("\u0610" * 1000, ""),
    ],
    ids=["honorific sign", "small high sign", "zwnj", "zwj", "zwsp", "soft hyphen", "rlm", "lrm and alm", "only signs"],
)
def test_signs_and_invisible_joiners_stay_inside_one_word_and_vanish(raw, expected):
    from analyzers.words import WORD

    words = WORD.findall(f"قال {raw} هنا")
    assert len(words) == 3  # the signs and joiners never split a word
    assert normalize(words[1]) == expected


def test_find_words_finds_what_the_word_pattern_finds():
    """find_words takes a faster pattern where a text holds no underscore: the same words,
    in texts of letters, diacritics, invisible marks, digits, punctuation and underscores."""
    import random

    from analyzers.words import WORD, find_words

    rng = random.Random(5)
    alphabet = [*"كتابمدرسةأإآ abcXYZ0129٢٠", *"\u064e\u0651\u0670\u200c\u200f\u00ad", *"،؛؟.,-«»()[]_\n\t"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60))) for _ in range(3000)]
    assert sum("_" in text for text in texts) > 100 and sum("_" not in text for text in texts) > 100
    for text in texts:
        assert find_words(text) == WORD.findall(text), text
