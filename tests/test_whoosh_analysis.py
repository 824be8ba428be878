import pickle

import pytest

from analyzers.whoosh_analysis import arabic_analyzer, exact_analyzer


def terms(text, analyzer=None):
    return [token.text for token in (analyzer or arabic_analyzer())(text)]


@pytest.mark.parametrize(
    "group",
    [
        ["أثريا", "اثريا", "أَثْرِيَا", "الأثريا"],
        ["المدرسة", "المدرسه", "مدرسة", "والمدرسة", "بالمدرسة", "للمدرسة", "وَبِالْمَدْرَسَةِ"],
        ["الطلاب", "طلاب", "والطلاب"],
    ],
    ids=["athriya", "madrasa", "tullab"],
)
def test_conflation_groups_analyze_to_one_term(group):
    analyzed = {tuple(terms(word)) for word in group}
    assert len(analyzed) == 1
    assert len(analyzed.pop()) == 1


def test_offsets_point_into_the_original_diacritized_text():
    text = "قال «أَحْمَدُ»: ذهبتُ إلى وَبِالْمَدْرَسَةِ؟ (نعم)، ٣ كتب؛ SY24-test"
    tokens = [(t.text, t.startchar, t.endchar) for t in arabic_analyzer()(text, chars=True)]
    assert tokens == [
        ("قال", 0, 3),
        ("احمد", 5, 13),
        ("ذهبت", 16, 21),
        ("مدرس", 26, 43),
        ("نعم", 46, 49),
        ("3", 52, 53),
        ("كتب", 54, 57),
        ("sy24", 59, 63),
        ("test", 64, 68),
    ]
    assert text[26:43] == "وَبِالْمَدْرَسَةِ"
    assert text[5:13] == "أَحْمَدُ"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("مَدْرَسَة", ["مدرس"]),
        ("مـــدرسة", ["مدرس"]),
        ("أثريا-الرقة", ["اثريا", "رقه"]),
        ("الطلاب،المدرسة؛أثريا؟", ["طلاب", "مدرس", "اثريا"]),
        ("snake_case", ["snake", "case"]),
        ("في على من", []),
        ("", []),
        ("َُ", []),
    ],
    ids=[
        "diacritics_inside_word",
        "tatweel_inside_word",
        "hyphen_splits",
        "arabic_punctuation_splits",
        "underscore_splits",
        "only_stopwords",
        "empty",
        "only_diacritics",
    ],
)
def test_tokenization(text, expected):
    assert terms(text) == expected


def test_exact_analyzer_keeps_the_normalized_unstemmed_word():
    assert terms("وَبِالْمَدْرَسَةِ في", exact_analyzer()) == ["وبالمدرسه"]


@pytest.mark.parametrize("factory", [arabic_analyzer, exact_analyzer])
def test_analyzer_pickles(factory):
    analyzer = pickle.loads(pickle.dumps(factory()))
    assert terms("وَبِالْمَدْرَسَةِ أثريا", analyzer) == terms("وَبِالْمَدْرَسَةِ أثريا", factory())
