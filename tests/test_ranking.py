"""search.ranking scores a query term at a time: the same hits, scores, order and count
as Whoosh's own collector, on a real index of several segments with deleted documents."""

import json
import math

import pytest
from whoosh.util.numeric import byte_to_length

from analyzers.normalization import normalize
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


WORDS = ["قال", "الله", "تعالى", "المدرسة", "كتاب", "في", "الرقة", "العلم", "نور", "قال"]


@pytest.fixture(scope="module")
def long_postings(tmp_path_factory):
    """Two segments whose common words' postings take several blocks, one segment with
    deleted documents; words drawn with a fixed seed, each document's own length."""
    import random

    rng = random.Random(20261201)
    root = tmp_path_factory.mktemp("phrases")
    docs, index_dir = root / "docs", root / "index"
    docs.mkdir()
    for n in range(700):
        words = [rng.choice(WORDS) for _ in range(rng.randrange(3, 40))]
        (docs / f"d{n}.txt").write_text(" ".join(words) + f"، ({n}) SY{n % 9}؟", encoding="utf-8")
    index_paths([docs], index_dir)
    for n in range(0, 700, 5):
        (docs / f"d{n}.txt").unlink()
    for n in range(700, 900):
        (docs / f"d{n}.txt").write_text(" ".join(rng.choice(WORDS) for _ in range(12)), encoding="utf-8")
    index_paths([docs], index_dir)
    with IndexSearcher(index_dir) as searcher:
        yield searcher


def test_phrases_are_found_and_scored_as_whooshs_phrase_matcher_does(long_postings):
    """search.ranking reads a phrase's positions itself: the same documents and the same
    scores, to the last bit, as Whoosh's matcher, for phrases of one to three words (a
    word twice too), slops 1 to 3, boosts, over every document or a few."""
    import random

    from whoosh import query

    rng = random.Random(7)
    top = long_postings.searcher
    leaves = [leaf for leaf, _ in top.leaf_searchers()]
    assert len(leaves) == 2 and any(leaf.reader().has_deletions() for leaf in leaves)
    texts = sorted({normalize(word) for word in WORDS} - {"في"})  # as the index holds them; في is a stopword
    phrases = [
        query.Phrase("body", [rng.choice(texts) for _ in range(rng.choice((1, 2, 2, 3)))],
                     slop=rng.choice((1, 2, 3)), boost=rng.choice((1.0, 0.2)))
        for _ in range(60)
    ] + [query.Phrase("body", ["الله", "الله"], slop=2), query.Phrase("body", ["غائبه", "الله"])]
    found = 0
    for leaf in leaves:
        scoring = ranking._Scoring(leaf)
        every = set(range(leaf.reader().doc_count_all()))
        for phrase in phrases:
            for within in (None, set(rng.sample(sorted(every), 25)), set()):
                ours = scoring._phrase(phrase, within)
                assert ours == scoring._matched(phrase, within), (phrase, within)
                found += len(ours)
    assert found > 1000


def test_a_term_asked_about_a_few_documents_scores_as_whooshs_matcher_does(long_postings):
    """A term asked about many times fewer documents than it has (SKIP_RATIO) is read only
    in the blocks they may be in: the same documents and scores, to the last bit, as
    Whoosh's matcher skipping to each of them, for words and roots, boosted or not."""
    import random

    from whoosh import query

    rng = random.Random(11)
    top = long_postings.searcher
    terms = [
        query.Term(field, text, boost=boost)
        for field in ("body", "roots")
        for text in set(top.reader().field_terms(field))
        for boost in (1.0, 0.5)
    ]
    few = 0
    for leaf, _ in top.leaf_searchers():
        scoring, reader = ranking._Scoring(leaf), leaf.reader()
        every = sorted(range(reader.doc_count_all()))
        for term in terms:
            for size in (1, 5, 25, 200):
                within = set(rng.sample(every, min(size, len(every))))
                if (term.fieldname, term.text) in reader:
                    few += len(within) * ranking.SKIP_RATIO < reader.doc_frequency(term.fieldname, term.text)
                assert scoring._term(term, within) == scoring._matched(term, within), (term, size)
    assert few > 20  # the blocks were skipped, not all read


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("size", [0, 7, 100, 101, ranking.SORT_BELOW, ranking.SORT_BELOW + 1, 12_000])
def test_the_best_scored_are_the_limit_best_and_those_tied_with_the_last(size, ties):
    import random

    rng = random.Random(size)
    scores = {
        docnum: rng.choice((1.5, 0.25, rng.random())) if ties else rng.random()
        for docnum in rng.sample(range(50_000), size)
    }
    ordered = sorted(scores.values(), reverse=True)
    threshold = ordered[99] if size > 100 else -math.inf
    best = ranking._best_scored(scores, 100)
    assert sorted(best) == sorted(item for item in scores.items() if item[1] >= threshold)
    assert len(best) >= min(size, 100)
