"""analyzers.memo.remembered: the same answers as the function, at most maxsize kept,
and the words kept are the first asked about (a full memo does not churn)."""

import sys

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


def test_a_memo_counts_the_bytes_it_holds():
    from analyzers import memo

    @remembered(2)
    def term(word):
        return word.strip("ـ"), False

    before = memo.held_bytes()
    term("كتـاب")
    one = term.cache_bytes()
    assert one >= memo.ENTRY_BYTES + 2 * sys.getsizeof("كتاب") + sys.getsizeof((1, 2))
    term("كتـاب")
    assert term.cache_bytes() == one  # remembered: nothing new held
    term("مدرسة")
    term("أثريا")  # the memo is full: computed, not held
    assert term.cache_bytes() == memo.held_bytes() - before > one
    assert term.cache_bytes() < 3 * one
    term.cache_clear()
    assert term.cache_bytes() == 0 and memo.held_bytes() == before
