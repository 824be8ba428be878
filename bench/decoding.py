"""How often search.decoding.decode gets Arabic text back, by encoding and by length.

    python bench/decoding.py [--samples 300] [--seed 2]

Encodes real Arabic (words, short phrases and whole documents from ../shared/corpora)
in UTF-16 without BOM, cp1256 and ISO-8859-6, decodes it, and prints how many came back
exactly (a leading U+FEFF, which any decoder takes for a BOM, is left out), and the CPU
time per decoding. For a baseline, run it with PYTHONPATH set to an older checkout.
"""

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH

from bench._corpus import corpus_file  # noqa: E402
from search.documents import decode  # noqa: E402  (there in older checkouts too)

ENCODINGS = ("utf-16-le", "utf-16-be", "cp1256", "iso8859_6")
ARABIC_WORD = re.compile(r"[\u0621-\u064a]{2,}")
DOCUMENT_CHARACTERS = 3_000


def texts(path: Path, limit: int) -> list[str]:
    found = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            found.append(json.loads(line)["text"].lstrip("\ufeff")[:DOCUMENT_CHARACTERS])
            if len(found) == limit:
                break
    return found


def score(samples: list[str], encoding: str) -> tuple[int, int, list]:
    right = total = 0
    wrong = []
    for sample in samples:
        try:
            data = sample.encode(encoding)
        except UnicodeEncodeError:
            continue  # a letter the code page lacks (ISO-8859-6 has no پ)
        total += 1
        try:
            decoded = decode(data)
        except Exception as error:  # a refusal (SkipFile, DecodingError) is a miss too
            decoded = f"<{error}>"
        if decoded == sample:
            right += 1
        elif len(wrong) < 3:
            wrong.append((sample[:20], decoded[:20]))
    return right, total, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2)
    options = parser.parse_args()
    sources = [corpus_file("ud_pud_lemmas", "docs.jsonl"), corpus_file("tashkeela_sample", "docs.jsonl")]
    if not all(sources):
        sys.exit(1)
    rng = random.Random(options.seed)
    documents = texts(sources[1], options.samples)
    words = sorted({word for text in texts(sources[0], 10_000) for word in ARABIC_WORD.findall(text)})
    sets = {
        "one word": rng.sample(words, options.samples),
        "2-8 words": [" ".join(rng.sample(words, rng.randint(2, 8))) for _ in range(options.samples)],
        "document": documents,
    }
    for name, samples in sets.items():
        for encoding in ENCODINGS:
            started = time.process_time()
            right, total, wrong = score(samples, encoding)
            per_item = (time.process_time() - started) / max(total, 1) * 1000
            print(f"{name:10} {encoding:10} {right:4}/{total:<4} right  {per_item:6.2f} CPU ms each  "
                  f"e.g. {wrong}")


if __name__ == "__main__":
    main()
