"""Find files and turn each into records: decoding, formats, titles, ids and fingerprints.

Bad input never raises out of here except as ``SkipFile`` (the whole file) or as a
problem listed beside the records (one bad JSONL line, one JSON item without text).
"""

import codecs
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup
from charset_normalizer import from_bytes

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES

TEXT_KEYS = ("text", "body", "content")
METADATA_KEYS = ("title", "date", "url", "source")
TITLE_LENGTH = 120  # a first line used as title is cut here, at a word boundary
ARABIC_LEGACY_ENCODINGS = ["cp1256", "iso8859_6"]
INVISIBLE_HTML = ("script", "style", "noscript", "template", "head")
ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
LETTER = re.compile(r"[^\W\d_]")


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

    @property
    def display_title(self) -> str:
        """The title, else the first line: shown, but not indexed as a title."""
        return self.title or first_line_title(self.text)

    @property
    def fingerprint(self) -> str:
        payload = json.dumps(
            [self.text, self.title, self.date, self.url, self.source, self.location],
            ensure_ascii=False,
        )
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()


@dataclass
class ParsedFile:
    """A file's records, and the problems met reading them. A JSON Lines file yields its
    records one at a time, adding to ``problems`` as it goes: read them first."""

    records: Iterable[Record]
    problems: list[str] = field(default_factory=list)


def walk(root: Path, ignore: Path | None = None):
    """Yield (path, is_supported) for files under root, skipping hidden entries and ``ignore``."""
    if root.is_file():
        yield root, root.suffix.lower() in SUPPORTED_SUFFIXES
        return
    ignored = ignore.resolve() if ignore else None
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not name.startswith(".") and (here / name).resolve() != ignored
        )
        for name in sorted(files):
            if not name.startswith("."):
                yield here / name, Path(name).suffix.lower() in SUPPORTED_SUFFIXES


def source_file(path: Path, root: Path) -> SourceFile:
    status = path.stat()
    relative = path.name if root.is_file() else path.relative_to(root).as_posix()
    display = path.as_posix() if root.is_file() else (root / relative).as_posix()
    return SourceFile(path.resolve(), display, relative, status.st_size, status.st_mtime_ns)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or a detected legacy encoding.

    charset-normalizer guesses the encoding; on short texts it can prefer an East Asian
    code page, so when its guess has no Arabic letters the Arabic legacy encodings are
    tried, and kept if most letters they produce are Arabic.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise SkipFile("binary file")
    guess = from_bytes(data).best()
    text = str(guess) if guess is not None else None
    if text is None or not ARABIC_LETTER.search(text):
        legacy = from_bytes(data, cp_isolation=ARABIC_LEGACY_ENCODINGS).best()
        if legacy is not None and _mostly_arabic(str(legacy)):
            text = str(legacy)
    if text is None:
        raise SkipFile("undecodable text (not UTF-8, UTF-16 or a known legacy encoding)")
    return text


def _mostly_arabic(text: str) -> bool:
    letters = len(LETTER.findall(text))
    return letters > 0 and len(ARABIC_LETTER.findall(text)) * 2 > letters


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
    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for element in soup(INVISIBLE_HTML):
        element.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    text = "\n".join(line for line in lines if line)
    return Record(id=source.relative, text=text, title=title)


def json_record(item, source: SourceFile, position: str, location: str) -> Record:
    """A Record from one JSON object; raises ValueError with the reason if it has no text."""
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    text = next((item[key] for key in TEXT_KEYS if isinstance(item.get(key), str)), None)
    if text is None:
        raise ValueError("no text, body or content")
    metadata = {key: str(item[key]) for key in METADATA_KEYS if item.get(key) is not None}
    record_id = str(item["id"]) if item.get("id") is not None else f"{source.relative}{position}"
    return Record(id=record_id, text=text, location=location, **metadata)


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
        value = json.loads(text)
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
    parsed.records = _json_lines_records(source, text, parsed.problems)
    return parsed


def _json_lines_records(source: SourceFile, text: str, problems: list[str]) -> Iterator[Record]:
    """One record per line, lazily, so a large file's records are never all in memory."""
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            yield json_record(json.loads(line), source, f":{number}", f"line {number}")
        except ValueError as error:
            problems.append(f"{source.display} line {number}: {error}")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` without first making a list of them all."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end]
        start = end + 1


def read_file(source: SourceFile) -> tuple[str, bytes]:
    """(content hash, bytes) of one file; raises SkipFile with the reason."""
    try:
        data = source.path.read_bytes()
    except OSError as error:
        raise SkipFile(f"unreadable ({error.strerror})") from error
    if not data:
        raise SkipFile("empty file")
    return content_hash(data), data


def parse_file(source: SourceFile, data: bytes) -> ParsedFile:
    """The records of a file's bytes; raises SkipFile with the reason."""
    return parse(source, decode(data))
