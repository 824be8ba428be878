"""The bulk posting pool writes the same index as Whoosh's own, spilling or not."""

import json
from pathlib import Path

import gc
import os
import sys

import pytest
from whoosh.filedb.filestore import RamStorage
from whoosh.index import LockError
from whoosh.util.numeric import length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

from search import frequencies, indexer, store, whoosh_pool
from search.indexer import index_paths
from search.searching import IndexSearcher
from search.whoosh_pool import BulkPostingPool, PooledSegmentWriter

SEED = (Path(__file__).resolve().parent.parent / "seeds").glob("*.txt")
SENTENCES = [line for path in SEED for line in path.read_text(encoding="utf-8").splitlines() if line]
DIACRITIZED = [
    "بَابُ السِّحْرِ وَحُكْمُ السَّاحِرِ قَالَ اللَّهُ تَعَالَى",
    "وَالْمَدْرَسَةُ الأُولَى فِي حَلَبَ تَسْتَقْبِلُ الطُّلَّابَ",
    "قَالَ أَبُو بَكْرٍ : الْوَاجِبُ أَنْ نُقَدِّمَ الْقَوْلَ فِي السِّحْرِ",
]
QUERIES = ["داعش", "النظام السوري", '"الدفاع الوطني"', "السحر", "title:المدرسة", "مدارس OR طريق"]


def records(count: int) -> list[dict]:
    """Real Arabic records: seed sentences and diacritized lines, in varying mixes."""
    lines = SENTENCES + DIACRITIZED
    return [
        {
            "id": f"r{number}",
            "title": lines[number % len(lines)][:40],
            "text": "\n".join(lines[(number + step) % len(lines)] for step in range(1 + number % 5)),
        }
        for number in range(count)
    ]


def index_postings(ix) -> dict:
    """Every indexed field's terms, each with its postings (document, weight, value).

    Documents are named by their stored id and file, not numbered: workers take batches
    of documents in whatever order they get to them."""
    found = {}
    with ix.reader() as reader:
        names = {}

        def name(docnum):
            if docnum not in names:
                fields = reader.stored_fields(docnum)
                names[docnum] = (fields.get("id") or "", fields.get("file") or "")
            return names[docnum]

        for fieldname in reader.indexed_field_names():
            for term in reader.lexicon(fieldname):
                matcher, postings = reader.postings(fieldname, term), []
                while matcher.is_active():
                    postings.append((name(matcher.id()), matcher.weight(), matcher.value()))
                    matcher.next()
                found[fieldname, term] = sorted(postings)
    return found


def answers(index_dir: Path) -> list:
    """Each query's hits, all of them: id, score and snippets, best first (ties by id:
    workers may number the same documents differently, so a page could cut a tie)."""
    with IndexSearcher(index_dir) as searcher:
        return [
            sorted(
                ((-round(hit.score, 6), hit.id, [s.text for s in hit.snippets]) for hit in found.hits)
            )
            for found in (searcher.search(query, limit=1000) for query in QUERIES)
        ]


