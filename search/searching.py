"""Run queries against an index: ranked hits with highlighted snippets, fallbacks, suggestions.

``IndexSearcher`` keeps one index open for many queries (a batch from stdin, an
interactive session) and sees new commits as they land.
"""

import functools
import math
import os
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from whoosh import query as whoosh_query
from whoosh import scoring

from analyzers.spelling import shared_prefix, spelling_distance
from search import grams, ranking, store
from search.errors import SearchError
from search.filestate import FileState
from search.lexicon import IndexLexicon, load_lexicon
from search.query import TEXT_FIELDS, FamilyTerm, ParsedQuery, parse_query, positive_leaves
from search.snippets import Matcher, Snippet, snippets

# BM25F over title and body; the title weight lives in search.query.TITLE_BOOST.
BM25_B, BM25_K1 = 0.75, 1.2
# Fewer hits than this and the searcher looks for a better spelling of unknown words.
FEW_HITS = 3
# How far a suggested spelling may be from a typed word, by the word's length: up to 4
# letters, 1 edit; longer, 2 edits looked for, of which a suggestion may cost at most 1
# (up to 7 letters) or 1.5 (longer) by analyzers.spelling, where confusable letters cost
# half: two real edits turned كمبيوتر into كبيوت and الانترنت into الاترنج.
SUGGESTION_DISTANCE = ((4, 1), (30, 2))
SUGGESTION_COST = ((7, 1.0), (30, 1.5))
# Suggestions are looked for within this time, for words of at most 30 letters (the last
# length above): "did you mean" cost 0.7-3.4 s a word, 35 s for 256 letters, unbounded.
SUGGESTION_SECONDS = 0.25
# Files whose stored text is the file's text, line for line (search.documents.TEXT_SUFFIXES,
# not imported: its HTML and encoding libraries would slow every search), and how a
# JSON Lines record's location names its line.
LINE_SUFFIXES = (".txt", ".md", ".markdown")
LINE_LOCATION = "line "


class FamilyBM25F(scoring.BM25F):
    """BM25F with Lucene's idf, family-level document frequencies, over records only.

    Whoosh's idf, log(N / (n + 1)) + 1, flattens the gap between rare and common words
    (on 1,741 passages, 3.5x from n = 1 to n = 500, where Lucene's
    log(1 + (N - n + 0.5) / (n + 0.5)) gives 5.6x). The terms of one query word's family
    (``analyzers.morphology``) are scored with the family's n, the number of records
    holding any of them, each record counted once: scored apart, a rare form would look
    rarer than the word is, and summed, n could exceed N and the idf turn negative, so
    that more occurrences ranked lower (issue 16). A root (the roots field) is one term
    and counts as itself. N and the average field length count only records: the index
    also holds one bookkeeping document per source file.
    """

    def idf(self, searcher, fieldname, text, n=None):
        """Lucene's idf of a term, or of a family of ``n`` documents."""
        parent = searcher.get_parent()
        records = _record_count(parent)
        if n is None:
            n = parent.doc_frequency(fieldname, text)
        n = min(n, records)
        return math.log(1 + (records - n + 0.5) / (n + 0.5))

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            scorer.avgfl = _average_length(searcher, fieldname)
        return scorer

    def family_scorer(self, searcher, fieldname, max_weight, held_by, exact_boost=0.0, max_exact=0.0,
                      exact_held_by=0):
        """The scorer of a word's family (``search.query.FamilyTerm``): one term held by
        ``held_by`` records (each counted once), plus ``exact_boost`` times the form typed
        as a term of its own, held by ``exact_held_by``."""
        return FamilyScorer(
            searcher, fieldname, _average_length(searcher, fieldname), self.B, self.K1,
            family=(self.idf(searcher, fieldname, None, held_by), max_weight),
            exact=(exact_boost * self.idf(searcher, fieldname, None, exact_held_by), max_exact),
        )


