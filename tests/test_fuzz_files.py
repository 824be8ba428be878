"""A short fuzz of the file readers (bench/fuzz_files.py runs the long one): generated
hostile files raise nothing but SkipFile, and an index run over them loses no record."""

import os
import random
from collections import Counter

import pytest

from file_fuzz import hostile_file, read_records
from search import store
from search.indexer import index_paths

SEED = int(os.environ.get("SEARCH_FUZZ_SEED", "14"))


@pytest.mark.parametrize("seed", range(SEED, SEED + 4))
def test_the_readers_raise_nothing_but_skip_file(tmp_path, seed):
    rng = random.Random(seed)
    outcomes = Counter()
    for number in range(150):
        suffix, data = hostile_file(rng)
        records, reason = read_records(tmp_path / f"{number}{suffix}", data)
        outcomes["skipped" if reason else "read"] += 1
    assert outcomes["read"] and outcomes["skipped"]  # the generator makes both kinds


def test_an_index_run_over_hostile_files_loses_nothing(tmp_path):
    rng = random.Random(SEED)
    root = tmp_path / "docs"
    root.mkdir()
    expected = {}
    for number in range(120):
        suffix, data = hostile_file(rng)
        path = root / f"{number:03}{suffix}"
        path.write_bytes(data)
        records, _ = read_records(path, data)
        expected[str(path)] = len({record.id for record in records})
    index_dir = tmp_path / "index"
    report = index_paths([root], index_dir)
    with store.open_index(index_dir).searcher() as searcher:
        stored = Counter(doc["file"] for doc in searcher.documents(kind=store.KIND_RECORD))
    assert stored == Counter({file: count for file, count in expected.items() if count})
    assert report.added == sum(expected.values())
    again = index_paths([root], index_dir)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert sorted(again.skipped) == sorted(report.skipped)
