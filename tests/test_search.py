"""The query language, ranking, fallbacks and highlights on a real (temporary) index."""

import json
import random

import pytest

from search.errors import SearchError
from search.indexer import index_paths
from search.searching import IndexSearcher

DOCUMENTS = {
    "a.txt": "وَبِالْمَدْرَسَةِ الأولى تعلّم الطلاب في أثريا، ثم عادوا.",
    "b.txt": "المدرسة الكبيرة في الرقة؛ قال المدير: «أهلاً».",
    "c.txt": "مدرسة واحدة فقط في القرية.",
    "d.txt": "هاجم التنظيم ميليشيا الدفاع الوطني في البادية السورية.",
    "e.txt": "كلمتان مقلوبتان: الوطني الدفاع.",
    "f.md": "# تقرير عن الاستراتيجية\n\nنص عن الطرق البرية.",
    "g.txt": "The SY24 report (2019) about Damascus [draft].",
    "h.txt": "زار الوفدُ لاتڤيا، ثم التقى فيليپ.",
}
RECORDS = [
    {"id": "n1", "title": "خبر", "text": "خبر قصير عن حلب", "source": "وكالة سانا"},
    {"id": "n2", "title": "خبر آخر", "text": "خبر عن الطقس في حلب والرقة", "source": "رويترز"},
]


@pytest.fixture(scope="module")
def searcher(make_index):
    news = "\n".join(json.dumps(record, ensure_ascii=False) for record in RECORDS)
    with IndexSearcher(make_index({**DOCUMENTS, "news.jsonl": news})) as searcher:
        yield searcher


def ids(results):
    return [hit.id for hit in results.hits]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("أثريا", ["a.txt"]),
        ("اثريا", ["a.txt"]),
        ("أَثْرِيَا", ["a.txt"]),
        ("الأثريا", ["a.txt"]),
        ("الرقه", ["b.txt", "n2"]),
        ('"الدفاع الوطني"', ["d.txt"]),
        ("الرقة -حلب", ["b.txt"]),
        ("الرقة NOT حلب", ["b.txt"]),
        ("سانا OR الطقس", ["n2"]),
        ("استراتيج*", ["f.md"]),
        ("مدرصة~", ["c.txt"]),
        ("title:تقرير", ["f.md"]),
        ("source:رويترز حلب", ["n2"]),
        ("path:jsonl قصير", ["n1"]),
        ("sy24", ["g.txt"]),
        ("٢٠١٩", ["g.txt"]),
        ("DAMASCUS", ["g.txt"]),
        ("(الرقة", ["b.txt", "n2"]),
        ('"الرقة', ["b.txt", "n2"]),
        ("لاتفيا", ["h.txt"]),
        ("فيليپ", ["h.txt"]),
    ],
    ids=[
        "hamza alef", "bare alef", "diacritics", "article", "teh marbuta as heh",
        "phrase in order only", "minus excludes", "NOT excludes", "OR", "prefix reaches stems",
        "typo", "title field", "source filter", "path filter", "latin lowercase",
        "arabic-indic digits", "latin uppercase", "unbalanced parenthesis", "unbalanced quote",
        "veh as feh", "peh typed",
    ],
)
def test_query_syntax_finds_exactly(searcher, query, expected):
    assert sorted(ids(searcher.search(query))) == sorted(expected)


def test_every_word_must_match_by_default(searcher):
    assert ids(searcher.search("حلب الطقس")) == ["n2"]


def test_a_hyphen_inside_a_word_joins_rather_than_excludes(searcher):
    assert sorted(ids(searcher.search("الوطني-الدفاع"))) == ["d.txt", "e.txt"]
    assert ids(searcher.search("الوطني -الدفاع")) == []


def test_exact_form_outranks_a_shared_stem(searcher):
    ranked = ids(searcher.search("مدرسة"))
    assert ranked[0] == "c.txt"
    assert sorted(ranked) == ["a.txt", "b.txt", "c.txt"]


