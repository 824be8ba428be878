"""Reranking by character n-grams, on a real index."""

from collections import Counter

import pytest

from analyzers.grams import gram_text, read_gram_text, word_grams
from analyzers.normalization import normalize
from analyzers.stopwords import STOPWORDS
from analyzers.words import WORD
from search import grams, ranking
from search.grams import GramScorer
from search.query import GRAM_BOOST
from search.searching import IndexSearcher

# Two passages that the words of the query match equally: both have يتبادل, neither has
# الشوكولاته as typed. Only the second has it, spelled otherwise (الشيكولاتة).
DOCUMENTS = {
    "a.txt": "يتبادل الناس الهدايا في العيد.",
    "b.txt": "يتبادل الناس الشيكولاتة في العيد.",
    "c.txt": "الهيدروجين والأكسجين غازان، والأُوكسجين (O2) ضروري للتنفس؛ كم نحتاج منه؟",
}


@pytest.fixture(scope="module")
def searcher(make_index):
    with IndexSearcher(make_index(DOCUMENTS)) as opened:
        yield opened


def test_a_gram_counts_in_gram_text_as_in_the_words():
    text = "وَبِالْمَدْرَسَةِ الأولى (٢٠٢٤) تعلّم الطلاب؛ المدرسه في أثريا-الرقة؟ school SY24 مدرسة"
    length, words = read_gram_text(gram_text(text))
    expected = Counter(
        gram for word in WORD.findall(text) if normalize(word) not in STOPWORDS
        for gram in word_grams(normalize(word))
    )
    assert length == sum(expected.values())
    assert {gram: words.count(gram) for gram in expected} == expected
    assert words.count("_مدرسه_") == 1 and words.count("درسه_") == 3


def ids(results):
    return [hit.id for hit in results.hits]


def test_another_spelling_of_a_word_ranks_higher(searcher):
    assert ids(searcher.search("يتبادل الشوكولاته", match_any=True))[:2] == ["b.txt", "a.txt"]


def test_without_grams_the_two_would_tie(searcher, monkeypatch):
    """The check above can fail: the order comes from the grams, not from the words."""
    monkeypatch.setattr("search.query.GRAM_BOOST", 0.0)
    hits = searcher.search("يتبادل الشوكولاته", match_any=True).hits
    assert hits[0].score == pytest.approx(hits[1].score)


def test_grams_only_add_to_scores(searcher, monkeypatch):
    def scores():
        return {hit.id: hit.score for hit in searcher.search("يتبادل الشوكولاته", match_any=True).hits}

    reranked = scores()
    monkeypatch.setattr("search.query.GRAM_BOOST", 0.0)
    plain = scores()
    assert reranked.keys() == plain.keys()  # grams rerank; they find nothing new
    assert all(reranked[key] >= plain[key] for key in plain)
    assert reranked["b.txt"] > plain["b.txt"]


def test_gram_scores_follow_the_spelling(searcher):
    docnums = [searcher.searcher.document_number(id=name) for name in ("a.txt", "b.txt", "c.txt")]
    scores = GramScorer(searcher.searcher).scores(searcher.parse("الاوكسجين").grams, docnums)
    assert scores[0] == scores[1] == 0.0  # no gram of the word in either
    assert scores[2] > 0.0


def test_a_query_word_gives_its_grams_and_phrases_give_none(searcher):
    assert searcher.parse("مدرسة").grams  # every plain word
    assert not searcher.parse('"مدرسة الحي"').grams  # a phrase stays exact
    weights = dict(searcher.parse("مدرسة كتب قلم").grams)
    assert sum(weights.values()) == pytest.approx(3 * GRAM_BOOST)  # GRAM_BOOST per word typed


def test_an_index_without_the_column_is_searched_without_reranking(searcher, monkeypatch):
    """An index of analyzer version 3 has no grams column: its hits keep their order."""
    monkeypatch.setattr("search.grams.COLUMN", "no such column")
    docnums = [searcher.searcher.document_number(id=name) for name in ("a.txt", "c.txt")]
    assert GramScorer(searcher.searcher).scores(searcher.parse("الاوكسجين").grams, docnums) == [0, 0]


