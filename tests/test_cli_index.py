"""`search index` through the real CLI: summaries, the index location, errors as one line."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def runner():
    return CliRunner()


def test_index_the_seeds_then_again(runner, tmp_path):
    index_dir = tmp_path / "index"
    first = runner.invoke(cli, ["index", "--index", str(index_dir), str(SEEDS)])
    assert first.exit_code == 0, first.output
    assert first.output == (
        f"1 added, 0 updated, 0 removed, 0 unchanged documents in {index_dir}; 0 skipped\n"
    )
    again = runner.invoke(cli, ["index", "--index", str(index_dir), str(SEEDS)])
    assert again.output == (
        f"0 added, 0 updated, 0 removed, 1 unchanged documents in {index_dir}; 0 skipped\n"
    )


def test_index_location_comes_from_the_environment(runner, tmp_path):
    index_dir = tmp_path / "from-env"
    result = runner.invoke(cli, ["index", str(SEEDS)], env={"SEARCH_INDEX": str(index_dir)})
    assert result.exit_code == 0, result.output
    assert (index_dir / "search-meta.json").is_file()


def test_default_index_location_is_index_data_in_the_current_folder(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["index", str(SEEDS)], env={"SEARCH_INDEX": ""})
    assert result.exit_code == 0, result.output
    assert "documents in index_data;" in result.output
    assert (tmp_path / "index_data" / "search-meta.json").is_file()


def test_skipped_files_are_listed_with_verbose(runner, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("نص عربي", encoding="utf-8")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "b.pdf").write_bytes(b"%PDF-1.4")
    index_dir = str(tmp_path / "index")
    quiet = runner.invoke(cli, ["index", "--index", index_dir, str(docs)])
    assert quiet.output.endswith("; 2 skipped (--verbose lists them)\n")
    verbose = runner.invoke(cli, ["index", "-v", "--index", index_dir, str(docs)])
    assert verbose.output.splitlines()[1:] == [
        f"  skipped {docs}/b.pdf: unsupported file type",
        f"  skipped {docs}/empty.txt: empty file",
    ]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["nowhere"], "Error: nowhere: no such file or folder\n"),
        (["--index", "{seeds}", "{seeds}"], "Error: {seeds} exists and is not a search index;"),
    ],
    ids=["missing path", "documents folder as index"],
)
def test_errors_are_one_line_and_exit_2(runner, arguments, message):
    arguments = [argument.format(seeds=SEEDS) for argument in arguments]
    result = runner.invoke(cli, ["index", *arguments])
    assert result.exit_code == 2
    assert result.output.startswith(message.format(seeds=SEEDS))
    assert len(result.output.splitlines()) == 1
    assert "Traceback" not in result.output


def test_ctrl_c_exits_130_with_one_line(runner, tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("search.indexer.index_paths", interrupt)
    result = runner.invoke(cli, ["index", "--index", str(tmp_path / "index"), str(SEEDS)])
    assert result.exit_code == 130
    assert result.output == "search: interrupted\n"