def write_jsonl(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True)
    with (folder / "docs.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return folder


@pytest.mark.parametrize(
    "workers, pool_mb, shared_write",
    [(1, 200, False), (2, 200, False), (2, 0.02, False), (2, 200, True), (2, 0.02, True)],
    ids=["one-process", "two-workers", "two-workers-spilling", "helper-writes-terms",
         "helper-writes-terms-spilling"],
)
def test_same_postings_and_answers_as_whoosh_pool(
    tmp_path, monkeypatch, share_the_write, workers, pool_mb, shared_write
):
    docs = write_jsonl(tmp_path / "docs", records(120))
    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD_BYTES", 0 if workers > 1 else 10**12)
    monkeypatch.setattr(indexer, "default_workers", lambda: workers)
    monkeypatch.setattr(indexer, "POOL_MB", pool_mb)
    joined = share_the_write() if shared_write else []
    read_back = spy_on_reading_back(monkeypatch)
    built = {}
    for name, poolclass in [("whoosh", PostingPool), ("bulk", BulkPostingPool)]:
        monkeypatch.setattr(whoosh_pool, "POOL_CLASS", poolclass)
        read_back.clear()
        index_paths([docs], tmp_path / name)
        built[name] = index_postings(store.open_index(tmp_path / name)), answers(tmp_path / name), len(read_back)
    assert built["bulk"][0] == built["whoosh"][0]
    assert built["bulk"][1] == built["whoosh"][1]
    assert any(built["bulk"][1]), "the queries find something"
    assert joined == ([True] if shared_write else [])
    assert term_infos_agree(store.open_index(tmp_path / "bulk"))
    # The frequency file is gathered as the segment is written (Whoosh's own writer: read
    # back after the commit), the same bytes either way.
    assert (built["bulk"][2], built["whoosh"][2]) == (0, 1)
    assert frequency_files_as_read_back(tmp_path / "bulk") and frequency_files_as_read_back(tmp_path / "whoosh")


def spy_on_reading_back(monkeypatch) -> list:
    """The segments whose frequency file is read back from them, as they are."""
    read, real = [], frequencies._read_back

    def reading_back(reader):
        read.append(reader._segment.segment_id())
        return real(reader)

    monkeypatch.setattr(frequencies, "_read_back", reading_back)
    return read


def frequency_files_as_read_back(index_dir: Path) -> bool:
    """Every segment has its frequency file, the same bytes as one read back from it."""
    with store.open_index(index_dir).reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        for leaf in leaves:
            segment_id = leaf._segment.segment_id()
            written = (index_dir / frequencies.file_name(segment_id)).read_bytes()
            expected = b"".join(frequencies._read_back(leaf).file_chunks(segment_id, leaf.doc_count_all()))
            if written != expected:
                return False
    return bool(leaves) and not list(index_dir.glob("*.tmp"))


def term_infos_agree(ix) -> bool:
    """Every term info's statistics (documents, total and highest weight, first and last
    document, shortest and longest field as length bytes) are those of its postings."""
    with ix.reader() as reader:
        for fieldname in reader.indexed_field_names():
            for term in reader.lexicon(fieldname):
                info, matcher, postings = reader.term_info(fieldname, term), reader.postings(fieldname, term), []
                while matcher.is_active():
                    length = reader.doc_field_length(matcher.id(), fieldname, 0)
                    postings.append((matcher.id(), matcher.weight(), length))
                    matcher.next()
                lengths = [length_to_byte(length) for *_, length in postings if length]
                expected = (
                    len(postings), round(sum(weight for _, weight, _ in postings), 3),
                    postings[0][0], postings[-1][0], max(weight for _, weight, _ in postings),
                    min(lengths, default=0), max(lengths, default=0),
                )
                found = (
                    info.doc_frequency(), round(info.weight(), 3), info.min_id(), info.max_id(),
                    info.max_weight(), length_to_byte(info.min_length()) if info.min_length() else 0,
                    length_to_byte(info.max_length()),
                )
                if found != expected:
                    return False
    return True


def write_segments(ix, writer_class, batches, limitmb, optimize=False):
    for batch in batches:
        writer = writer_class(ix, limitmb=limitmb)
        for row in batch:
            writer.add_document(
                id=row["id"], key=row["id"], title=row["title"], body=row["text"], roots=row["text"]
            )
        writer.commit(optimize=optimize)


@pytest.mark.parametrize(
    "limitmb, optimize",
    [(128, False), (0.005, False), (0.005, True)],
    ids=["in-memory", "spilled-runs", "merged-segments"],
)
def test_segment_writer_matches_whoosh(limitmb, optimize):
    """Runs spilled and merged back, and old segments merged through the pool (add_reader)."""
    rows = records(90)
    batches = [rows[:30], rows[30:60], rows[60:]]
    built = []
    for writer_class in (SegmentWriter, PooledSegmentWriter):
        ix = store.SafeFileIndex.create(RamStorage(), store.make_schema(), store.INDEX_NAME)
        write_segments(ix, writer_class, batches, limitmb, optimize)
        built.append(index_postings(ix))
    assert built[0] == built[1]
    assert len(built[0]) > 500


def segment_files(storage, ix) -> list[dict[str, bytes]]:
    """Each segment's files (postings, terms, columns), by kind, as bytes."""
    found = []
    for segment in ix._segments():
        compound, files = segment.open_compound_file(storage), {}
        for name in compound.list():
            inner = compound.open_file(name)
            files[name.split(".", 1)[1]] = bytes(inner.read())
            inner.close()
        found.append(files)
    return found


@pytest.mark.parametrize(
    "limitmb, optimize",
    [(128, False), (0.05, False), (0.05, True)],
    ids=["in-memory", "spilled-runs", "merged-segments"],
)
def test_segments_written_a_term_at_a_time_are_whooshs_byte_for_byte(limitmb, optimize):
    """Blocks, their statistics, term infos and inlined postings as Whoosh's own writer
    writes them posting by posting (whoosh_pool.TermsInBulk), with terms of many blocks."""
    rows = records(420)
    built = []
    for writer_class in (SegmentWriter, PooledSegmentWriter):
        storage = RamStorage()
        ix = store.SafeFileIndex.create(storage, store.make_schema(), store.INDEX_NAME)
        write_segments(ix, writer_class, [rows[:300], rows[300:]], limitmb, optimize)
        built.append(segment_files(storage, ix))
        with ix.reader() as reader:
            assert max(reader.doc_frequency("body", term) for term in reader.lexicon("body")) > 2 * 128
    assert len(built[1]) == (1 if optimize else 2)
    assert built[0] == built[1]
    assert all(files["pst"] and files["trm"] for files in built[1])


def test_a_run_already_removed_is_not_an_error_when_its_reader_closes(tmp_path, monkeypatch):
    """A commit that fails while merging leaves the run readers open; Whoosh's cleanup
    removes the temporary folder before they are closed, which printed "Exception
    ignored in: <generator ...> FileNotFoundError" below the error."""
    from whoosh.filedb.filestore import FileStorage

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    pool = BulkPostingPool(FileStorage(str(tmp_path)), None, limitmb=0.001)
    for docnum in range(40):
        for term in ("باب", "قال", "كتاب", "مدرسة"):
            pool.add(("body", term.encode(), docnum, 1.0, None))
    assert len(pool.runs) > 1
    terms = pool.terms()
    next(terms)
    assert pool._run_chunks
    for path in pool._run_chunks:
        (tmp_path / path).unlink()
    terms.close()
    del terms
    gc.collect()
    assert unraisable == []


def test_runs_beyond_maxfiles_are_merged_in_order():
    pool = BulkPostingPool(RamStorage(), None, limitmb=0.0001)
    expected = []
    for docnum in range(40):
        for term in (b"\xd8\xa8\xd8\xa7\xd8\xa8", b"\xd9\x82\xd8\xa7\xd9\x84"):
            item = ("body", term, docnum, 1.0, bytes([docnum]))
            pool.add(item)
            expected.append(item)
    assert len(pool.runs) > 4
    assert list(pool.items(maxfiles=3)) == sorted(expected)


@pytest.mark.parametrize("maxfiles", [128, 3], ids=["runs-merged-once", "runs-merged-first"])
def test_a_terms_postings_are_joined_oldest_run_first(maxfiles):
    """Each run's part of a term comes in the order the runs were written, not sorted after:
    here a later run's packed postings (document 256 and on: first byte 0) sort before an
    earlier one's (document 255: first byte 255)."""
    pool = BulkPostingPool(RamStorage(), None, limitmb=0.0001)
    for docnum in range(255, 300):
        pool.add(("body", b"\xd8\xa8", docnum, 1.0, None))
    assert len(pool.runs) > 3
    ((_, _, packed),) = pool.terms(maxfiles=maxfiles)
    stored = [whoosh_pool._POSTING.unpack_from(packed, at)[0] for at in range(0, len(packed), whoosh_pool._POSTING.size)]
    assert stored == list(range(255, 300))


@pytest.mark.parametrize("maxfiles", [128, 3], ids=["runs-merged-once", "runs-merged-first"])
def test_reading_back_tells_the_bytes_of_postings_given_out(maxfiles):
    pool = BulkPostingPool(RamStorage(), None, limitmb=0.0005)
    told = []
    pool.progress = lambda done, total: told.append((done, total))
    added = [("body", f"term{n % 7}".encode(), n, 1.0, bytes(n % 5)) for n in range(300)]
    for item in added:
        pool.add(item)
    assert len(pool.runs) > 3
    everything = sum(whoosh_pool._POSTING.size + len(value) for *_, value in added)
    out = []
    for item in pool.items(maxfiles=maxfiles):
        out.append(item)
        assert not told or told[-1][0] <= whoosh_pool._POSTING.size * len(out) + sum(len(v) for *_, v in out)
    assert out == sorted(added)
    assert len(told) > 3
    assert [done for done, _ in told] == sorted({done for done, _ in told})
    assert {total for _, total in told} == {everything}
    assert told[-1] == (everything, everything)


def test_reading_back_without_progress_or_postings_tells_nothing():
    pool = BulkPostingPool(RamStorage(), None)
    assert list(pool.items()) == []
    told = []
    pool.progress = lambda done, total: told.append((done, total))
    assert list(pool.items()) == [] and told == []


@pytest.mark.parametrize(
    "added",
    [
        [("body", b"a", 5, 1.0, None), ("body", b"a", 2, 2.0, b"x")],
        [("title", b"b", 1, 1.0, None), ("body", b"b", 1, 1.0, None), ("body", b"a", 3, 1.0, b"")],
        [],
    ],
    ids=["documents-out-of-order", "fields-and-terms-out-of-order", "empty"],
)
def test_postings_come_out_sorted(added):
    pool = BulkPostingPool(RamStorage(), None)
    for item in added:
        pool.add(item)
    assert list(pool.items()) == sorted(added)


def test_a_term_that_is_not_bytes_is_refused():
    with pytest.raises(TypeError):
        BulkPostingPool(RamStorage(), None).add(("body", "نص", 0, 1.0, None))


def test_a_rerun_that_changes_few_records_starts_no_worker(tmp_path, monkeypatch, started_tasks):
    rows = records(120)
    docs = write_jsonl(tmp_path / "docs", rows)
    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD_BYTES", 20_000)
    monkeypatch.setattr(indexer, "default_workers", lambda: 2)
    index_paths([docs], tmp_path / "index")
    assert len(started_tasks) == 2, "a full build is worth two workers"
    rows[7]["text"] = "نص جديد عن المدرسة في حلب"
    (docs / "docs.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    report = index_paths([docs], tmp_path / "index")
    assert (report.updated, report.unchanged) == (1, 119)
    assert len(started_tasks) == 2, "one changed record started no worker"
    with IndexSearcher(tmp_path / "index") as searcher:
        assert [hit.id for hit in searcher.search("حلب جديد").hits] == ["r7"]


@pytest.mark.parametrize(
    "start_workers_after, started", [(10**9, False), (1, True)], ids=["few-documents", "many-documents"]
)
def test_workers_start_only_when_worth_it(tmp_path, started_tasks, start_workers_after, started):
    ix = store.create_index(tmp_path / "index")
    rows = records(40)
    for batch, procs in ((rows[:30], 1), (rows[30:], 2)):
        writer = whoosh_pool.pooled_writer(
            ix, procs=procs, start_workers_after=start_workers_after, multisegment=True
        )
        writer.delete_by_term("key", "r3")
        for row in batch:
            writer.add_document(id=row["id"], key=row["id"], kind=store.KIND_RECORD, body=row["text"])
        writer.commit()
    assert bool(started_tasks) is started
    with store.open_index(tmp_path / "index").searcher() as searcher:
        assert searcher.doc_count() == 39
        assert searcher.document(key="r3") is None
        assert searcher.document(key="r39")["id"] == "r39"


def test_the_write_lock_is_taken_before_any_worker_starts(tmp_path):
    ix = store.create_index(tmp_path / "index")
    writer = whoosh_pool.pooled_writer(ix, procs=2, start_workers_after=10**9)
    with pytest.raises(LockError):
        whoosh_pool.pooled_writer(ix, procs=2, start_workers_after=10**9)
    writer.cancel()
    whoosh_pool.pooled_writer(ix, procs=2, start_workers_after=10**9).cancel()


def _spills(limitmb, held_elsewhere=None, postings=4000):
    """The runs a pool spills for the same postings, and the postings it gives back."""
    pool = BulkPostingPool(RamStorage(), None, limitmb=limitmb, held_elsewhere=held_elsewhere)
    added = [("body", f"كلمة{n % 97}".encode(), n, 1.0, bytes(n % 9)) for n in range(postings)]
    for item in added:
        pool.add(item)
    runs = len(pool.runs)
    assert list(pool.items()) == sorted(added)
    return runs


def test_the_pool_shares_its_limit_with_what_is_held_elsewhere(monkeypatch):
    monkeypatch.setattr(whoosh_pool, "RECHECK_BYTES", 1000)
    limitmb = 0.02  # about 21,000 bytes
    alone = _spills(limitmb)
    held = [0]

    def growing():  # as the word memos fill while the corpus is read
        held[0] = min(held[0] + 5, 15_000)
        return held[0]

    shared = _spills(limitmb, growing)
    assert alone >= 2
    assert shared > alone
    # Whatever is held elsewhere, the pool keeps MIN_POOL_SHARE of the limit.
    at_least = _spills(limitmb * whoosh_pool.MIN_POOL_SHARE)
    assert _spills(limitmb, lambda: 10**9) == at_least > shared


def test_the_indexer_shares_the_pool_limit_with_the_word_memos(tmp_path, monkeypatch):
    from analyzers import memo

    asked, real = [], memo.held_bytes

    def held_bytes():
        asked.append(real())
        return asked[-1]

    monkeypatch.setattr(memo, "held_bytes", held_bytes)
    monkeypatch.setattr(whoosh_pool, "RECHECK_BYTES", 2000)
    (tmp_path / "docs.jsonl").write_text(
        "\n".join(json.dumps(record, ensure_ascii=False) for record in records(60)), encoding="utf-8"
    )
    index_paths([tmp_path / "docs.jsonl"], tmp_path / "index", workers=1)
    assert asked and asked[-1] > 0 and asked == sorted(asked)


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_share_the_pool_limit(tmp_path, monkeypatch, workers):
    """POOL_MB is the run's: each of N workers' pools gets POOL_MB / N."""
    opened, real_open_writer = [], store.open_writer

    def open_writer(ix, index_dir, **options):
        opened.append(options)
        return real_open_writer(ix, index_dir, **options)

    monkeypatch.setattr(indexer.store, "open_writer", open_writer)
    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD_BYTES", 0)
    (tmp_path / "docs.jsonl").write_text(
        "\n".join(json.dumps(record, ensure_ascii=False) for record in records(30)), encoding="utf-8"
    )
    index_paths([tmp_path / "docs.jsonl"], tmp_path / "index", workers=workers)
    assert [(options["limitmb"], options.get("procs", 1)) for options in opened] == [
        (indexer.POOL_MB / workers, workers)
    ]


def test_a_workers_columns_are_looked_for_once_while_its_documents_are_copied(tmp_path):
    index_paths([write_jsonl(tmp_path / "docs", records(5))], tmp_path / "index", workers=1)
    reader = store.open_index(tmp_path / "index").reader()
    pdr = reader._perdoc
    looked = []
    real_exists = pdr._storage.file_exists
    pdr._storage.file_exists = lambda name: looked.append(name) or real_exists(name)
    whoosh_pool._remember_columns(pdr)
    lengths = {
        field: [pdr.doc_field_length(docnum, field) or 0 for docnum in range(pdr.doc_count_all())]
        for field in ("body", "id", "body", "id")
    }
    assert max(lengths["body"]) > 0 and not any(lengths["id"])  # "id" has no lengths column
    assert len(looked) == len(set(looked)) == 2
    reader.close()


def test_the_term_dictionary_keeps_its_hashes_in_arrays(monkeypatch):
    """(The segment files are Whoosh's own byte for byte: the test above.)"""
    seen = []
    real = whoosh_pool.write_terms

    def spy(fieldwriter, *args):
        seen.append({type(bucket) for bucket in fieldwriter._tindex.buckets})
        real(fieldwriter, *args)
        seen.append(sum(len(bucket) for bucket in fieldwriter._tindex.buckets))

    monkeypatch.setattr(whoosh_pool, "write_terms", spy)
    ix = store.SafeFileIndex.create(RamStorage(), store.make_schema(), store.INDEX_NAME)
    write_segments(ix, PooledSegmentWriter, [records(60)], limitmb=64)
    assert seen[0] == {whoosh_pool.CompactBucket}
    with ix.reader() as reader:
        assert seen[1] == sum(1 for _ in reader.all_terms()) > 100


def test_the_file_being_read_and_the_new_words_count_too(tmp_path, monkeypatch):
    """search.indexer.HeldElsewhere: the records of the file being read and the words
    added since the last commit share the limit; a worker's copy starts from nothing."""
    import pickle

    seen = []
    real = indexer.HeldElsewhere.__call__

    def call(self):
        seen.append((self.file, self.words))
        return real(self)

    monkeypatch.setattr(indexer.HeldElsewhere, "__call__", call)
    monkeypatch.setattr(whoosh_pool, "RECHECK_BYTES", 2000)
    (tmp_path / "docs.jsonl").write_text(
        "\n".join(json.dumps(record, ensure_ascii=False) for record in records(60)), encoding="utf-8"
    )
    index_paths([tmp_path / "docs.jsonl"], tmp_path / "index", workers=1)
    files, words = zip(*seen)
    assert max(files) > 60 * indexer.RECORD_BYTES and max(words) > 10 * indexer.WORD_BYTES
    held = indexer.HeldElsewhere()
    held.file, held.words = 5000, 7000
    copy = pickle.loads(pickle.dumps(held))
    assert (copy.file, copy.words) == (0, 0) and copy() == held() - 12000


@pytest.mark.parametrize("failure", ["helper-dies", "no-process"])
def test_when_the_helper_fails_the_writer_writes_its_terms_itself(tmp_path, monkeypatch, share_the_write, failure):
    """A helper that dies (here: its function refuses the arguments), or a process that
    cannot be had (too many open files), costs time, not terms."""
    docs = write_jsonl(tmp_path / "docs", records(120))
    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(indexer, "default_workers", lambda: 2)
    index_paths([docs], tmp_path / "alone")
    joined, tried = share_the_write(), []
    if failure == "helper-dies":
        monkeypatch.setattr(whoosh_pool, "RANGE_WRITER", os.abort)
    else:

        def no_process(helper, *args):
            tried.append(args)
            raise OSError(24, "Too many open files")

        monkeypatch.setattr(whoosh_pool.TermRangeHelper, "__init__", no_process)
    index_paths([docs], tmp_path / "failed")
    assert (joined, len(tried)) == (([False], 0) if failure == "helper-dies" else ([], 1))
    alone, failed = (store.open_index(tmp_path / name) for name in ("alone", "failed"))
    assert index_postings(failed) == index_postings(alone)
    assert answers(tmp_path / "failed") == answers(tmp_path / "alone")
    assert term_infos_agree(failed)
    assert not (tmp_path / "failed" / f"{store.INDEX_NAME}.tmp").exists()
    assert frequency_files_as_read_back(tmp_path / "failed")


def test_the_split_leaves_the_helper_its_share_of_the_bytes():
    runs = [
        [("body", b"a", 0, 40), ("body", b"k", 90, 40), ("roots", b"b", 200, 20)],
        [("body", b"c", 0, 50), ("title", b"x", 70, 50)],
    ]
    # 200 bytes. A chunk runs to its run's next one: a to k, k to roots b, c to title x.
    # Bytes after each candidate (a chunk it falls in counts half): body c 180, body k
    # 135 (a before it; c half), roots b 95, title x 60.
    assert whoosh_pool.split_key(runs, 0.5) == ("roots", b"b")
    assert whoosh_pool.split_key(runs, 0.7) == ("body", b"k")
    assert whoosh_pool.split_key(runs, 0.25) == ("title", b"x")
    assert whoosh_pool.split_key(runs, 1.0) == ("body", b"c")  # never the first term
    assert whoosh_pool.split_key([runs[0][:1]], 0.5) is None  # one chunk: nothing to share
    assert whoosh_pool.split_key([], 0.5) is None
    assert [whoosh_pool._start_of(runs[0], key) for key in [("body", b"a"), ("body", b"j"), ("body", b"k"),
                                                             ("title", b"")]] == [0, 0, 90, 200]


def test_a_term_info_moved_with_its_postings(tmp_path):
    """The helper's term infos point into its own postings file; appended to the writer's
    at ``base``, each points ``base`` bytes further on (an inlined one holds its postings)."""
    from whoosh.codec.whoosh3 import W3TermInfo

    stored = W3TermInfo(weight=3.0, df=2, minlength=4, maxlength=9, maxweight=2.0, minid=5, maxid=70)
    stored.set_extent(1234, 567)
    moved_bytes = whoosh_pool.moved_term_info(stored.to_bytes(), 10**10)
    moved = W3TermInfo.from_bytes(moved_bytes)
    # (whoosh3's from_bytes reads the length as a 1-tuple; nothing reads it back.)
    assert moved.extent()[0] == 1234 + 10**10 and len(moved_bytes) == len(stored.to_bytes())
    assert moved_bytes[-4:] == stored.to_bytes()[-4:]
    assert (moved.weight(), moved.doc_frequency(), moved.min_id(), moved.max_id()) == (3.0, 2, 5, 70)
    inlined = W3TermInfo(weight=1.0, df=1, minid=3, maxid=3)
    inlined.set_inlined([3], [1.0], [b"\x01"])
    assert whoosh_pool.moved_term_info(inlined.to_bytes(), 10**10) == inlined.to_bytes()


def test_a_commit_goes_on_only_when_every_worker_ended_well_and_handed_over():
    from types import SimpleNamespace

    from search.errors import SearchError

    ended = [SimpleNamespace(exitcode=0), SimpleNamespace(exitcode=0)]
    whoosh_pool.check_finished(ended, [((), set(), None)] * 2)
    with pytest.raises(SearchError, match=r"stopped \(handed over nothing\)"):
        whoosh_pool.check_finished(ended, [((), set(), None)])
    with pytest.raises(SearchError, match=r"stopped \(exit status -9\)"):
        whoosh_pool.check_finished([ended[0], SimpleNamespace(exitcode=-9)], [((), set(), None)] * 2)
