"""What the index remembers of one source file, kept in the file's bookkeeping document.

Where each record stands in its file (``locations``: "line 12", "item 3") is kept here,
not in the record: a record that only moved (a line above it deleted) keeps its stored
document and fingerprint, and its file's state, rewritten whenever the file is read, says
where it now is. The indexer writes it; a search reads the locations of its hits' files.

Beside the locations, in their order, are the digests of the JSON lines their records
were read from (``search.documents.line_digest``; NO_DIGEST for a record known by its
place, which a moved line changes): a re-run takes a line it knows by digest as the
record it was, unread. They are kept as one string, which a search decodes at no cost.
"""

import json
from dataclasses import dataclass, field

# A line's digest is this many hex digits of its SHA-1: a file's lines meeting by chance
# is out of reach, and one who writes the file can change its records anyway.
LINE_DIGEST_LENGTH = 16
NO_DIGEST = "-" * LINE_DIGEST_LENGTH


@dataclass
class FileState:
    """One file's state: its stat signature, content hash, skip reasons, where it was
    found, and its records' locations."""

    stat_signature: str  # "size:mtime_ns"
    sha: str = ""  # of the bytes, "" if they could not be read
    skipped: list[str] = field(default_factory=list)  # the file's or its records' reasons
    found_at: str = ""  # the path it was found at, a link's own ("" in indexes before it)
    locations: dict[str, str] = field(default_factory=dict)  # record id -> "line 12"
    line_digests: list[str] = field(default_factory=list)  # of the located records, or []

    def locate(self, record_id: str, location: str, line_digest: str) -> None:
        self.locations[record_id] = location
        self.line_digests.append(line_digest or NO_DIGEST)

    def known_lines(self) -> dict[str, str]:
        """{line digest: record id} of the records read from JSON lines."""
        if len(self.line_digests) != len(self.locations):
            return {}
        return {
            digest: record_id
            for digest, record_id in zip(self.line_digests, self.locations)
            if digest != NO_DIGEST
        }

    def encode(self) -> bytes:
        digests = "".join(self.line_digests) if any(d != NO_DIGEST for d in self.line_digests) else ""
        return json.dumps(
            [self.stat_signature, self.sha, self.skipped, self.found_at, self.locations, digests],
            ensure_ascii=False,
        ).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> "FileState":
        """A state as encoded by this or an earlier version (fewer fields)."""
        state = cls(*json.loads(data.decode("utf-8")))
        digests = state.line_digests or ""
        state.line_digests = [
            digests[start : start + LINE_DIGEST_LENGTH]
            for start in range(0, len(digests), LINE_DIGEST_LENGTH)
        ]
        return state
