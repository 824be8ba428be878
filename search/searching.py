"""Run queries against an index: ranked hits with highlighted snippets, fallbacks, suggestions.

``IndexSearcher`` keeps one index open for many queries (a batch from stdin, an
interactive session) and sees new commits as they land.
"""

import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh import query as whoosh_query
from whoosh import scoring

from analyzers.stem import light_stem
from analyzers.whoosh_analysis import EXACT_MARK
from search import grams, store
from search.errors import SearchError
from search.query import TEXT_FIELDS, ParsedQuery, parse_query, positive_leaves
from search.snippets import Matcher, Snippet, snippets

# BM25F over title and body; the title weight lives in search.query.TITLE_BOOST.
BM25_B, BM25_K1 = 0.75, 1.2
# Matches are counted exactly when Whoosh estimates at most this many; above it, the
# estimate is shown ("about N hits"): counting walks every match, the page does not.
# At 1,000 the count took a third of a search's median time (bench/query.py: p50
# 7.2 ms against 5.0 ms at 100).
EXACT_COUNT_LIMIT = 100
# Fewer hits than this and the searcher looks for a better spelling of unknown words.
FEW_HITS = 3
# How far a suggested spelling may be from a typed word, by the word's length.
SUGGESTION_DISTANCE = ((4, 1), (1_000, 2))  # up to 4 letters: 1 edit; longer: 2


class StemBM25F(scoring.BM25F):
    """BM25F with Lucene's idf, stem-level document frequencies, over records only.

    Whoosh's idf, log(N / (n + 1)) + 1, flattens the gap between rare and common words
    (on 1,741 passages, 3.5x from n = 1 to n = 500, where Lucene's
    log(1 + (N - n + 0.5) / (n + 0.5)) gives 5.6x). A stem is indexed under two terms
    (bare from inflected words, marked from words that are their own stem), so n for
    either is their sum: scored apart, each looked rarer than the stem is, which cost
    1.3 points of MRR@10 on wiki_qa. A root (the roots field) is one term and counts as
    itself. N and the average field length count only records: the index also holds one
    bookkeeping document per source file.
    """

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        records = _record_count(parent)
        terms = _stem_terms(_as_text(text)) if fieldname in TEXT_FIELDS else (text,)
        n = sum(parent.doc_frequency(fieldname, term) for term in terms)
        return math.log(1 + (records - n + 0.5) / (n + 0.5))

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            parent = searcher.get_parent()
            scorer.avgfl = parent.field_length(fieldname) / (_record_count(parent) or 1) or 1
        return scorer


def _stem_terms(term: str) -> tuple[str, ...]:
    """The terms whose documents together make up ``term``'s stem, when ``term`` stands
    for a stem: a bare stem is also indexed marked (from words that are their own stem),
    and a marked word that is its own stem also bare (from words that inflect it).

    >>> _stem_terms("مدرس"), _stem_terms("=مدرس"), _stem_terms("=المدرسه")
    (('مدرس', '=مدرس'), ('مدرس', '=مدرس'), ('=المدرسه',))
    """
    bare = term.removeprefix(EXACT_MARK)
    if term != bare and light_stem(bare) != bare:
        return (term,)  # an inflected exact form stands for itself
    return (bare, EXACT_MARK + bare)


def _record_count(searcher) -> int:
    return searcher.doc_count_all() - searcher.doc_frequency("kind", store.KIND_FILE)


@dataclass
class Hit:
    """One ranked document, with its title and snippets highlighted."""

    rank: int
    id: str
    path: str
    title: str
    score: float
    location: str
    title_highlights: tuple[tuple[int, int], ...]
    snippets: list[Snippet]
    body: str  # the whole stored text, to read the document in full

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "score": round(self.score, 4),
            "snippets": [snippet.to_dict() for snippet in self.snippets],
        }


@dataclass
class _Found:
    hits: list
    total: int
    total_is_estimate: bool


