"""Opening an index through mapped files gives the same index as Whoosh's storage, uncopied."""

import io
import mmap
import os

import pytest
from whoosh.filedb import structfile

from search import store
from search.indexer import index_paths
from search.whoosh_storage import MappedFile, MappedFileStorage
from test_whoosh_pool import QUERIES, answers, index_postings, records, write_jsonl


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An index of real Arabic records, written in two commits (two segments)."""
    scratch = tmp_path_factory.mktemp("storage")
    rows = records(80)
    docs = write_jsonl(scratch / "docs", rows[:40])
    index_dir = scratch / "index"
    index_paths([docs], index_dir)
    write_jsonl(scratch / "more", rows[40:])
    index_paths([docs, scratch / "more"], index_dir)
    return index_dir


def stored(ix) -> list:
    with ix.searcher() as searcher:
        return list(searcher.all_stored_fields())


def test_same_postings_stored_fields_and_answers_as_whoosh_storage(built, monkeypatch):
    ours = store.open_index(built)
    assert isinstance(ours.storage, MappedFileStorage)
    mapped = index_postings(ours), stored(ours), answers(built)
    monkeypatch.setattr(MappedFileStorage, "copies", True)
    whoosh = store.open_index(built)
    assert whoosh.storage.supports_mmap, "read as Whoosh's own storage reads"
    assert mapped == (index_postings(whoosh), stored(whoosh), answers(built))
    assert any(mapped[2]), f"the queries {QUERIES} find something"


@pytest.mark.parametrize("copied", [False, True], ids=["mapped", "whoosh-copies"])
def test_segment_files_are_mapped_not_copied(built, monkeypatch, copied):
    monkeypatch.setattr(MappedFileStorage, "copies", copied)
    sizes = []

    def counting_bytes_io(buffer=b""):
        sizes.append(len(buffer))
        return io.BytesIO(buffer)

    monkeypatch.setattr(structfile, "BytesIO", counting_bytes_io)
    with store.open_index(built).searcher() as searcher:
        assert searcher.document_number(id="r3") is not None
    assert (sum(sizes) > 10_000) is copied


@pytest.fixture
def inner(tmp_path):
    """The file "مرحبا" (UTF-8, 10 bytes) at offset 3 of a larger file, mapped."""
    path = tmp_path / "compound"
    path.write_bytes(b"abc" + "مرحبا".encode("utf-8") + b"xyz")
    with path.open("rb") as container:
        file = MappedFile(container.fileno(), 3, 10, name="inner")
    yield file
    if not file.is_closed:
        file.close()


@pytest.mark.parametrize(
    "moves, expected",
    [
        ([("read", -1)], "مرحبا".encode("utf-8")),
        ([("read", None)], "مرحبا".encode("utf-8")),
        ([("read", 4)], "مر".encode("utf-8")),
        ([("read", 100)], "مرحبا".encode("utf-8")),
        ([("seek", 8, os.SEEK_SET), ("read", -1)], "ا".encode("utf-8")),
        ([("read", 2), ("seek", 2, os.SEEK_CUR), ("read", 2)], "ح".encode("utf-8")),
        ([("seek", -2, os.SEEK_END), ("read", -1)], "ا".encode("utf-8")),
        ([("seek", 10, os.SEEK_SET), ("read", 5)], b""),
    ],
    ids=["all", "all-none", "some", "past-the-end", "seek-set", "seek-cur", "seek-end", "at-end"],
)
def test_a_mapped_file_reads_only_its_range(inner, moves, expected):
    for name, *arguments in moves:
        result = getattr(inner, name)(*arguments)
    assert result == expected


def test_a_mapped_file_tells_and_gets_within_its_range(inner):
    inner.seek(4)
    assert inner.tell() == 4
    assert inner.get(0, 2) == "م".encode("utf-8")
    assert inner.read_byte() == "ح".encode("utf-8")[0]
    assert inner.tell() == 5


def test_closing_a_mapped_file_unmaps_it(inner):
    mapping = inner.file
    inner.close()
    assert inner.is_closed and mapping.closed
    with pytest.raises(ValueError):
        inner.close()


def test_a_view_still_alive_keeps_the_mapping_until_it_goes(inner):
    view = memoryview(inner.file)
    inner.close()
    assert inner.is_closed and isinstance(inner.file, mmap.mmap)
    view.release()
