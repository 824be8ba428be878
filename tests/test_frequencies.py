"""Each segment's frequency file (search.frequencies): gathered as the segment is written
(or read back from it), named after the commit, read by searches in place of the posting
blocks with the same sums and answers, and never trusted when it is missing, stale or
damaged."""

import hashlib
import inspect
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import fields as whoosh_fields
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.index import TOC

from search import frequencies, store
from search import query as search_query
from search.cli import cli
from search.indexer import index_paths

WORDS = ["المدرسة", "مَدْرَسَةٌ", "والمدرسة", "بالمدرسه", "مدارس", "كتاب", "الكتب", "مكتبة", "أثريا", "اثريا"]


def write_records(path: Path, first: int, count: int) -> Path:
    """JSON lines of Arabic records: words repeated (frequencies above 1), diacritics,
    Latin, digits and Arabic punctuation; a title field."""
    rows = []
    for n in range(first, first + count):
        words = [WORDS[(n * 3 + k) % len(WORDS)] for k in range(1 + n % 4)]
        text = " ".join(words * (1 + n % 3)) + f"، رقم {n} (ISO 9001)؛ هل {WORDS[n % len(WORDS)]}؟"
        rows.append({"id": f"r{n}", "title": f"{WORDS[n % 5]} {n % 7}", "text": text})
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    return path


def leaves(index_dir: Path):
    reader = store.open_index(index_dir).reader()
    return reader, ([leaf for leaf, _ in reader.leaf_readers()] if not reader.is_atomic() else [reader])


def whoosh_occurrences(leaf, fieldname: str, term: bytes) -> list[int]:
    """Each document holding the term, as many times as it does, through Whoosh's matcher."""
    found = []
    postings = leaf._terms.matcher(fieldname, term, leaf.schema[fieldname].format)
    while postings.is_active():
        found.extend([postings.id()] * int(postings.weight()))
        postings.next()
    return found


