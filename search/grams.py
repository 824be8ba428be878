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

import math

from analyzers.grams import read_gram_count

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
        # Counted in the column's UTF-8 bytes, after the count of grams: a gram occurs in
        # the bytes as often as in the text (no UTF-8 character starts inside another),
        # and decoding each record and copying its words cost a fifth of the rerank.
        encoded = [(gram, gram.encode("utf-8")) for gram, _ in grams]
        lengths, found = [], []  # per document: its grams, {gram: frequency} of the query's it has
        for docnum in docnums:
            value = self._column[docnum]
            words = value.find(b" ") + 1
            lengths.append(read_gram_count(value[: max(words - 1, 0)]))
            found.append({gram: n for gram, raw in encoded if (n := value.count(raw, words))})
        total = len(docnums)
        idf = {}
        for gram, weight in grams:
            n = sum(gram in counts for counts in found)  # documents, among these, with it
            idf[gram] = weight * math.log(1 + (total - n + 0.5) / (n + 0.5))
        average = sum(lengths) / total or 1.0
        scores = []
        for counts, length in zip(found, lengths):
            norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average)
            scores.append(
                sum(idf[gram] * f * (BM25_K1 + 1) / (f + norm) for gram, f in counts.items())
            )
        return scores
