"""Rerank the best hits by the character n-grams they share with the query.

The words of a query find documents (Whoosh, BM25F over stems and exact forms); the
first RERANK_DEPTH of them are scored again with BM25 over character 4-grams
(``analyzers.grams``) and the two scores are added. Grams reward a document for the
query's words spelled or inflected in ways light stemming does not join (أوكسجين /
أكسجين, شوكولاته / شيكولاتة, تأسس / أسس): MRR@10 on wiki_qa 0.752 -> 0.790, Recall@10
0.905 -> 0.923 (docs/relevance.md).

The grams are not indexed as terms: a grams field made indexing 4.7x slower
(bench/index.py: 84 s against 18 s on tashkeela_classical; each document has some 600
distinct grams to post), and scoring every document by it through Whoosh's matchers
took over 100 ms a query. Instead each record keeps its normalized words in a column
(``analyzers.grams.gram_text``; indexing takes 1.76x plain Whoosh's time, was 1.62x),
where a gram's frequency is one ``str.count``; document frequencies are taken over the
hits being reranked (MRR@10 0.776 against 0.779 index-wide, in an experiment reranking
100 with weight 1). Counting grams in the stored text instead, without the column,
cost 0.4 ms a hit on tashkeela_classical: a median single-word search took 22 ms.
"""

import heapq
import math

from analyzers.grams import read_gram_count, word_grams

# How many of the best hits are reranked: on wiki_qa (grams weighing 3), 100 gave
# MRR@10 0.790 and Recall@10 0.923, 50 gave 0.788 / 0.919.
RERANK_DEPTH = 100
# BM25 over grams.
BM25_B, BM25_K1 = 0.75, 1.2
COLUMN = "grams"


class GramScorer:
    """Scores documents of one open searcher by their grams."""

    def __init__(self, searcher):
        self.searcher = searcher
        reader = searcher.reader()
        # An index built before the column existed (analyzer version 3) is not reranked;
        # Whoosh raises KeyError when asked about a field its schema lacks.
        present = COLUMN in reader.schema and reader.has_column(COLUMN)
        self._column = reader.column_reader(COLUMN) if present else None

    def scores(self, grams: tuple[tuple[str, float], ...], docnums: list[int]) -> list[float]:
        """The grams score of each of ``docnums`` for the query's (gram, weight) pairs."""
        if not grams or not docnums or self._column is None:
            return [0.0] * len(docnums)
        counted = _Counted(self._column, grams, docnums)
        return [counted.score(position) for position in range(len(docnums))]

    def best(self, grams: tuple[tuple[str, float], ...], hits: list, count: int, words_held=None) -> list:
        """The ``count`` best of ``hits`` (each with a ``docnum`` and a ``score``) once
        each has its grams score added to its score, best first, ties by document number.

        The scores are exactly those of ``scores``, but a hit is counted only while its
        grams could still lift it into the ``count`` best: the grams score of a document
        is below (K1 + 1) times the sum of the idfs of the query's grams it holds (each
        gram's share of BM25 grows toward that with its frequency), and whether it holds a
        gram is found at its first occurrence. On bench/query.py's single words (page 1 of
        100 reranked hits), 18% of the hits are counted, and reranking takes 0.87 ms a
        query against 1.16.

        ``words_held``, if given, has for each hit words (index terms) its gram text is
        known to hold, whose grams it holds without looking (``_Counted``)."""
        if not grams or self._column is None:
            return sorted(hits, key=lambda hit: (-hit.score, hit.docnum))[:count]
        counted = _Counted(self._column, grams, [hit.docnum for hit in hits], words_held)
        if count >= len(hits) or any(weight < 0 for _, weight in grams):
            for position, hit in enumerate(hits):
                hit.score += counted.score(position)
            return sorted(hits, key=lambda hit: (-hit.score, hit.docnum))[:count]
        bounds = sorted(
            ((hit.score + counted.bound(position), position) for position, hit in enumerate(hits)), reverse=True
        )
        best = []  # a heap of (score, -docnum, hit): the `count` best scored so far, the worst first
        for bound, position in bounds:
            if len(best) == count and bound < best[0][0]:
                break  # no hit left can reach the count best, nor tie with the last of them
            hit = hits[position]
            hit.score += counted.score(position)
            heapq.heappush(best, (hit.score, -hit.docnum, hit))
            if len(best) > count:
                heapq.heappop(best)
        return [hit for _, _, hit in sorted(best, reverse=True)]


class _Counted:
    """The query's grams in some documents' columns: which each document holds (and
    where to count each from), and their BM25 idfs among these documents."""

    def __init__(self, column, grams: tuple[tuple[str, float], ...], docnums: list[int], words_held=None):
        # Counted in the column's UTF-8 bytes, after the count of grams: a gram occurs in
        # the bytes as often as in the text (no UTF-8 character starts inside another),
        # and decoding each record and copying its words cost a fifth of the rerank.
        encoded = [(gram, gram.encode("utf-8")) for gram, _ in grams]
        # A document's grams of words it is known to hold (``words_held``: its gram text
        # holds each whole, edges marked) are not looked for: they are counted from the
        # start of its words. On bench/query.py's single words, three in four of the
        # query's grams in the reranked hits: their search cost a third of the rerank.
        known_for: dict[tuple, frozenset] = {}
        self.values, self.lengths, self.firsts = [], [], []
        for position, docnum in enumerate(docnums):
            value = column[docnum]
            words = value.find(b" ") + 1
            self.values.append(value)
            self.lengths.append(read_gram_count(value[: max(words - 1, 0)]))
            typed = words_held[position] if words_held else ()
            known = known_for.get(typed)
            if known is None:
                known = known_for[typed] = frozenset(gram for word in typed for gram in word_grams(word))
            # {gram: (its bytes, where to count it from)} of the query's grams it holds
            self.firsts.append({
                gram: (raw, words if gram in known else at)
                for gram, raw in encoded
                if gram in known or (at := value.find(raw, words)) >= 0
            })
        total = len(docnums)
        self.idf = {}
        for gram, weight in grams:
            n = sum(gram in held for held in self.firsts)  # documents, among these, with it
            self.idf[gram] = weight * math.log(1 + (total - n + 0.5) / (n + 0.5))
        self.average = sum(self.lengths) / total or 1.0

    def score(self, position: int) -> float:
        """The grams score of the document at ``position``."""
        norm = BM25_K1 * (1 - BM25_B + BM25_B * self.lengths[position] / self.average)
        value, idf = self.values[position], self.idf
        frequencies = ((gram, value.count(raw, at)) for gram, (raw, at) in self.firsts[position].items())
        return sum(idf[gram] * f * (BM25_K1 + 1) / (f + norm) for gram, f in frequencies)

    def bound(self, position: int) -> float:
        """More than ``score(position)``, without counting."""
        return (BM25_K1 + 1) * sum(self.idf[gram] for gram in self.firsts[position]) * (1 + 1e-9)
