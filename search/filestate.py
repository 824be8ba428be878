"""What the index remembers of one source file, kept in the file's bookkeeping document.

Where each record stands in its file (``locations``: "line 12", "item 3") is kept here,
not in the record: a record that only moved (a line above it deleted) keeps its stored
document and fingerprint, and its file's state, rewritten whenever the file is read, says
where it now is. The indexer writes it; a search reads the locations of its hits' files.
"""

import json
from dataclasses import dataclass, field


@dataclass
class FileState:
    """One file's state: its stat signature, content hash, skip reasons, where it was
    found, and its records' locations."""

    stat_signature: str  # "size:mtime_ns"
    sha: str = ""  # of the bytes, "" if they could not be read
    skipped: list[str] = field(default_factory=list)  # the file's or its records' reasons
    found_at: str = ""  # the path it was found at, a link's own ("" in indexes before it)
    locations: dict[str, str] = field(default_factory=dict)  # record id -> "line 12"

    def encode(self) -> bytes:
        return json.dumps(
            [self.stat_signature, self.sha, self.skipped, self.found_at, self.locations],
            ensure_ascii=False,
        ).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> "FileState":
        """A state as encoded by this or an earlier version (fewer fields)."""
        return cls(*json.loads(data.decode("utf-8")))
