"""Word families: one-word searches scored as sets, ours beside Lucene's ArabicAnalyzer.

For a dataset folder holding docs.jsonl, queries.jsonl (with "pos") and qrels.tsv —
by default ../shared/corpora/ud_pud_lemmas — indexes the documents with our CLI,
scores every query's complete result set (`search eval --sets`), then does the same
with ../shared/anchors/lucene_run.sh (Lucene 8.7 ArabicAnalyzer + BM25, every hit
up to 100,000) scored by ../shared/anchors/setmetrics.py, in the same run.

    python bench/word_families.py [DATASET_DIR]
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANCHORS = HERE.parent.parent / "shared" / "anchors"
DEFAULT = HERE.parent.parent / "shared" / "corpora" / "ud_pud_lemmas"
EVERY_HIT = 100_000


def ours(dataset: Path, scratch: Path) -> dict:
    index_dir = scratch / "index"
    search = [sys.executable, "-m", "search"]
    subprocess.run([*search, "index", "--quiet", "--index", str(index_dir), str(dataset / "docs.jsonl")],
                   check=True, stdout=subprocess.DEVNULL)
    output = subprocess.run(
        [*search, "eval", "--sets", "--json", "--index", str(index_dir),
         str(dataset / "queries.jsonl"), str(dataset / "qrels.tsv")],
        check=True, capture_output=True, text=True, cwd=HERE.parent,
    ).stdout
    rows = json.loads(output)
    return {row["name"]: row for row in (rows if isinstance(rows, list) else [rows])}


def lucene(dataset: Path, scratch: Path) -> dict | None:
    script = ANCHORS / "lucene_run.sh"
    if not script.exists() or not list(Path("/usr/share/java").glob("lucene-core-8*.jar")):
        print("note: Lucene is not measured: needs ../shared/anchors and Debian's liblucene8-java",
              file=sys.stderr)
        return None
    run = scratch / "lucene.run"
    subprocess.run([str(script), str(dataset), str(run), str(EVERY_HIT)], check=True,
                   stderr=subprocess.DEVNULL)
    output = subprocess.run(
        [sys.executable, str(ANCHORS / "setmetrics.py"), str(dataset / "qrels.tsv"), str(run),
         str(dataset / "queries.jsonl")],
        check=True, capture_output=True, text=True,
    ).stdout
    return {
        name: {"name": name, "queries": row["queries"], "precision": row["P"], "recall": row["R"],
               "f1": row["F1"], "no_hit": row["no_hit"]}
        for name, row in json.loads(output).items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT)
    args = parser.parse_args()
    if not all((args.dataset / name).is_file() for name in ("docs.jsonl", "queries.jsonl", "qrels.tsv")):
        sys.exit(f"nothing to measure: {args.dataset} needs docs.jsonl, queries.jsonl and qrels.tsv "
                 "(../shared/corpora is not beside this checkout?)")
    scratch = Path(tempfile.mkdtemp())
    try:
        engines = {"ours": ours(args.dataset, scratch), "lucene": lucene(args.dataset, scratch)}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{'engine':8} {'set':8} {'queries':>7} {'P':>6} {'R':>6} {'F1':>6} {'no hit':>7}")
    for engine, rows in engines.items():
        for row in (rows or {}).values():
            print(f"{engine:8} {row['name']:8} {row['queries']:7,} {row['precision']:6.3f} "
                  f"{row['recall']:6.3f} {row['f1']:6.3f} {row['no_hit']:7.3f}")


if __name__ == "__main__":
    main()