def test_a_first_line_is_shown_as_title_but_not_searched_as_one(searcher):
    [hit] = searcher.search("مقلوبتان").hits
    assert hit.title == DOCUMENTS["e.txt"]
    assert searcher.search("title:مقلوبتان").hits == []


def test_title_matches_outrank_body_matches(searcher):
    assert ids(searcher.search("خبر"))[:2] == ["n1", "n2"]
    assert ids(searcher.search("آخر")) == ["n2"]


def test_no_document_with_every_word_falls_back_to_any(searcher):
    results = searcher.search("أثريا حلب")
    assert results.matched_any
    assert sorted(ids(results)) == ["a.txt", "n1", "n2"]
    assert not searcher.search("حلب الطقس").matched_any


def test_exclusions_hold_when_any_word_may_match(searcher):
    assert sorted(ids(searcher.search("أثريا الطقس -حلب", match_any=True))) == ["a.txt"]
    results = searcher.search("أثريا الطقس -حلب")  # no document has both: the fallback
    assert results.matched_any and ids(results) == ["a.txt"]


def test_any_asked_for_is_not_a_fallback(searcher):
    results = searcher.search("أثريا حلب", match_any=True)
    assert not results.matched_any and len(results.hits) == 3


def test_plain_treats_syntax_as_text(searcher):
    # As syntax this would be the phrase الدفاع without الوطني: nothing. As text, both words.
    assert ids(searcher.search('"الدفاع" -الوطني')) == []
    results = searcher.search('ما هي "الدفاع" -الوطني؟', plain=True)
    assert sorted(ids(results)) == ["d.txt", "e.txt"]


def test_arabic_question_mark_is_punctuation_not_a_wildcard(searcher):
    assert ids(searcher.search("أين تقع أثريا؟")) == ["a.txt"]


def test_did_you_mean_offers_the_index_spelling(searcher):
    results = searcher.search("اثرريا")
    assert results.total == 0
    assert results.suggestion == "اثريا"


