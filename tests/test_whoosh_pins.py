"""Pins on the Whoosh code that search.whoosh_pool, search.whoosh_storage and
search.whoosh_lengths (which search.ranking reads field lengths with) build on.

Each row is a Whoosh class or function we subclass, override, call into or rely on the
behaviour of, with a hash of its source in whoosh3 3.54.0. A Whoosh release that
changes one fails here: re-read that code, check the module named in the row still
holds (tests/test_whoosh_pool.py and tests/test_whoosh_storage.py compare with Whoosh's
own pool and storage), then update the hash.
"""

import hashlib
import importlib
import inspect

import pytest

POOL, STORAGE, LENGTHS = "search/whoosh_pool.py", "search/whoosh_storage.py", "search/whoosh_lengths.py"
PINNED = [
    # BulkPostingPool subclasses PostingPool: its attributes, run files and cleanup.
    ("whoosh.externalsort.SortingPool.__init__", "72223883a7e5a73a", POOL),
    ("whoosh.externalsort.SortingPool._add_run", "aac6e86cf07c4e7f", POOL),
    ("whoosh.externalsort.SortingPool.cleanup", "2d2ef5cedc2a6a13", POOL),
    ("whoosh.writing.PostingPool", "0a6657278afd2345", POOL),
    # The writer builds a PostingPool whatever poolclass says; we replace it after.
    ("whoosh.writing.SegmentWriter.__init__", "e8290c0d39c2d463", POOL),
    # Postings reach the pool in document order (add_document, add_reader).
    ("whoosh.writing.SegmentWriter.add_document", "209b64b147c6caf8", POOL),
    ("whoosh.writing.SegmentWriter.add_reader", "cfaf2abf0549c9b3", POOL),
    ("whoosh.writing.SegmentWriter.add_postings_to_pool", "761f9e56737fb2ce", POOL),
    ("whoosh.writing.SegmentWriter._flush_segment", "a4b79c8a3687febd", POOL),
    ("whoosh.writing.SegmentWriter._close_segment", "f6f69d46aca1a701", POOL),
    ("whoosh.writing.SegmentWriter._partial_segment", "f7a7a9f757534496", POOL),
    # Workers: save/reduce_to/runs, the SegmentWriter and finish_subsegment names the
    # worker loop builds from and ends with, the task start we override, and the parent
    # reading a worker's runs: its per-document data copied by write_per_doc, the field
    # lengths read from its own per-document reader, its postings merged as Whoosh's
    # _merge_subsegments and _read_and_renumber_run would.
    ("whoosh.multiproc.finish_subsegment", "e89eb6ae2080300c", POOL),
    ("whoosh.writing.SegmentWriter.write_per_doc", "58a7becd70c63502", POOL),
    ("whoosh.writing.SegmentWriter.per_document_reader", "f13b06c0a3425ed9", POOL),
    # _remember_columns: whoosh3 asks has_column before each length it reads
    # (_cached_reader, pinned below).
    ("whoosh.codec.whoosh3.W3PerDocReader.has_column", "0201aedcfd21a35e", POOL),
    ("whoosh.multiproc.SubWriterTask.run", "901fe6b1f40cfaed", POOL),
    ("whoosh.multiproc._run_subwriter", "abe5383819c4f20f", POOL),
    ("whoosh.multiproc.MpWriter.__init__", "b51bd10604c415c8", POOL),
    ("whoosh.multiproc.MpWriter._new_task", "668e22f09713b4dd", POOL),
    ("whoosh.multiproc.MpWriter._read_and_renumber_run", "ec2cddbd9f2e0497", POOL),
    ("whoosh.multiproc.MpWriter._commit", "2b4e30883be51fb7", POOL),
    # WatchedQueue: the writer only puts on the job queue (here and in _commit), one item
    # at a time; check_finished: _commit takes the results that come within a second.
    ("whoosh.multiproc.MpWriter._enqueue", "c9e1b95ddaad0785", POOL),
    ("whoosh.multiproc.MpWriter._merge_subsegments", "33ae6cebae802de4", POOL),
    # The segment writer pickles through the module's dumps (BLOCK_PICKLER), only here.
    ("whoosh.codec.whoosh3.W3PostingsWriter._write_block", "e83943e6e72d01ef", POOL),
    ("whoosh.codec.whoosh3.W3TermInfo.to_bytes", "182103aeda37ce64", POOL),
    # TermsInBulk writes a term's postings as add_postings would, posting by posting: it
    # sets the block buffer add_posting fills (_new_block empties) and lets whoosh3 write.
    ("whoosh.codec.base.FieldWriter.add_postings", "a3caddab6fe02620", POOL),
    ("whoosh.codec.whoosh3.W3PostingsWriter.__init__", "5d56b3bc183246d3", POOL),
    ("whoosh.codec.whoosh3.W3PostingsWriter.add_posting", "811a537c4eea1795", POOL),
    ("whoosh.codec.whoosh3.W3PostingsWriter._new_block", "af610818c72fef4e", POOL),
    ("whoosh.codec.whoosh3.W3PostingsWriter.finish_postings", "d73a95bf811a6541", POOL),
    # finish_postings inlines a rare term through set_inline, which W3TermInfo lacks:
    # whoosh_pool names set_inlined so (INLINE_LIMIT).
    ("whoosh.codec.whoosh3.W3TermInfo.set_inlined", "85e5ff4e1876ec7e", POOL),
    ("whoosh.codec.whoosh3.W3Codec.__init__", "c09a6a74aac96575", POOL),
    ("whoosh.codec.whoosh3.W3FieldWriter.start_field", "14b57944c4aeaee6", POOL),
    ("whoosh.codec.whoosh3.W3FieldWriter.start_term", "ec3f34231ac58f19", POOL),
    ("whoosh.codec.whoosh3.W3FieldWriter.finish_term", "ead26346d81433a0", POOL),
    ("whoosh.codec.whoosh3.W3FieldWriter.finish_field", "1afc7b47dedcb3b9", POOL),
    # compact_term_index swaps the term dictionary writer's 256 bucket lists, before any
    # term, for CompactBuckets: Whoosh only appends pairs to one, takes its length and
    # iterates it.
    ("whoosh.codec.whoosh3.W3FieldWriter.__init__", "385c65dcdaa448e9", POOL),
    ("whoosh.filedb.filetables.HashWriter.__init__", "9e8c3273155c5800", POOL),
    ("whoosh.filedb.filetables.HashWriter.add", "d99a9f8cb4921103", POOL),
    ("whoosh.filedb.filetables.HashWriter._write_hashes", "3455643a570eaced", POOL),
    ("whoosh.filedb.filetables.OrderedHashWriter.add", "39527e7a264e16a8", POOL),
    # TermRangeHelper: its process writes terms with a W3FieldWriter made without a term
    # dictionary (__init__, finish_term, close mirrored), reading the runs from the
    # writer's temporary folder (the same name the writer's constructor gives it); the
    # writer adds their term infos as finish_term would, each one's postings moved as
    # to_bytes / from_bytes place them.
    ("whoosh.codec.whoosh3.W3FieldWriter.close", "c7a4c194faed60b7", POOL),
    ("whoosh.codec.whoosh3.W3TermInfo.from_bytes", "f93d2058cb0cad09", POOL),
    ("whoosh.filedb.filestore.FileStorage.temp_storage", "9f4da6f514aa3358", POOL),
    ("whoosh.writing.SegmentWriter.temp_storage", "2b9010b6cb4eb6ff", POOL),
    # Field lengths are read whole from the column doc_field_length reads a byte of.
    ("whoosh.codec.whoosh3.W3PerDocReader._cached_reader", "2e27976f892aee8f", LENGTHS),
    ("whoosh.codec.whoosh3.W3PerDocReader.doc_field_length", "224807cde950e948", LENGTHS),
    ("whoosh.codec.whoosh3._lenfield", "504c3533ae82f040", LENGTHS),
    ("whoosh.columns.FixedBytesColumn.Reader.__init__", "0aac309a23de8afd", LENGTHS),
    ("whoosh.columns.NumericColumn.Reader.__init__", "d6775fae99775693", LENGTHS),
    # MappedFile is a BufferFile set up by hand, reading through StructFile's methods.
    ("whoosh.filedb.structfile.StructFile", "5b165971e5e694a7", STORAGE),
    ("whoosh.filedb.structfile.BufferFile", "d4a699999d3405b8", STORAGE),
    # Without supports_mmap, a compound file's inner files come from its subset().
    ("whoosh.filedb.compound.CompoundStorage.__init__", "12692559ba5a308f", STORAGE),
    ("whoosh.filedb.compound.CompoundStorage.open_file", "06f99bb3ffc069f8", STORAGE),
    ("whoosh.filedb.compound.CompoundStorage.close", "1a35df82f0b3b0f4", STORAGE),
    ("whoosh.codec.base.Segment.open_compound_file", "af9ba226e5c35ea0", STORAGE),
    ("whoosh.reading.SegmentReader.__init__", "99a4971d36070a64", STORAGE),
    ("whoosh.filedb.filestore.FileStorage.__init__", "e7638f80066c1b00", STORAGE),
    ("whoosh.filedb.filestore.FileStorage.open_file", "dc6f89e5e80da39b", STORAGE),
]


