"""Hostile queries for fuzzing the query path, from a seeded generator.

Shared by ``tests/test_fuzz_queries.py`` (a few thousand, in CI) and ``bench/fuzz.py``
(100,000 against a large index). A query is a few pieces joined by odd separators; each
piece is a word (real Arabic, with or without diacritics, honorific signs U+0610-U+061A,
zero-width joiners or tatweel; Latin; digits; a very long word; a run of marks) or a
piece of syntax (* ? ~ ~N ~/N - + : ( ) " OR NOT AND, field names, Arabic punctuation),
and some queries then get raw noise: lone surrogates, NUL and other control characters.

>>> queries = list(generate_queries(3, seed=1))
>>> len(queries), all(isinstance(query, str) for query in queries)
(3, True)
>>> list(generate_queries(3, seed=1)) == queries
True
"""

import random

# Real words, most of them in the test index (tests/test_fuzz_queries.py) and common in
# the classical corpus, so that families, prefixes and typos expand to something.
WORDS = (
    "كتاب", "الكتاب", "وبالكتاب", "كتب", "مكتبة", "المدرسة", "مدرسة", "مدارس", "مدرستنا",
    "أثريا", "الرقة", "قال", "يقول", "قالوا", "محمد", "الله", "رسول", "الصلاة", "علي", "على",
    "في", "من", "إلى", "عن", "ثم", "الاستراتيجية", "استراتيجية", "الدفاع", "الوطني", "شيء",
    "مسئول", "مسؤول", "سيقولون", "والعلماء", "العلم", "حديث", "الحديث", "قرآن", "بسم",
    "الرحمن", "الرحيم", "وا", "ال", "و", "ب", "لل", "ة", "ى", "ء", "آ", "لا", "ﻻ", "ﷺ",
)
LATIN = ("Damascus", "SY24", "report", "the", "and", "OR", "or", "not", "AND", "x", "é", "ǅ", "ß")
DIGITS = ("2019", "٢٠١٩", "۱۲", "0", "007", "3.14", "1e9", "-1", "٣")
ARABIC_LETTERS = [chr(code) for code in range(0x0621, 0x064B)] + ["ک", "ی", "پ", "ڤ", "گ"]
HARAKAT = [chr(code) for code in range(0x064B, 0x0660)] + ["\u0670"]
SIGNS = [chr(code) for code in range(0x0610, 0x061B)]  # the ﷺ sign, small fatha/damma/kasra
QURANIC = [chr(code) for code in range(0x06D6, 0x06EE)]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202e", "\u2066"]
TATWEEL = "\u0640"
PUNCTUATION = ["،", "؛", "؟", "«", "»", "(", ")", "[", "]", "{", "}", '"', "'", "`", "“", "”",
               ".", ",", "!", "/", "\\", "_", "|", "&", "^", "%", "$", "#", "@", "<", ">", "="]
SYNTAX = ["*", "?", "~", "~1", "~2", "~3", "~9", "~99", "~/1", "~/9", "~2/1", "~1/30", "-", "+",
          ":", "(", ")", '"', "OR", "NOT", "AND", "ANDNOT", "ANDMAYBE", "^2", "[a TO b]", "*:*"]
FIELDS = ["title:", "path:", "source:", "body:", "unknown:", "kind:", "id:", "key:", "roots:",
          "date:", "url:", "file:", "fingerprint:", "grams:", "TITLE:", "عنوان:"]
SEPARATORS = [" ", " ", " ", "", "  ", "\t", "\u00a0", "\u3000", "\n", "\u2028"]
CONTROL = [chr(code) for code in (*range(0x00, 0x20), 0x7F, 0x85)]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\udcff", "\ud83d"]  # \udcff: the byte ff
OTHER = ["\ufffd", "😀", "𝔸", "\U0010ffff", "ﺍﻟﻜﺘﺎﺏ", "ＡＢＣ", "ﬁ", "\u0301", "\u0000"]


def generate_queries(count: int, seed: int):
    """``count`` hostile queries, the same ones for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield query(rng)


def query(rng: random.Random) -> str:
    """One query: 1 to 8 pieces, joined, sometimes wrapped and salted with noise."""
    pieces = [piece(rng) for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 6, 8)))]
    text = ""
    for part in pieces:
        text += (rng.choice(SEPARATORS) if text else "") + part
    if rng.random() < 0.1:
        text = rng.choice(('"', "(", "«", "'")) + text + rng.choice(('"', ")", "»", "", "~"))
    if rng.random() < 0.15:
        text = _salted(rng, text, rng.choice((CONTROL, SURROGATES, INVISIBLE, OTHER, PUNCTUATION)))
    return text


def piece(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return word(rng)
    if kind < 0.45:
        return word(rng) + rng.choice(SYNTAX[:12])  # a prefix or typo word
    if kind < 0.55:
        return rng.choice(("-", "+", "NOT ", "")) + rng.choice(FIELDS) + rng.choice(("", word(rng), word(rng) + "*", "*"))
    if kind < 0.65:
        return rng.choice(SYNTAX)
    if kind < 0.72:
        return rng.choice(PUNCTUATION) + (word(rng) if rng.random() < 0.5 else "")
    if kind < 0.78:
        return rng.choice(LATIN + DIGITS)
    if kind < 0.82:
        return long_word(rng)
    if kind < 0.86:
        return "".join(rng.choices(rng.choice((SIGNS, HARAKAT, QURANIC, INVISIBLE, [TATWEEL])), k=rng.choice((1, 3, 50, 1000))))
    if kind < 0.92:
        return _wildcard(rng)
    return _salted(rng, word(rng), rng.choice((CONTROL, SURROGATES, OTHER, SIGNS, INVISIBLE)))


def word(rng: random.Random) -> str:
    """A real or random Arabic word, with diacritics, signs, joiners or tatweel inside."""
    if rng.random() < 0.7:
        text = rng.choice(WORDS)
    else:
        text = "".join(rng.choices(ARABIC_LETTERS, k=rng.randint(1, 12)))
    if rng.random() < 0.5:
        marks = rng.choice((HARAKAT, HARAKAT, SIGNS, INVISIBLE, [TATWEEL], QURANIC))
        text = "".join(char + ("".join(rng.choices(marks, k=rng.randint(0, 2)))) for char in text)
    return text


def long_word(rng: random.Random) -> str:
    letters = rng.choice((ARABIC_LETTERS, list("abcdefghij"), list("كتاب"), list("٠١٢٣")))
    text = "".join(rng.choices(letters, k=rng.choice((99, 100, 101, 257, 1001, 1999, 2000, 2001, 5000))))
    return text + rng.choice(("", "", "*", "~", "~2"))


def _wildcard(rng: random.Random) -> str:
    text = word(rng)
    cuts = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, rng.randint(1, 3))))
    out, last = "", 0
    for cut in cuts:
        out += text[last:cut] + rng.choice(("*", "?", "**", "*?"))
        last = cut
    return out + text[last:]


def _salted(rng: random.Random, text: str, pool: list[str]) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice(pool) + text[at:]
    return text
