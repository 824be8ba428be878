"""The pattern that finds candidate words highlights what analysing every word does."""

import random

import pytest

from analyzers.terms import index_term
from search.snippets import Matcher

WORDS = [
    "الكِتَابُ", "كتـــاب", "وبالكتاب", "كتاب،", "(كتاب)", "كتب", "مكتبة", "كاتب", "أَثْرِيَا",
    "اثريا", "إثريا", "المدرسة", "المدرسه", "مدارس", "قال", "قالَ:", "USB", "usb-c", "SY24",
    "٢٠٢٤", "2024", "في", "من", "ك.ت.ا.ب", "كت،اب", "كتا‌ب", "[مكتبة]", "«كتابنا»", "؟", "؛",
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


def test_a_stretch_that_runs_past_its_word_does_not_hide_the_next():
    # "كت،اب" is كتاب's letters across a comma: the word found there, كت, is turned
    # down, and ابو, which starts inside that stretch, is still found.
    matcher = Matcher(frozenset({"كتاب", "ابو"}))
    text = "كت،ابو كتاب ك.ت.ا.ب"
    spans = matcher.spans(text)
    assert [text[start:end] for start, end in spans] == ["ابو", "كتاب"]
    assert spans == matcher._spans_of_every_word(text)