def resolve(qualname: str):
    parts = qualname.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(qualname)


@pytest.mark.parametrize("qualname, digest, user", PINNED, ids=[row[0] for row in PINNED])
def test_whoosh_code_we_build_on_is_unchanged(qualname, digest, user):
    source = inspect.getsource(resolve(qualname))
    assert hashlib.sha256(source.encode("utf-8")).hexdigest()[:16] == digest, (
        f"{qualname} changed in this Whoosh: check that {user} still holds, then update the pin"
    )


def test_the_segment_writer_pickles_only_through_the_block_pickler():
    import whoosh.codec.whoosh3

    from search.whoosh_pool import BLOCK_PICKLER

    source = inspect.getsource(whoosh.codec.whoosh3)
    assert source.count("dumps(") == 3
    for module, (name, function) in BLOCK_PICKLER.items():
        assert getattr(module, name) is function
    assert whoosh.codec.whoosh3.dumps((1, b"\x00\xff"), 2)[:2] == b"\x80\x05"


def test_rare_terms_are_inlined_and_read_back(tmp_path):
    """A term with fewer than INLINE_LIMIT postings is written into its term info (the
    set_inline whoosh3 calls is set_inlined), and reads back the same by Whoosh's own
    matcher and by search.query.form_blocks; a common one is written as blocks."""
    from search import store
    from search.indexer import index_paths
    from search.query import _matcher_blocks, form_blocks
    from search.whoosh_pool import INLINE_LIMIT

    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(40):
        (docs / f"d{n}.txt").write_text(f"مدرسة نادرة{n % 10} " + "كتاب " * (n % 3), encoding="utf-8")
    index_paths([docs], tmp_path / "index")
    with store.open_index(tmp_path / "index").reader() as reader:
        terms = reader._terms
        rare, common = terms.term_info("body", "نادره1".encode()), terms.term_info("body", "مدرسه".encode())
        assert rare.doc_frequency() == 4 < INLINE_LIMIT and rare.is_inlined()
        assert common.doc_frequency() == 40 and not common.is_inlined()
        for word in ("نادره1", "مدرسه", "كتاب"):
            straight, whooshs = _pairs(form_blocks(reader, "body", word)), _pairs(_matcher_blocks(reader, "body", word))
            assert straight == whooshs and len(straight) == reader.doc_frequency("body", word) > 0, word


