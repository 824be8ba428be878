"""Queries that once crashed, ran for seconds or reached the index's bookkeeping, on a
real index: each answers, or is one clear error, within bounds (issues 13 and 14)."""

import pytest
from click.testing import CliRunner

from search import query as query_module
from search.cli import cli
from search.errors import SearchError
from search.searching import IndexSearcher

DOCUMENTS = {
    "a.txt": "أثريا في ريف حماة الشرقي، والرقة بعيدة. الكتاب في المكتبة.",
    "b.txt": "حلب مدينة قديمة وفيها الكتاب والكتب.",
    "c.txt": "الطقس في الرقة حار. مرة أخرى الإنسانية.",
}


@pytest.fixture(scope="module")
def index_dir(make_index):
    return make_index(DOCUMENTS)


@pytest.fixture
def searcher(index_dir):
    with IndexSearcher(index_dir) as searcher:
        yield searcher


def test_negations_never_reach_the_bookkeeping_documents(searcher):
    results = searcher.search("أثريا OR (NOT حلب NOT الرقة)", limit=50)
    assert sorted(hit.id for hit in results.hits) == ["a.txt"]  # a.txt by أثريا; no file entry
    assert results.total == 1


@pytest.mark.parametrize(
    "text, match_any",
    [("كتاب~/9", False), ("\udcffab*", False), ("ية الإنس -مرة", True), ("حلب~9", False)],
    ids=["prefix length past the word", "undecodable byte", "any word with an exclusion", "nine typos"],
)
def test_queries_that_crashed_now_answer(searcher, text, match_any):
    results = searcher.search(text, match_any=match_any)
    assert results.total == len(results.hits)


def test_a_typo_bound_is_said(searcher):
    results = searcher.search("حلب~9")
    assert sorted(hit.id for hit in results.hits) == ["b.txt", "c.txt"]  # حلب, and حار: two edits
    assert results.notes == ("حلب~9: at most 2 typos are searched",)


@pytest.mark.parametrize(
    "text, message",
    [("*ال*", "2 letters before"), ("ا*", "2 letters before"), ("ب" * 1200, "at most 100")],
    ids=["leading star", "one-letter prefix", "a 1,200-letter word"],
)
def test_unbounded_patterns_are_one_clear_error(searcher, text, message):
    with pytest.raises(SearchError, match=message):
        searcher.search(text)


def test_a_prefix_expands_to_a_bounded_number_of_words(searcher, monkeypatch):
    monkeypatch.setattr(query_module, "MAX_EXPANSION", 1)
    results = searcher.search("ال*")
    assert results.notes and "most frequent" in results.notes[0]
    assert results.hits  # the most frequent word is still searched


def test_the_any_word_fallback_reuses_the_expansions_and_their_notes(searcher, monkeypatch):
    """A fuzzy word's expansion is bounded in time once per search: the fallback to any
    word used to walk the lexicon again, doubling the worst queries (1.1 s for three
    words~2 on tashkeela_classical)."""
    from search.lexicon import IndexLexicon

    walks = []
    real_within = IndexLexicon.within

    def counted_within(lexicon, word, edits, prefix):  # counted when walked, not when made
        walks.append(word)
        yield from real_within(lexicon, word, edits, prefix)

    monkeypatch.setattr(IndexLexicon, "within", counted_within)
    results = searcher.search("الكتب~1 زرافة")  # no document has both: any word answers
    assert results.matched_any and results.hits
    assert walks.count("الكتب") == 1
    monkeypatch.setattr(query_module, "MAX_EXPANSION", 1)
    results = searcher.search("ال* زرافة")
    assert results.matched_any and results.hits
    assert results.notes and "most frequent" in results.notes[0]  # said again, not lost


def test_did_you_mean_only_for_words_the_index_lacks(searcher):
    assert searcher.search("الكتاب").suggestion is None  # matched: no suggestion
    assert searcher.search("الكتابب").suggestion == "الكتاب"  # one letter too many
    assert searcher.search("كمبيوتر").suggestion is None  # nothing within one edit


def test_the_cli_names_a_bound_on_stderr_and_answers(index_dir):
    result = CliRunner().invoke(cli, ["--json", "--index", str(index_dir), "حلب~9"])
    assert result.exit_code == 0
    assert "at most 2 typos" in result.stderr


def test_a_long_query_checks_a_bounded_number_of_word_pairs(searcher):
    """Each pair of neighbouring words is a phrase checked in every matching document:
    a 13-word query answered by any word spent over a second on its 12 pairs."""
    from whoosh.query import Phrase

    words = "كتاب مدرسة حلب الرقة أثريا مكتبة طقس مدينة قديمة ريف حماة الشرقي بعيدة"
    parsed = searcher.parse(words, match_any=True)
    pairs = [leaf for leaf in parsed.query.leaves() if isinstance(leaf, Phrase)]
    assert len(pairs) == query_module.MAX_PROXIMITY_PAIRS < len(words.split()) - 1
    assert [pair.words for pair in pairs[:2]] == [["كتاب", "مدرسه"], ["مدرسه", "حلب"]]
