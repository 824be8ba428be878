"""Roots (analyzers.roots) in searches on a real (temporary) index: they join derived
forms (and broken plurals the dictionary does not know) when a query has several words,
and never decide what a one-word or every-word query matches."""

import pytest
from whoosh import index

from search import store
from search.searching import IndexSearcher

DOCUMENTS = {
    "lesson.txt": "بدأ الدرس الأول صباحاً.",  # مدرسة only by its root (درس)
    "car.txt": "سيارة جديدة في المعرض.",
    "near-market.txt": "مدرسة جديدة في حمص قرب السوق.",
    "near-schools.txt": "مدرسة جديدة في حمص قرب الدرس.",  # one more word of the root
}


@pytest.fixture(scope="module")
def searcher(make_index):
    with IndexSearcher(make_index(DOCUMENTS)) as searcher:
        yield searcher


def ids(results):
    return [hit.id for hit in results.hits]


def test_any_word_queries_also_match_by_root(searcher):
    found = ids(searcher.search("مدرسة جديدة", match_any=True))
    assert "lesson.txt" in found
    assert found[-1] == "lesson.txt"  # a root weighs less than a word: last


def test_roots_never_decide_what_an_every_word_query_matches(searcher):
    assert sorted(ids(searcher.search("مدرسة جديدة"))) == ["near-market.txt", "near-schools.txt"]


def test_one_word_does_not_match_by_root(searcher):
    assert "lesson.txt" not in ids(searcher.search("مدرسة", match_any=True))


def test_roots_rank_every_word_matches(searcher):
    # The two differ only in السوق / المدارس: without roots they tie, and the tie goes
    # to the document indexed first.
    assert ids(searcher.search("مدرسة حمص")) == ["near-schools.txt", "near-market.txt"]


def test_a_word_sharing_only_the_root_is_not_highlighted(searcher):
    hit = next(hit for hit in searcher.search("مدرسة جديدة", match_any=True).hits if hit.id == "lesson.txt")
    assert all(not snippet.highlights for snippet in hit.snippets)


def test_an_index_without_the_roots_field_is_searched_by_words(tmp_path):
    """An index of analyzer version 4 has no roots field: a query's roots match nothing
    there, and the words still do (the searcher warns that the index is old)."""
    schema = store.make_schema()
    schema.remove("roots")
    old = index.create_in(str(tmp_path), schema)
    with old.writer() as writer:
        for name, text in DOCUMENTS.items():
            writer.add_document(id=name, key=name, kind=store.KIND_RECORD, body=text)
    with IndexSearcher(tmp_path) as searcher:
        assert sorted(ids(searcher.search("مدرسة جديدة"))) == ["near-market.txt", "near-schools.txt"]
        assert "lesson.txt" not in ids(searcher.search("مدرسة جديدة", match_any=True))
        assert searcher.warnings
