"""Hostile and unlucky files: each costs itself only, with a reason, and never hangs a run.

Every fixture is generated here (FIFOs, sparse files, links to devices, lone surrogates).
"""

import json
import os

import pytest
from click.testing import CliRunner

from search import documents, indexer, store
from search.cli import cli
from search.indexer import index_paths
from test_indexer import counts, stored_documents

DEEP = 1_000  # deeper than Python's JSON parser can nest (RecursionError)


def reasons(report, root):
    """The skip list with the root cut off each path, sorted."""
    return sorted(item.replace(f"{root}/", "", 1) for item in report.skipped)


def jsonl(*lines):
    return "".join(line + "\n" for line in lines)


def nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "bad_line, reason",
    [
        (r'{"id": "t2", "text": "x \ud83d"}', r"the text holds a lone surrogate (\ud83d)"),
        (r'{"id": "t2\udc00", "text": "نص"}', r"the id holds a lone surrogate (\udc00)"),
        (r'{"id": "t2", "title": "\ud83d", "text": "نص"}', r"the title holds a lone surrogate (\ud83d)"),
        (r'{"id": "t2", "source": "\udfff", "text": "نص"}', r"the source holds a lone surrogate (\udfff)"),
        (r'{"id": "t2", "url": "\ud800x", "text": "نص"}', r"the url holds a lone surrogate (\ud800)"),
        (r'{"text": "نص", "date": "\udbff"}', r"the date holds a lone surrogate (\udbff)"),
        ('{"id": "t2", "text": "نص", "tags": ' + nested(DEEP) + "}", "nested more than 500 levels deep"),
        (nested(DEEP), "nested more than 500 levels deep"),
        ('{"id": "t2", "text": "نص", "title": ' + nested(400) + "}", None),
        ('{"id": "t2", "text": "نص", "title": ' + nested(600) + "}", "nested more than 500 levels deep"),
    ],
    ids=[
        "surrogate in text", "in id", "in title", "in source", "in url", "in date",
        "deep record", "deep line", "nested title within the limit", "beyond the limit",
    ],
)
def test_one_bad_jsonl_record_costs_that_record_only(tmp_path, bad_line, reason):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "feed.jsonl").write_text(
        jsonl('{"id": "t1", "text": "السجل الأول"}', bad_line, '{"id": "t3", "text": "السجل الثالث"}'),
        encoding="utf-8",
    )
    (root / "other.txt").write_text("ملف آخر", encoding="utf-8")
    index_dir = tmp_path / "index"
    report = index_paths([root], index_dir)
    if reason is None:  # deep but parseable: indexed, its title flattened to text
        assert counts(report) == (4, 0, 0, 0)
        return
    assert reasons(report, root) == [f"feed.jsonl line 2: {reason}"]
    assert sorted(stored_documents(index_dir)) == ["other.txt", "t1", "t3"]
    again = index_paths([root], index_dir)
    assert counts(again) == (0, 0, 0, 3)
    assert again.skipped == report.skipped


@pytest.mark.parametrize(
    "content, expected_ids, reason",
    [
        (
            '[{"id": "a", "text": "أول"}, {"id": "b", "text": "x \\ud83d"}, {"id": "c", "text": "ثالث"}]',
            ["a", "c"],
            r"array.json item 2: the text holds a lone surrogate (\ud83d)",
        ),
        (nested(DEEP), [], "array.json: malformed JSON (nested more than 500 levels deep)"),
        ('{"a": ' * DEEP + "1" + "}" * DEEP, [], "array.json: malformed JSON (nested more than 500 levels deep)"),
    ],
    ids=["surrogate in one item", "deep array", "deep object"],
)
def test_one_bad_json_item_costs_that_item_only(tmp_path, content, expected_ids, reason):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "array.json").write_text(content, encoding="utf-8")
    (root / "other.txt").write_text("ملف آخر", encoding="utf-8")
    index_dir = tmp_path / "index"
    report = index_paths([root], index_dir)
    assert reasons(report, root) == [reason]
    assert sorted(stored_documents(index_dir)) == sorted(expected_ids + ["other.txt"])
    assert counts(index_paths([root], index_dir))[:3] == (0, 0, 0)