@pytest.mark.parametrize("query", ["مكتبة", '"مكتبة الحي"'], ids=["word", "phrase"])
def test_the_count_includes_matches_that_cannot_reach_the_page(tmp_path, query):
    """Once Whoosh's collector has a full page it stops visiting the documents that
    match only in a field too weak to reach it: here 200 records of one book, whose
    title (common, so its idf is low) holds the words. They still count."""
    rows = [
        # Each better than the last, so the page's lowest score rises as they come.
        {"id": f"b{n}", "title": f"خبر رقم {n}", "text": "مكتبة الحي، " * (1 + n // 10) + "في المدينة."}
        for n in range(150)  # more than the grams rerank reads (its depth is 100)
    ] + [{"id": f"t{n}", "title": "كتاب مكتبة الحي", "text": f"عن الطقس {n}."} for n in range(200)]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    index_paths([tmp_path / "docs"], tmp_path / "index")
    with IndexSearcher(tmp_path / "index") as searcher:
        first, last = searcher.search(query, limit=10), searcher.search(query, limit=10, page=35)
    assert (first.total, first.pages) == (350, 35)
    assert len(last.hits) == 10 and {hit.id[0] for hit in last.hits} == {"t"}


def test_paging(searcher):
    first = searcher.search("خبر OR الرقة OR مدرسة", limit=2)
    second = searcher.search("خبر OR الرقة OR مدرسة", limit=2, page=2)
    assert (first.total, first.pages) == (5, 3)
    assert len(first.hits) == len(second.hits) == 2
    assert [hit.rank for hit in second.hits] == [3, 4]
    assert not set(ids(first)) & set(ids(second))


@pytest.mark.parametrize(
    "query, message",
    [
        ("في من", "nothing to search for"),
        ("َُ", "nothing to search for"),
        ("-حلب", "nothing to search for"),
        ("NOT حلب", "nothing to search for"),
        ("-", "nothing to search for"),
        ("*", "at least 2 letters"),
        ("ح*", "at least 2 letters"),
        ("key:abc", "unknown field key:"),
        ("حلب " * 1000, "too long"),
        ("ل~9", "at least 3 letters"),
        ("ِ~ حلب", "cannot read this query"),
    ],
    ids=["stopwords", "diacritics", "only excluded", "only NOT", "lone minus", "lone star",
         "one-letter prefix", "internal field", "very long", "typo mark on a letter",
         "typo mark on a diacritic"],
)
def test_malformed_queries_are_one_clear_error(searcher, query, message):
    with pytest.raises(SearchError, match=message):
        searcher.search(query)


def highlighted_words(hit):
    return [snippet.text[start:end] for snippet in hit.snippets for start, end in snippet.highlights]


@pytest.mark.parametrize(
    "query, document, words",
    [
        ("مدرسة", "a.txt", ["وَبِالْمَدْرَسَةِ"]),
        ("أثريا", "a.txt", ["أثريا"]),
        ('"الدفاع الوطني"', "d.txt", ["الدفاع", "الوطني"]),
        ("استراتيج*", "f.md", ["الاستراتيجية"]),
        ("sy24 2019", "g.txt", ["SY24", "2019"]),
        ("لاتفيا فيليب", "h.txt", ["لاتڤيا", "فيليپ"]),
    ],
    ids=[
        "stem with diacritics and prefixes", "alef form", "phrase", "prefix", "latin and digits",
        "borrowed letters",
    ],
)
def test_snippets_highlight_words_as_written(searcher, query, document, words):
    hit = next(hit for hit in searcher.search(query).hits if hit.id == document)
    assert highlighted_words(hit) == words


def test_title_is_highlighted_too(searcher):
    hit = searcher.search("تقرير").hits[0]
    assert [hit.title[s:e] for s, e in hit.title_highlights] == ["تقرير"]


def test_excluded_words_are_not_highlighted(searcher):
    hit = searcher.search("الرقة -حلب").hits[0]
    assert highlighted_words(hit) == ["الرقة"]


def test_counts_are_exact(searcher):
    results = searcher.search("خبر OR الرقة OR مدرسة", limit=2)
    assert results.total == 5
    assert results.pages == 3
    assert len(results.hits) == 2


def test_no_document_with_every_word_falls_back_to_any_word(searcher):
    results = searcher.search("أثريا الطقس")  # each word is indexed, never both in one document
    assert results.matched_any
    assert sorted(ids(results)) == ["a.txt", "n2"]


def test_an_empty_index_can_be_searched_and_then_sees_new_documents(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    index_paths([docs], tmp_path / "index")
    with IndexSearcher(tmp_path / "index") as searcher:
        assert searcher.search("أثريا").total == 0
        (docs / "new.txt").write_text("خبر عن أثريا", encoding="utf-8")
        index_paths([docs], tmp_path / "index")
        assert ids(searcher.search("أثريا")) == ["new.txt"]


FUZZ_PIECES = list('أثريا الرقة مدرسة"()-*?~:^[]{}!+،؛؟«»ًٌٍَُِّْـ0123456789٠١٢ abcXYZ') + [
    "AND", "OR", "NOT", " -", "title:", "path:", "source:", "body:", "key:", "*:*", "TO", "\\",
    "/", "\u200f", "\u202b", "\x00", "في", "من",
]


@pytest.mark.parametrize("plain", [False, True], ids=["syntax", "plain"])
def test_random_queries_answer_or_raise_only_search_errors(searcher, plain):
    rng = random.Random(20261127)
    for _ in range(400):
        text = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 14)))
        try:
            results = searcher.search(text, plain=plain, match_any=rng.random() < 0.3)
        except SearchError:
            continue
        assert all(hit.id for hit in results.hits), text
