"""Fixtures shared by the test modules."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from search import whoosh_pool
from search.cli import cli
from search.indexer import index_paths

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory):
    """An index of the bundled seeds, built once through the real CLI; tests only read it."""
    index_dir = tmp_path_factory.mktemp("seeds-index") / "index"
    result = CliRunner().invoke(cli, ["index", "--index", str(index_dir), str(SEEDS)])
    assert result.exit_code == 0, result.output
    return index_dir


@pytest.fixture(scope="session")
def make_index(tmp_path_factory):
    """A function: write files (name -> text) to a fresh folder, index it, return the index."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path_factory.mktemp("docs")
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        index_dir = tmp_path_factory.mktemp("index") / "index"
        index_paths([root], index_dir)
        return index_dir

    return make


@pytest.fixture
def started_tasks(monkeypatch):
    """The worker processes writers start, recorded."""
    started = []
    real_new_task = whoosh_pool.PooledMpWriter._new_task

    def recording_new_task(writer):
        started.append(real_new_task(writer))
        return started[-1]

    monkeypatch.setattr(whoosh_pool.PooledMpWriter, "_new_task", recording_new_task)
    return started


@pytest.fixture
def share_the_write(monkeypatch):
    """A function that has a PooledMpWriter's helper write part of any segment from then
    on (its workers cut their runs in small chunks, where it may split), and returns a
    list recording whether each helper's terms were added."""

    def share() -> list:
        monkeypatch.setattr(whoosh_pool, "SHARED_WRITE_BYTES", 0)
        monkeypatch.setattr(whoosh_pool, "CHUNK_BYTES", 2000)
        joined, real_join = [], whoosh_pool.TermRangeHelper.join

        def join(helper, entries):
            joined.append(real_join(helper, entries))
            return joined[-1]

        monkeypatch.setattr(whoosh_pool.TermRangeHelper, "join", join)
        return joined

    return share
