"""Generated hostile files for the file readers: used by tests/test_fuzz_files.py and
bench/fuzz_files.py. Every generator is a function of a ``random.Random``, so a seed
reproduces a file."""

import json
import random

from search.documents import ParsedFile, SkipFile, SourceFile, parse_file

WORDS = (
    "المدرسة الأولى في حلب تستقبل الطلاب الجدد هذا العام وقال المدير إن الدروس تبدأ غدا "
    "وَبِالْمَدْرَسَةِ أثريا الرقة «الطلاب» ٢٠١٩ محمدؐ كتاب news 2024 école Привет"
).split()
ODD_CHARACTERS = [
    "\u200c", "\u200d", "\u200b", "\u00ad", "\u0610", "\ufeff", "\u202e", "\x00", "\x1f",
    "\r", "\t", "\ufffd", "\U0001f600", "[", "]", "<", ">", "&", "\\", '"', "\u0640",
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1256", "iso8859_6", "cp1252"]
SUFFIXES = [".txt", ".md", ".html", ".json", ".jsonl"]
STRING_ESCAPES = ["\\ud83d", "\\udc00", "\\u0000", "\\n", "\\\\", '\\"', "\\u0627"]


def text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        parts.append(rng.choice(WORDS) if rng.random() < 0.85 else rng.choice(ODD_CHARACTERS))
        parts.append(rng.choice([" ", " ", " ", "\n", ""]))
    return "".join(parts)


def json_string(rng: random.Random) -> str:
    """A JSON string literal, sometimes with escapes JSON allows and UTF-8 does not."""
    inner = json.dumps(text(rng, rng.randint(0, 8)), ensure_ascii=rng.random() < 0.3)[1:-1]
    if rng.random() < 0.3:
        at = rng.randint(0, len(inner))
        inner = inner[:at] + rng.choice(STRING_ESCAPES) + inner[at:]
    return f'"{inner}"'


def json_value(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 4 or roll < 0.35:
        return rng.choice(
            [json_string(rng), "null", "true", "1", "-0.5e3", "1e400", "9" * rng.randint(1, 5000)]
        )
    if roll < 0.45:
        deep = rng.choice([10, 500, 990, 1000, 5000])
        return "[" * deep + "]" * deep
    if roll < 0.65:
        return "[" + ",".join(json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))) + "]"
    return json_object(rng, depth + 1)


def json_object(rng: random.Random, depth: int = 0) -> str:
    keys = ["id", "text", "body", "content", "title", "date", "url", "source", "x"]
    fields = []
    for key in rng.sample(keys, rng.randint(0, len(keys))):
        value = json_string(rng) if rng.random() < 0.7 else json_value(rng, depth + 1)
        fields.append(f'"{key}": {value}')
    return "{" + ", ".join(fields) + "}"


def document(rng: random.Random, suffix: str) -> str:
    if suffix == ".jsonl":
        lines = [json_object(rng) if rng.random() < 0.8 else json_value(rng) for _ in range(rng.randint(0, 6))]
        return "\n".join(lines)
    if suffix == ".json":
        items = [json_object(rng) for _ in range(rng.randint(0, 4))]
        return rng.choice(["[" + ",".join(items) + "]", items[0] if items else "{}", json_value(rng)])
    if suffix == ".html":
        return f"<html><title>{text(rng, 3)}</title><body><p>{text(rng, 20)}</p><script>x</script>"
    return text(rng, rng.randint(0, 60))


def mutate(rng: random.Random, data: bytes) -> bytes:
    """Flip, cut or splice a few bytes, as a damaged disk or a bad copy would."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        at = rng.randrange(len(data))
        action = rng.random()
        if action < 0.4:
            data[at] = rng.randrange(256)
        elif action < 0.7:
            del data[at:]
        else:
            data[at:at] = rng.randbytes(rng.randint(1, 8))
    return bytes(data)


def hostile_file(rng: random.Random) -> tuple[str, bytes]:
    """(suffix, bytes) of one generated file."""
    suffix = rng.choice(SUFFIXES)
    roll = rng.random()
    if roll < 0.1:
        return suffix, rng.randbytes(rng.randint(0, 4096))
    if roll < 0.15:
        return suffix, bytes(b for b in rng.randbytes(rng.randint(0, 4096)) if b)
    content = document(rng, suffix)
    encoding = "utf-8" if suffix in (".json", ".jsonl") and rng.random() < 0.7 else rng.choice(ENCODINGS)
    data = content.encode(encoding, errors="replace" if encoding != "utf-8" else "surrogatepass")
    if roll > 0.85:
        data = mutate(rng, data)
    return suffix, data


def read_records(path, data: bytes) -> tuple[list, str | None]:
    """(records, skip reason) of one file through the readers the indexer uses."""
    source = SourceFile(path, str(path), path.name, len(data), 0)
    try:
        parsed: ParsedFile = parse_file(source, data)
        records = list(parsed.records)
    except SkipFile as reason:
        return [], str(reason)
    for record in records:
        record.check_storable()
        assert record.fingerprint
    return records, None