# Sixty records: the word's family twice in each, in two of its spellings or forms, and
# another word as often as the record's number says, so that the words' scores are close
# and the grams' scores tell the records apart.
SPELLINGS = ("الأوكسجين", "الاكسجين", "أكسجين", "الأكسجين", "والأوكسجين")
MANY = {
    f"{number:02}.txt": " ".join(
        [SPELLINGS[number % 5], SPELLINGS[number // 5 % 5]] + ["غاز"] * (number % 4 + number // 25)
    )
    for number in range(60)
}


@pytest.fixture(scope="module")
def many(make_index):
    with IndexSearcher(make_index(MANY)) as opened:
        yield opened


@pytest.mark.parametrize("word", ["الاوكسجين", "اكسجين", "غاز"])
def test_the_best_hits_are_those_every_hit_scored_gives(many, word):
    """``best`` counts grams only where they could lift a hit into the best: the hits it
    gives, their scores and their order are those of scoring every hit."""
    parsed = many.parse(word)
    base, _ = ranking.rank(many.searcher, parsed.query, 100)
    assert len(base) > 20
    scorer = GramScorer(many.searcher)
    extra = scorer.scores(parsed.grams, [hit.docnum for hit in base])
    assert len(set(extra)) > 5  # the grams tell the hits apart
    every = sorted(((hit.score + more, hit.docnum) for hit, more in zip(base, extra)), key=lambda x: (-x[0], x[1]))
    counted = []
    real_score = grams._Counted.score
    for count in (1, 3, 10, len(base) - 1, len(base), 200):
        hits = [ranking.Ranked(hit.docnum, hit.score, hit.rank) for hit in base]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(grams._Counted, "score", lambda self, at: counted.append(at) or real_score(self, at))
            best = scorer.best(parsed.grams, hits, count)
        assert [(hit.score, hit.docnum) for hit in best] == every[:count]
    assert len(counted) < 6 * len(base)  # some hits were left uncounted


@pytest.mark.parametrize("text", ["الاوكسجين", "اكسجين", "غاز", "غاز اكسجين"])
def test_the_grams_of_words_held_as_typed_score_as_if_looked_for(many, text):
    """The grams of the query's words a hit's body holds as typed (its families' postings
    say so) are not looked for in its gram text, which holds them: the best hits, their
    scores and order are the same as when every gram is looked for."""
    parsed = many.parse(text)
    base, _ = ranking.rank(many.searcher, parsed.query, 100)
    held = many._typed_words_held(parsed, base)
    assert any(held)
    scorer = GramScorer(many.searcher)

    def best(count, words_held=None):
        hits = [ranking.Ranked(hit.docnum, hit.score, hit.rank) for hit in base]
        return [(hit.docnum, hit.score) for hit in scorer.best(parsed.grams, hits, count, words_held)]

    for count in (1, 10, len(base)):
        assert best(count, held) == best(count)
    if text == "اكسجين":  # a hit claimed to hold what it does not scores otherwise
        claimed = [tuple(parsed.words)] * len(base)
        assert best(len(base), claimed) != best(len(base))


def test_an_index_of_another_analyzer_version_looks_for_every_gram(make_index, monkeypatch):
    """Its gram texts and terms were written by another version: what its postings say
    a hit holds is not taken to tell which grams its gram text holds."""
    import json

    from search import store

    index_dir = make_index(DOCUMENTS)
    meta = index_dir / store.META_FILE
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "analyzer_version": "0-old"}))
    with IndexSearcher(index_dir) as opened:
        assert opened.warnings
        monkeypatch.setattr(IndexSearcher, "_typed_words_held", lambda *args: pytest.fail("asked"))
        assert len(opened.search("الأكسجين").hits) == 1 and len(opened.search("يتبادل").hits) == 2
