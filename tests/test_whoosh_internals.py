"""Whoosh internals this project reads or overrides, pinned: these fail when a whoosh3
release changes the code under them, so the change is looked at, not discovered."""

import hashlib
import inspect

import pytest
from whoosh.codec.whoosh3 import W3LeafMatcher

from search.query import _summed_postings


@pytest.mark.parametrize(
    "method, digest",
    [
        ("_read_ids", "f8024a90ec60697e"),
        ("_read_weights", "124012c8d21aa1a7"),
        ("_next_block", "2fb1dc5070ec4a68"),
        ("is_active", "5a8f5ec736cc8a1a"),
        ("_goto", "2336acae68a6b10b"),
    ],
)
def test_the_posting_block_reader_is_as_pinned(method, digest):
    """search.query.posting_blocks reads W3LeafMatcher's blocks through these."""
    source = inspect.getsource(getattr(W3LeafMatcher, method))
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == digest


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