def test_a_fifo_is_skipped_without_blocking(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    os.mkfifo(root / "x.txt")
    (root / "ok.txt").write_text("نص عادي", encoding="utf-8")
    report = index_paths([root], tmp_path / "index")
    assert counts(report) == (1, 0, 0, 0)
    assert reasons(report, root) == ["x.txt: a FIFO, not a regular file"]


def test_a_fifo_given_as_the_path_is_skipped(tmp_path):
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    report = index_paths([fifo], tmp_path / "index")
    assert report.skipped == [f"{fifo}: a FIFO, not a regular file"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_dev_zero_is_skipped(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    os.symlink("/dev/zero", root / "zero.txt")
    os.symlink("/dev/zero", tmp_path / "given.txt")
    report = index_paths([root, tmp_path / "given.txt"], tmp_path / "index")
    assert counts(report) == (0, 0, 0, 0)
    assert sorted(report.skipped) == [
        f"{root}/zero.txt: a symbolic link to a file outside {root}",
        f"{tmp_path}/given.txt: a character device, not a regular file",
    ]


def test_a_sparse_file_over_the_limit_is_skipped_and_dropped_if_indexed_before(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    big = root / "big.txt"
    big.write_text("نص صغير", encoding="utf-8")
    index_dir = tmp_path / "index"
    assert counts(index_paths([root], index_dir)) == (1, 0, 0, 0)
    with open(big, "r+b") as sparse:
        sparse.truncate(2**30)  # 1 GiB of holes: no disk used, but read() would fill memory
    report = index_paths([root], index_dir)
    assert counts(report) == (0, 0, 1, 0)
    assert report.skipped == [
        f"{big}: larger than 100.0 MB (1,024.0 MB); raise --max-file-size to index it"
    ]


def test_the_size_limit_is_a_setting(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "small.txt").write_text("نص", encoding="utf-8")
    (root / "large.txt").write_text("نص طويل " * 200_000, encoding="utf-8")  # 2.8 MB
    index_dir = tmp_path / "index"
    report = index_paths([root], index_dir, max_file_bytes=2**20)
    assert counts(report) == (1, 0, 0, 0)
    assert reasons(report, root) == [
        "large.txt: larger than 1.0 MB (2.7 MB); raise --max-file-size to index it"
    ]
    assert counts(index_paths([root], index_dir)) == (1, 0, 0, 1)


def test_the_cli_takes_max_file_size_in_megabytes(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "large.txt").write_text("نص طويل " * 200_000, encoding="utf-8")
    index_dir = str(tmp_path / "index")
    small = CliRunner().invoke(cli, ["index", "-v", "--max-file-size", "1", "--index", index_dir, str(root)])
    assert small.exit_code == 0, small.output
    assert "large.txt: larger than 1.0 MB (2.7 MB)" in small.output
    large = CliRunner().invoke(cli, ["index", "--max-file-size", "3", "--index", index_dir, str(root)])
    assert large.output.startswith("1 added, 0 updated, 0 removed")


def test_a_file_that_grew_since_it_was_found_is_not_read_past_its_size(tmp_path):
    path = tmp_path / "growing.txt"
    path.write_text("نص", encoding="utf-8")
    (source,) = documents.discover(path)
    with open(path, "a", encoding="utf-8") as more:
        more.write(" ومزيد")
    with pytest.raises(documents.SkipFile, match="changed while being indexed"):
        documents.read_file(source)


def test_a_file_replaced_by_a_link_after_it_was_found_is_not_followed(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("نص", encoding="utf-8")
    (source,) = documents.discover(path)
    path.unlink()
    os.symlink("/dev/zero", path)
    with pytest.raises(documents.SkipFile, match="unreadable"):
        documents.read_file(source)


def test_links_to_files_and_folders_outside_the_root_are_skipped_and_dropped(tmp_path):
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text("سر خارج المجلد", encoding="utf-8")
    (outside / "folder" / "inner.txt").write_text("سر آخر", encoding="utf-8")
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "real.txt").write_text("ملف حقيقي", encoding="utf-8")
    (root / "within.txt").symlink_to(root / "sub" / "real.txt")
    (root / "loop").symlink_to(root)
    (root / "linked.txt").symlink_to(outside / "secret.txt")
    (root / "folder").symlink_to(outside / "folder")
    index_dir = tmp_path / "index"
    report = index_paths([root], index_dir)
    assert counts(report) == (1, 0, 0, 0)
    assert sorted(stored_documents(index_dir)) == ["within.txt"]  # a link within: once
    assert reasons(report, root) == [
        f"folder: a symbolic link to a folder outside {root}",
        f"linked.txt: a symbolic link to a file outside {root}",
    ]


@pytest.mark.parametrize("old_index", [False, True], ids=["found-at kept", "index before it"])
def test_a_link_outside_the_root_indexed_before_is_removed(tmp_path, monkeypatch, old_index):
    """An index written when links were followed holds the link's target: it goes."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("سر خارج المجلد", encoding="utf-8")
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.txt").write_text("ملف", encoding="utf-8")
    (root / "linked.txt").symlink_to(outside / "secret.txt")
    index_dir = tmp_path / "index"
    monkeypatch.setattr(documents, "_is_under", lambda file, root: True)  # the old walk
    if old_index:  # nor did the index keep where a file was found
        monkeypatch.setattr(
            indexer.FileState, "encode",
            lambda self: json.dumps([self.stat_signature, self.sha, self.skipped]).encode(),
        )
    assert counts(index_paths([root], index_dir)) == (2, 0, 0, 0)
    monkeypatch.undo()
    report = index_paths([root], index_dir)
    assert counts(report) == (0, 0, 1, 1)
    assert sorted(stored_documents(index_dir)) == ["a.txt"]


def test_a_file_indexed_from_its_own_root_is_kept_when_a_link_to_it_is_skipped(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.txt").write_text("ملف خارجي", encoding="utf-8")
    root = tmp_path / "docs"
    root.mkdir()
    (root / "link.txt").symlink_to(outside / "b.txt")
    index_dir = tmp_path / "index"
    assert counts(index_paths([outside, root], index_dir)) == (1, 0, 0, 0)
    assert counts(index_paths([root], index_dir)) == (0, 0, 0, 0)
    assert sorted(stored_documents(index_dir)) == ["b.txt"]


def test_deleting_the_first_line_of_a_jsonl_file_reindexes_nothing_else(tmp_path):
    lines = [json.dumps({"id": f"n{i}", "text": f"خبر رقم {i}"}, ensure_ascii=False) for i in range(6)]
    lines.insert(3, json.dumps({"text": "سجل بلا معرف"}, ensure_ascii=False))
    feed = tmp_path / "docs" / "feed.jsonl"
    feed.parent.mkdir()
    feed.write_text(jsonl(*lines), encoding="utf-8")
    index_dir = tmp_path / "index"
    index_paths([feed.parent], index_dir)
    feed.write_text(jsonl(*lines[1:]), encoding="utf-8")
    report = index_paths([feed.parent], index_dir)
    # n0 removed; the record without an id is known by its line, so it moves: 1 removed, 1 added
    assert counts(report) == (1, 0, 2, 5)
    # Every record says where it now stands, moved or not (the file's state keeps it).
    from search.searching import IndexSearcher

    with IndexSearcher(index_dir) as searcher:
        hits = searcher.search("خبر OR سجل", limit=20).hits
    assert {hit.id: hit.location for hit in hits} == {
        "n1": "line 1", "n2": "line 2", "feed.jsonl:3": "line 3", "n3": "line 4", "n4": "line 5",
        "n5": "line 6",
    }
