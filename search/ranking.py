"""Score every document a query matches, a posting list at a time, and rank them.

Whoosh's collector visits the matches a document at a time through a tree of matchers,
a few Python calls per matcher per document, and scores each with a call to its scorer:
half of a one-word search on tashkeela_classical (bench/query.py). Here a word's postings
(a family's, already summed by ``search.query.FamilyTerm``) are scored in one pass over
the field-length column, and And, Or, AndMaybe and AndNot combine {document: score} maps;
a phrase's positions are read only in the blocks of postings where the rest of the query
left documents, and anything else still goes through its Whoosh matcher, at those
documents. Every match is scored, as the collector did with
``optimize=False``: the same hits with the same scores (up to the order in which a
document's parts are added), in the same order (score, then document number), and the
exact number of matches for free.
"""

import bisect
import functools
import heapq
from dataclasses import dataclass

from whoosh import matching, query, scoring
from whoosh.util.numeric import byte_to_length

from search.query import FamilyTerm, PerReaderField, TreeOr, expanded_weights, form_blocks
from search.whoosh_lengths import length_bytes

# Only the blocks of a term's postings where the documents asked about may be are
# decoded when they are this many times fewer than the term's: a common root asked about
# at an intersection's few documents. (Through Whoosh's matcher, skipping to each of
# them, bench/query.py's three-word queries spent 1.46 ms a query scoring such terms,
# 1.29 this way.)
SKIP_RATIO = 8
# The best scores' threshold is taken by sorting every score (in C) up to this many
# documents, and by a heap of the best beyond: for the 100th of 1,000 scores 32 against
# 80 µs, of 2,700 82 against 125, of 9,000 488 against 232.
SORT_BELOW = 5_000


@dataclass
class Ranked:
    """A document of the results: its number in the searcher, score and 0-based rank."""

    docnum: int
    score: float
    rank: int


def rank(searcher, node: query.Query, limit: int) -> tuple[list[Ranked], int]:
    """The ``limit`` best documents ``node`` matches in ``searcher`` (best first, ties by
    document number) and how many it matches in all."""
    scores: dict[int, float] = {}
    for leaf, offset in searcher.leaf_searchers():
        found = _Scoring(leaf).scores(node, None)
        if offset:
            scores.update((docnum + offset, score) for docnum, score in found.items())
        else:
            scores.update(found)
    best = sorted(_best_scored(scores, limit), key=lambda item: (-item[1], item[0]))[:limit]
    return [Ranked(docnum, score, position) for position, (docnum, score) in enumerate(best)], len(scores)


