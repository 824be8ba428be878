"""The OpenSearch export checked in Lucene: token parity on every corpus, and relevance.

For each corpus of ../shared/corpora (every folder with a docs.jsonl), indexes it with our
CLI, exports it (``search export opensearch``), runs the exported analyzers in Lucene 8
(``search.lucene_check``: a CustomAnalyzer built from index.json with Debian's
liblucene8-java) over the exported documents' title and body, and compares their tokens
(term, start, end) with ours:

- exact: the ``arabic_exact`` analyzer (the ``.exact`` sub-fields) against our index terms;
- family: the ``arabic`` analyzer (title, body) against our terms mapped through the
  exported stemmer_override rules (a term outside them counts as a difference).

It prints the share of documents whose token streams are identical and the first
differences. Then, on wiki_qa (MRR@10, Recall@10/100) and ud_pud_lemmas (every hit as a
set: precision, recall, F1), relevance of the exported analysis through Lucene's BM25
(title and body, plus the .exact fields at our EXACT_BOOST; the question's words OR-ed by
Lucene's classic query parser, as ../shared/anchors/LuceneAnchor.java does) beside Lucene's
own ArabicAnalyzer and ours (``search eval``), all in the same run.

    python bench/export_parity.py [--only NAME…] [--no-relevance]
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from _corpus import CORPORA  # noqa: E402

from analyzers.whoosh_analysis import arabic_analyzer  # noqa: E402
from search import lucene_check  # noqa: E402
from search.evaluation import Metrics, SetMetrics, read_qrels, read_queries, read_query_groups  # noqa: E402
from search.export import export_opensearch  # noqa: E402

SHOWN_DIFFERENCES = 5
RANKED = 100
EVERY_HIT = 100_000


def run_search(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "search", *args], check=True, capture_output=True,
                          text=True, cwd=HERE.parent).stdout


def ours_tokens(text: str) -> list[tuple[str, int, int]]:
    return [(token.text, token.startchar, token.endchar) for token in arabic_analyzer()(text, chars=True)]


def first_difference(ours: list, theirs: list) -> str:
    for position, (mine, other) in enumerate(zip(ours, theirs)):
        if mine != other:
            return f"token {position}: ours {mine} lucene {other}"
    return f"ours {len(ours)} tokens, lucene {len(theirs)}: next ours {ours[len(theirs):][:1]} lucene {theirs[len(ours):][:1]}"


def parity(name: str, export: Path, classpath: str, spec: Path, analysis: dict) -> None:
    keys = {}
    for rule in analysis["filter"]["arabic_families"]["rules"]:
        forms, key = rule.split(" => ")
        keys.update((form, key) for form in forms.split(", "))
    documents = []
    with (export / "documents.ndjson").open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number % 2:
                document = json.loads(line)
                documents.append((document["id"], document.get("title", ""), document.get("body", "")))
    texts = [text for _, title, body in documents for text in (title, body)]
    started = time.process_time()
    ours = [ours_tokens(text) for text in texts]
    ours_seconds = time.process_time() - started
    started = time.perf_counter()
    exact = lucene_check.analyze(classpath, spec, "arabic_exact", texts)
    family = lucene_check.analyze(classpath, spec, "arabic", texts)
    lucene_seconds = time.perf_counter() - started
    tokens = sum(map(len, ours))
    for chain, theirs, expected in (
        ("exact", exact, ours),
        ("family", family, [[(keys.get(term, "<not in rules>"), start, end) for term, start, end in stream]
                            for stream in ours]),
    ):
        differing, shown = set(), []
        for index, (mine, other) in enumerate(zip(expected, theirs)):
            if mine != other:
                identifier, field = documents[index // 2][0], ("title", "body")[index % 2]
                differing.add(identifier)
                if len(shown) < SHOWN_DIFFERENCES:
                    shown.append(f"    {identifier} {field}: {first_difference(mine, other)}")
        same = len(documents) - len(differing)
        print(f"{name:20} {chain:6} {same:>7,} / {len(documents):,} documents identical "
              f"({100 * same / (len(documents) or 1):.2f}%), {tokens:,} tokens")
        if shown:
            print("\n".join(shown))
    print(f"{name:20} ours {ours_seconds:.1f} CPU s to analyze; Lucene (two analyzers, JVM start "
          f"included) {lucene_seconds:.1f} wall s")


def write_tsv(dataset: Path, scratch: Path) -> tuple[Path, Path]:
    def flat(value) -> str:
        return " ".join(str(value or "").split())

    docs, queries = scratch / "docs.tsv", scratch / "queries.tsv"
    with (dataset / "docs.jsonl").open(encoding="utf-8") as lines, docs.open("w", encoding="utf-8") as out:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                out.write(f"{record['id']}\t{flat(record.get('title'))}\t{flat(record['text'])}\n")
    with queries.open("w", encoding="utf-8") as out:
        for query_id, text in read_queries(dataset / "queries.jsonl"):
            out.write(f"{query_id}\t{flat(text)}\n")
    return docs, queries


def family_queries(dataset: Path, index_dir: Path) -> list[tuple[str, str]]:
    """Each query as the words of its family our index holds (``ParsedQuery.families``)."""
    from search.query import parse_query
    from search.searching import IndexSearcher

    found = []
    with IndexSearcher(index_dir) as searcher:
        for query_id, text in read_queries(dataset / "queries.jsonl"):
            try:
                parsed = parse_query(text, searcher.index.schema, match_any=True, plain=True,
                                     lexicon=searcher.lexicon())
            except Exception:  # noqa: BLE001 - a query we refuse is sent as typed
                found.append((query_id, text))
                continue
            words = dict.fromkeys(term for _, terms in parsed.families for term in terms)
            found.append((query_id, " ".join(words) or text))
    return found


def lucene_run(classpath: str, spec: str, docs: Path, queries: Path, scratch: Path, depth: int,
               reuse: bool = False) -> dict:
    index = scratch / f"lucene-{Path(spec).name}"
    if not reuse:
        subprocess.run(["java", "-cp", classpath, lucene_check.CLASS_NAME, "index", spec, str(docs), str(index)],
                       check=True)
    output = subprocess.run(
        ["java", "-cp", classpath, lucene_check.CLASS_NAME, "search", spec, str(index), str(queries), str(depth)],
        check=True, capture_output=True, text=True,
    ).stdout
    ranked = defaultdict(list)
    for line in output.splitlines():
        query_id, _, doc_id, *_ = line.split()
        ranked[query_id].append(doc_id)
    return ranked


def score(ranked: dict, dataset: Path, sets: bool) -> dict:
    judged = read_qrels(dataset / "qrels.tsv")
    if sets:
        groups = read_query_groups(dataset / "queries.jsonl", "pos")
        metrics = {"all": SetMetrics("all")}
        for query_id, relevant in judged.items():
            found = set(ranked.get(query_id, []))
            wanted = {doc for doc, grade in relevant.items() if grade > 0}
            metrics["all"].add(found, wanted)
            group = groups.get(query_id, "?")
            metrics.setdefault(group, SetMetrics(group)).add(found, wanted)
        return {name: metric.as_dict() for name, metric in metrics.items()}
    metric = Metrics("all")
    for query_id, relevant in judged.items():
        metric.add(ranked.get(query_id, []), relevant)
    return {"all": metric.as_dict()}


def relevance(name: str, dataset: Path, index_dir: Path, classpath: str, spec: Path, scratch: Path) -> None:
    sets = name == "ud_pud_lemmas"
    depth = EVERY_HIT if sets else RANKED
    docs, queries = write_tsv(dataset, scratch)
    rows = {
        "exported analysis, Lucene BM25": score(lucene_run(classpath, str(spec), docs, queries, scratch, depth),
                                                dataset, sets),
        "Lucene ArabicAnalyzer, BM25": score(lucene_run(classpath, "arabic", docs, queries, scratch, depth),
                                             dataset, sets),
    }
    modes = [("ours (search eval --sets)", ["--sets"])] if sets else [
        ("ours (search eval --any)", ["--any"]), ("ours (search eval, default)", [])]
    if sets:
        # What `search WORD --opensearch` sends with our index: the forms of our family too.
        expanded = scratch / "queries-expanded.tsv"
        expanded.write_text("".join(f"{query_id}\t{text}\n" for query_id, text in family_queries(dataset, index_dir)),
                            encoding="utf-8")
        rows["exported + our family's forms, Lucene"] = score(
            lucene_run(classpath, str(spec), docs, expanded, scratch, depth, reuse=True), dataset, sets)
    for label, options in modes:
        output = run_search("eval", "--json", "--index", str(index_dir), *options,
                            str(dataset / "queries.jsonl"), str(dataset / "qrels.tsv"))
        found = json.loads(output)
        rows[label] = {row["name"]: row for row in (found if isinstance(found, list) else [found])}
    for label, groups in rows.items():
        for group, row in groups.items():
            group = "all" if group in ("all", "search") else group
            if sets:
                print(f"{name:14} {label:32} {group:8} P {row['precision']:.3f}  R {row['recall']:.3f}  "
                      f"F1 {row['f1']:.3f}  no hit {row['no_hit']:.3f}")
            else:
                print(f"{name:14} {label:32} MRR@10 {row['mrr@10']:.3f}  R@10 {row['recall@10']:.3f}  "
                      f"R@100 {row['recall@100']:.3f}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="corpus folder names (default: all)")
    parser.add_argument("--no-relevance", action="store_true")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"nothing to measure: {CORPORA} is absent (../shared/corpora is not beside this checkout)")
    if reason := lucene_check.missing():
        sys.exit(f"nothing to measure: {reason}")
    scratch = Path(tempfile.mkdtemp())
    try:
        classpath = lucene_check.compile_helper(scratch)
        # Smallest first: figures come in while the largest corpus is still indexing.
        for dataset in sorted((path.parent for path in CORPORA.glob("*/docs.jsonl")),
                              key=lambda folder: (folder / "docs.jsonl").stat().st_size):
            name = dataset.name
            if args.only and name not in args.only:
                continue
            work = scratch / name
            index_dir, export = work / "index", work / "export"
            run_search("index", "--quiet", "--index", str(index_dir), str(dataset / "docs.jsonl"))
            started = time.process_time()
            written = export_opensearch(index_dir, export)
            print(f"{name:20} export: {written['documents']:,} documents, {written['forms']:,} forms in "
                  f"{written['rules']:,} rules, {time.process_time() - started:.1f} CPU s")
            analysis = json.loads((export / "index.json").read_text(encoding="utf-8"))["settings"]["analysis"]
            spec = lucene_check.write_spec(analysis, work / "spec")
            parity(name, export, classpath, spec, analysis)
            if not args.no_relevance and name in ("wiki_qa", "ud_pud_lemmas"):
                relevance(name, dataset, index_dir, classpath, spec, work)
            shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