@dataclass
class Results:
    """A page of hits, and what the user should know about how they were found."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    pages: int
    seconds: float
    total_is_estimate: bool = False  # too many matches to count cheaply; an upper bound
    matched_any: bool = False  # no document had every word, so any word was enough
    suggestion: str | None = None
    matcher: Matcher | None = None  # to highlight a whole document of these results


def _reading_index(method):
    """A method of IndexSearcher that reports a damaged index as a SearchError."""

    @functools.wraps(method)
    def reading(self, *args, **kwargs):
        with store.reading(self.index_dir):
            return method(self, *args, **kwargs)

    return reading


class IndexSearcher:
    """An open index to search; use as a context manager."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self.index = store.open_index(index_dir)
        self.build = store.build_id(index_dir)
        self.warnings = []
        mismatch = store.version_mismatch(index_dir)
        if mismatch:
            self.warnings.append(f"results may be incomplete: {mismatch}")
        self.searcher = self._open_searcher(self.index)
        self._grams = None  # a GramScorer of self.searcher, made when first needed

    def _open_searcher(self, index):
        """A searcher on ``index``; opening reads every segment's tables, so a damaged
        index fails here, with a SearchError."""
        try:
            return index.searcher(weighting=StemBM25F(B=BM25_B, K1=BM25_K1))
        except store.CORRUPTION_ERRORS as error:
            raise store.unreadable(self.index_dir, error) from error

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        self.searcher.close()

    @_reading_index
    def document_count(self) -> int:
        self._refresh()
        return self.searcher.doc_count() - len(list(self.searcher.document_numbers(kind="file")))

    def last_modified(self) -> float:
        return self.index.last_modified()

    def parse(self, text: str, match_any: bool = False, plain: bool = False) -> ParsedQuery:
        return parse_query(text, self.index.schema, match_any=match_any, plain=plain)

    @_reading_index
    def search(
        self,
        text: str,
        limit: int = 10,
        page: int = 1,
        match_any: bool = False,
        plain: bool = False,
    ) -> Results:
        """Search; if no document has every word, search for any word and say so."""
        started = time.perf_counter()
        parsed, found, matched_any = self._find(text, page, limit, match_any, plain)
        matcher = self.matcher(parsed.query)
        hits = [self._hit(hit, matcher) for hit in found.hits]
        suggestion = self.suggest(parsed) if found.total < FEW_HITS else None
        return Results(
            query=text,
            hits=hits,
            total=found.total,
            total_is_estimate=found.total_is_estimate,
            page=page,
            pages=max(math.ceil(found.total / limit), 1),
            seconds=time.perf_counter() - started,
            matched_any=matched_any,
            suggestion=suggestion,
            matcher=matcher,
        )

    @_reading_index
    def ranked_ids(
        self, text: str, limit: int, match_any: bool = False, plain: bool = False
    ) -> list[tuple[str, float]]:
        """(id, score) of the top ``limit`` documents, without snippets: for evaluation."""
        _, found, _ = self._find(text, 1, limit, match_any, plain)
        return [(hit["id"], hit.score) for hit in found.hits]

    def _find(self, text, page, limit, match_any, plain) -> tuple[ParsedQuery, "_Found", bool]:
        """(query run, its page of hits, whether any word had to do for every word)."""
        self._refresh()
        parsed = self.parse(text, match_any=match_any, plain=plain)
        found = self._run(parsed, page, limit)
        if not found.total and not match_any:
            widened = self.parse(text, match_any=True, plain=plain)
            if widened.query != parsed.query:
                any_found = self._run(widened, page, limit)
                if any_found.total:
                    return widened, any_found, True
        return parsed, found, False

    def _run(self, parsed: ParsedQuery, page: int, limit: int) -> "_Found":
        """The hits of one page, and how many documents match in all (estimated when
        counting them exactly would cost more than finding the page)."""
        depth = max(page * limit, grams.RERANK_DEPTH if parsed.grams else 0)
        results = self.searcher.search(parsed.query, limit=depth)
        best = results[:depth]  # list() would count every match
        if parsed.grams:
            # Grams only add to scores, so the reranked head stays above the rest.
            best[: grams.RERANK_DEPTH] = self._rerank(parsed, best[: grams.RERANK_DEPTH])
        hits = best[(page - 1) * limit : page * limit]
        estimate = results.estimated_length()  # the exact count where Whoosh already has it
        # Nothing scored means nothing matched, whatever the estimate says: the estimate
        # of "all words" is that of its rarest word, and a question whose words are never
        # all in one document was reported as "about 159 hits" with none shown, and no
        # fallback to any word.
        if results.has_exact_length() or estimate <= EXACT_COUNT_LIMIT or not best:
            return _Found(hits, len(results), False)
        return _Found(hits, max(estimate, results.scored_length()), True)

    def _rerank(self, parsed: ParsedQuery, hits: list) -> list:
        """The hits with their grams scores added, in their new order (search.grams)."""
        if len(hits) < 2:
            return hits
        if self._grams is None or self._grams.searcher is not self.searcher:
            self._grams = grams.GramScorer(self.searcher)
        extra = self._grams.scores(parsed.grams, [hit.docnum for hit in hits])
        for hit, score in zip(hits, extra):
            hit.score += score
        hits = sorted(hits, key=lambda hit: (-hit.score, hit.docnum))
        for rank, hit in enumerate(hits):
            hit.rank = rank
        return hits

    def matcher(self, query: whoosh_query.Query) -> Matcher:
        """What to highlight for ``query``: its positive terms (prefixes and fuzzy words
        expanded to the index's terms) and its phrases."""
        terms, phrases = set(), []
        reader = self.searcher.reader()
        for leaf in positive_leaves(query):
            if leaf.field() not in ("title", "body"):
                continue
            if isinstance(leaf, whoosh_query.Phrase):
                phrases.append(tuple(leaf.words))
            else:
                terms.update(text for _, text in leaf.expanded_terms(reader))
        return Matcher(frozenset(_as_text(term) for term in terms), tuple(dict.fromkeys(phrases)))

    def suggest(self, parsed: ParsedQuery) -> str | None:
        """A respelling of the query's unknown words as the index's most common near words."""
        reader = self.searcher.reader()
        replaced, changed = [], False
        for word in parsed.words:
            exact = EXACT_MARK + word
            if reader.doc_frequency("body", exact) or reader.doc_frequency("title", exact):
                replaced.append(word)
                continue
            distance = next(edits for length, edits in SUGGESTION_DISTANCE if len(word) <= length)
            candidates = [
                _as_text(term)
                for term in reader.terms_within("body", exact, distance, prefix=len(EXACT_MARK))
            ]
            candidates = [term for term in candidates if term.startswith(EXACT_MARK)]
            if candidates:
                best = max(candidates, key=lambda term: reader.doc_frequency("body", term))
                replaced.append(best[len(EXACT_MARK) :])
                changed = True
            else:
                replaced.append(word)
        return " ".join(replaced) if changed else None

    def _refresh(self) -> None:
        """See the latest commit. Whoosh's own refresh() reuses the old reader's segments
        and fails when the old index was empty, so a changed index gets a new searcher.

        ``--rebuild`` swaps in a new folder whose generations may equal the old ones,
        so Whoosh sees no change: a new build id in the meta file says to reopen the
        index itself. While the folder is being swapped (no index there for an
        instant), the open searcher keeps answering.
        """
        build = store.build_id(self.index_dir)
        if build is not None and build != self.build:
            try:
                index = store.open_index(self.index_dir)
            except SearchError:
                return  # caught mid-swap, or damaged: the open searcher still answers
            searcher = self._open_searcher(index)
            self.searcher.close()
            self.index, self.searcher, self.build = index, searcher, build
            return
        try:
            current = self.searcher.up_to_date()
        except OSError:
            return
        if not current:
            searcher = self._open_searcher(self.index)
            self.searcher.close()
            self.searcher = searcher

    def _hit(self, hit, matcher: Matcher) -> Hit:
        fields = hit.fields()
        title, body = fields.get("title", ""), fields.get("body", "")
        return Hit(
            rank=hit.rank + 1,
            id=fields["id"],
            path=fields.get("path", ""),
            title=title,
            score=hit.score,
            location=fields.get("location", ""),
            title_highlights=tuple(matcher.spans(title)),
            snippets=snippets(body, matcher.spans(body)),
            body=body,
        )


def _as_text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
