"""Single flipped bytes in an index: how many does anything notice, and how?

Builds a small index (the first N records of tashkeela_sample, or generated Arabic
text when the corpus is absent), then for sampled byte positions of the table of
contents, of the segment file and of its frequency file (search.frequencies) inverts
that one byte in a fresh copy, runs a few queries (words, a phrase, a prefix, a typo)
and a re-index on the copy, and counts what happened:

  one line          a SearchError (the CLI shows one line, exit 2)
  same answers      nothing noticed, and these queries answer as before (a flip in
                    a record no query shows, or in unused bytes)
  silently wrong    nothing noticed, but some answer differs (a hit, a score, a text)
  traceback         any other exception, with where Whoosh raised it

and, for "same answers", whether reading everything (every stored field, every
term's postings, every column value) fails, differs, or is the same: a flip that
even this does not see changed nothing the index serves.

Then checks that `--rebuild` recovers every copy that was not the same.

    python bench/damage.py [--positions N] [--docs N] [--seed S]
"""

import argparse
import collections
import json
import random
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import corpus_file, read_jsonl  # noqa: E402
from search.errors import SearchError  # noqa: E402
from search.indexer import index_paths  # noqa: E402
from search.searching import IndexSearcher  # noqa: E402

QUERIES = ["كتاب", "الله", '"قال رسول"', "علم*", "المدرسه~", "title:باب"]
WORDS = "كتاب جميل في المدرسة رقم والطلاب يقرؤون الكتب مدينة قال رسول الله علم باب".split()


def write_documents(folder: Path, count: int, rng: random.Random) -> str:
    path = corpus_file("tashkeela_sample", "docs.jsonl")
    records = read_jsonl(path)[:count] if path else []
    if not records:
        records = [
            {"id": str(n), "title": f"باب {n}", "text": " ".join(rng.choices(WORDS, k=80))}
            for n in range(count)
        ]
    folder.mkdir()
    with (folder / "docs.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return "tashkeela_sample" if path else "generated text"


def answers(index_dir: Path):
    with IndexSearcher(index_dir) as searcher:
        found = []
        for text in QUERIES:
            results = searcher.search(text, limit=20)
            hits = [(hit.id, round(hit.score, 6), hit.title, hit.body) for hit in results.hits]
            found.append((results.total, hits))
        found.append(searcher.document_count())
        return found


def everything(index_dir: Path):
    """Every stored field, every term's postings (ids, weights, values), every column value."""
    with IndexSearcher(index_dir) as searcher:
        reader = searcher.searcher.reader()
        stored = list(reader.all_stored_fields())
        postings = []
        for field, term in reader.all_terms():
            matcher = reader.postings(field, term)
            while matcher.is_active():
                postings.append((field, term, matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
        columns = {
            name: list(reader.column_reader(name))
            for name in reader.schema.names()
            if reader.has_column(name)
        }
        return stored, postings, columns


def where(error: BaseException) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__} at {frame.filename.split('site-packages/')[-1]}:{frame.lineno}"


def outcome(index_dir: Path, docs: Path, expected, contents) -> str:
    try:
        same = answers(index_dir) == expected
        index_paths([docs], index_dir)
        if not (same and answers(index_dir) == expected):
            return "silently wrong"
    except SearchError:
        return "one line"
    except Exception as error:  # what the user would see as a traceback
        return f"traceback: {where(error)}"
    try:
        read = everything(index_dir)
    except Exception as error:
        return f"same answers; reading everything fails ({type(error).__name__})"
    return "same answers; " + ("everything the same" if read == contents else "some data differs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=300, help="bytes flipped per file")
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        docs = scratch / "docs"
        source = write_documents(docs, args.docs, rng)
        pristine = scratch / "pristine"
        index_paths([docs], pristine)
        expected = answers(pristine)
        contents = everything(pristine)
        print(f"{args.docs} records of {source}; {args.positions} single-byte flips per file")
        for pattern in ("_MAIN_*.toc", "MAIN_*.seg", "MAIN_*.frequencies"):
            name = next(pristine.glob(pattern)).name
            size = (pristine / name).stat().st_size
            counts = collections.Counter()
            unrecovered = 0
            for position in sorted(rng.sample(range(size), min(args.positions, size))):
                copy = scratch / "copy"
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(pristine, copy)
                data = bytearray((copy / name).read_bytes())
                data[position] ^= 0xFF
                (copy / name).write_bytes(bytes(data))
                result = outcome(copy, docs, expected, contents)
                counts[result] += 1
                if not result.startswith("same answers"):
                    index_paths([docs], copy, rebuild=True)
                    unrecovered += answers(copy) != expected
            print(f"{pattern} ({size:,} bytes):")
            for result, count in counts.most_common():
                print(f"  {count:5}  {result}")
            print(f"  --rebuild left {unrecovered} of them wrong")


if __name__ == "__main__":
    main()
