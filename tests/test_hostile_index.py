"""Hostile and unlucky indexes: rebuilds that delete only their own files, tables of
contents that carry code, damaged files, a full disk, a read-only folder, a rebuild
under a long-lived searcher. Every index here is real and built in a temporary folder."""

import errno
import hashlib
import inspect
import io
import json
import os
import pickle
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index
from whoosh import multiproc as whoosh_multiproc
from whoosh import writing as whoosh_writing
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from analyzers.grams import gram_text
from search import frequencies, store
from search.cli import cli
from search.errors import SearchError
from search.indexer import index_paths
from search.searching import IndexSearcher

BOOK = "كتاب"
NOTE_WORD = "ملاحظتي"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def docs(tmp_path):
    root = tmp_path / "docs"
    for number in range(6):
        write(root / f"{number}.txt", f"عنوان {number}\n{BOOK} جميل في المدرسة رقم {number}")
    return root


def search(index_dir: Path, *words: str):
    return CliRunner().invoke(cli, ["query", *words, "--index", str(index_dir)])


def index(index_dir: Path, *paths: Path, rebuild: bool = False):
    options = ["--rebuild"] if rebuild else []
    return CliRunner().invoke(
        cli, ["index", "--quiet", *options, "--index", str(index_dir), *map(str, paths)]
    )


def assert_one_error_line(result, *fragments: str):
    assert result.exit_code == 2, result.output
    assert len(result.output.splitlines()) == 1, result.output
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output and "Aborted" not in result.output
    for fragment in fragments:
        assert fragment in result.output


