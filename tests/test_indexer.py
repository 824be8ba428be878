"""Indexing real files into real (temporary) Whoosh indexes: formats, encodings, re-runs, safety."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from search import documents, indexer, store, whoosh_pool
from search.errors import SearchError
from search.searching import IndexSearcher
from search.indexer import index_paths

NEWS = "وَبِالْمَدْرَسَةِ الأُولى في أثريا، قال أحمد: «الطلاب» حضروا عام ٢٠١٩."
LEGACY = "المدرسة الأولى في حلب تستقبل الطلاب الجدد هذا العام، وقال المدير إن الدروس تبدأ غدا."


def stored_documents(index_dir):
    """{id: stored fields} of every searchable record in the index."""
    ix = store.open_index(index_dir)
    with ix.searcher() as searcher:
        return {doc["id"]: doc for doc in searcher.documents(kind=store.KIND_RECORD)}


def counts(report):
    return report.added, report.updated, report.removed, report.unchanged


def write(path, content, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return path


@pytest.fixture
def docs(tmp_path):
    """A folder with one file of each kind the indexer meets in the wild."""
    root = tmp_path / "docs"
    write(root / "news.txt", NEWS + "\nسطر ثان")
    write(root / "legacy" / "cp1256.txt", LEGACY.encode("cp1256"))
    write(root / "utf16.txt", LEGACY.encode("utf-16"))
    write(root / "bom.txt", b"\xef\xbb\xbf" + "عنوان بترميز BOM\nنص".encode("utf-8"))
    write(root / "image.txt", bytes(range(256)) * 4)
    write(root / "empty.txt", b"")
    write(root / "notes.md", "مقدمة قصيرة\n\n## ملاحظات [أولى]\n\nنص الملاحظة عن الرقة.")
    write(
        root / "page.html",
        "<html><head><title>صفحة الأخبار</title><style>p {color: red}</style></head>"
        "<body><script>var x = 'لا تفهرس';</script><p>خبر عن <b>الرقة</b> اليوم</p></body></html>",
    )
    write(
        root / "records.jsonl",
        '{"id": "r1", "title": "الأول", "text": "نص السجل الأول", "source": "وكالة"}\n'
        "{broken json\n"
        '{"body": "سجل بلا معرف"}\n'
        '{"id": "r4", "title": "بلا نص"}\n',
    )
    write(root / "array.json", json.dumps([{"content": "عنصر أول"}, {"text": "عنصر ثان", "id": 7}]))
    write(root / "table.csv", "a,b\n1,2\n")
    write(root / ".hidden" / "secret.txt", "لا يفهرس")
    return root


def test_each_format_and_encoding_becomes_the_expected_records(docs, tmp_path):
    report = index_paths([docs], tmp_path / "index")
    found = stored_documents(tmp_path / "index")
    assert sorted(found) == sorted(
        [
            "news.txt", "legacy/cp1256.txt", "utf16.txt", "bom.txt", "notes.md", "page.html",
            "r1", "records.jsonl:3", "array.json#1", "7",
        ]
    )
    assert found["legacy/cp1256.txt"]["body"] == LEGACY
    assert found["utf16.txt"]["body"] == LEGACY
    assert found["bom.txt"]["title"] == "عنوان بترميز BOM"
    assert found["news.txt"]["title"] == NEWS
    assert found["notes.md"]["title"] == "ملاحظات [أولى]"
    assert found["page.html"]["title"] == "صفحة الأخبار"
    assert found["page.html"]["body"] == "خبر عن\nالرقة\nاليوم"
    assert found["r1"]["source"] == "وكالة"
    assert found["records.jsonl:3"]["title"] == "سجل بلا معرف"
    assert counts(report) == (10, 0, 0, 0)
    # Locations live in each file's state (search.filestate), not in the records.
    with IndexSearcher(tmp_path / "index") as searcher:
        locations = {hit.id: hit.location for hit in searcher.search("سجل OR عنصر", limit=20).hits}
    assert locations == {"r1": "line 1", "records.jsonl:3": "line 3", "array.json#1": "item 1",
                         "7": "item 2"}


def test_bad_input_is_skipped_with_a_reason_and_never_aborts(docs, tmp_path):
    report = index_paths([docs], tmp_path / "index")
    reasons = sorted(item.split(docs.name + "/", 1)[1] for item in report.skipped)
    assert reasons == [
        "empty.txt: empty file",
        "image.txt: binary file",
        "records.jsonl line 2: Expecting property name enclosed in double quotes:"
        " line 1 column 2 (char 1)",
        "records.jsonl line 4: no text, body or content",
        "table.csv: unsupported file type",
    ]


def test_unchanged_files_are_not_read_again(docs, tmp_path, monkeypatch):
    index_paths([docs], tmp_path / "index")
    first_skipped = index_paths([docs], tmp_path / "index", rebuild=True).skipped

    def read_file_again(source):
        pytest.fail(f"{source.display} was read again")

    monkeypatch.setattr(indexer, "read_file", read_file_again)
    report = index_paths([docs], tmp_path / "index")
    assert counts(report) == (0, 0, 0, 10)
    assert sorted(report.skipped) == sorted(first_skipped)


def test_changed_added_and_deleted_files_are_mirrored(docs, tmp_path):
    index_dir = tmp_path / "index"
    index_paths([docs], index_dir)
    write(docs / "news.txt", "خبر جديد عن أثريا")
    write(docs / "more" / "new.txt", "ملف جديد")
    (docs / "notes.md").unlink()
    report = index_paths([docs], index_dir)
    assert counts(report) == (1, 1, 1, 8)
    found = stored_documents(index_dir)
    assert found["news.txt"]["body"] == "خبر جديد عن أثريا"
    assert "more/new.txt" in found and "notes.md" not in found


def test_many_small_runs_merge_their_segments_and_keep_every_record(tmp_path):
    """Whoosh merges small segments at a commit (MERGE_SMALL), reading an ID field's
    inlined postings back with "" for their values: the sixth one-file run failed with
    "TypeError: can't concat str to bytearray", and so did every run after it."""
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    for number in range(1, 13):
        write(docs / f"d{number}.txt", f"خبر رقم {number} عن المدرسة، (ISO {number}) في أَثْرِيَا؟")
        assert counts(index_paths([docs], index_dir)) == (1, 0, 0, number - 1)
    write(docs / "d1.txt", "خبر معدل عن المكتبة")
    (docs / "d2.txt").unlink()
    assert counts(index_paths([docs], index_dir)) == (0, 1, 1, 10)
    found = stored_documents(index_dir)
    assert sorted(found) == sorted(f"d{number}.txt" for number in range(1, 13) if number != 2)
    assert found["d1.txt"]["body"] == "خبر معدل عن المكتبة"
    with IndexSearcher(index_dir) as searcher:
        assert searcher.search("أثريا", limit=20).total == 10
        assert searcher.search("المكتبة").total == 1


def test_a_touched_file_with_the_same_bytes_is_unchanged(docs, tmp_path):
    index_paths([docs], tmp_path / "index")
    os.utime(docs / "news.txt", ns=(1, 1))
    assert counts(index_paths([docs], tmp_path / "index")) == (0, 0, 0, 10)


def test_only_changed_jsonl_records_are_reindexed(tmp_path):
    lines = [{"id": f"n{i}", "text": f"خبر رقم {i}"} for i in range(5)]
    feed = write(tmp_path / "docs" / "feed.jsonl", "\n".join(map(json.dumps, lines)))
    index_paths([feed.parent], tmp_path / "index")
    lines[2]["text"] = "خبر معدل"
    del lines[4]
    lines.append({"id": "n9", "text": "خبر إضافي"})
    write(feed, "\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    report = index_paths([feed.parent], tmp_path / "index")
    assert counts(report) == (1, 1, 1, 3)
    assert stored_documents(tmp_path / "index")["n2"]["body"] == "خبر معدل"


def test_files_outside_the_given_path_are_kept(docs, tmp_path):
    other = write(tmp_path / "other" / "a.txt", "نص آخر").parent
    index_dir = tmp_path / "index"
    index_paths([docs, other], index_dir)
    report = index_paths([other], index_dir)
    assert counts(report) == (0, 0, 0, 1)
    assert len(stored_documents(index_dir)) == 11


def test_the_index_folder_inside_the_indexed_tree_is_not_indexed(docs):
    index_dir = docs / "index"
    index_paths([docs], index_dir)
    report = index_paths([docs], index_dir)
    assert counts(report) == (0, 0, 0, 10)
    assert not any("index/" in item for item in report.skipped)


def test_rebuild_starts_afresh_and_keeps_hidden_files(docs, tmp_path):
    index_dir = tmp_path / "index"
    write(index_dir / ".gitkeep", "")
    index_paths([docs], index_dir)
    report = index_paths([docs], index_dir, rebuild=True)
    assert counts(report) == (10, 0, 0, 0)
    assert (index_dir / ".gitkeep").exists()
    assert not list(tmp_path.glob(".index.*"))


def test_another_analyzer_version_is_refused_until_rebuild(docs, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    index_paths([docs], index_dir)
    monkeypatch.setattr(store, "ANALYZER_VERSION", "0-old")
    with pytest.raises(SearchError, match="--rebuild"):
        index_paths([docs], index_dir)
    assert counts(index_paths([docs], index_dir, rebuild=True)) == (10, 0, 0, 0)
    assert store.version_mismatch(index_dir) is None


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_a_folder_that_is_not_an_index_is_never_written_into(docs, tmp_path, rebuild):
    precious = write(tmp_path / "mine" / "thesis.txt", "رسالتي")
    with pytest.raises(SearchError, match="not a search index"):
        index_paths([docs], precious.parent, rebuild=rebuild)
    assert [p.name for p in precious.parent.iterdir()] == ["thesis.txt"]


def test_a_missing_path_is_an_error(tmp_path):
    with pytest.raises(SearchError, match="no such file or folder"):
        index_paths([tmp_path / "nowhere"], tmp_path / "index")


def test_a_second_writer_gets_a_clear_error(docs, tmp_path):
    index_dir = tmp_path / "index"
    index_paths([docs], index_dir)
    lock = store.open_index(index_dir).lock("WRITELOCK")
    assert lock.acquire(blocking=False)
    try:
        write(docs / "news.txt", "تغيير")
        with pytest.raises(SearchError, match="another `search index`"):
            index_paths([docs], index_dir)
        with pytest.raises(SearchError, match="another `search index`"):
            index_paths([docs], index_dir, rebuild=True)
    finally:
        lock.release()


@pytest.mark.parametrize(
    "workers, threshold",
    [(1, 0), (2, "all"), (2, 0)],
    ids=["one-process", "workers-waiting-for-text", "workers-started"],
)
def test_an_interrupted_run_keeps_the_last_commit_and_a_rerun_finishes(
    docs, tmp_path, monkeypatch, workers, threshold
):
    index_dir = tmp_path / "index"
    index_paths([docs], index_dir)
    for number in range(5):
        write(docs / "batch" / f"{number}.txt", f"وثيقة جديدة {number}")
    if threshold == "all":  # a writer for workers, which waits for more text than there is
        threshold = sum(path.stat().st_size for path in (docs / "batch").iterdir())
    monkeypatch.setattr(indexer, "default_workers", lambda: workers)
    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD_BYTES", threshold)
    real_read_file = indexer.read_file
    calls = []

    def interrupted_read_file(source):
        calls.append(source)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_read_file(source)

    monkeypatch.setattr(indexer, "read_file", interrupted_read_file)
    with pytest.raises(KeyboardInterrupt):
        index_paths([docs], index_dir)
    assert len(stored_documents(index_dir)) == 10
    monkeypatch.setattr(indexer, "read_file", real_read_file)
    assert counts(index_paths([docs], index_dir)) == (5, 0, 0, 10)


def _lock_is_held(index_dir):
    lock = store.open_index(index_dir).lock("WRITELOCK")
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


@pytest.mark.slow
def test_a_killed_indexing_process_leaves_the_previous_index_searchable(docs, tmp_path):
    index_dir = tmp_path / "index"
    index_paths([docs], index_dir)
    paragraph = " ".join(["وَبِالْمَدْرَسَةِ الأولى طلاب كثيرون في أثريا والرقة"] * 600)
    for number in range(300):
        write(docs / "bulk" / f"{number:03}.txt", f"{number} {paragraph}")
    process = subprocess.Popen(
        [sys.executable, "-m", "search", "index", "--quiet", "--index", str(index_dir), str(docs)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _lock_is_held(index_dir) and process.poll() is None:
            assert time.monotonic() < deadline, "the indexing run never took the write lock"
            time.sleep(0.01)
        assert process.poll() is None, "the run finished before it could be killed"
        time.sleep(0.3)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert len(stored_documents(index_dir)) == 10
    assert counts(index_paths([docs], index_dir)) == (300, 0, 0, 10)


def test_a_file_name_in_another_encoding_is_skipped_with_a_reason(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "ok.txt").write_text("ملف عادي", encoding="utf-8")
    with open(os.fsencode(root) + b"/caf\xe9.txt", "wb") as latin1_named:
        latin1_named.write("نص في ملف باسم بترميز آخر".encode("utf-8"))
    report = index_paths([root], tmp_path / "index")
    assert counts(report) == (1, 0, 0, 0)
    assert report.skipped == [f"{root}/caf\\xe9.txt: the file name is not UTF-8; rename the file to index it"]
    assert counts(index_paths([root], tmp_path / "index")) == (0, 0, 0, 1)


class RecordingProgress(indexer.Progress):
    def __init__(self):
        self.events = []

    def start(self, files, total_bytes):
        self.events.append(("start", files, total_bytes))

    def advance(self, source, done):
        self.events.append(("advance", source.path.name, done))

    def committing(self):
        self.events.append(("committing",))


@pytest.mark.parametrize("encoding", ["utf-8", "cp1256"], ids=["read-by-line", "decoded-whole"])
def test_progress_advances_inside_a_jsonl_file_up_to_its_size(tmp_path, monkeypatch, encoding):
    monkeypatch.setattr(indexer, "PROGRESS_STEP_BYTES", 500)
    root = tmp_path / "docs"
    lines = [json.dumps({"id": f"n{i}", "text": f"{LEGACY} {i}"}, ensure_ascii=False) for i in range(40)]
    write(root / "feed.jsonl", "\n".join(lines), encoding=encoding)
    write(root / "news.txt", NEWS)
    sizes = {path.name: path.stat().st_size for path in root.iterdir()}
    progress = RecordingProgress()
    index_paths([root], tmp_path / "index", progress=progress)
    assert progress.events[0] == ("start", 2, sum(sizes.values()))
    assert progress.events[-1] == ("committing",)
    feed = [event[2] for event in progress.events if event[:2] == ("advance", "feed.jsonl")]
    assert len(feed) > 5  # about one per 500 bytes of its 4,500 (cp1256) or 7,000
    assert feed == sorted(set(feed))
    assert feed[-1] == sizes["feed.jsonl"]
    assert ("advance", "news.txt", sizes["news.txt"]) in progress.events


def test_progress_says_when_a_large_run_commits_on_the_way(tmp_path, monkeypatch):
    monkeypatch.setattr(indexer, "COMMIT_EVERY_BYTES", 1)
    root = tmp_path / "docs"
    first = write(root / "a.txt", NEWS)
    second = write(root / "b.txt", LEGACY)
    progress = RecordingProgress()
    index_paths([root], tmp_path / "index", progress=progress)
    assert progress.events == [
        ("start", 2, first.stat().st_size + second.stat().st_size),
        ("advance", "a.txt", first.stat().st_size),
        ("committing",),
        ("advance", "b.txt", second.stat().st_size),
        ("committing",),
        ("committing",),
    ]


class WritingProgress(RecordingProgress):
    def writing(self, done, total):
        self.events.append(("writing", done, total))


@pytest.mark.parametrize(
    "workers, shared", [(1, False), (2, False), (2, True)], ids=["one-process", "two-workers", "with-a-helper"]
)
def test_progress_tells_how_far_writing_the_postings_has_got(
    tmp_path, monkeypatch, share_the_write, workers, shared
):
    """Also when workers index: they hand their runs over and this process writes them,
    or a helper process writes part of them (whoosh_pool.TermRangeHelper)."""
    monkeypatch.setattr(indexer, "POOL_MB", 0.01)  # postings spilled to runs, then merged
    joined = []
    if shared:
        joined = share_the_write()
        monkeypatch.setattr(whoosh_pool, "JOIN_POLL_SECONDS", 0.001)
    monkeypatch.setattr(indexer, "default_workers", lambda: workers)
    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD_BYTES", 0)
    root = tmp_path / "docs"
    lines = [json.dumps({"id": f"n{i}", "text": f"{LEGACY} {NEWS} {i}"}, ensure_ascii=False) for i in range(30)]
    write(root / "feed.jsonl", "\n".join(lines))
    progress = WritingProgress()
    index_paths([root], tmp_path / "index", progress=progress)
    kinds = [event[0] for event in progress.events]
    assert kinds.index("committing") < kinds.index("writing")
    writing = [event[1:] for event in progress.events if event[0] == "writing"]
    # With a helper, how many steps show depends on where the split falls and on when
    # the helper is polled.
    assert len(writing) > (3 if shared else 10)
    total = writing[-1][1]
    assert writing[-1] == (total, total) and total > 30 * len(NEWS)
    assert [done for done, _ in writing] == sorted({done for done, _ in writing})
    assert {size for _, size in writing} == {total}
    assert joined == ([True] if shared else [])


def test_a_rerun_parses_only_the_changed_lines_of_a_jsonl_file(tmp_path, monkeypatch):
    lines = [{"id": f"n{i}", "text": f"خبر رقم {i} عن المدرسة"} for i in range(20)]
    feed = write(
        tmp_path / "docs" / "feed.jsonl", "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    )
    index_dir = tmp_path / "index"
    index_paths([feed.parent], index_dir)
    os.utime(feed, ns=(1, 1))  # the same bytes: the line digests are carried over
    assert counts(index_paths([feed.parent], index_dir)) == (0, 0, 0, 20)
    lines[7]["text"] = "خبر معدل عن المكتبة"
    del lines[0]  # every other line moves up
    write(feed, "\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    parsed = []
    real_json_record = documents.json_record

    def json_record(item, *args):
        parsed.append(item["id"])
        return real_json_record(item, *args)

    monkeypatch.setattr(documents, "json_record", json_record)
    assert counts(index_paths([feed.parent], index_dir)) == (0, 1, 1, 18)
    assert parsed == ["n7"]
    found = stored_documents(index_dir)
    assert found["n7"]["body"] == "خبر معدل عن المكتبة" and "n0" not in found
    with IndexSearcher(index_dir) as searcher:
        hits = searcher.search("المدرسة OR المكتبة", limit=30).hits
    assert {hit.id: hit.location for hit in hits} == {f"n{i}": f"line {i}" for i in range(1, 20)}
    # Counted, not read, once unchanged: the replaced and removed records are not counted.
    assert counts(index_paths([feed.parent], index_dir)) == (0, 0, 0, 19)


def test_a_jsonl_file_rewritten_while_indexed_is_read_again_next_time(tmp_path, monkeypatch):
    lines = [json.dumps({"id": f"n{i}", "text": f"خبر رقم {i}"}, ensure_ascii=False) for i in range(3)]
    feed = write(tmp_path / "docs" / "feed.jsonl", "\n".join(lines))
    found = os.stat(feed)
    index_dir = tmp_path / "index"
    real_parse_file = indexer.parse_file

    def parse_then_rewrite(source, content, known):
        parsed = real_parse_file(source, content, known)
        write(feed, "\n".join([lines[0], lines[1].replace("رقم", "عدد"), lines[2]]))
        return parsed

    monkeypatch.setattr(indexer, "parse_file", parse_then_rewrite)
    report = index_paths([feed.parent], index_dir)
    assert report.skipped == [f"{feed}: changed while being indexed; index again"]
    assert sorted(stored_documents(index_dir)) == ["n0", "n2"]
    monkeypatch.setattr(indexer, "parse_file", real_parse_file)
    write(feed, "\n".join(lines))
    os.utime(feed, ns=(found.st_atime_ns, found.st_mtime_ns))  # as it was found
    assert counts(index_paths([feed.parent], index_dir)) == (1, 0, 0, 2)


@pytest.mark.parametrize("cores, expected", [(1, 1), (2, 2), (16, 2)])
def test_two_workers_by_default_where_there_are_the_cores(monkeypatch, cores, expected):
    monkeypatch.setattr(indexer.os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert indexer.default_workers() == expected
