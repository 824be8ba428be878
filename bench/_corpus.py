"""Locate the shared corpora used by benchmarks; say clearly when they are absent."""

import json
import sys
from pathlib import Path

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


def corpus_file(*parts: str) -> Path | None:
    """Return the path under ../shared/corpora, or None after saying on stderr that it is absent."""
    path = CORPORA.joinpath(*parts)
    if path.is_file():
        return path
    print(f"note: {path} is absent; ../shared/corpora is not beside this checkout.", file=sys.stderr)
    return None


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