def listing(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


# 1. --rebuild deletes only files the index itself wrote


def test_a_note_in_the_index_folder_survives_a_rebuild_and_is_never_found(docs):
    index_dir = docs / "index"  # inside the indexed tree
    index(index_dir, docs)
    write(index_dir / "note.txt", NOTE_WORD)
    write(index_dir / ".gitkeep", "")
    assert index(index_dir, docs, rebuild=True).exit_code == 0
    assert (index_dir / "note.txt").read_text(encoding="utf-8") == NOTE_WORD
    assert (index_dir / ".gitkeep").exists()
    assert search(index_dir, NOTE_WORD).exit_code == 1
    assert search(index_dir, BOOK).exit_code == 0
    assert listing(docs.parent) == ["docs"]  # no hidden folder left beside it


def test_folders_beside_the_index_that_look_like_ours_are_left_alone(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    theirs = [
        write(tmp_path / ".index.old" / "keep.txt", "old"),
        write(tmp_path / ".index.rebuilding" / "keep.txt", "rebuilding"),
    ]
    assert index(index_dir, docs, rebuild=True).exit_code == 0
    assert all(path.exists() for path in theirs)
    assert listing(tmp_path) == [".index.old", ".index.rebuilding", "docs", "index"]


def test_what_a_killed_rebuild_left_is_removed_by_the_next(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    abandoned = tmp_path / ".index.rebuilding-0123abcd"
    shutil.copytree(index_dir, abandoned)
    with_a_note = tmp_path / ".index.old-4567cdef"
    shutil.copytree(index_dir, with_a_note)
    write(with_a_note / "note.txt", NOTE_WORD)  # killed before the note was carried over
    assert index(index_dir, docs, rebuild=True).exit_code == 0
    assert listing(tmp_path) == [".index.old-4567cdef", "docs", "index"]


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_a_folder_of_dotfiles_is_not_an_index_location(docs, tmp_path, rebuild):
    home = tmp_path / "home"
    write(home / ".bashrc", "export A=1")
    write(home / ".ssh" / "config", "Host x")
    home.chmod(0o700)
    result = index(home, docs, rebuild=rebuild)
    assert_one_error_line(result, "is not a search index")
    assert listing(home) == [".bashrc", ".ssh"]
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert listing(tmp_path) == ["docs", "home"]


def test_a_rebuilt_index_keeps_its_folder_mode(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    index_dir.chmod(0o700)
    assert index(index_dir, docs, rebuild=True).exit_code == 0
    assert stat.S_IMODE(index_dir.stat().st_mode) == 0o700


@pytest.mark.parametrize("is_index", [True, False], ids=["index", "documents"])
def test_rebuilding_the_current_folder_is_a_clear_error(docs, tmp_path, monkeypatch, is_index):
    here = tmp_path / "here"
    if is_index:
        index(here, docs)
    else:
        write(here / "thesis.txt", "رسالتي")
    before = listing(here)
    monkeypatch.chdir(here)
    result = CliRunner().invoke(cli, ["index", "--index", ".", "--rebuild", str(docs)])
    assert_one_error_line(result, "current folder" if is_index else "not a search index")
    assert listing(here) == before


# 2. Opening an index runs no code from it


class Payload:
    """Unpickles as a call to os.system: what a crafted index would carry."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def toc_path(index_dir: Path) -> Path:
    return next(index_dir.glob("_MAIN_*.toc"))


def rewrite_toc(index_dir: Path, schema_pickle: bytes | None = None, segments_pickle=None):
    """Rewrite the table of contents as Whoosh does, with either pickle replaced."""
    path = toc_path(index_dir)
    stream = StructFile(io.BytesIO(path.read_bytes()))
    header = [stream.read_varint() for _ in range(3)], stream.read_int(), stream.read_int()
    release = [stream.read_varint() for _ in range(3)]
    schema = stream.read_string()
    generation, unused = stream.read_int(), stream.read_int()
    segments = stream.file.read()
    out = StructFile(io.BytesIO())
    for size in header[0]:
        out.write_varint(size)
    out.write_int(header[1])
    out.write_int(header[2])
    for number in release:
        out.write_varint(number)
    out.write_string(schema_pickle or schema)
    out.write_int(generation)
    out.write_int(unused)
    out.write(segments_pickle or segments)
    path.write_bytes(out.file.getvalue())


def claim_an_older_version(index_dir: Path):
    """Make the index's schema be read from its table of contents, as an old index's is."""
    write(index_dir / store.META_FILE, '{"analyzer_version": "4"}')


@pytest.mark.parametrize("where", ["schema", "segments"])
def test_a_crafted_table_of_contents_runs_nothing(docs, tmp_path, where):
    index_dir = tmp_path / "evil"
    index(index_dir, docs)
    marker = tmp_path / "ran"
    payload = pickle.dumps(Payload(marker))
    rewrite_toc(index_dir, **{f"{where}_pickle": payload})
    claim_an_older_version(index_dir)
    assert_one_error_line(search(index_dir, BOOK), "cannot be read", "posix.system", "--rebuild")
    assert_one_error_line(index(index_dir, docs), "--rebuild")
    assert not marker.exists()
    assert index(index_dir, docs, rebuild=True).exit_code == 0
    assert search(index_dir, BOOK).exit_code == 0
    assert not marker.exists()


def test_a_segment_named_outside_the_index_is_refused(docs, tmp_path):
    index_dir = tmp_path / "evil"
    index(index_dir, docs)
    toc = store.read_toc(FileStorage(str(index_dir)))
    toc.segments[0].segid = "../../outside"
    rewrite_toc(index_dir, segments_pickle=pickle.dumps(toc.segments))
    assert_one_error_line(search(index_dir, BOOK), "a segment unlike Whoosh's")
    assert index(index_dir, docs, rebuild=True).exit_code == 0


def test_the_schema_of_a_current_index_is_not_read_at_all(docs, tmp_path):
    index_dir = tmp_path / "evil"
    index(index_dir, docs)
    marker = tmp_path / "ran"
    rewrite_toc(index_dir, schema_pickle=pickle.dumps(Payload(marker)))
    assert search(index_dir, BOOK).exit_code == 0
    assert not marker.exists()


def test_whoosh_unpickles_the_same_crafted_file(docs, tmp_path):
    """The test above means something: Whoosh's own open_dir runs the payload."""
    index_dir = tmp_path / "evil"
    index(index_dir, docs)
    marker = tmp_path / "ran"
    rewrite_toc(index_dir, schema_pickle=pickle.dumps(Payload(marker)))
    with pytest.raises(Exception):
        whoosh_index.open_dir(str(index_dir))
    assert marker.exists()


def test_the_schema_needs_only_the_allowed_classes(docs, tmp_path):
    schema = store._safe_unpickle(pickle.dumps(store.make_schema(), 2))
    assert schema.names() == store.make_schema().names()
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    write(docs / "6.txt", f"{BOOK} آخر")
    (docs / "0.txt").unlink()
    index(index_dir, docs)  # a second segment, and deletions in the first
    toc = store.read_toc(FileStorage(str(index_dir)))
    assert len(toc.segments) == 2 and toc.segments[0].has_deletions()


# The Whoosh code that store.read_toc, SafeFileIndex and SafeFileStorage stand in for
# (and the callers that reach them: a writer reads the table of contents through its
# index, a worker process opens the index through its storage).
# If an upgrade changes it, read it again: a new way to read the table of contents
# may bypass the allowlist.
PINNED_WHOOSH_SOURCES = {
    "TOC.read": (whoosh_index.TOC.read, "907b1ee6"),
    "FileIndex.__init__": (whoosh_index.FileIndex.__init__, "94801837"),
    "FileIndex._read_toc": (whoosh_index.FileIndex._read_toc, "5775e336"),
    "FileIndex.create": (whoosh_index.FileIndex.create, "7698fe54"),
    "FileIndex.schema": (whoosh_index.FileIndex.schema.fget, "03591b32"),
    "FileIndex._current_schema": (whoosh_index.FileIndex._current_schema, "6d3193e2"),
    "Storage.open_index": (FileStorage.open_index, "83f5e064"),
    "SegmentWriter.__init__": (whoosh_writing.SegmentWriter.__init__, "e8290c0d"),
    "SubWriterTask.run": (whoosh_multiproc.SubWriterTask.run, "901fe6b1"),
}


@pytest.mark.parametrize("name", PINNED_WHOOSH_SOURCES)
def test_the_whoosh_code_replaced_is_unchanged(name):
    function, digest = PINNED_WHOOSH_SOURCES[name]
    source = inspect.getsource(function)
    assert hashlib.sha256(source.encode()).hexdigest()[:8] == digest, name


def test_only_the_safe_index_classes_read_a_table_of_contents():
    package = Path(store.__file__).parent
    for module in package.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        for unsafe in ("open_dir(", "exists_in(", "TOC.read(", "create_in("):
            assert unsafe not in text, f"{module.name} calls whoosh's {unsafe}"


def test_stored_fields_that_carry_code_run_nothing(docs, tmp_path):
    index_dir = tmp_path / "evil"
    index(index_dir, docs)
    marker = tmp_path / "ran"
    writer = store.open_index(index_dir).writer()
    writer.add_document(
        id="evil", key="evil", kind=store.KIND_RECORD, file="evil", title=BOOK, body=BOOK,
        fingerprint=b"", grams=gram_text(BOOK).encode(), roots=gram_text(BOOK),
        date=Payload(marker),  # Whoosh pickles stored values as they are
    )
    writer.commit()
    assert_one_error_line(search(index_dir, BOOK), "cannot be read", "posix.system")
    assert not marker.exists()
    assert index(index_dir, docs, rebuild=True).exit_code == 0
    assert search(index_dir, BOOK).exit_code == 0


def test_segment_data_is_read_with_the_plain_data_unpicklers():
    for module, (name, function) in store.DATA_UNPICKLERS.items():
        assert getattr(module, name) is function, module.__name__
    plain = [1, "كتاب", b"\x00\xff", (2.5, None), {"a": [True]}]
    assert store.loads_data(pickle.dumps(plain, 2)) == plain  # bytes via _codecs.encode
    assert store.loads_data(pickle.dumps(plain, 5)) == plain
    with pytest.raises(pickle.UnpicklingError):
        store.loads_data(pickle.dumps(Payload(Path("/nowhere"))))


# Where Whoosh unpickles, file by file: a new place (an upgrade) must be read before it
# is trusted; and the modules whose "load"/"loads" store.DATA_UNPICKLERS replaces.
UNPICKLING_SITES = {
    "automata/fst.py": 2, "codec/plaintext.py": 1, "codec/whoosh2.py": 10,
    "codec/whoosh3.py": 3, "columns.py": 9, "externalsort.py": 1, "filedb/compound.py": 2,
    "filedb/fileindex.py": 2, "filedb/filereading.py": 1, "filedb/filetables.py": 1,
    "filedb/pools.py": 1, "filedb/structfile.py": 2, "formats.py": 6, "index.py": 2,
    "legacy.py": 2, "multiproc.py": 2,
}
PATCHED_MODULES = {
    "filedb/structfile.py": "a070a3ff",
    "codec/whoosh3.py": "7db5df0e",
    "formats.py": "d271c043",
    "columns.py": "e2f08f82",
}


def test_whoosh_unpickles_where_it_did():
    root = Path(whoosh_index.__file__).parent
    call = re.compile(r"\b(?:pickle\.)?loads?\(|read_pickle\(|pickle\.load\b")
    sites = {}
    for module in sorted(root.rglob("*.py")):
        count = len(call.findall(module.read_text(encoding="utf-8")))
        if count:
            sites[module.relative_to(root).as_posix()] = count
    assert sites == UNPICKLING_SITES
    for module, digest in PATCHED_MODULES.items():
        assert hashlib.sha256((root / module).read_bytes()).hexdigest()[:8] == digest, module


# 3. A damaged index: one line, and --rebuild recovers


def truncated(fraction):
    def damage(path):
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])

    return damage


def drop_last_byte(path):
    path.write_bytes(path.read_bytes()[:-1])


def flipped(where, length=64):
    """Invert ``length`` bytes from ``where`` (a fraction of the file) on."""

    def damage(path):
        data = bytearray(path.read_bytes())
        start = int(len(data) * where)
        for offset in range(start, min(len(data), start + length)):
            data[offset] ^= 0xFF
        path.write_bytes(bytes(data))

    return damage


def garbage(path):
    path.write_bytes(bytes(range(256)) * (path.stat().st_size // 256 + 1))


def deleted(path):
    path.unlink()


DAMAGES = {
    "deleted": deleted,
    "emptied": truncated(0),
    "half truncated": truncated(0.5),
    "last byte cut": drop_last_byte,
    "overwritten": garbage,
    "flipped at the start": flipped(0),
    "flipped in the middle": flipped(0.5),
    "flipped at the end": flipped(0.98),
}
FILES = {
    "table of contents": "_MAIN_*.toc",
    "segment": "MAIN_*.seg",
    "meta": store.META_FILE,
    "lock": "MAIN_WRITELOCK",
}
# Bytes flipped inside a segment's data may go unnoticed (Whoosh keeps no checksums)
# or land anywhere in its tables, differently from one build to the next: those are
# counted by bench/damage.py, not pinned here.
CASES = [
    (file, damage)
    for file in FILES
    for damage in DAMAGES
    if (file, damage) != ("segment", "flipped in the middle")
]


def shows(file, damage):
    """What searching shows: the meta file only stamps the analyzer version (unknown:
    a warning and the hits), the lock file's content is never read (the hits), nor the
    schema in the table of contents of a current index; an index without a table of
    contents is no index; any other damage is one error line."""
    if (file, damage) == ("table of contents", "deleted"):
        return "no index"
    if (file, damage) == ("table of contents", "flipped in the middle"):
        return "hits"  # in the schema, which a current index does not read
    return {"meta": "warning", "lock": "hits"}.get(file, "error")


@pytest.mark.parametrize("file, damage", CASES)
def test_a_damaged_index_gives_one_line_and_rebuild_recovers(docs, tmp_path, file, damage):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    DAMAGES[damage](next(index_dir.glob(FILES[file])))
    searched = search(index_dir, BOOK)
    expected = shows(file, damage)
    if expected == "error":
        assert_one_error_line(searched, "cannot be read", "search index --rebuild")
    elif expected == "no index":
        assert_one_error_line(searched, "No index at")
    else:
        assert searched.exit_code == 0 and "Traceback" not in searched.output
        warnings = [line for line in searched.output.splitlines() if "warning" in line]
        assert len(warnings) == (expected == "warning")
    updated = index(index_dir, docs)
    assert updated.exception is None or isinstance(updated.exception, SystemExit)
    assert updated.exit_code == 0 or len(updated.output.splitlines()) == 1, updated.output
    assert index(index_dir, docs, rebuild=True).exit_code == 0
    answer = CliRunner().invoke(cli, ["query", BOOK, "--json", "--index", str(index_dir)])
    assert answer.exit_code == 0 and len(json.loads(answer.output)["hits"]) == 6
    assert listing(tmp_path) == ["docs", "index"]


# 4. A full disk, a read-only folder


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def after(method_name):
    """The SegmentWriter method, then a full disk: its files are written, not committed."""
    original = getattr(whoosh_writing.SegmentWriter, method_name)

    def fail_after(self, *args, **kwargs):
        original(self, *args, **kwargs)
        no_space()

    return fail_after


@pytest.mark.parametrize(
    "method, replacement",
    [
        ("add_document", no_space),  # before anything is written
        ("_assemble_segment", after("_assemble_segment")),  # a whole compound file
        ("_commit_toc", no_space),  # every segment file, no table of contents
    ],
    ids=["while adding", "after the segment", "before the table of contents"],
)
@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_a_full_disk_is_one_line_and_leaves_the_last_commit(
    docs, tmp_path, monkeypatch, method, replacement, rebuild
):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    before = listing(index_dir)
    write(docs / "new.txt", "وثيقة جديدة")
    monkeypatch.setattr(whoosh_writing.SegmentWriter, method, replacement)
    result = index(index_dir, docs, rebuild=rebuild)
    assert_one_error_line(result, f"cannot write the index at {index_dir}", "No space left")
    assert listing(index_dir) == before
    assert listing(tmp_path) == ["docs", "index"]
    assert not frequencies.PENDING  # nothing of the failed run is kept for a later commit
    assert search(index_dir, BOOK).exit_code == 0
    monkeypatch.undo()
    assert "1 added" in index(index_dir, docs).output


def test_what_a_killed_run_left_in_the_index_is_removed_by_the_next(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    leftovers = ["MAIN_0123456789abcdef.seg", "_MAIN_2.toc.1764520000.25", "MAIN.tmp/x.run"]
    for name in leftovers:
        write(index_dir / name, "partial")
    write(index_dir / "MAIN_notes", "not the index's: no dot after the name")
    assert index(index_dir, docs).exit_code == 0
    assert not any((index_dir / name).exists() for name in leftovers)
    assert (index_dir / "MAIN_notes").exists() and not (index_dir / "MAIN.tmp").exists()


@pytest.fixture
def tmpfs(tmp_path):
    """A mount point for a tiny tmpfs, when this process may mount one (root)."""
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()

    def mount(*options):
        command = ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(mount_point)]
        if os.geteuid() != 0 or subprocess.run(command, capture_output=True).returncode:
            pytest.skip("needs to mount a tmpfs (root)")
        return mount_point

    yield mount
    if os.path.ismount(mount_point):
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def test_a_really_full_disk(docs, tmp_path, tmpfs):
    """Also: the failed run's files are closed, so their space is free for the next."""
    index_dir = tmpfs("size=200k") / "index"
    index(index_dir, docs)
    before = listing(index_dir)
    bulk = tmp_path / "bulk"
    for number in range(20):
        write(bulk / f"{number}.txt", " ".join(f"{BOOK}{number}{word}" for word in range(3000)))
    result = index(index_dir, bulk)
    assert_one_error_line(result, "No space left on device", "the last commit is kept")
    assert listing(index_dir) == before
    assert search(index_dir, BOOK).exit_code == 0
    again = index(index_dir, docs)
    assert again.exit_code == 0, again.output


def test_a_read_only_index_folder_is_one_line(docs, tmp_path, tmpfs):
    index_dir = tmpfs("size=1m") / "index"
    index(index_dir, docs)
    subprocess.run(["mount", "-o", "remount,ro", str(index_dir.parent)], check=True)
    write(docs / "new.txt", "وثيقة جديدة")
    for rebuild in (False, True):
        result = index(index_dir, docs, rebuild=rebuild)
        assert_one_error_line(result, "Read-only file system", "must be writable")
    assert search(index_dir, BOOK).exit_code == 0


def without_permission_override() -> list[str]:
    """A command prefix under which folder permissions apply, even to root."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("root ignores folder permissions, and setpriv is missing")
    capabilities = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={capabilities}", f"--bounding-set={capabilities}"]


def test_a_folder_without_write_permission_is_one_line(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    write(docs / "new.txt", "وثيقة جديدة")
    before = listing(index_dir)
    index_dir.chmod(0o555)
    try:
        for options in ([], ["--rebuild"]):
            result = subprocess.run(
                [*without_permission_override(), sys.executable, "-m", "search", "index",
                 *options, "--index", str(index_dir), str(docs)],
                capture_output=True, text=True,
            )
            assert result.returncode == 2, result.stderr
            assert result.stderr.splitlines() == [
                f"Error: cannot write the index at {index_dir}: Permission denied; "
                "the folder must be writable to index into it"
            ]
    finally:
        index_dir.chmod(0o755)
    assert listing(index_dir) == before
    assert listing(tmp_path) == ["docs", "index"]


# 5. A long-lived searcher sees a rebuild


def test_an_open_searcher_answers_from_the_rebuilt_index(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    with IndexSearcher(index_dir) as searcher:
        assert searcher.search(BOOK).total == 6
        (docs / "0.txt").unlink()
        write(docs / "new.txt", NOTE_WORD)
        assert index(index_dir, docs, rebuild=True).exit_code == 0
        assert store.build_id(index_dir) != searcher.build
        assert searcher.search(NOTE_WORD).total == 1
        assert searcher.search(BOOK).total == 5
        assert searcher.document_count() == 6


def test_a_searcher_caught_mid_swap_keeps_answering(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    with IndexSearcher(index_dir) as searcher:
        index_dir.rename(tmp_path / "away")
        write(index_dir / store.META_FILE, '{"build": "another"}')  # a new id, no index yet
        assert searcher.search(BOOK).total == 6


def test_a_search_batch_sees_a_rebuild(docs, tmp_path):
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    batch = subprocess.Popen(
        [sys.executable, "-m", "search", "--index", str(index_dir), "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        batch.stdin.write(f"{NOTE_WORD}\n")
        batch.stdin.flush()
        assert json.loads(batch.stdout.readline())["hits"] == []
        write(docs / "new.txt", NOTE_WORD)
        assert index(index_dir, docs, rebuild=True).exit_code == 0
        batch.stdin.write(f"{NOTE_WORD}\n")
        batch.stdin.close()
        assert len(json.loads(batch.stdout.readline())["hits"]) == 1
    finally:
        batch.kill()
        batch.wait()


def test_a_term_of_the_dictionary_naming_no_field_gives_one_line(docs, tmp_path):
    """A damaged term key whose field number names no field of the schema: Whoosh's
    term reader fails with an IndexError as a search reads a field's terms (found by
    bench/damage.py: a traceback in 4 of 300 single-byte flips of the segment)."""
    index_dir = tmp_path / "index"
    index(index_dir, docs)
    segment = next(index_dir.glob("MAIN_*.seg"))
    data = segment.read_bytes()
    with store.open_index(index_dir).reader() as reader:
        number = reader._terms._fieldmap["body"] if reader.is_atomic() else None
    assert number is not None
    key = number.to_bytes(2, "big") + "جميل".encode("utf-8")
    assert data.count(key) == 1
    segment.write_bytes(data.replace(key, b"\xff\xfe" + key[2:]))
    # A family's forms are read from the segment's frequency file (search.frequencies),
    # written before the damage, without going through the term dictionary's keys:
    result = search(index_dir, BOOK)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    # without it, they are read through the term dictionary:
    for derived in index_dir.glob("MAIN_*.frequencies"):
        derived.unlink()
    assert_one_error_line(search(index_dir, BOOK), "cannot be read", "search index --rebuild")
    assert index(index_dir, docs, rebuild=True).exit_code == 0
    assert search(index_dir, BOOK).exit_code == 0