@pytest.fixture
def two_segments(tmp_path):
    """An index of two segments, one with deleted records (a file rewritten)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_records(docs / "a.jsonl", 0, 300)
    index_dir = tmp_path / "index"
    index_paths([docs], index_dir)
    write_records(docs / "b.jsonl", 300, 200)
    rows = (docs / "a.jsonl").read_text(encoding="utf-8").splitlines()
    (docs / "a.jsonl").write_text("\n".join(rows[::2]), encoding="utf-8")  # half the records gone
    index_paths([docs], index_dir)
    return index_dir


def test_each_segment_has_a_file_with_every_title_and_body_terms_occurrences(two_segments):
    reader, segments = leaves(two_segments)
    with reader:
        assert len(segments) == 2 and sorted(leaf.has_deletions() for leaf in segments) == [False, True]
        names = {frequencies.file_name(leaf._segment.segment_id()) for leaf in segments}
        assert {path.name for path in two_segments.glob("*.frequencies")} == names
        for leaf in segments:
            stored = frequencies.frequency_file(leaf)
            assert stored is not None
            terms = [(field, term) for field, term in leaf._terms.terms() if field in ("title", "body", "roots")]
            assert {field for field, _ in terms} == {"title", "body", "roots"}
            for field, term in terms:
                found = stored.occurrences(field, term.decode("utf-8"))
                if field == "roots":
                    assert found is None  # not summed as a family: not in the file
                else:
                    # deleted documents included: the reader leaves them out
                    assert list(found) == whoosh_occurrences(leaf, field, term), (field, term.decode())
            assert stored.occurrences("body", "غائبة") is None
            assert stored.occurrences("body", "\udc80") is None


FORMS = tuple((form, 1.0) for form in ("مدرسه", "المدرسه", "والمدرسه", "بالمدرسه", "مدارس", "غائبه"))
WEIGHTED = (("كتاب", 0.5), ("الكتب", 1.0), ("مكتبه", 0.25), ("اثريا", 1.0))


def family_sums(leaf, with_file: bool, monkeypatch):
    """Sums of families in both fields: forms of factor 1 (one the index lacks, typed or
    not), and forms of other factors."""
    found = {}
    with monkeypatch.context() as patch:
        if not with_file:
            patch.setattr(search_query, "frequency_file", lambda reader: None)
        for field in ("title", "body"):
            for family, typed in ((FORMS, "مدرسه"), (WEIGHTED, "الكتب"), (FORMS, "غائبه")):
                found[field, typed, family] = search_query._summed_postings(leaf, field, family, typed)
    return found


def test_sums_and_answers_are_the_same_as_from_the_blocks(two_segments, monkeypatch):
    reader, segments = leaves(two_segments)
    with reader:
        for leaf in segments:
            from_file = family_sums(leaf, True, monkeypatch)
            from_blocks = family_sums(leaf, False, monkeypatch)
            assert from_file == from_blocks
            assert from_file["title", "مدرسه", FORMS][0] and from_file["body", "الكتب", WEIGHTED][0]
            assert not from_file["body", "غائبه", FORMS][1]  # the form typed is in no record
            deleted = leaf.deleted_docs_set
            assert not any(deleted & sums[0].keys() for sums in from_file.values())
    runner = CliRunner()
    queries = ["مدرسة", "الكتب", "مكتبة أثريا", '"المدرسة كتاب"', "title:كتاب", "مدرس*", "غائبة"]
    with_files = [runner.invoke(cli, ["query", "--json", q, "--index", str(two_segments)]) for q in queries]
    for derived in two_segments.glob("*.frequencies"):
        derived.unlink()
    without = [runner.invoke(cli, ["query", "--json", q, "--index", str(two_segments)]) for q in queries]
    for query, a, b in zip(queries, with_files, without):
        assert a.exit_code == b.exit_code and a.exit_code in (0, 1), (query, a.output, b.output)  # 1: no hit
        assert _without_timing(a.output) == _without_timing(b.output), query
    assert json.loads(with_files[0].output)["total"] > 0


def _without_timing(output: str) -> list[dict]:
    lines = [json.loads(line) for line in output.splitlines()]
    for line in lines:
        line.pop("seconds", None)
    return lines


def test_a_run_derives_what_is_missing_and_whoosh_removes_the_files_of_merged_segments(two_segments, tmp_path):
    before = {path.name for path in two_segments.glob("*.frequencies")}
    # killed between the commit and the file: searches read the blocks, a re-run writes it
    for path in two_segments.glob("*.frequencies"):
        path.unlink()
    assert CliRunner().invoke(cli, ["query", "مدرسة", "--index", str(two_segments)]).exit_code == 0
    left = two_segments / f"{'0' * 28}.tmp"  # a file being written when the run was killed
    left.write_bytes(b"partial")
    index_paths([tmp_path / "docs"], two_segments)
    assert {path.name for path in two_segments.glob("*.frequencies")} == before and not left.exists()
    # a merge into one segment: the merged segments' files go with them
    ix = store.open_index(two_segments)
    store.open_writer(ix, two_segments).commit(optimize=True)
    index_paths([tmp_path / "docs"], two_segments)
    reader, segments = leaves(two_segments)
    with reader:
        assert len(segments) == 1
        assert {path.name for path in two_segments.glob("*.frequencies")} == {
            frequencies.file_name(segments[0]._segment.segment_id())
        }
        assert frequencies.frequency_file(segments[0]) is not None


def test_files_gathered_while_writing_are_those_read_back_and_leave_nothing_behind(tmp_path, monkeypatch):
    """A run that commits on the way (each commit's segment gathers a file, most merged
    away by the next): the last segments get theirs as gathered, the same bytes as read
    back, and no temporary file stays; one whose count of documents is not its
    segment's is read back instead."""
    from search import indexer
    from tests.test_whoosh_pool import frequency_files_as_read_back, spy_on_reading_back

    docs = tmp_path / "docs"
    docs.mkdir()
    for part in range(8):  # Whoosh merges the small segments past five
        write_records(docs / f"part{part}.jsonl", part * 25, 25)
    monkeypatch.setattr(indexer, "COMMIT_EVERY_BYTES", 1)
    read_back = spy_on_reading_back(monkeypatch)
    index_paths([docs], tmp_path / "index")
    reader, segments = leaves(tmp_path / "index")
    with reader:
        assert len(segments) < 8  # merged
    assert read_back == [] and frequency_files_as_read_back(tmp_path / "index")
    assert not frequencies.PENDING
    real = frequencies.save_pending
    monkeypatch.setattr(frequencies, "save_pending", lambda entries, folder, segment, count: real(
        entries, folder, segment, count + 1
    ))
    write_records(docs / "part8.jsonl", 200, 50)
    read_back.clear()
    index_paths([docs], tmp_path / "index")
    assert read_back and frequency_files_as_read_back(tmp_path / "index")  # no .tmp left either