def _best_scored(scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """The (document, score) pairs scoring at least the ``limit``-th best score: the
    ``limit`` best and any tied with the last of them. A common word matches thousands of
    documents, and ``heapq.nsmallest`` with a key took a call per document (a twentieth
    of a one-word search); the threshold is taken from the bare scores, in C."""
    if limit <= 0:
        return []
    if len(scores) <= limit:
        return list(scores.items())
    if len(scores) <= SORT_BELOW:
        threshold = sorted(scores.values(), reverse=True)[limit - 1]
    else:
        threshold = heapq.nlargest(limit, scores.values())[-1]
    return [item for item in scores.items() if item[1] >= threshold]


class _Scoring:
    """The scores of a query's parts in one segment (``leaf``, a searcher of it)."""

    def __init__(self, leaf):
        self.leaf = leaf
        self.reader = leaf.reader()
        self.weighting = leaf.weighting

    def scores(self, node: query.Query, within: set[int] | None) -> dict[int, float]:
        """{document: score} of the documents ``node`` matches (only those ``within``,
        if given), scored as Whoosh's matcher of ``node`` would."""
        kind = type(node)
        if kind is FamilyTerm:
            return self._family(node, within)
        if kind is query.Term:
            return self._term(node, within)
        if kind is query.Phrase:
            return self._phrase(node, within)
        if kind in (query.Or, TreeOr) and not node.minmatch and not node.scale:
            return self._union(node, within)
        if kind is query.And:
            return self._intersection(node, within)
        if kind is query.AndMaybe:
            found = self.scores(node.a, within)
            if found:
                extra = self.scores(node.b, found.keys())
                for docnum, score in extra.items():
                    found[docnum] += score
            return found
        if isinstance(node, query.AndNot):
            found = self.scores(node.a, within)
            if found:
                for docnum in self.scores(node.b, found.keys()):
                    del found[docnum]
            return found
        return self._matched(node, within)

    def _union(self, node, within) -> dict[int, float]:
        parts = [self.scores(child, within) for child in node.subqueries]
        if not parts:
            return {}
        if len(parts) == 2 and len(parts[0]) < len(parts[1]):
            # The smaller added into the larger (a word's title family into its body
            # family): a + b is b + a to the bit, which no longer holds for three parts.
            parts.reverse()
        found = parts[0]
        for part in parts[1:]:
            for docnum, score in part.items():
                found[docnum] = found.get(docnum, 0.0) + score
        # Whoosh boosts a compound query of one part by that part's boost alone.
        return _boosted(found, node.boost if len(parts) > 1 else 1.0)

    def _intersection(self, node, within) -> dict[int, float]:
        # The rarest part first: the others are scored only where it matched.
        children = sorted(node.subqueries, key=self._size)
        if not children:
            return {}
        found = None
        for child in children:
            part = self.scores(child, within if found is None else found.keys())
            if found is None:
                found = part
            else:
                found = {docnum: score + part[docnum] for docnum, score in found.items() if docnum in part}
            if not found:
                return {}
        return _boosted(found, node.boost if len(children) > 1 else 1.0)

    def _size(self, node: query.Query) -> int:
        """How many documents ``node`` may match here, to intersect the rarest part first:
        a family's postings are read (they will be), the rest estimated as Whoosh does."""
        kind = type(node)
        if kind is FamilyTerm:
            frequencies, _ = node.postings(self.leaf.get_parent()).get(id(self.reader), ({}, {}))
            return len(frequencies)
        if kind in (query.Or, TreeOr):
            return sum(map(self._size, node.subqueries))
        if kind is query.And:
            return min(map(self._size, node.subqueries), default=0)
        if kind is query.AndMaybe or isinstance(node, query.AndNot):
            return self._size(node.a)
        return node.estimate_size(self.reader)

    def _family(self, node: FamilyTerm, within) -> dict[int, float]:
        family_scorer = getattr(self.weighting, "family_scorer", None)
        if family_scorer is None:
            return self._matched(node, within)
        segments = node.postings(self.leaf.get_parent())
        frequencies, exact = segments.get(id(self.reader), ({}, {}))
        if not frequencies:
            return {}
        scorer = family_scorer(
            self.leaf, node.fieldname, max(frequencies.values()), sum(len(f) for f, _ in segments.values()),
            exact_boost=node.exact_boost, max_exact=max(exact.values(), default=0.0),
            exact_held_by=sum(len(e) for _, e in segments.values()),
        )
        lengths = self._lengths(node.fieldname)
        norms = _norms(scorer.avgfl, scorer.B, scorer.K1)
        k1_plus_1 = scorer.K1 + 1
        idf, exact_idf = scorer.idf, scorer.exact_idf
        if within is not None:
            frequencies = {docnum: frequencies[docnum] for docnum in within if docnum in frequencies}
        found = {
            docnum: idf * ((tf * k1_plus_1) / (tf + norms[lengths[docnum]]))
            for docnum, tf in frequencies.items()
        }
        for docnum, typed in exact.items():  # the form typed is in a few of them
            if typed and docnum in found:
                found[docnum] += exact_idf * ((typed * k1_plus_1) / (typed + norms[lengths[docnum]]))
        return _boosted(found, node.boost)

    def _term(self, node: query.Term, within) -> dict[int, float]:
        field = self.leaf.schema[node.fieldname] if node.fieldname in self.leaf.schema else None
        text = self._held(field, node.fieldname, node.text) if field is not None else None
        if text is None:
            return {}
        scorer = self.weighting.scorer(self.leaf, node.fieldname, text)
        if type(scorer) is not scoring.BM25FScorer:
            return self._matched(node, within)
        few = within is not None and len(within) * SKIP_RATIO < self.reader.doc_frequency(node.fieldname, text)
        lengths = self._lengths(node.fieldname)
        norms = _norms(scorer.avgfl, scorer.B, scorer.K1)
        k1_plus_1, idf = scorer.K1 + 1, scorer.idf
        found = {}
        wanted = sorted(within) if few else None
        for docnums, weights in form_blocks(self.reader, node.fieldname, node.text, wanted=wanted):
            for docnum, tf in zip(docnums, expanded_weights(docnums, weights)):
                if within is None or docnum in within:
                    found[docnum] = idf * ((tf * k1_plus_1) / (tf + norms[lengths[docnum]]))
        return _boosted(found, node.boost)

    def _phrase(self, node: query.Phrase, within) -> dict[int, float]:
        """The documents with the phrase's words in order, each at most ``slop`` positions
        after the one before (1: next to it), scored as Whoosh's phrase matcher scores them:
        the words' BM25 scores added up as its tree of intersections adds them, times the
        phrase's boost. That matcher stepped a posting at a time through every document
        holding all the words, to reach the few an intersection left: two fifths of a
        three-word search (its proximity phrases). Here the rarest word's postings are read
        first, and of each other word only the blocks its documents may be in."""
        field = self.leaf.schema[node.fieldname] if node.fieldname in self.leaf.schema else None
        if not node.words or field is None or not field.format or not field.format.supports("positions"):
            return self._matched(node, within)
        texts = [self._held(field, node.fieldname, word) for word in node.words]
        if None in texts:
            return {}
        scorers = [self.weighting.scorer(self.leaf, node.fieldname, text) for text in texts]
        if any(type(scorer) is not scoring.BM25FScorer for scorer in scorers):
            return self._matched(node, within)
        postings: dict[str, dict[int, tuple]] = {}
        documents = None if within is None else sorted(within)
        for word in sorted(set(node.words), key=lambda word: self.reader.doc_frequency(node.fieldname, word)):
            held = set(documents) if documents is not None else None
            found = {}
            for docnums, weights, values in form_blocks(self.reader, node.fieldname, word, True, documents):
                for posting in zip(docnums, weights, values):
                    if held is None or posting[0] in held:
                        found[posting[0]] = posting
            postings[word] = found
            documents = sorted(found)
            if not documents:
                return {}
        positions = field.format.decoder("positions")
        lengths = self._lengths(node.fieldname)
        norms = _norms(scorers[0].avgfl, scorers[0].B, scorers[0].K1)
        k1_plus_1 = scorers[0].K1 + 1
        found = {}
        for docnum in documents:
            if _in_order_near([positions(postings[word][docnum][2]) for word in node.words], node.slop):
                norm = norms[lengths[docnum]]
                found[docnum] = _tree_sum([
                    scorer.idf * ((tf * k1_plus_1) / (tf + norm))
                    for scorer, tf in zip(scorers, (postings[word][docnum][1] for word in node.words))
                ])
        return _boosted(found, node.boost)

    def _held(self, field, fieldname: str, text: str) -> bytes | None:
        """``text`` as ``field``'s term, if this segment holds it; else None (Whoosh's
        term and phrase matchers then match nothing)."""
        try:
            term = field.to_bytes(text)
        except ValueError:
            return None
        return term if (fieldname, term) in self.reader else None

    def _matched(self, node: query.Query, within) -> dict[int, float]:
        """Through the node's own Whoosh matcher: path globs, phrases in a field without
        positions, anything else."""
        matcher = node.matcher(self.leaf, None)
        found = {}
        if within is None:
            while matcher.is_active():
                found[matcher.id()] = matcher.score()
                matcher.next()
            return found
        for docnum in sorted(within):
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                try:
                    matcher.skip_to(docnum)
                except matching.ReadTooFar:
                    break
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                found[docnum] = matcher.score()
        return found

    def _lengths(self, fieldname: str) -> bytes:
        return _LENGTHS(self.reader, fieldname)


def _boosted(found: dict[int, float], boost: float) -> dict[int, float]:
    if boost != 1.0:
        for docnum in found:
            found[docnum] *= boost
    return found


def _in_order_near(positions: list[list[int]], slop: int) -> bool:
    """Whether a chain of positions runs through the lists, one from each in turn, each 1
    to ``slop`` after the one before: how Whoosh's SpanNear2 (ordered, mindist 1)
    matches a phrase's words.

    >>> _in_order_near([[3, 9], [5, 10]], 1), _in_order_near([[3, 9], [6, 12]], 2)
    (True, False)
    >>> _in_order_near([[1], [1]], 3), _in_order_near([[1, 2], [2, 3], [3, 4]], 1)
    (False, True)
    """
    ends = positions[0]
    for following in positions[1:]:
        ends = [
            position for position in following
            if (place := bisect.bisect_left(ends, position - slop)) < len(ends) and ends[place] < position
        ]
        if not ends:
            return False
    return bool(ends)


def _tree_sum(parts: list[float]) -> float:
    """The sum of ``parts`` in the order Whoosh's binary tree of matchers adds them
    (``whoosh.util.make_binary_tree``): a + (b + c), not (a + b) + c.

    >>> _tree_sum([0.1, 0.2, 0.3]) == 0.1 + (0.2 + 0.3) != (0.1 + 0.2) + 0.3
    True
    """
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


@functools.lru_cache(maxsize=64)
def _norms(avgfl: float, B: float, K1: float) -> list[float]:
    """BM25's length normalization for each length byte, computed as ``scoring.bm25``
    does, so that scores come out the same to the last bit."""
    return [K1 * ((1 - B) + B * byte_to_length(byte) / avgfl) for byte in range(256)]


def _length_bytes(reader, fieldname: str) -> bytes:
    """The length byte of every document's ``fieldname`` in one segment."""
    return length_bytes(getattr(reader, "_perdoc", reader), fieldname, reader.doc_count_all())


# Field lengths of each open segment, one byte per document (Whoosh's own encoding), read once.
_LENGTHS = PerReaderField(_length_bytes)
