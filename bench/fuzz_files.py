"""Fuzz the file readers: generated hostile files through parse_file, then one real index run.

    python bench/fuzz_files.py [--files 10000] [--seed 14]

Prints how many files raised something other than SkipFile (goal 0), how many were read
or skipped, the slowest file, the peak memory of this process, and whether the index run
over all of them finished with every record stored. Needs no corpus.
"""

import argparse
import random
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from file_fuzz import hostile_file, read_records  # noqa: E402
from search import store  # noqa: E402
from search.indexer import index_paths  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=14)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    outcomes, failures = Counter(), Counter()
    worst_seconds, worst_file, expected = 0.0, "", {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "docs"
        root.mkdir()
        warm_up = random.Random(-1)  # first calls pay for imports and compiled patterns
        for _ in range(20):
            suffix, data = hostile_file(warm_up)
            read_records(root / f"warm-up{suffix}", data)
        for number in range(options.files):
            suffix, data = hostile_file(rng)
            path = root / f"{number:05}{suffix}"
            path.write_bytes(data)
            started = time.process_time()
            try:
                records, reason = read_records(path, data)
            except Exception as error:  # anything but SkipFile is a failure to count
                failures[f"{type(error).__name__}: {error}"[:120]] += 1
                if sum(failures.values()) <= 3:
                    traceback.print_exc()
                continue
            elapsed = time.process_time() - started
            if elapsed > worst_seconds:
                worst_seconds, worst_file = elapsed, f"{path.name} ({len(data):,} bytes)"
            outcomes["skipped" if reason else "read"] += 1
            expected[str(path)] = len({record.id for record in records})
        started = time.process_time()
        try:
            report = index_paths([root], Path(folder) / "index")
            with store.open_index(Path(folder) / "index").searcher() as searcher:
                stored = Counter(doc["file"] for doc in searcher.documents(kind=store.KIND_RECORD))
            wanted = Counter({file: count for file, count in expected.items() if count})
            lost = sum((wanted - stored).values())
            index_line = (
                f"index run: {report.added:,} records added, {len(report.skipped):,} skip reasons, "
                f"{lost} records lost, {time.process_time() - started:.1f} CPU s"
            )
        except Exception as error:
            failures[f"index run: {type(error).__name__}: {error}"[:120]] += 1
            traceback.print_exc()
            index_line = "index run: FAILED"
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files: {options.files:,} (seed {options.seed}); read {outcomes['read']:,}, "
          f"skipped {outcomes['skipped']:,}")
    print(f"failures (not SkipFile): {sum(failures.values())}")
    for message, count in failures.most_common():
        print(f"  {count} × {message}")
    print(f"slowest file: {worst_seconds * 1000:.1f} CPU ms, {worst_file}")
    print(index_line)
    print(f"peak memory (this process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
