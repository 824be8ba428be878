"""Relevance on the shared corpora: wiki_qa questions and tashkeela diacritics probes.

Indexes ../shared/corpora/wiki_qa/docs.jsonl and tashkeela_sample/docs.jsonl (into
--work, reused while the analyzer version is unchanged), evaluates every question and
probe as plain text, and prints MRR@10, nDCG@10 and Recall@1/10/100 beside Lucene 8.7's
reference figures from ../shared/corpora/README.md. Rows for each wiki_qa source (arcd,
mlqa, tydi) guard against tuning to one of them.

    python bench/relevance.py [--any] [--work DIR] [--param search.query.TITLE_BOOST=3]

--param overrides a module constant for an experiment (repeatable); a change to the
analyzer needs a fresh --work folder (or --rebuild).
"""

import argparse
import importlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import corpus_file  # noqa: E402

# Lucene 8.7 ArabicAnalyzer + BM25, title and text fields (../shared/corpora/README.md).
LUCENE = {"all": (0.740, 0.903, 0.962), "probes": (None, 0.728, 0.969)}
SETS = {
    "wiki_qa": ("wiki_qa", "docs.jsonl", "queries.jsonl", "qrels.tsv"),
    "probes": ("tashkeela_sample", "docs.jsonl", "diacritics_probes.jsonl", "diacritics_probes_qrels.tsv"),
}


def override(assignment: str) -> None:
    """Set module.NAME to a number, e.g. search.query.TITLE_BOOST=3."""
    target, _, value = assignment.partition("=")
    module_name, _, name = target.rpartition(".")
    module = importlib.import_module(module_name)
    if not hasattr(module, name):
        sys.exit(f"{module_name} has no {name}")
    setattr(module, name, type(getattr(module, name))(value))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--any", action="store_true", help="rank documents with any word")
    parser.add_argument("--work", type=Path, help="where to keep the indexes between runs")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the indexes")
    parser.add_argument("--param", action="append", default=[], metavar="MODULE.NAME=VALUE")
    args = parser.parse_args()
    for assignment in args.param:
        override(assignment)

    from search.evaluation import evaluate, id_prefix, read_qrels, read_queries
    from search.indexer import index_paths
    from search.searching import IndexSearcher

    files = {}
    for name, (folder, *parts) in SETS.items():
        found = [corpus_file(folder, part) for part in parts]
        if None in found:
            sys.exit("the relevance figures need ../shared/corpora beside this checkout")
        files[name] = found
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        rows = []
        for name, (docs, queries, qrels) in files.items():
            index_dir = work / name
            index_paths([docs], index_dir, rebuild=args.rebuild)
            with IndexSearcher(index_dir) as searcher:
                result = evaluate(
                    searcher, read_queries(queries), read_qrels(qrels), match_any=args.any,
                    group_of=id_prefix if name == "wiki_qa" else None,
                )
            overall = result.overall.as_dict()
            overall["name"] = "all" if name == "wiki_qa" else name
            rows += [overall, *(group.as_dict() for group in result.groups)]
    print(f"{'set':8} {'queries':>7} {'MRR@10':>7} {'nDCG@10':>7} {'R@1':>6} {'R@10':>6} {'R@100':>6}"
          f"   Lucene MRR@10 R@10 R@100")
    for row in rows:
        lucene = "   " + "  ".join("  -  " if v is None else f"{v:.3f}" for v in LUCENE[row["name"]]) \
            if row["name"] in LUCENE else ""
        print(f"{row['name']:8} {row['queries']:7,} {row['mrr@10']:7.3f} {row['ndcg@10']:7.3f} "
              f"{row['recall@1']:6.3f} {row['recall@10']:6.3f} {row['recall@100']:6.3f}{lucene}")


if __name__ == "__main__":
    main()