def test_a_damaged_file_or_entry_is_never_trusted(two_segments, monkeypatch):
    """Every byte of a small segment's file flipped in turn, and the file cut short, of
    another segment, or emptied: the sums are always the blocks' (an entry that fails its
    check is read from the blocks, a file that fails its checks is not used)."""
    reader, segments = leaves(two_segments)
    with reader:
        leaf = min(segments, key=lambda leaf: leaf.doc_count_all())
        path = two_segments / frequencies.file_name(leaf._segment.segment_id())
        pristine = path.read_bytes()
        expected = family_sums(leaf, False, monkeypatch)
        outcomes = set()

        def check(data: bytes) -> None:
            path.write_bytes(data)
            frequencies._OPENED.clear()
            stored = frequencies.frequency_file(leaf)
            outcomes.add("file refused" if stored is None else "file used")
            assert family_sums(leaf, True, monkeypatch) == expected

        for position in range(0, len(pristine), max(len(pristine) // 1500, 1)):
            damaged = bytearray(pristine)
            damaged[position] ^= 0xFF
            check(bytes(damaged))
        for data in (pristine[:-4], pristine[: len(pristine) // 2], b"", b"\0" * len(pristine)):
            check(data)
        other = next(p for p in two_segments.glob("*.frequencies") if p != path)
        check(other.read_bytes())
        assert outcomes == {"file refused", "file used"}
        path.write_bytes(pristine)
        frequencies._OPENED.clear()


def test_a_sound_looking_file_naming_documents_past_the_segment_is_dropped(two_segments, monkeypatch):
    """A file whose checks pass but which names a document the segment does not have
    (written by something else, for this segment's name): the sums are the blocks', and
    the file is not used again."""
    reader, segments = leaves(two_segments)
    with reader:
        leaf = min(segments, key=lambda leaf: leaf.doc_count_all())
        expected = family_sums(leaf, False, monkeypatch)
        real = frequencies._occurrences

        def lying(blocks):
            found = real(blocks)
            return found if found is None else found + frequencies.array("I", [leaf.doc_count_all() + 5])

        (two_segments / frequencies.file_name(leaf._segment.segment_id())).unlink()
        with monkeypatch.context() as patch:
            patch.setattr(frequencies, "_occurrences", lying)
            assert frequencies.derive(two_segments, store.open_index(two_segments)) == 1
        frequencies._OPENED.clear()
        assert frequencies.frequency_file(leaf) is not None
        assert family_sums(leaf, True, monkeypatch) == expected
        assert frequencies.frequency_file(leaf) is None


def test_frequencies_that_are_not_whole_numbers_are_read_from_the_blocks(tmp_path):
    """A field boost makes Whoosh's weights fractions: such a term has no occurrences in
    the file, and its sums come from the blocks."""
    words = RegexTokenizer() | LowercaseFilter()
    schema = whoosh_fields.Schema(
        body=whoosh_fields.TEXT(words, field_boost=1.5), title=whoosh_fields.TEXT(words)
    )
    ix = store.SafeFileStorage(str(tmp_path)).create_index(schema)
    with ix.writer() as writer:
        for n in range(40):
            writer.add_document(body=f"alpha beta{n % 3} " * (1 + n % 2), title=f"gamma {n}")
    assert frequencies.derive(tmp_path, ix) == 1
    with ix.reader() as leaf:
        stored = frequencies.frequency_file(leaf)
        assert stored is not None and list(stored.occurrences("title", "gamma")) == list(range(40))
        with pytest.raises(frequencies.Unreadable):
            stored.occurrences("body", "alpha")
        frequencies_sums = search_query._summed_postings(leaf, "body", (("alpha", 1.0), ("beta1", 1.0)), "alpha")
        postings = leaf.postings("body", "alpha")
        expected = {}
        while postings.is_active():
            expected[postings.id()] = postings.weight()
            postings.next()
        assert frequencies_sums[1] == expected and expected[1] == 3.0
    assert frequencies.derive(tmp_path, ix) == 0  # nothing missing


def test_whoosh_names_the_file_as_one_of_its_segments():
    """Whoosh's cleanup (``clean_files``) removes a file whose name its segment pattern
    matches when the segment is gone, and ``store.remove_leftovers`` keeps it while the
    segment is current; a field's terms are read from its first key in whoosh3's ordered
    term dictionary on."""
    assert frequencies.FIELDS == search_query.TEXT_FIELDS  # the fields families are summed in
    name = frequencies.file_name("MAIN_r6mtyocqu1c4bp14")
    assert TOC._segment_pattern("MAIN").match(name).group(1) == "MAIN_r6mtyocqu1c4bp14"
    assert store.is_index_file(name) and store.SEGMENT_FILE_NAME.fullmatch(name)
    assert store.is_index_file(f"{os.urandom(14).hex()}.tmp")
    for owner, method, digest in [
        (W3TermsReader, "_keycoder", "eab030b3878d7d84"),
        (OrderedHashReader, "items_from", "8a864dd0fbfe45df"),
        (OrderedHashReader, "ranges_from", "3207f12dc211c2af"),
        (whoosh_index, "clean_files", "7cafb566a7fcc42f"),
    ]:
        source = inspect.getsource(getattr(owner, method))
        assert hashlib.sha256(source.encode()).hexdigest()[:16] == digest, (owner, method)
