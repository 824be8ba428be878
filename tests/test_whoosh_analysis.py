import pickle

import pytest

from analyzers.whoosh_analysis import arabic_analyzer


def terms(text, **options):
    """The terms of ``text``, as the index analyzer produces them."""
    return [token.text for token in arabic_analyzer()(text, **options)]


@pytest.mark.parametrize(
    "group",
    [
        ["أثريا", "اثريا", "أَثْرِيَا", "اَثْرِيَا"],
        ["المدرسة", "المدرسه", "اَلْمَدْرَسَةُ", "المـــدرسة"],
    ],
    ids=["athriya", "madrasa"],
)
def test_spellings_of_one_word_analyze_to_one_term(group):
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
        ("وبالمدرسه", 26, 43),
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
        ("مَدْرَسَة", ["مدرسه"]),
        ("مـــدرسة", ["مدرسه"]),
        ("أثريا-الرقة", ["اثريا", "الرقه"]),
        ("الطلاب،المدرسة؛أثريا؟", ["الطلاب", "المدرسه", "اثريا"]),
        ("snake_case", ["snake", "case"]),
        ("في على من", []),
        ("علي على", ["علي"]),
        ("فى إلى الى", []),
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
        "stopword_before_folding",
        "stopword_spellings",
        "empty",
        "only_diacritics",
    ],
)
def test_tokenization(text, expected):
    assert terms(text) == expected


def test_positions_are_renumbered_over_stopwords():
    tokens = [(t.text, t.pos) for t in arabic_analyzer()("المدرسة في أثريا", positions=True)]
    assert tokens == [("المدرسه", 0), ("اثريا", 1)]


def test_stopwords_kept_when_asked_are_marked():
    tokens = [(t.text, t.stopped) for t in arabic_analyzer()("لديها كتب", removestops=False)]
    assert tokens == [("لديها", True), ("كتب", False)]


def test_analyzer_pickles():
    text = "وَبِالْمَدْرَسَةِ أثريا"
    analyzer = pickle.loads(pickle.dumps(arabic_analyzer()))
    assert [t.text for t in analyzer(text)] == [t.text for t in arabic_analyzer()(text)]
    assert analyzer == arabic_analyzer()


def test_word_positions_are_whooshs_positions_of_the_analyzed_text():
    """WordPositions computes the title and body postings straight from the words: the
    same terms, frequencies, weights and encoded positions, in the same order, as Whoosh's
    Positions format through the analyzer; texts of stopwords (at the start too),
    diacritics, words of only diacritics, Latin, digits, punctuation and underscores."""
    import random

    from whoosh.analysis import StandardAnalyzer
    from whoosh.formats import Positions

    from analyzers.whoosh_analysis import WordPositions

    rng = random.Random(3)
    vocabulary = ["في", "من", "على", "عَلَى", "علي", "كِتَابٌ", "الكتاب", "مدرسة", "المدرسه", "أثريا", "ـ",
                  "\u064e\u0651", "SY24", "x", "2024", "٢٠٢٤", "،", "؟", "(", "_", "a_b", "\u200c", "و"]
    texts = ["", "في", "في من", "كتاب"] + [
        rng.choice(["", " ", "\n"]).join(rng.choice(vocabulary) for _ in range(rng.randrange(1, 40)))
        for _ in range(600)
    ]
    assert _same_values_as_whooshs(WordPositions, Positions, arabic_analyzer(), texts) > 500
    # Another analyzer, a value that is not text, or other options: Whoosh's way.
    for analyzer, value, options in [
        (StandardAnalyzer(), "Hello هذا World", {"mode": "index"}),
        (arabic_analyzer(), ["كتاب", "في", "مدرسة"], {"mode": "index"}),
        (arabic_analyzer(), "في كتاب مدرسة كتاب", {"mode": "index", "start_pos": 5}),
    ]:
        expected = list(Positions().word_values(value, analyzer, **options))
        assert list(WordPositions().word_values(value, analyzer, **options)) == expected


def test_word_frequency_is_whooshs_frequency_of_the_roots():
    """WordFrequency counts the roots field's roots straight from a gram text: the same
    roots, frequencies, weights and values, in the same order, as Whoosh's Frequency
    format through root_analyzer; anything else goes Whoosh's way."""
    import random

    from whoosh.analysis import StandardAnalyzer
    from whoosh.formats import Frequency

    from analyzers.grams import gram_text
    from analyzers.whoosh_analysis import WordFrequency, root_analyzer

    rng = random.Random(4)
    vocabulary = ["في", "كِتَابٌ", "الكتاب", "يكتبون", "مدرسة", "المدارس", "أثريا", "درس", "SY24", "2024", "،", "x"]
    texts = [gram_text(" ".join(rng.choice(vocabulary) for _ in range(rng.randrange(0, 30)))) for _ in range(300)]
    assert _same_values_as_whooshs(WordFrequency, Frequency, root_analyzer(), texts) > 250
    for analyzer, value in [(StandardAnalyzer(), "Hello كتاب"), (root_analyzer(), ["كتب", "درس"])]:
        assert list(WordFrequency().word_values(value, analyzer, mode="index")) == list(
            Frequency().word_values(value, analyzer, mode="index")
        )


def _same_values_as_whooshs(ours, whooshs, analyzer, texts) -> int:
    """Check that the format class ``ours`` gives every text the word values Whoosh's
    ``whooshs`` gives it, at two field boosts (weights compared by repr: a float is not
    an int); return how many texts have any."""
    for boost in (1.0, 2.5):
        mine, theirs = ours(field_boost=boost), whooshs(field_boost=boost)
        for text in texts:
            expected = theirs.word_values(text, analyzer, mode="index")
            found = mine.word_values(text, analyzer, mode="index")
            assert [(w, n, repr(weight), v) for w, n, weight, v in found] == [
                (w, n, repr(weight), v) for w, n, weight, v in expected
            ], text
    return sum(bool(list(whooshs().word_values(text, analyzer, mode="index"))) for text in texts)
