"""Rerank the best hits by the character n-grams they share with the query.

The words of a query find documents (Whoosh, BM25F over stems and exact forms); the
first RERANK_DEPTH of them are scored again with BM25 over character 4-grams
(``analyzers.grams``) and the two scores are added. Grams reward a document for the
query's words spelled or inflected in ways light stemming does not join (اوكسيجين /
اكسجين, شوكولاته / شيكولاتة, تأسس / أسس): MRR@10 on wiki_qa 0.752 -> 0.775
(docs/relevance.md).

Nothing about grams is indexed. An indexed grams field cost 4.7x the indexing time
(bench/index.py: 84 s against 18 s on tashkeela_classical: each document has some 600
distinct grams to post), and scoring every document by it through Whoosh's matchers
took over 100 ms a query. Here the grams are counted in the stored text (shown title
and body) of the hits being reranked, and their document frequencies are taken over
those hits: MRR@10 0.776 against 0.779 with the indexed field, for no indexing cost.
"""

import math
from collections import Counter, OrderedDict, defaultdict

from analyzers.grams import surface_grams
from analyzers.whoosh_analysis import word_tokenizer

# How many of the best hits are reranked, at most: on wiki_qa, 100 gave MRR@10 0.776
# and Recall@10 0.917, 50 gave 0.775 / 0.914, 20 gave 0.770 / 0.910.
RERANK_DEPTH = 50
# And no further than this many characters of their text: reading and splitting a hit
# costs about 0.15 ms per thousand characters, so this bounds what reranking adds to a
# search of long documents (bench/query.py). 50 wiki_qa passages are ~40,000 characters.
RERANK_CHARS = 60_000
# BM25 over grams.
BM25_B, BM25_K1 = 0.75, 1.2
# Documents whose words are remembered between queries (an interactive session, an
# evaluation): a long document's distinct words take some tens of kB.
CACHE_SIZE = 1_000

_WORD = word_tokenizer().expression


class GramScorer:
    """Scores documents of one open searcher by their grams; remembers their words."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._words = OrderedDict()  # docnum -> _document(docnum), least recently used first

    def scores(self, grams: tuple[tuple[str, float], ...], docnums: list[int]) -> list[float]:
        """The grams scores of the first of ``docnums`` for the query's (gram, weight)
        pairs: as many as RERANK_CHARS of text allow, and at least two."""
        if not grams or not docnums:
            return []
        weights = dict(grams)
        documents, characters = [], 0
        for docnum in docnums:
            if len(documents) >= 2 and characters >= RERANK_CHARS:
                break
            document = self._document(docnum)
            documents.append(document)
            characters += document[2]
        found = []  # per document: {gram: frequency} for the query's grams
        frequency = Counter()  # documents, among these, that have each gram
        for words, _, _ in documents:
            counts = defaultdict(int)
            for surface, occurrences in words.items():
                for gram in surface_grams(surface):
                    if gram in weights:
                        counts[gram] += occurrences
            found.append(counts)
            frequency.update(counts.keys())
        total = len(documents)
        idf = {
            gram: math.log(1 + (total - n + 0.5) / (n + 0.5)) for gram, n in frequency.items()
        }
        average = sum(length for _, length, _ in documents) / total or 1.0
        scores = []
        for counts, (_, length, _) in zip(found, documents):
            norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average)
            scores.append(
                sum(
                    weights[gram] * idf[gram] * f * (BM25_K1 + 1) / (f + norm)
                    for gram, f in counts.items()
                )
            )
        return scores

    def _document(self, docnum: int) -> tuple[Counter, int, int]:
        """(distinct words as written with their counts, number of grams, number of
        characters) of a document."""
        cached = self._words.get(docnum)
        if cached is not None:
            self._words.move_to_end(docnum)
        else:
            if len(self._words) >= CACHE_SIZE:
                self._words.popitem(last=False)
            fields = self.searcher.stored_fields(docnum)
            text = f"{fields.get('title', '')}\n{fields.get('body', '')}"
            words = Counter(_WORD.findall(text))
            length = sum(n * len(surface_grams(word)) for word, n in words.items())
            cached = self._words[docnum] = (words, length, len(text))
        return cached
