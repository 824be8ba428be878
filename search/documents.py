"""Find files and turn each into records: decoding, formats, titles, ids and fingerprints.

Bad input never raises out of here except as ``SkipFile`` (the whole file) or as a
problem listed beside the records (one bad JSONL line, one JSON item without text).
"""

import codecs
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from search.decoding import CONTROL_BYTE, UTF16_SAMPLE_BYTES, DecodingError, decode
from search.filestate import LINE_DIGEST_LENGTH
from search.limits import MAX_FILE_MB

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES

TEXT_KEYS = ("text", "body", "content")
METADATA_KEYS = ("title", "date", "url", "source")
TITLE_LENGTH = 120  # a first line used as title is cut here, at a word boundary
INVISIBLE_HTML = ("script", "style", "noscript", "template", "head")
# JSON nested deeper than this is refused: Python's parser fails at a depth that depends
# on how deep the call stack already is (about 950 from the CLI, less from a library
# caller), so a fixed limit well below it reads a file the same way from anywhere.
MAX_JSON_DEPTH = 500
TOO_DEEP = f"nested more than {MAX_JSON_DEPTH} levels deep"
# A JSON string (skipped whole, with its escapes) or one bracket.
JSON_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
MAX_FILE_BYTES = MAX_FILE_MB * 2**20
# A JSON Lines file is hashed this much at a time, then read a line at a time.
READ_CHUNK_BYTES = 2**18
UNICODE_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
CHANGED_WHILE_READ = "changed while being indexed; index again"
FILE_KINDS = {  # what a path is when it is not a regular file, for the skip reason
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


class SkipFile(Exception):
    """This file cannot be indexed; the message is the reason."""


@dataclass(frozen=True)
class SourceFile:
    """A file found under an indexed root."""

    path: Path  # absolute
    display: str  # as the user would type it: the root as given, then the relative path
    relative: str  # relative to the root; the id of a one-record file
    size: int
    mtime_ns: int
    found_at: str = ""  # the absolute path it was found at, before resolving symbolic links

    @property
    def stat_signature(self) -> str:
        return f"{self.size}:{self.mtime_ns}"


@dataclass
class Record:
    """One searchable document: a whole text file, or one JSON record."""

    id: str
    text: str
    title: str = ""  # a real title (metadata, <title>, a Markdown heading): indexed
    date: str = ""
    url: str = ""
    source: str = ""
    location: str = ""  # where in the file: "line 12", "item 3"
    line_digest: str = ""  # of a JSON line whose record has an id of its own

    @property
    def display_title(self) -> str:
        """The title, else the first line: shown, but not indexed as a title."""
        return self.title or first_line_title(self.text)

    @property
    def fingerprint(self) -> str:
        """A hash of the content. Not of the location: a record that only moved in its file
        (a line above it deleted) is not indexed again (see json_record)."""
        payload = json.dumps(
            [self.text, self.title, self.date, self.url, self.source], ensure_ascii=False
        )
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()

    def check_storable(self) -> None:
        """Raise ValueError if a field cannot be stored: Whoosh keeps text as UTF-8, which
        has no encoding for a lone surrogate (JSON can escape one: ``"\\ud83d"``)."""
        for name in ("id", "text", "title", "date", "url", "source"):
            value = getattr(self, name)
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                code = ord(value[error.start])
                raise ValueError(f"the {name} holds a lone surrogate (\\u{code:04x})") from None


@dataclass(frozen=True)
class KnownRecord:
    """A JSON line whose bytes are those of a record indexed before (the caller said
    which, by digest): not parsed again, only placed."""

    id: str
    location: str
    line_digest: str


@dataclass
class ParsedFile:
    """A file's records, and the problems met reading them. A JSON Lines file yields its
    records one at a time, adding to ``problems`` and advancing ``position`` (bytes of
    the file read, estimated when the file was decoded whole) as it goes: read them first.
    ``changed`` says the bytes read were not those hashed (the file was being written)."""

    records: Iterable[Record | KnownRecord]
    problems: list[str] = field(default_factory=list)
    position: int = 0
    changed: bool = False


@dataclass(frozen=True)
class Skipped:
    """A path found under a root that is not indexed, and why."""

    path: Path
    reason: str
    target: str = ""  # where a link that leads outside the root points

    def __str__(self) -> str:
        return f"{printable(self.path)}: {self.reason}"


def printable(path: Path) -> str:
    """The path with undecodable bytes shown as \\xNN, safe to print anywhere."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def discover(
    root: Path, ignore: Path | None = None, max_bytes: int = MAX_FILE_BYTES
) -> Iterator[SourceFile | Skipped]:
    """The files to index under ``root``, and the paths skipped with a reason.

    Rules, in order: hidden entries and ``ignore`` are passed over silently; symbolic
    links are not followed into folders (a linked folder outside the root is reported),
    and a link to a file outside the root is skipped (``root`` itself may be a link);
    then unsupported types, names that are not UTF-8, anything but a regular file (a FIFO
    would block, ``/dev/zero`` never ends), and files over ``max_bytes``.
    """
    if not root.is_dir():
        yield _examine(root, root, max_bytes)
        return
    ignored = os.path.realpath(ignore) if ignore else None
    real_root = os.path.realpath(root)
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        kept = []
        for name in sorted(subfolders):
            path = here / name
            if name.startswith(".") or os.path.realpath(path) == ignored:
                continue
            if path.is_symlink():
                if not _is_under(os.path.realpath(path), real_root):
                    yield Skipped(path, f"a symbolic link to a folder outside {printable(root)}")
                continue
            kept.append(name)
        subfolders[:] = kept
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = here / name
            if path.is_symlink():
                target = os.path.realpath(path)
                if not _is_under(target, real_root):
                    outside = f"a symbolic link to a file outside {printable(root)}"
                    yield Skipped(path, outside, target)
                    continue
            yield _examine(path, root, max_bytes)


def _examine(path: Path, root: Path, max_bytes: int) -> SourceFile | Skipped:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return Skipped(path, "unsupported file type")
    if not _has_utf8_name(path):
        return Skipped(path, "the file name is not UTF-8; rename the file to index it")
    try:
        status = path.stat()
    except OSError as error:
        return Skipped(path, str(error.strerror))
    if not stat.S_ISREG(status.st_mode):
        kind = FILE_KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        return Skipped(path, f"{kind}, not a regular file")
    if status.st_size > max_bytes:
        return Skipped(
            path,
            f"larger than {_megabytes(max_bytes)} ({_megabytes(status.st_size)}); "
            "raise --max-file-size to index it",
        )
    return source_file(path, root, status)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def _has_utf8_name(path: Path) -> bool:
    """Whether the path can be stored (Whoosh keeps terms as UTF-8): a name in another
    encoding reaches Python with undecodable bytes as lone surrogates."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_under(file: str, root: str) -> bool:
    return file == root or file.startswith(root.rstrip("/") + "/")


def source_file(path: Path, root: Path, status: os.stat_result) -> SourceFile:
    single = not root.is_dir()
    relative = path.name if single else path.relative_to(root).as_posix()
    display = path.as_posix() if single else (root / relative).as_posix()
    return SourceFile(
        path.resolve(), display, relative, status.st_size, status.st_mtime_ns,
        found_at=os.path.abspath(path),
    )


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def first_line_title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            if len(line) <= TITLE_LENGTH:
                return line
            cut = line.rfind(" ", 0, TITLE_LENGTH)
            return line[: cut if cut > 0 else TITLE_LENGTH] + "…"
    return ""


def markdown_title(text: str) -> str:
    """The first ATX heading's text, or "" if there is none."""
    for line in text.splitlines():
        match = re.match(r"\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
        if match:
            return match.group(1)
    return ""


def html_record(markup: str, source: SourceFile) -> Record:
    from bs4 import BeautifulSoup  # here: 0.06 s to import, and only HTML needs it

    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for element in soup(INVISIBLE_HTML):
        element.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    text = "\n".join(line for line in lines if line)
    return Record(id=source.relative, text=text, title=title)


def json_record(item, source: SourceFile, position: str, location: str) -> Record:
    """A Record from one JSON object; raises ValueError with the reason if it cannot be one.

    A record without an id of its own is known by its position (``feed.jsonl:3``). The
    location is not part of the fingerprint: the indexer keeps it in the file's state
    (``search.filestate``), so a record that only moved is not indexed again.
    """
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    text = next((item[key] for key in TEXT_KEYS if isinstance(item.get(key), str)), None)
    if text is None:
        raise ValueError("no text, body or content")
    try:
        metadata = {key: str(item[key]) for key in METADATA_KEYS if item.get(key) is not None}
        own_id = str(item["id"]) if item.get("id") is not None else None
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    record_id = own_id if own_id is not None else f"{source.relative}{position}"
    record = Record(id=record_id, text=text, location=location, **metadata)
    record.check_storable()
    return record


def _load_json(text: str):
    """json.loads, with nesting deeper than MAX_JSON_DEPTH reported as a ValueError."""
    if json_depth_exceeds(text, MAX_JSON_DEPTH):
        raise ValueError(TOO_DEEP)
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` in ``text``.

    >>> json_depth_exceeds('[[1], {"a": "[[["}]', 2), json_depth_exceeds("[[[]]]", 2)
    (False, True)
    """
    if text.count("[") + text.count("{") <= limit:  # the usual case, without a scan
        return False
    depth = 0
    for match in JSON_STRING_OR_BRACKET.finditer(text):
        bracket = match.group()[0]
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        elif bracket in "]}":
            depth -= 1
    return False


def parse(source: SourceFile, text: str) -> ParsedFile:
    """The records of one decoded file, by its type."""
    suffix = source.path.suffix.lower()
    if suffix == ".jsonl":
        return _parse_json_lines(source, text)
    if suffix == ".json":
        return _parse_json(source, text)
    if not text.strip():
        raise SkipFile("empty file")
    if suffix in HTML_SUFFIXES:
        return ParsedFile([html_record(text, source)])
    title = markdown_title(text) if suffix in (".md", ".markdown") else ""
    return ParsedFile([Record(id=source.relative, text=text, title=title)])


def _parse_json(source: SourceFile, text: str) -> ParsedFile:
    try:
        value = _load_json(text)
    except ValueError as error:
        raise SkipFile(f"malformed JSON ({error})") from error
    items = value if isinstance(value, list) else [value]
    parsed = ParsedFile([])
    for number, item in enumerate(items, start=1):
        location = f"item {number}" if isinstance(value, list) else ""
        try:
            parsed.records.append(json_record(item, source, f"#{number}", location))
        except ValueError as error:
            parsed.problems.append(f"{source.display} {location or 'object'}: {error}")
    return parsed


def _parse_json_lines(source: SourceFile, text: str) -> ParsedFile:
    parsed = ParsedFile([])
    parsed.records = _decoded_json_lines(source, text, parsed)
    return parsed


def _decoded_json_lines(source: SourceFile, text: str, parsed: ParsedFile) -> Iterator[Record]:
    """The records of a JSON Lines file decoded whole, lazily; ``parsed.position`` is
    the share of the file read, in bytes."""
    for number, (line, end) in enumerate(_lines(text), start=1):
        parsed.position = source.size * end // len(text)
        if line.strip():
            yield from _json_line_record(source, line, number, parsed.problems)


def _json_line_record(source: SourceFile, line: str, number: int, problems: list[str]):
    """The record of one non-blank line (none if it cannot be one: the reason goes in
    ``problems``)."""
    try:
        yield json_record(_load_json(line), source, f":{number}", f"line {number}")
    except ValueError as error:
        problems.append(f"{source.display} line {number}: {error}")


def _lines(text: str) -> Iterator[tuple[str, int]]:
    """The lines of ``text``, each with where it ends, without first making a list."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end], end
        start = end + 1


class JsonLinesFile:
    """A JSON Lines file in plain UTF-8 (no byte order mark, no NUL, nothing that could
    be UTF-16), hashed and still open: ``parse_file`` reads it a line at a time, so a
    large file is never whole in memory. It reads the descriptor ``read_file`` opened,
    never the path again, and no more than the size found when it was discovered."""

    def __init__(self, stream, size: int, sha: str):
        self.stream, self.size, self.sha = stream, size, sha

    def lines(self) -> Iterator[bytes]:
        """Its lines from the start, each with its "\\n" (the last may lack one)."""
        self.stream.seek(0)
        left = self.size
        while left > 0 and (line := self.stream.readline(left)):
            left -= len(line)
            yield line

    def read_line(self, offset: int, length: int) -> bytes:
        return os.pread(self.stream.fileno(), length, offset)

    def read(self) -> bytes:
        """All of it, the bytes hashed; SkipFile if they changed since."""
        self.stream.seek(0)
        data = self.stream.read(self.size)
        if content_hash(data) != self.sha:
            raise SkipFile(CHANGED_WHILE_READ)
        return data

    def close(self) -> None:
        self.stream.close()


def line_digest(line: bytes) -> str:
    """The digest of one JSON line, without its line break (a line that only became the
    last, or stopped being it, is the same line)."""
    return hashlib.sha1(line.rstrip(b"\r\n")).hexdigest()[:LINE_DIGEST_LENGTH]


@dataclass(frozen=True)
class _Line:
    """Where one line not known by its digest lies in the file, to be read again."""

    offset: int
    length: int
    digest: str


def _plan_lines(content: JsonLinesFile, known: dict[str, str]) -> list[KnownRecord | _Line | None] | None:
    """One entry per line of the file: a KnownRecord for a line ``known`` by its digest,
    a _Line for another, None for a blank one; None if a line not known is not UTF-8
    (then the file is not decoded line by line as ``decode`` would decode it whole).
    SkipFile if the lines are not the bytes ``read_file`` hashed."""
    hasher = hashlib.sha256()
    plan: list[KnownRecord | _Line | None] = []
    offset = 0
    for number, raw in enumerate(content.lines(), start=1):
        hasher.update(raw)
        digest = line_digest(raw)
        if digest in known:
            plan.append(KnownRecord(known[digest], f"line {number}", digest))
        else:
            try:
                blank = not raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                return None
            plan.append(None if blank else _Line(offset, len(raw), digest))
        offset += len(raw)
    if hasher.hexdigest() != content.sha:
        raise SkipFile(CHANGED_WHILE_READ)
    return plan


def _planned_json_lines(
    source: SourceFile, content: JsonLinesFile, plan: list, parsed: ParsedFile
) -> Iterator[Record | KnownRecord]:
    """The records of the planned lines, reading again only the lines not known, as
    ``_decoded_json_lines`` reads them from the whole text. A line that is not as it was
    when planned (the file is being written) is left out and ``parsed.changed`` set."""
    try:
        for number, line in enumerate(plan, start=1):
            if isinstance(line, KnownRecord):
                yield line
            elif line is not None:
                parsed.position = line.offset + line.length
                try:
                    raw = content.read_line(line.offset, line.length)
                except OSError as error:  # the file's error, not the index's: the rest waits
                    parsed.problems.append(f"{source.display}: unreadable ({error.strerror})")
                    parsed.changed = True
                    return
                if line_digest(raw) != line.digest:
                    parsed.changed = True
                    continue
                text = raw.removesuffix(b"\n").decode("utf-8")
                for record in _json_line_record(source, text, number, parsed.problems):
                    if record.id != f"{source.relative}:{number}":  # not known by its place
                        record.line_digest = line.digest
                    yield record
        parsed.position = content.size
        if parsed.changed:
            parsed.problems.append(f"{source.display}: {CHANGED_WHILE_READ}")
    finally:
        content.close()


def read_file(source: SourceFile) -> tuple[str, "bytes | JsonLinesFile"]:
    """(content hash, content) of one file; raises SkipFile with the reason.

    The content is the file's bytes, or for a JSON Lines file in plain UTF-8 the open
    file (a ``JsonLinesFile``, to be closed) that ``parse_file`` reads a line at a time.
    Reads no more than the size found when the file was discovered (which was within the
    limit): opened without following a link and without blocking, so a file replaced by a
    FIFO or a link since then cannot hang or flood the run.
    """
    try:
        descriptor = os.open(source.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise SkipFile(f"unreadable ({error.strerror})") from error
    stream = open(descriptor, "rb")
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise SkipFile("no longer a regular file")
        if source.path.suffix.lower() != ".jsonl":
            data = _read_at_most(stream, source.size)
            return content_hash(data), data
        sha, plain = _hash_json_lines(stream, source.size)
        content = JsonLinesFile(stream, source.size, sha)
        if plain:
            stream = None  # the caller's to close
            return sha, content
        return sha, content.read()
    except OSError as error:
        raise SkipFile(f"unreadable ({error.strerror})") from error
    finally:
        if stream is not None:
            stream.close()


def _read_at_most(stream, size: int) -> bytes:
    data = stream.read(size + 1)
    if len(data) > size:
        raise SkipFile(CHANGED_WHILE_READ)
    if not data:
        raise SkipFile("empty file")
    return data


def _hash_json_lines(stream, size: int) -> tuple[str, bool]:
    """(content hash, whether it may be plain UTF-8) of a file read a chunk at a time:
    no byte order mark, no NUL, and no control byte in the sample ``decode`` looks at
    for UTF-16 without a mark."""
    hasher = hashlib.sha256()
    buffer = bytearray(READ_CHUNK_BYTES)
    read, head, nul = 0, b"", False
    while count := stream.readinto(memoryview(buffer)[: min(READ_CHUNK_BYTES, size + 1 - read)]):
        hasher.update(memoryview(buffer)[:count])
        head = head or bytes(buffer[: min(count, UTF16_SAMPLE_BYTES)])
        read += count
        if read > size:
            raise SkipFile(CHANGED_WHILE_READ)
        nul = nul or buffer.find(b"\x00", 0, count) >= 0
    if not read:
        raise SkipFile("empty file")
    plain = not (nul or head.startswith(UNICODE_BOMS) or CONTROL_BYTE.search(head))
    return hasher.hexdigest(), plain


def parse_file(
    source: SourceFile, content: "bytes | JsonLinesFile", known: dict[str, str] | None = None
) -> ParsedFile:
    """The records of a file's content (as ``read_file`` gives it); raises SkipFile with
    the reason. Of a JSON Lines file read a line at a time, a line whose digest is in
    ``known`` (digest -> record id) comes as a KnownRecord, not parsed."""
    if isinstance(content, JsonLinesFile):
        try:
            plan = _plan_lines(content, known or {})
            if plan is not None:
                parsed = ParsedFile([])
                parsed.records = _planned_json_lines(source, content, plan, parsed)
                content = None  # the generator closes it
                return parsed
            data = content.read()
        except OSError as error:
            raise SkipFile(f"unreadable ({error.strerror})") from error
        finally:
            if content is not None:
                content.close()
    else:
        data = content
    try:
        text = decode(data)
    except DecodingError as error:
        raise SkipFile(str(error)) from None
    return parse(source, text)
