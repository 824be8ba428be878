"""JSON Lines files read a line at a time: the same records as read whole, in bounded memory."""

import codecs
import errno
import json
import os
import tracemalloc

import pytest

from search import documents
from search.documents import JsonLinesFile, SkipFile, line_digest, parse_file, read_file
from search.filestate import NO_DIGEST, FileState


def record_line(record_id, text, **fields):
    return json.dumps({"id": record_id, "text": text, **fields}, ensure_ascii=False)


def source_of(path):
    (source,) = documents.discover(path)
    return source


def as_read_whole(source, data):
    """(records, problems) as the indexer read a JSON Lines file before: decoded whole."""
    parsed = parse_file(source, data)
    records = [(r.id, r.text, r.title, r.location) for r in parsed.records]
    return records, parsed.problems


def as_read(source):
    """(records, problems, content kind) through read_file and parse_file."""
    sha, content = read_file(source)
    kind = type(content).__name__
    parsed = parse_file(source, content)
    records = [(r.id, r.text, r.title, r.location) for r in parsed.records]
    return records, parsed.problems, kind


PLAIN = [
    (record_line("r1", "نص السجل الأول") + "\n" + record_line("r2", "نص السجل الثاني") + "\n").encode(),
    (record_line("r1", "سطر بنهاية ويندوز") + "\r\n" + record_line("r2", "وآخر") + "\r\n").encode(),
    (record_line("r1", "بلا سطر أخير") + "\n" + record_line("r2", "آخر سطر")).encode(),
    ("\n\n" + record_line("r1", "بعد سطرين فارغين") + "\n \t\n").encode(),
    ("\u00a0\u3000\n" + record_line("r1", "بعد سطر من مسافات يونيكود") + "\n").encode(),
    ("{broken json\n" + record_line("r2", "بعد سطر معطوب") + "\n").encode(),
    ('{"text": "سجل بلا معرف"}\n{"id": "x", "title": "بلا نص"}\n').encode(),
    ('{"id": "s", "text": "\\ud83d نص بنصف زوج"}\n' + record_line("r2", "سليم") + "\n").encode(),
    ("[" * 600 + "]" * 600 + "\n" + record_line("r2", "بعد عمق مفرط") + "\n").encode(),
    (record_line("dup", "الأول") + "\n" + record_line("dup", "الثاني") + "\n").encode(),
    ('"نص وحده"\n' + record_line(7, "معرف رقمي", date="2020") + "\n").encode(),
]
PLAIN_IDS = [
    "lf", "crlf", "no-final-newline", "blank-lines", "unicode-blank-line", "bad-line",
    "no-id-and-no-text", "lone-surrogate", "too-deep", "duplicate-ids", "not-an-object",
]


@pytest.mark.parametrize("data", PLAIN, ids=PLAIN_IDS)
def test_plain_utf8_is_streamed_into_the_records_read_whole(tmp_path, data):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(data)
    source = source_of(path)
    records, problems, kind = as_read(source)
    assert kind == "JsonLinesFile"
    assert (records, problems) == as_read_whole(source, data)


LEGACY_LINE = record_line("legacy", "المدرسة الأولى في حلب")
OTHER = [
    codecs.BOM_UTF8 + (record_line("r1", "بعلامة ترتيب") + "\n").encode(),
    (record_line("r1", "بترميز ستة عشر") + "\n").encode("utf-16"),
    (record_line("r1", "بترميز ستة عشر") + "\n").encode("utf-16-le"),
    (LEGACY_LINE + "\n").encode("cp1256"),
    (record_line("r1", "سطر سليم") + "\n").encode() + (LEGACY_LINE + "\n").encode("cp1256"),
    (record_line("r1", "سطر سليم") + "\n").encode() + b'{"id": "n", "text": "a\x00b"}\n',
    (record_line("r1", "سطر سليم") + "\n").encode() + b'{"id": "s", "text": "\xed\xa0\xbd"}\n',
]
OTHER_IDS = [
    "utf8-bom", "utf16-bom", "utf16-no-bom", "cp1256", "utf8-and-cp1256-lines", "nul",
    "encoded-lone-surrogate",
]


@pytest.mark.parametrize("data", OTHER, ids=OTHER_IDS)
def test_other_encodings_are_read_whole_as_before(tmp_path, data):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(data)
    source = source_of(path)
    try:
        expected = as_read_whole(source, data)
    except SkipFile as reason:
        with pytest.raises(SkipFile, match=str(reason)):
            as_read(source)
        return
    records, problems, _ = as_read(source)
    assert (records, problems) == expected