class FamilyScorer(scoring.WeightLengthScorer):
    """BM25 of a family's summed frequency in a document and of the form typed's, against
    the document's field length; ``family`` and ``exact`` are (idf, highest frequency)."""

    def __init__(self, searcher, fieldname, avgfl, B, K1, family, exact):
        self.avgfl, self.B, self.K1 = avgfl, B, K1
        (self.idf, max_weight), (self.exact_idf, max_exact) = family, exact
        self.dfl = lambda docnum: searcher.doc_field_length(docnum, fieldname, 1)
        self._maxquality = self._score(max_weight, 1) + self._exact(max_exact, 1)

    def score(self, matcher) -> float:
        length = self.dfl(matcher.id())
        return self._score(matcher.weight(), length) + self._exact(matcher.exact_weight(), length)

    def _score(self, weight, length):
        return scoring.bm25(self.idf, weight, length, self.avgfl, self.B, self.K1)

    def _exact(self, weight, length):
        return scoring.bm25(self.exact_idf, weight, length, self.avgfl, self.B, self.K1) if weight else 0.0

    def block_quality(self, matcher):
        return self._maxquality


def _average_length(searcher, fieldname: str) -> float:
    parent = searcher.get_parent()
    return parent.field_length(fieldname) / (_record_count(parent) or 1) or 1


def _record_count(searcher) -> int:
    return searcher.doc_count_all() - searcher.doc_frequency("kind", store.KIND_FILE)


@dataclass
class Hit:
    """One ranked document, with its title and snippets highlighted.

    The matches are found when first asked for (``title_highlights``, ``snippets``,
    ``line``): listing the files of 1,000 hits, or sorting them by date, needs none of
    them, and finding them is most of the cost of a hit."""

    rank: int
    id: str
    path: str  # as the reader can use it here: relative to the working folder if under it
    title: str
    score: float
    location: str  # where in the file, as the indexer put it: "line 12", "item 3", or ""
    body: str  # the whole stored text, to read the document in full
    matcher: Matcher  # what to highlight
    file: str = ""  # absolute
    date: str = ""
    url: str = ""
    source: str = ""

    @cached_property
    def title_highlights(self) -> tuple[tuple[int, int], ...]:
        return tuple(self.matcher.spans(self.title))

    @cached_property
    def body_highlights(self) -> list[tuple[int, int]]:
        return self.matcher.spans(self.body)

    @cached_property
    def snippets(self) -> list[Snippet]:
        return snippets(self.body, self.body_highlights)

    @cached_property
    def line(self) -> int | None:
        """1-based: a JSON Lines record's own line, a text file's first match (its first
        line when only its title or path matched); None where the stored text is not the
        file's (HTML, JSON)."""
        if self.location.startswith(LINE_LOCATION):
            number = self.location.removeprefix(LINE_LOCATION)
            return int(number) if number.isdigit() else None
        if not self.file.lower().endswith(LINE_SUFFIXES):
            return None
        spans = self.body_highlights
        return self.body.count("\n", 0, spans[0][0]) + 1 if spans else 1

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "id": self.id,
            "path": self.path,
            "file": self.file,
            "line": self.line,
            "location": self.location or None,
            "title": self.title,
            "date": self.date or None,
            "url": self.url or None,
            "source": self.source or None,
            "score": round(self.score, 4),
            "snippets": [snippet.to_dict() for snippet in self.snippets],
        }


@dataclass
class _Found:
    hits: list
    total: int  # exact


