"""analyzers.memo.remembered: the same answers as the function, at most maxsize kept,
and the words kept are the first asked about (a full memo does not churn)."""

from analyzers.memo import remembered
from analyzers.terms import TERM_CACHE_SIZE, word_term


def test_a_full_memo_keeps_its_first_words_and_still_answers():
    calls = []

    @remembered(3)
    def length(word):
        calls.append(word)
        return len(word)

    words = ["مدرسة", "كتاب", "أثريا", "المدرسة", "مدرسة", "كتاب", "المدرسة", "SY24"]
    assert [length(word) for word in words] == [len(word) for word in words]
    assert length.cache_size() == 3
    # The first three were computed once; the fourth and later new words every time.
    assert calls == ["مدرسة", "كتاب", "أثريا", "المدرسة", "المدرسة", "SY24"]
    assert length.__name__ == "length"
    length.cache_clear()
    assert length.cache_size() == 0


def test_the_analyzers_word_terms_are_remembered_up_to_the_setting():
    word_term.cache_clear()
    assert word_term("وَبِالْمَدْرَسَةِ") == word_term("وَبِالْمَدْرَسَةِ") == ("وبالمدرسه", False)
    assert word_term.cache_size() == 1 <= TERM_CACHE_SIZE