def test_a_large_file_is_never_whole_in_memory(tmp_path):
    text = "وقال الشيخ رحمه الله في كتابه عن العلم والعمل " * 80  # about 7 kB a line
    path = tmp_path / "large.jsonl"
    path.write_text("".join(record_line(f"r{n}", text) + "\n" for n in range(600)), encoding="utf-8")
    source = source_of(path)
    assert source.size > 4_000_000
    tracemalloc.start()
    try:
        sha, content = read_file(source)
        parsed = parse_file(source, content)
        count = sum(1 for _ in parsed.records)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 600
    assert parsed.position == source.size
    assert peak < source.size / 4  # read whole: its bytes and its text, twice its size


def test_known_lines_are_not_parsed_again(tmp_path, monkeypatch):
    lines = [record_line(f"r{n}", f"خبر رقم {n}") for n in range(5)] + ['{"text": "سجل بلا معرف"}']
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    known = {line_digest(lines[n].encode()): f"r{n}" for n in (0, 1, 3)}
    parsed_ids = []
    real_json_record = documents.json_record

    def json_record(item, *args):
        parsed_ids.append(item.get("id"))
        return real_json_record(item, *args)

    monkeypatch.setattr(documents, "json_record", json_record)
    source = source_of(path)
    records = list(parse_file(source, read_file(source)[1], known).records)
    assert parsed_ids == ["r2", "r4", None]
    assert [(type(r).__name__, r.id, r.location) for r in records] == [
        ("KnownRecord", "r0", "line 1"), ("KnownRecord", "r1", "line 2"), ("Record", "r2", "line 3"),
        ("KnownRecord", "r3", "line 4"), ("Record", "r4", "line 5"), ("Record", "feed.jsonl:6", "line 6"),
    ]
    # A record known by its place has no digest: moving the line changes its id.
    assert [r.line_digest != "" for r in records] == [True] * 5 + [False]


def test_a_file_rewritten_after_it_was_hashed_is_skipped(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(record_line("r1", "النص الأول") + "\n", encoding="utf-8")
    source = source_of(path)
    sha, content = read_file(source)
    path.write_text(record_line("r1", "النص الآخر") + "\n", encoding="utf-8")  # same size
    with pytest.raises(SkipFile, match="changed while being indexed; index again"):
        parse_file(source, content)


def test_a_line_rewritten_while_records_are_read_is_left_out_and_said(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [record_line("r1", "النص الأول"), record_line("r2", "النص الثاني")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = source_of(path)
    parsed = parse_file(source, read_file(source)[1])
    records = iter(parsed.records)
    assert next(records).text == "النص الأول"
    path.write_text("\n".join([lines[0], record_line("r2", "النص الآخر!")]) + "\n", encoding="utf-8")
    assert list(records) == []
    assert parsed.changed
    assert parsed.problems == [f"{source.display}: changed while being indexed; index again"]


@pytest.mark.parametrize(
    "encoded, known_lines",
    [
        (["1:2", "abc", [], "", {"r1": "line 1"}], {}),
        (["1:2", "abc", [], "", {"r1": "line 1", "r2": "line 2"}, "0123456789abcdef" + NO_DIGEST],
         {"0123456789abcdef": "r1"}),
        (["1:2", "abc", [], "", {"r1": "line 1", "r2": "line 2"}, "0123456789abcdef"], {}),
    ],
    ids=["before-digests", "with-digests", "digests-not-matching-locations"],
)
def test_file_state_known_lines(encoded, known_lines):
    state = FileState.decode(json.dumps(encoded).encode())
    assert state.known_lines() == known_lines
    assert FileState.decode(state.encode()).known_lines() == known_lines


def test_json_lines_file_reads_no_more_than_the_size_found(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(record_line("r1", "نص") + "\n", encoding="utf-8")
    source = source_of(path)
    sha, content = read_file(source)
    with open(path, "a", encoding="utf-8") as more:
        more.write(record_line("r2", "سطر أضيف بعد الاكتشاف") + "\n")
    assert isinstance(content, JsonLinesFile)
    parsed = parse_file(source, content)
    assert [r.id for r in parsed.records] == ["r1"]
    assert not parsed.changed


def test_a_read_error_inside_a_jsonl_file_is_the_files_problem(tmp_path, monkeypatch):
    path = tmp_path / "feed.jsonl"
    lines = [record_line("r1", "النص الأول"), record_line("r2", "النص الثاني")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = source_of(path)
    parsed = parse_file(source, read_file(source)[1])

    def read_line(self, offset, length):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(JsonLinesFile, "read_line", read_line)
    assert list(parsed.records) == []
    assert parsed.changed
    assert parsed.problems == [f"{source.display}: unreadable (Input/output error)"]
