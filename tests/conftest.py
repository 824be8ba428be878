"""Fixtures shared by the test modules."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory):
    """An index of the bundled seeds, built once through the real CLI; tests only read it."""
    index_dir = tmp_path_factory.mktemp("seeds-index") / "index"
    result = CliRunner().invoke(cli, ["index", "--index", str(index_dir), str(SEEDS)])
    assert result.exit_code == 0, result.output
    return index_dir
