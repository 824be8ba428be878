import pickle

import pytest

from analyzers.whoosh_analysis import EXACT_MARK, arabic_analyzer


def terms(text, **options):
    """The stems of ``text``, as the index analyzer produces them."""
    return [token.text for token in arabic_analyzer(exact=False)(text, **options)]


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
    analyzer = arabic_analyzer(exact=False)
    tokens = [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True)]
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


def test_exact_form_follows_a_differing_stem_at_the_same_position_and_offsets():
    text = "وَبِالْمَدْرَسَةِ في أثريا"
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in arabic_analyzer()(text, positions=True, chars=True)
    ]
    assert tokens == [
        ("مدرس", 0, 0, 17),
        (EXACT_MARK + "وبالمدرسه", 0, 0, 17),
        (EXACT_MARK + "اثريا", 1, 21, 26),
    ]


def test_query_mode_gives_only_the_exact_form():
    assert [t.text for t in arabic_analyzer()("المدرسةِ في أثريا", mode="query")] == [
        EXACT_MARK + "المدرسه",
        EXACT_MARK + "اثريا",
    ]


def test_stopwords_kept_when_asked_are_marked_and_unstemmed():
    tokens = [(t.text, t.stopped) for t in arabic_analyzer()("لديها كتب", removestops=False)]
    assert tokens == [("لديها", True), (EXACT_MARK + "كتب", False)]


def test_analyzer_pickles():
    text = "وَبِالْمَدْرَسَةِ أثريا"
    analyzer = pickle.loads(pickle.dumps(arabic_analyzer()))
    assert [t.text for t in analyzer(text)] == [t.text for t in arabic_analyzer()(text)]
    assert analyzer == arabic_analyzer()