def _pairs(blocks):
    from search.query import expanded_weights

    return [pair for docnums, weights in blocks for pair in zip(docnums, expanded_weights(docnums, weights))]


def test_whooshs_english_morphology_loads_only_when_used():
    """search.whoosh_deferred stands in for whoosh.lang.morph_en, which only
    whoosh.query.terms imports, for ``variations`` (its Variations query)."""
    import subprocess
    import sys

    import whoosh.query.terms

    source = inspect.getsource(whoosh.query.terms)
    assert source.count("morph_en") == 1 and "from whoosh.lang.morph_en import variations\n" in source
    started = subprocess.run(
        [sys.executable, "-c", "import sys, search.cli; print(type(sys.modules['whoosh.lang.morph_en']).__name__)"],
        capture_output=True, text=True, check=True,
    )
    assert started.stdout.strip() == "_Deferred"
    # Asked, the stand-in answers as the module does.
    words = whoosh.query.terms.variations("rendering")
    import whoosh.lang.morph_en as morph_en

    assert type(morph_en).__name__ == "module" and len(morph_en.rules) > 100
    assert words == morph_en.variations("rendering") and "render" in words
    digest = hashlib.sha256(inspect.getsource(morph_en.variations).encode("utf-8")).hexdigest()[:16]
    assert digest == "55c56d9c6b786d08", "whoosh.lang.morph_en.variations changed: check search/whoosh_deferred.py"
