"""Whoosh internals this project reads or overrides, pinned: these fail when a whoosh3
release changes the code under them, so the change is looked at, not discovered."""

import hashlib
import inspect

import pytest
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter, W3TermInfo, W3TermsReader
from whoosh.query import Phrase, SpanNear2
from whoosh.query.spans import SpanWrappingMatcher
from whoosh.reading import SegmentReader

from search.query import _matcher_blocks, _summed_postings, expanded_weights, form_blocks


@pytest.mark.parametrize(
    "method, digest",
    [
        ("_read_ids", "f8024a90ec60697e"),
        ("_read_weights", "124012c8d21aa1a7"),
        ("_next_block", "2fb1dc5070ec4a68"),
        ("is_active", "5a8f5ec736cc8a1a"),
        ("_goto", "2336acae68a6b10b"),
        ("_read_data", "150a9642f8b55013"),
        ("_read_values", "730ce568f5c7af43"),
        ("__init__", "a1cbbb01622f17ec"),
    ],
)
def test_the_posting_block_reader_is_as_pinned(method, digest):
    """search.query.form_blocks reads W3LeafMatcher's blocks through these, or as these do
    (delta-decoded ids, stored weights and values, the next block, its last document)."""
    source = inspect.getsource(getattr(W3LeafMatcher, method))
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == digest


@pytest.mark.parametrize(
    "owner, method, digest",
    [
        (W3TermsReader, "term_info", "9085b0a039fc34ac"),
        (W3Codec, "postings_reader", "339e62c08607b880"),
        (SegmentReader, "postings", "186e21090986f5e6"),
        (W3TermInfo, "inlined_postings", "75111abee0ab3f08"),
        (W3TermInfo, "extent", "ec14439146612646"),
        (W3PostingsWriter, "_mini_weights", "9471308d1d7d273f"),
        (W3PostingsWriter, "_mini_ids", "f2287d08ab760c13"),
    ],
)
def test_the_way_to_a_terms_blocks_is_as_pinned(owner, method, digest):
    """search.query.form_blocks goes from the term dictionary to the blocks as
    SegmentReader.postings and W3Codec.postings_reader do, and reads the ids and weights
    as W3PostingsWriter stores them (None for all 1.0, one float for all alike)."""
    source = inspect.getsource(getattr(owner, method))
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == digest


@pytest.mark.parametrize(
    "owner, method, digest",
    [
        (Phrase, "matcher", "b1b2db1c16a79365"),
        (SpanNear2.SpanNear2Matcher, "_get_spans", "56d2b6d41a5fc87e"),
        (SpanWrappingMatcher, "_find_next", "7ef76bb4e4d04c09"),
    ],
)
def test_the_phrase_matcher_is_as_pinned(owner, method, digest):
    """search.ranking finds and scores a phrase's documents as these do: its words in
    order, each 1 to slop positions after the one before, scored as an intersection of
    its words' terms."""
    source = inspect.getsource(getattr(owner, method))
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == digest


def _flat(blocks):
    return [pair for docnums, weights in blocks for pair in zip(docnums, expanded_weights(docnums, weights))]


def test_form_blocks_give_what_the_matcher_gives_with_deletions(tmp_path):
    """Every term of two segments, one with deleted documents: inlined, one block or
    several, weights all 1 or mixed; read straight and through Whoosh's matcher."""
    from search import store
    from search.indexer import index_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(300):
        repeat = "مدرسة " * (1 + n % 3)
        (docs / f"d{n}.txt").write_text(f"{repeat} كتاب{n % 5} كلمة{n} والمدارس", encoding="utf-8")
    index_paths([docs], tmp_path / "index")
    for n in range(0, 300, 7):
        (docs / f"d{n}.txt").unlink()
    for n in range(300, 500):  # a second segment, without deletions
        (docs / f"d{n}.txt").write_text(f"مدرسة كتاب{n % 5} {'كتب ' * (n % 2)}", encoding="utf-8")
    index_paths([docs], tmp_path / "index")
    with store.open_index(tmp_path / "index").reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if not reader.is_atomic() else [reader]
        assert sorted(leaf.has_deletions() for leaf in leaves) == [False, True]
        kinds = set()
        for leaf in leaves:
            for text in {term.decode() for field, term in leaf.all_terms() if field == "body"}:
                straight = list(form_blocks(leaf, "body", text))
                kinds.update("many" if len(straight) > 1 else type(w).__name__ for _, w in straight)
                assert _flat(straight) == _flat(_matcher_blocks(leaf, "body", text)), text
                valued = _postings(form_blocks(leaf, "body", text, values=True))
                assert valued == _postings(_matcher_blocks(leaf, "body", text, values=True)), text
                assert [docnum for docnum, _, _ in valued] == [docnum for docnum, _ in _flat(straight)]
                # Asked for some documents, the blocks they are in come whole, and no others.
                held = [docnum for docnum, _, _ in valued]
                for wanted in (held[::9], held[:1], [held[-1] + 1]) if held else ():
                    some = _postings(form_blocks(leaf, "body", text, True, wanted))
                    assert {posting for posting in some if posting[0] in wanted} == {
                        posting for posting in valued if posting[0] in wanted
                    }, text
                    if len(straight) > 1 and len(wanted) == 1:
                        assert len(some) < len(valued), text
            assert list(form_blocks(leaf, "body", "غائبة")) == list(form_blocks(leaf, "nofield", "مدرسة")) == []
    assert {"many", "NoneType", "tuple"} <= kinds, kinds


