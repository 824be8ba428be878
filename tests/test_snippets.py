"""The pattern that finds candidate words highlights what analysing every word does."""

import random
import unicodedata

import pytest

from analyzers.terms import index_term
from search.snippets import COMPATIBILITY_BLOCKS, Matcher, _has_compatibility_forms

WORDS = [
    "الكِتَابُ", "كتـــاب", "وبالكتاب", "كتاب،", "(كتاب)", "كتب", "مكتبة", "كاتب", "أَثْرِيَا",
    "اثريا", "إثريا", "المدرسة", "المدرسه", "مدارس", "قال", "قالَ:", "USB", "usb-c", "SY24",
    "٢٠٢٤", "2024", "في", "من", "ك.ت.ا.ب", "كت،اب", "كتا‌ب", "[مكتبة]", "«كتابنا»", "؟", "؛",
    # Presentation forms and fullwidth letters, which NFKC turns into plain letters.
    "\ufe8d\ufedf\ufedc\ufe98\ufe8e\ufe8f", "\ufdfa", "\ufd3fكتاب\ufd3e", "\uff35\uff33\uff22",
    "\ufeffالكتاب", "﴿وَالْكِتَابِ﴾",
]
SEPARATORS = [" ", "  ", "\n", "، ", "؛", "؟ ", " - ", "\t", "…", "\u200f", "."]
TERM_SETS = [
    {"كتاب", "الكتاب", "وبالكتاب", "كتابنا"},
    {"اثريا"},
    {"المدرسه", "مدارس"},
    {"قال", "usb", "sy24"},
    {"2024", "كتب", "من"},
]


@pytest.mark.parametrize("terms", TERM_SETS, ids=lambda terms: "-".join(sorted(terms)))
def test_found_words_are_every_word_that_matches(terms):
    matcher = Matcher(frozenset(index_term(term) or term for term in terms))
    assert matcher._finder is not None
    rng = random.Random(7)
    matched = 0
    for _ in range(300):
        text = "".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randrange(1, 12)))
        expected = matcher._spans_of_every_word(text)
        assert matcher.spans(text) == expected, text
        matched += bool(expected)
    assert matched > 30


def _nfkc_changes_a_block_character(text):
    return any(
        unicodedata.normalize("NFKC", char) != char
        for char in text
        if any(start <= ord(char) <= end for start, end in COMPATIBILITY_BLOCKS)
    )


def test_a_text_has_compatibility_forms_when_nfkc_changes_one_of_their_characters():
    rng = random.Random(11)
    pool = ["\ufb00", "\ufdfa", "\ufdff", "\ufd3e", "\ufd3f", "\ufe6f", "\ufe70", "\ufeff", "\uff00",
            "\uff21", "\uffef", "\ufff0", "\uf000", "\ud800", "\U0001f600", "كتاب", " ", "a"]
    found = 0
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 6)))
        expected = _nfkc_changes_a_block_character(text)
        assert _has_compatibility_forms(text) == expected, ascii(text)
        found += expected
    assert 300 < found < 1700
    long = "كتاب " * 300_000  # past what is encoded to look: the class searches it
    assert not _has_compatibility_forms(long) and _has_compatibility_forms(long + "\ufdfa")
    # The ornate parentheses of a Quranic verse and a byte-order mark need no slow way.
    assert not _has_compatibility_forms("\ufeff\ufd3fإِنَّا أَنزَلْنَاهُ\ufd3e")


def test_a_stretch_that_runs_past_its_word_does_not_hide_the_next():
    # "كت،اب" is كتاب's letters across a comma: the word found there, كت, is turned
    # down, and ابو, which starts inside that stretch, is still found.
    matcher = Matcher(frozenset({"كتاب", "ابو"}))
    text = "كت،ابو كتاب ك.ت.ا.ب"
    spans = matcher.spans(text)
    assert [text[start:end] for start, end in spans] == ["ابو", "كتاب"]
    assert spans == matcher._spans_of_every_word(text)