@dataclass
class Results:
    """A page of hits, and what the user should know about how they were found."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    pages: int
    seconds: float
    matched_any: bool = False  # no document had every word, so any word was enough
    suggestion: str | None = None
    matcher: Matcher | None = None  # to highlight a whole document of these results
    notes: tuple[str, ...] = ()  # bounds that cut an expansion of the query


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
        self._analyzed_as_now = mismatch is None  # its terms and gram texts are this version's
        self.searcher = self._open_searcher(self.index)
        self._grams = None  # a GramScorer of self.searcher, made when first needed
        self._lexicon = None  # an IndexLexicon of self.searcher, likewise
        self._locations_of = None  # (searcher, {file: {record id: location}})

    def _open_searcher(self, index):
        """A searcher on ``index``; opening reads every segment's tables, so a damaged
        index fails here, with a SearchError."""
        try:
            return index.searcher(weighting=FamilyBM25F(B=BM25_B, K1=BM25_K1))
        except store.CORRUPTION_ERRORS as error:
            raise store.unreadable(self.index_dir, error) from error

    def lexicon(self) -> IndexLexicon:
        """The words the index holds (which decide word families)."""
        if self._lexicon is None or self._lexicon.reader is not self.searcher.reader():
            self._lexicon = IndexLexicon(self.searcher.reader(), words=load_lexicon(self.index_dir))
        return self._lexicon

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

    def parse(
        self, text: str, match_any: bool = False, plain: bool = False, expanded: dict | None = None
    ) -> ParsedQuery:
        return parse_query(
            text, self.index.schema, match_any=match_any, plain=plain, lexicon=self.lexicon(),
            expanded=expanded,
        )

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
        suggestion = self.suggest(parsed) if found.total < FEW_HITS and parsed.unknown else None
        return Results(
            query=text,
            hits=hits,
            total=found.total,
            page=page,
            pages=max(math.ceil(found.total / limit), 1),
            seconds=time.perf_counter() - started,
            matched_any=matched_any,
            suggestion=suggestion,
            matcher=matcher,
            notes=parsed.notes,
        )

    @_reading_index
    def ranked_ids(
        self, text: str, limit: int, match_any: bool = False, plain: bool = False
    ) -> list[tuple[str, float]]:
        """(id, score) of the top ``limit`` documents, without snippets: for evaluation."""
        _, found, _ = self._find(text, 1, limit, match_any, plain)
        return [(self.searcher.stored_fields(hit.docnum)["id"], hit.score) for hit in found.hits]

    def _find(self, text, page, limit, match_any, plain) -> tuple[ParsedQuery, "_Found", bool]:
        """(query run, its page of hits, whether any word had to do for every word)."""
        self._refresh()
        expanded = {}  # the fallback's parse reuses the expansions, and their time
        parsed = self.parse(text, match_any=match_any, plain=plain, expanded=expanded)
        found = self._run(parsed, page, limit)
        if not found.total and not match_any:
            widened = self.parse(text, match_any=True, plain=plain, expanded=expanded)
            if widened.query != parsed.query:
                any_found = self._run(widened, page, limit)
                if any_found.total:
                    return widened, any_found, True
        return parsed, found, False

    def _run(self, parsed: ParsedQuery, page: int, limit: int) -> "_Found":
        """The hits of one page, and exactly how many documents match in all
        (``search.ranking``: Whoosh's estimates were off by two orders of magnitude, and
        its collector's count falls short once its page is full)."""
        depth = max(page * limit, grams.RERANK_DEPTH if parsed.grams else 0)
        best, total = ranking.rank(self.searcher, parsed.query, depth)
        if parsed.grams:
            # Grams only add to scores, so the reranked head stays above the rest. Only
            # the head's best up to this page are reranked exactly (all of it when the
            # page reaches past it), and only they are read below.
            best[: grams.RERANK_DEPTH] = self._rerank(parsed, best[: grams.RERANK_DEPTH], page * limit)
        return _Found(best[(page - 1) * limit : page * limit], total)

    def _rerank(self, parsed: ParsedQuery, hits: list[ranking.Ranked], count: int) -> list[ranking.Ranked]:
        """The ``count`` best hits with their grams scores added, in their new order
        (search.grams)."""
        if len(hits) < 2:
            return hits
        if self._grams is None or self._grams.searcher is not self.searcher:
            self._grams = grams.GramScorer(self.searcher)
        # Words held as typed tell grams held only where the gram texts were written as now.
        held = self._typed_words_held(parsed, hits) if self._analyzed_as_now else None
        hits = self._grams.best(parsed.grams, hits, count, held)
        for position, hit in enumerate(hits):
            hit.rank = position
        return hits

    def _typed_words_held(self, parsed: ParsedQuery, hits: list[ranking.Ranked]) -> list[tuple[str, ...]]:
        """For each hit, the query's words its body holds as typed (normalized), which its
        families' postings tell (``FamilyTerm``'s form typed): the record's gram text
        (``analyzers.grams.gram_text`` of its title and body) holds each of them whole."""
        held = [()] * len(hits)
        families = [leaf for leaf in parsed.query.leaves() if type(leaf) is FamilyTerm and leaf.fieldname == "body"]
        for leaf, offset in self.searcher.leaf_searchers() if families else ():
            end = offset + leaf.doc_count_all()
            for family in families:
                _, exact = family.postings(self.searcher).get(id(leaf.reader()), ({}, {}))
                for position, hit in enumerate(hits):
                    if offset <= hit.docnum < end and exact.get(hit.docnum - offset):
                        held[position] += (family.text,)
        return held

    def matcher(self, query: whoosh_query.Query) -> Matcher:
        """What to highlight for ``query``: its positive terms (prefixes and fuzzy words
        expanded to the index's terms) and its phrases. The words of a phrase that allows
        words between them (the proximity bonus, search.query._proximity) are highlighted
        as words: a phrase is highlighted where its words stand together, and looking for
        phrases analyses every word of the text, not just those a pattern finds."""
        terms, phrases = set(), []
        reader = self.searcher.reader()
        for leaf in positive_leaves(query):
            if leaf.field() not in ("title", "body"):
                continue
            if isinstance(leaf, whoosh_query.Phrase) and leaf.slop > 1:
                terms.update(leaf.words)
            elif isinstance(leaf, whoosh_query.Phrase):
                phrases.append(tuple(leaf.words))
            else:
                terms.update(text for _, text in leaf.expanded_terms(reader))
        return Matcher(frozenset(_as_text(term) for term in terms), tuple(dict.fromkeys(phrases)))

    def suggest(self, parsed: ParsedQuery) -> str | None:
        """A respelling of the query's unknown words (none of whose forms the index holds)
        as the nearest words the index holds, the most frequent among equals; None when
        every word matched or nothing near was found in SUGGESTION_SECONDS."""
        lexicon, deadline = self.lexicon(), time.monotonic() + SUGGESTION_SECONDS
        replaced, changed = [], False
        for word in parsed.words:
            best = None
            limit = next((edits for length, edits in SUGGESTION_DISTANCE if len(word) <= length), 0)
            cost = next((cost for length, cost in SUGGESTION_COST if len(word) <= length), 0)
            if word in parsed.unknown and limit:
                best = _nearest(lexicon, word, limit, cost, deadline)
            replaced.append(best or word)
            changed = changed or best is not None
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
            self._analyzed_as_now = store.version_mismatch(self.index_dir) is None
            return
        try:
            current = self.searcher.up_to_date()
        except OSError:
            return
        if not current:
            searcher = self._open_searcher(self.index)
            self.searcher.close()
            self.searcher = searcher

    def _location(self, file: str, record_id: str) -> str:
        """Where a record stands in its file now ("line 12"), from the file's state."""
        if self._locations_of is None or self._locations_of[0] is not self.searcher:
            self._locations_of = (self.searcher, {})
        cache = self._locations_of[1]
        if file not in cache:
            cache[file] = {}
            docnum = self.searcher.document_number(key=file)
            if docnum is not None and self.searcher.reader().has_column("fingerprint"):
                state = self.searcher.reader().column_reader("fingerprint")[docnum]
                cache[file] = FileState.decode(state).locations
        return cache[file].get(record_id, "")

    def _hit(self, hit: ranking.Ranked, matcher: Matcher) -> Hit:
        fields = self.searcher.stored_fields(hit.docnum)
        file = fields.get("file", "")
        return Hit(
            rank=hit.rank + 1,
            id=fields["id"],
            path=shown_path(file) if file else fields.get("path", ""),
            title=fields.get("title", ""),
            score=hit.score,
            location=self._location(file, fields["id"]) or fields.get("location", ""),
            body=fields.get("body", ""),
            matcher=matcher,
            file=file,
            date=fields.get("date", ""),
            url=fields.get("url", ""),
            source=fields.get("source", ""),
        )


def _nearest(lexicon: IndexLexicon, word: str, limit: int, cost: float, deadline: float) -> str | None:
    """The index's word nearest to ``word`` by spelling_distance, at most ``cost`` away
    (the most frequent of the nearest), among those within ``limit`` plain edits sharing
    its first letters (``shared_prefix``)."""
    scored = []
    for term in lexicon.within(word, limit, prefix=shared_prefix(word)):
        distance = spelling_distance(word, term, limit)
        if distance <= cost and (frequency := lexicon.document_frequency(term)):
            scored.append((distance, -frequency, term))
        if time.monotonic() > deadline:
            break
    return min(scored)[2] if scored else None


def shown_path(file: str) -> str:
    """An absolute path as the reader can use it from here: relative to the working
    folder when it is under it, else absolute (an index may be searched from anywhere)."""
    return _relative_path(file, os.getcwd())


# The hits of a page mostly share a file (a JSON Lines corpus): pathlib took 15 µs a hit.
@functools.lru_cache(maxsize=1024)
def _relative_path(file: str, folder: str) -> str:
    try:
        return Path(file).relative_to(folder).as_posix()
    except ValueError:
        return file


def _as_text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