def _postings(blocks):
    return [posting for block in blocks for posting in zip(*block)]


def test_block_reading_gives_what_the_matcher_api_gives(make_index):
    from search import store

    text = " ".join(f"كلمة{n % 7} مدرسة" for n in range(400))
    index_dir = make_index({f"d{n}.txt": text[: 50 + n * 20] for n in range(300)})
    with store.open_index(index_dir).reader() as reader:
        leaf = reader.leaf_readers()[0][0] if not reader.is_atomic() else reader
        fast, exact = _summed_postings(leaf, "body", (("مدرسه", 1.0),), "مدرسه")
        slow = {}
        postings = leaf.postings("body", "مدرسه")
        while postings.is_active():
            slow[postings.id()] = postings.weight()
            postings.next()
    assert fast == slow == exact and len(fast) == 300


def test_a_family_matcher_skips_as_whooshs_list_matcher_does():
    """FamilyMatcher.skip_to bisects where ListMatcher steps; both must land alike."""
    from whoosh.matching import ListMatcher, ReadTooFar

    from search.query import FamilyMatcher

    ids = [2, 5, 9, 14, 30]
    for targets in ([1], [5], [6], [6, 3], [14, 15], [31], [9, 9, 30]):
        ours, theirs = FamilyMatcher(ids, [1.0] * 5, [0.0] * 5), ListMatcher(ids, [1.0] * 5)
        for target in targets:
            ours.skip_to(target)
            theirs.skip_to(target)
        assert ours.is_active() == theirs.is_active(), targets
        assert not ours.is_active() or ours.id() == theirs.id(), targets
    finished = FamilyMatcher([2], [1.0], [0.0])
    finished.skip_to(3)
    with pytest.raises(ReadTooFar):
        finished.skip_to(4)


def test_a_small_fields_terms_are_held_and_its_missing_forms_not_looked_up(tmp_path, monkeypatch):
    """Titles have few terms: a family's forms the field lacks are skipped by a set, with
    the same sums as looking each one up; a field past the limits is looked up as before."""
    import json

    from search import query as search_query
    from search import store
    from search.indexer import index_paths

    rows = [
        {"id": f"r{n}", "title": f"كتاب المدرسة {n % 4}", "text": f"نص عن المدرسة والكتاب {n} " * (1 + n % 3)}
        for n in range(40)
    ]
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), "utf-8")
    index_paths([tmp_path / "docs.jsonl"], tmp_path / "index")
    forms = (("المدرسه", 1.0), ("مدرسه", 1.0), ("غائبه", 1.0), ("كتاب", 0.5), ("والكتاب", 0.5))
    looked, real_form_blocks = [], search_query.form_blocks

    def form_blocks(reader, field, text):
        looked.append((field, text))
        return real_form_blocks(reader, field, text)

    monkeypatch.setattr(search_query, "form_blocks", form_blocks)
    monkeypatch.setattr(search_query, "frequency_file", lambda reader: None)  # the blocks' path
    with store.open_index(tmp_path / "index").reader() as reader:
        leaf = reader.leaf_readers()[0][0] if not reader.is_atomic() else reader
        title_words = leaf.field_length("title")
        monkeypatch.setattr(search_query, "FIELD_TOKENS_LIMIT", title_words)
        search_query._FIELD_TERMS.clear()
        assert search_query.field_terms(leaf, "title") == {term.decode() for term in leaf.lexicon("title")}
        assert search_query.field_terms(leaf, "body") is None  # more words than the limit
        held = {field: search_query._summed_postings(leaf, field, forms, "مدرسه") for field in ("title", "body")}
        assert ("title", "غائبه") not in looked and ("title", "والكتاب") not in looked
        assert ("body", "غائبه") in looked
        monkeypatch.setattr(search_query, "FIELD_TOKENS_LIMIT", 0)
        search_query._FIELD_TERMS.clear()
        looked.clear()
        each = {field: search_query._summed_postings(leaf, field, forms, "مدرسه") for field in ("title", "body")}
        assert ("title", "غائبه") in looked
        assert held == each and held["title"][0] and held["body"][0]
        monkeypatch.setattr(search_query, "FIELD_TOKENS_LIMIT", title_words)
        monkeypatch.setattr(search_query, "FIELD_TERMS_LIMIT", 2)
        search_query._FIELD_TERMS.clear()
        assert search_query.field_terms(leaf, "title") is None  # more terms than the limit
