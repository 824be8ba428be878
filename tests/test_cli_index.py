"""`search index` through the real CLI: summaries, the index location, errors as one line."""

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from rich.console import Console

from search.cli import cli
from search.render import IndexProgress

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


def progress_text(progress):
    """What the progress line shows now, as plain text."""
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(progress.bar.make_tasks_table(progress.bar.tasks))
    return console.file.getvalue()


def test_index_progress_shows_bytes_then_the_writing_with_its_time():
    progress = IndexProgress(Console(file=io.StringIO(), color_system=None), enabled=True)
    feed, news = SimpleNamespace(size=2_000_000), SimpleNamespace(size=1_000_000)
    progress.start(2, 3_000_000)
    progress.advance(feed, 500_000)
    assert "indexing 0/2 files" in progress_text(progress)
    assert "0.5/3.0 MB" in progress_text(progress)
    progress.advance(feed, 2_000_000)
    assert "indexing 1/2 files" in progress_text(progress)
    assert "2.0/3.0 MB" in progress_text(progress)
    progress.committing()  # a commit on the way (COMMIT_EVERY_BYTES)
    writing = progress_text(progress)
    assert "writing the index" in writing and "0:00:00" in writing
    assert "indexing" not in writing and "MB" not in writing
    progress.writing(4_000_000, 10_000_000)  # its postings counted, 4 of 10 MB written
    postings = progress_text(progress)
    assert "writing the index" in postings and "4.0/10.0 MB" in postings
    progress.advance(news, 1_000_000)
    assert "writing" not in progress_text(progress)
    assert "3.0/3.0 MB" in progress_text(progress)


def test_index_progress_is_off_when_stderr_is_not_a_terminal(runner, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "feed.jsonl").write_text('{"id": "1", "text": "خبر عن المدرسة"}\n', encoding="utf-8")
    result = runner.invoke(cli, ["index", "--index", str(tmp_path / "index"), str(root)])
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.mark.parametrize("option, workers", [([], 0), (["--workers", "2"], 2), (["-j", "2", "--rebuild"], 2)])
def test_workers_write_one_segment_and_find_the_same(
    runner, tmp_path, monkeypatch, started_tasks, option, workers
):
    """`search index --workers 2` indexes in two processes (here from the first byte) into
    one segment; the index answers as one written by one process."""
    from search import indexer, store

    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(indexer, "default_workers", lambda: 1)
    docs = tmp_path / "docs"
    docs.mkdir()
    for number in range(240):
        (docs / f"{number}.txt").write_text(f"المدرسة رقم {number}، وكتاب (SY{number % 7}).", encoding="utf-8")
    index_dir = tmp_path / "index"
    result = runner.invoke(cli, ["index", "--index", str(index_dir), *option, str(docs)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("240 added")
    assert len(started_tasks) == workers
    with store.open_index(index_dir).reader() as reader:
        assert len(reader.leaf_readers()) == 1
    found = runner.invoke(cli, ["--index", str(index_dir), "--json", "مدرسة SY3"])
    assert '"total": 34' in found.output, found.output[:300]


def test_workers_must_be_a_positive_count(runner, tmp_path):
    result = runner.invoke(cli, ["index", "--index", str(tmp_path / "index"), "--workers", "0", str(SEEDS)])
    assert result.exit_code == 2 and "--workers" in result.output
