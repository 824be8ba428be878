"""Relevance evaluation: run judged queries against an index and score the rankings, or
the complete result sets.

Queries are JSON Lines (``id``, ``text``) or TSV (``id<TAB>text``); judgments are TREC
qrels, ``query_id<TAB>doc_id<TAB>relevance`` (a fourth column, as in TREC's own files,
is tolerated: ``query_id<TAB>0<TAB>doc_id<TAB>relevance``). Every query runs as plain
text, no query syntax, so questions with ``?`` or quotes mean what they say.

Word-family sets (``ud_pud_lemmas``) are scored as sets, not rankings: the precision and
recall of everything a query returns, averaged over queries, and their F1 averaged the
same way, as ``../shared/anchors/setmetrics.py`` does (a query with no hit has precision 0).
"""

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search.errors import SearchError

CUTOFFS = (1, 10, 100)


@dataclass
class Metrics:
    """Means over the judged queries of one group."""

    name: str
    queries: int = 0
    reciprocal_ranks: float = 0.0  # sums until ``finish``
    ndcg: float = 0.0
    recalls: dict[int, float] = field(default_factory=lambda: dict.fromkeys(CUTOFFS, 0.0))

    def add(self, ranking: list[str], judged: dict[str, int]) -> None:
        relevant = {doc for doc, grade in judged.items() if grade > 0}
        self.queries += 1
        first = next((rank for rank, doc in enumerate(ranking[:10], 1) if doc in relevant), None)
        self.reciprocal_ranks += 1 / first if first else 0.0
        self.ndcg += _ndcg(ranking[:10], judged)
        for cutoff in CUTOFFS:
            self.recalls[cutoff] += len(relevant.intersection(ranking[:cutoff])) / len(relevant)

    def as_dict(self) -> dict:
        count = self.queries or 1
        return {
            "name": self.name,
            "queries": self.queries,
            "mrr@10": self.reciprocal_ranks / count,
            "ndcg@10": self.ndcg / count,
            **{f"recall@{cutoff}": total / count for cutoff, total in self.recalls.items()},
        }


@dataclass
class SetMetrics:
    """Macro-averaged precision, recall and F1 of complete result sets, over one group."""

    name: str
    queries: int = 0
    precision: float = 0.0  # sums until ``as_dict``
    recall: float = 0.0
    f1: float = 0.0
    no_hit: int = 0

    def add(self, found: set[str], relevant: set[str]) -> None:
        hits = len(found & relevant)
        precision = hits / len(found) if found else 0.0
        recall = hits / len(relevant)
        self.queries += 1
        self.precision += precision
        self.recall += recall
        self.f1 += 2 * precision * recall / (precision + recall) if hits else 0.0
        self.no_hit += not found

    def as_dict(self) -> dict:
        count = self.queries or 1
        return {
            "name": self.name,
            "queries": self.queries,
            "precision": self.precision / count,
            "recall": self.recall / count,
            "f1": self.f1 / count,
            "no_hit": self.no_hit / count,
        }


def _ndcg(ranking: list[str], judged: dict[str, int]) -> float:
    """nDCG with graded gains 2^rel - 1 and log2 discounts, as in trec_eval."""
    gains = [2 ** judged.get(doc, 0) - 1 for doc in ranking]
    ideal = sorted((2**grade - 1 for grade in judged.values() if grade > 0), reverse=True)
    dcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, 1))
    idcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal[: len(ranking)], 1))
    return dcg / idcg if idcg else 0.0


def read_queries(path: Path) -> list[tuple[str, str]]:
    """(id, text) pairs from JSON Lines or TSV; raises SearchError naming the bad line."""
    queries = []
    for number, line in _lines(path):
        if line.lstrip().startswith("{"):
            try:
                record = json.loads(line)
                queries.append((str(record["id"]), str(record["text"])))
            except (ValueError, KeyError, TypeError) as error:
                raise SearchError(
                    f"{path} line {number}: not a query object with id and text ({error})"
                ) from error
        else:
            query_id, tab, text = line.partition("\t")
            if not tab:
                raise SearchError(f"{path} line {number}: expected id<TAB>text")
            queries.append((query_id, text))
    return queries


def read_query_groups(path: Path, key: str) -> dict[str, str]:
    """{query id: its ``key`` value} for the JSON Lines queries that carry one (``pos``)."""
    groups = {}
    for _, line in _lines(path):
        if line.lstrip().startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue  # read_queries names the bad line
            if isinstance(record, dict) and record.get(key) is not None:
                groups[str(record.get("id"))] = str(record[key])
    return groups


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """{query id: {doc id: relevance}}; raises SearchError naming the bad line."""
    qrels: dict[str, dict[str, int]] = {}
    for number, line in _lines(path):
        columns = line.split()
        if len(columns) == 4:
            del columns[1]  # TREC's iteration column
        try:
            query_id, doc_id, grade = columns
            qrels.setdefault(query_id, {})[doc_id] = int(grade)
        except ValueError as error:
            raise SearchError(
                f"{path} line {number}: expected query_id<TAB>doc_id<TAB>relevance"
            ) from error
    return qrels


def _lines(path: Path) -> Iterable[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield number, line.rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise SearchError(f"cannot read {path}: {error}") from error


@dataclass
class Evaluation:
    """Metrics over all judged queries and per group, and the run in TREC format."""

    overall: Metrics | SetMetrics
    groups: list[Metrics | SetMetrics]
    run: list[str]  # "qid Q0 docid rank score tag" lines
    unjudged: int  # queries without any relevant document in the qrels, not scored


def evaluate(
    searcher,
    queries: list[tuple[str, str]],
    qrels: dict[str, dict[str, int]],
    depth: int = 100,
    match_any: bool = False,
    group_of: Callable[[str], str] | None = None,
    tag: str = "search",
    progress: Callable[[], None] = lambda: None,
    sets: bool = False,
) -> Evaluation:
    """Run every judged query as plain text and score its top ``depth`` documents, or,
    with ``sets``, everything it finds as a set."""
    kind = SetMetrics if sets else Metrics
    overall, groups = kind("all"), {}
    run, unjudged = [], 0
    if sets:
        depth = max(searcher.document_count(), 1)
    for query_id, text in queries:
        progress()
        judged = qrels.get(query_id, {})
        if not any(grade > 0 for grade in judged.values()):
            unjudged += 1
            continue
        try:
            ranked = searcher.ranked_ids(text, depth, match_any=match_any, plain=True)
        except SearchError:
            ranked = []  # only stopwords: it finds nothing, and counts as such
        ranking = [doc_id for doc_id, _ in ranked]
        scored = [overall]
        if group_of:
            name = group_of(query_id)
            scored.append(groups.setdefault(name, kind(name)))
        for metrics in scored:
            if sets:
                metrics.add(set(ranking), {doc for doc, grade in judged.items() if grade > 0})
            else:
                metrics.add(ranking, judged)
        run.extend(
            f"{query_id} Q0 {doc_id} {rank} {score:.4f} {tag}"
            for rank, (doc_id, score) in enumerate(ranked, 1)
        )
    return Evaluation(overall, sorted(groups.values(), key=lambda g: g.name), run, unjudged)


def id_prefix(query_id: str) -> str:
    """The part of an id before its first "-" ("arcd-q12" -> "arcd")."""
    return query_id.split("-", 1)[0]
