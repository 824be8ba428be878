import pytest

from analyzers.normalization import normalize
from analyzers.stem import light_stem, strip_prefix, strip_suffixes
from analyzers.stopwords import STOPWORDS


@pytest.mark.parametrize(
    "word, expected",
    [
        ("المدرسه", "مدرسه"),
        ("والمدرسه", "مدرسه"),
        ("فالمدرسه", "مدرسه"),
        ("بالمدرسه", "مدرسه"),
        ("كالمدرسه", "مدرسه"),
        ("للمدرسه", "مدرسه"),
        ("وبالمدرسه", "مدرسه"),
        ("فللمدرسه", "مدرسه"),
        ("وكتب", "كتب"),
        ("كتاب", "كتاب"),
        ("فكره", "فكره"),
        ("بيت", "بيت"),
        ("الله", "الله"),
        ("الو", "الو"),
        ("ولد", "ولد"),
        ("school", "school"),
        ("", ""),
    ],
    ids=[
        "article",
        "waw_article",
        "feh_article",
        "beh_article",
        "kaf_article",
        "lam_lam",
        "waw_beh_article",
        "feh_lam_lam",
        "waw_alone",
        "kaf_is_a_letter_of_the_word",
        "feh_is_a_letter_of_the_word",
        "beh_is_a_letter_of_the_word",
        "allah_not_lah",
        "too_short_after_article",
        "too_short_after_waw",
        "latin",
        "empty",
    ],
)
def test_strip_prefix(word, expected):
    assert strip_prefix(word) == expected


@pytest.mark.parametrize(
    "word, expected",
    [
        ("كتابها", "كتاب"),
        ("معلمان", "معلم"),
        ("معلمات", "معلم"),
        ("معلمون", "معلم"),
        ("معلمين", "معلم"),
        ("مدرسيه", "مدرس"),
        ("مدرسه", "مدرس"),
        ("كتابي", "كتاب"),
        ("مدرساتها", "مدرس"),
        ("سنه", "سنه"),
        ("اثريا", "اثريا"),
        ("2019", "2019"),
    ],
    ids=[
        "ha",
        "dual_an",
        "feminine_plural_at",
        "plural_un",
        "plural_in",
        "nisba_iya",
        "folded_teh_marbuta",
        "yeh",
        "stacked_suffixes",
        "too_short_to_stem",
        "no_suffix",
        "digits",
    ],
)
def test_strip_suffixes(word, expected):
    assert strip_suffixes(word) == expected


@pytest.mark.parametrize(
    "word, expected",
    [("وبالمدرسه", "مدرس"), ("الطلاب", "طلاب"), ("الو", "الو"), ("sy24", "sy24")],
    ids=["stacked_clitics", "article_only", "short_word_survives", "latin_and_digits"],
)
def test_light_stem(word, expected):
    assert light_stem(word) == expected


@pytest.mark.parametrize(
    "word, expected",
    [("على", True), ("علي", True), ("إلى", True), ("في", True), ("وفي", True), ("مدرسة", False),
     ("the", False)],
    ids=["ala", "ala_folded", "ila_hamza", "fi", "wa_fi", "content_word", "latin"],
)
def test_stopwords_are_normalized(word, expected):
    assert (normalize(word) in STOPWORDS) is expected


def test_stopword_list_is_normalized():
    assert all(normalize(word) == word for word in STOPWORDS)
