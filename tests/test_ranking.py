"""search.ranking scores a query term at a time: the same hits, scores, order and count
as Whoosh's own collector, on a real index of several segments with deleted documents."""

import json
import math

import pytest
from whoosh.util.numeric import byte_to_length

from search import ranking
from search.indexer import index_paths
from search.searching import IndexSearcher

FIRST = {
    "a.txt": "وَبِالْمَدْرَسَةِ الأولى تعلّم الطلاب في أثريا، ثم عادوا إلى المدرسة.",
    "b.txt": "المدرسة الكبيرة في الرقة؛ قال المدير: «أهلاً بالطلاب في مدرستنا».",
    "c.txt": "مدارس القرية ثلاث، ومدرسة واحدة في المدينة. قال الله تعالى في كتابه.",
    "d.md": "# كتاب المدارس\n\nكتب المعلمون كتاباً عن المدارس والكتب، قال المدير.",
    "e.txt": "The SY24 report (2019) about Damascus [draft] مدرسة 2019.",
}
SECOND = {
    "b.txt": "مدرسة صغيرة في الرقة، قال الله تعالى. المدرسة والمدارس.",  # changed
    "f.txt": "قال الطلاب: المدرسة بعيدة، والكتاب ثقيل؛ وقال المعلم: الكتب في المكتبة.",
}
RECORDS = [
    {"id": f"r{n}", "title": "مدرسة" if n % 3 == 0 else "خبر", "text": "قال المدير " * (n % 4 + 1) + "عن المدرسة والكتاب."}
    for n in range(40)
]
QUERIES = [
    "مدرسة", "المدرسة", "كتاب", "قال", "قال الله تعالى", "المدرسة الكتاب", '"قال الله"',
    "مدرسة -الرقة", "مدرسة NOT كتاب", "مدرس*", "مدرسه~", "title:مدرسة", "path:*.md كتاب",
    "(قال OR كتب) المدرسة", "مدرسة OR Damascus", "2019", "source:none مدرسة",
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    root = tmp_path_factory.mktemp("ranked")
    docs, index_dir = root / "docs", root / "index"
    docs.mkdir()
    for name, text in FIRST.items():
        (docs / name).write_text(text, encoding="utf-8")
    (docs / "news.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in RECORDS), encoding="utf-8"
    )
    index_paths([docs], index_dir)
    for name, text in SECOND.items():
        (docs / name).write_text(text, encoding="utf-8")
    (docs / "e.txt").unlink()
    index_paths([docs], index_dir)
    with IndexSearcher(index_dir) as searcher:
        yield searcher


def test_the_index_has_several_segments_and_deletions(searcher):
    reader = searcher.searcher.reader()
    assert len(searcher.searcher.leaf_searchers()) > 1
    assert reader.has_deletions()


@pytest.mark.parametrize("limit", [3, 30])
@pytest.mark.parametrize("match_any", [False, True], ids=["all words", "any word"])
@pytest.mark.parametrize("text", QUERIES)
def test_ranking_matches_whooshs_collector(searcher, text, match_any, limit):
    parsed = searcher.parse(text, match_any=match_any)
    top = searcher.searcher
    theirs = top.search(parsed.query, limit=None, optimize=False)
    expected = [(hit.docnum, hit.score) for hit in theirs[:limit]]
    ours, total = ranking.rank(top, parsed.query, limit)
    assert [hit.docnum for hit in ours] == [docnum for docnum, _ in expected]
    assert all(math.isclose(hit.score, score, rel_tol=1e-12) for hit, (_, score) in zip(ours, expected))
    assert [hit.rank for hit in ours] == list(range(len(ours)))
    assert total == len(set(top.docs_for_query(parsed.query)))


def test_most_queries_here_match_something(searcher):
    matched = [text for text in QUERIES if ranking.rank(searcher.searcher, searcher.parse(text).query, 5)[1]]
    assert len(matched) >= len(QUERIES) - 2, matched


class ReaderWithoutColumns:
    """A reader that answers lengths only document by document."""

    def __init__(self, reader):
        self.doc_count_all, self.doc_field_length = reader.doc_count_all, reader.doc_field_length


def test_field_lengths_read_whole_are_the_readers_own(searcher):
    for leaf, _ in searcher.searcher.leaf_searchers():
        reader = leaf.reader()
        for field in ("title", "body", "roots"):
            expected = [reader.doc_field_length(docnum, field, 0) or 0 for docnum in range(reader.doc_count_all())]
            for source in (reader, ReaderWithoutColumns(reader)):
                lengths = ranking._length_bytes(source, field)
                assert [byte_to_length(byte) for byte in lengths] == expected
            assert any(expected) or field != "body"
