"""The index's lexicon file, read a block at a time, answers as its whole list of words
and as Whoosh's term dictionary do."""

import bisect

import pytest
from search.lexicon import IndexLexicon, SortedWords, load_lexicon
from search.store import LEXICON_FILE, open_index

WORDS = sorted(
    {"كتاب", "كتب", "كتابة", "كاتب", "مكتبة", "مكتب", "المدرسة", "مدرسه", "مدارس",
     "اثريا", "ا", "ب", "ي", "يكتبون", "وبالكتاب", "2024", "abc", "abd", "ab", "z"}
)


def _listed(words, prefix):
    start = bisect.bisect_left(words, prefix)
    return tuple(words[start : bisect.bisect_left(words, prefix + "\U0010ffff", start)])


@pytest.mark.parametrize("block_bytes", [1, 7, 40, 4096])
def test_blocks_answer_as_the_whole_list(block_bytes):
    words = SortedWords("\n".join(WORDS).encode(), block_bytes=block_bytes)
    if block_bytes < 40:
        assert len(words.starts) > 3  # the questions cross blocks
    asked = set(WORDS) | {w[:k] for w in WORDS for k in range(len(w))} | {"", "\U0010ffff", "كتابي"}
    for word in sorted(asked):
        assert (word in words) == (word in WORDS), word
        assert words.starting_with(word) == _listed(WORDS, word), word


def test_an_empty_file_holds_no_word():
    words = SortedWords(b"")
    assert "" not in words and "كتاب" not in words
    assert words.starting_with("") == () and words.starting_with("ك") == ()


def test_a_broken_byte_spoils_only_its_block():
    """(Reading the whole file, such a byte used to lose every word.)"""
    data = "\n".join(WORDS).encode().replace("مكتب\n".encode(), b"\xd9\n", 1)
    words = SortedWords(data, block_bytes=16)
    assert "مكتب" not in words
    assert "كتاب" in words and "اثريا" in words and "abc" in words
    assert words.starting_with("كتا") == ("كتاب", "كتابة")


def test_the_file_answers_as_the_term_dictionary(make_index):
    index_dir = make_index(
        {
            "a.txt": "ذهب الطلاب إلى المدرسة، ثم قرأوا الكتاب (كتاب التاريخ) في المكتبة؛ هل كتبوا؟",
            "b.md": "# أَثْرِيَا\nمدارس القرية 2024 والمدرسه الكبرى وبالكتابة يكتبون abc",
        }
    )
    assert (index_dir / LEXICON_FILE).is_file()
    with open_index(index_dir).reader() as reader:
        from_file = IndexLexicon(reader, words=load_lexicon(index_dir))
        from_whoosh = IndexLexicon(reader)
        held = {
            term.decode("utf-8") if isinstance(term, bytes) else term
            for field in from_whoosh.fields
            for term in reader.lexicon(field)
        }
        assert len(held) > 10
        for word in sorted(held):
            assert word in from_file and word in from_whoosh
            for k in range(1, len(word) + 1):
                assert from_file.starting_with(word[:k]) == from_whoosh.starting_with(word[:k]), word[:k]
        assert "كتابنا" not in from_file and "كتابنا" not in from_whoosh


def test_an_index_without_the_file_has_no_word_list(make_index):
    index_dir = make_index({"a.txt": "كتاب"})
    (index_dir / LEXICON_FILE).unlink()
    assert load_lexicon(index_dir) is None
