"""A file's bytes to text: UTF-8, UTF-16 with or without BOM, the Arabic legacy code pages.

Pure functions on bytes; ``decode`` raises ``SkipFile`` (from search.documents, which
re-exports ``decode``) only for a binary or undecodable file.
"""

import codecs
import math
import re
from collections import Counter

from analyzers.normalization import normalize
from analyzers.stopwords import STOPWORDS

# cp1256 first: the commoner of the two, kept when both read equally well.
ARABIC_LEGACY_ENCODINGS = ("cp1256", "iso8859_6")
LEGACY_SAMPLE_BYTES = 65_536  # a legacy encoding is chosen on this much of a file
UTF16_SAMPLE_BYTES = 4_096  # enough pairs to see the byte order
# In UTF-16 text of one script below U+2000, one byte of each pair is the script's block
# (0x06 for Arabic) or 0x00 (spaces, digits, punctuation): two values make nearly all of
# them, and the commoner is below 0x20 (in UTF-8 text it is a space or a letter).
UTF16_HIGH_BYTE_SHARE = 0.8

# Arabic letters, and those Persian and Urdu add (پ چ ژ گ, which cp1256 has).
ARABIC_LETTERS = "\u0621-\u064a\u0671-\u06d3"
ARABIC_LETTER = re.compile(f"[{ARABIC_LETTERS}]")
LETTER = re.compile(r"[^\W\d_]")
# Control characters other than whitespace: a wrong decoding (UTF-16 read as bytes, or
# the C1 range of ISO-8859-6) makes them; text has none.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
# An Arabic letter beside a letter of another script, inside one word: ISO-8859-6 read
# as cp1256 turns و ي ه ق into è ê ç â, and Cyrillic or Hebrew code pages read as cp1256
# come out the same way.
MIXED_WORD = re.compile(
    rf"[{ARABIC_LETTERS}][^\W\d_{ARABIC_LETTERS}]|[^\W\d_{ARABIC_LETTERS}][{ARABIC_LETTERS}]"
    rf"|[{ARABIC_LETTERS}][×÷]|[×÷][{ARABIC_LETTERS}]"  # ISO-8859-6 ط غ are cp1256 × and ÷
)
# Signs in a place Arabic spelling never puts them: tanween, teh marbuta or alef maksura
# before another letter of the word but alef (cp1256 read as ISO-8859-6 turns ى ي into
# tanween),
# a harakah with no letter before it, more than two on one letter (shadda and a vowel).
MISPLACED = re.compile(
    r"[\u064b-\u064d\u0629\u0649][\u0621-\u0626\u0628-\u0648\u064a]"  # not ًا nor ًى
    r"|(?<![\u0621-\u064a\u064b-\u0652])[\u064b-\u0652]|[\u064b-\u0652]{3,}"
)
MISPLACED_ALLOWED = 0.05  # per Arabic letter; beyond, the reading is not Arabic
# Of all letters: Arabic inside XML or English markup still counts (a wrong code page
# gives itself away by mixing scripts inside words, not by its share of letters).
ARABIC_SHARE_NEEDED = 0.1
MIXED_WORDS_ALLOWED = 0.02  # per Arabic letter: a few for names like "iالعربية"
MISPLACED_COST = 6.0  # in natural-log units of letter likelihood, about a rare letter
# How often each letter is written in Modern Standard Arabic, in percent (rounded
# figures of published letter counts); it decides between two code pages that both give
# Arabic letters (ISO-8859-6 ك ل م read as cp1256 are م ن ه).
LETTER_PERCENT = {
    "ا": 12.5, "ل": 10.5, "ي": 7.5, "م": 6.2, "و": 5.9, "ن": 5.6, "ر": 4.7, "ت": 4.5,
    "ه": 3.8, "ب": 3.8, "ع": 3.4, "ة": 2.8, "د": 2.8, "ف": 2.7, "س": 2.6, "ق": 2.3,
    "ك": 2.2, "أ": 2.1, "ح": 1.8, "ج": 1.3, "ش": 1.0, "ى": 1.0, "ص": 0.9, "إ": 0.8,
    "ط": 0.8, "خ": 0.7, "ذ": 0.6, "ث": 0.5, "ض": 0.5, "ز": 0.5, "غ": 0.4, "ء": 0.4,
    "ئ": 0.3, "ظ": 0.2, "ؤ": 0.1, "آ": 0.1,
}
UNLISTED_PERCENT = 0.05  # tatweel and anything else
HARAKAH = re.compile(r"[\u064b-\u0652]")
HARAKAH_PERCENT = 0.5  # rare in undiacritized text; cp1256 ى ي read as ISO-8859-6 are tanween
# The commonest beginnings and ends of Arabic words (the article, with a conjunction or
# preposition before it; feminine and plural endings, pronoun suffixes) and its function
# words (analyzers.stopwords), which the two code pages spell with different bytes: each
# one found counts as much as a common letter.
COMMON_AFFIX = re.compile(
    rf"(?<![{ARABIC_LETTERS}])[وفبكل]?ال|(?:ة|ات|ين|ون|ها|هم)(?![{ARABIC_LETTERS}])"
)
ARABIC_WORD = re.compile(f"[{ARABIC_LETTERS}]{{2,}}")
AFFIX_GAIN = 2.0


class DecodingError(ValueError):
    """The bytes are not text in an encoding we know; the message says which case."""


def decode(data: bytes) -> str:
    """The text of a file's bytes; raises DecodingError if they are not text.

    Rules, in order:
    1. a byte order mark: UTF-8 or UTF-16 (undecodable bytes replaced);
    2. UTF-16 without one, when one byte of each pair is nearly always one of two values
       and the text decodes without control characters (Arabic UTF-16 is also valid
       ASCII, so this comes before UTF-8);
    3. a NUL byte: binary;
    4. UTF-8;
    5. lines of UTF-8 among lines that are not: each line in its own encoding;
    6. the Arabic code page that reads most like Arabic (``legacy_arabic``);
    7. charset-normalizer's guess.

    >>> decode("مدرسة".encode("cp1256")), decode("مدرسة".encode("utf-16-le"))
    ('مدرسة', 'مدرسة')
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    text = _utf16_without_bom(data)
    if text is not None:
        return text
    if b"\x00" in data:
        raise DecodingError("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = _line_by_line(data)
    if text is None:
        encoding = _legacy_encoding(data)
        text = data.decode(encoding, errors="replace") if encoding else None
    if text is None:
        raise DecodingError("undecodable text (not UTF-8, UTF-16 or a known legacy encoding)")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) < 2 or len(data) % 2:
        return None
    sample = data[:UTF16_SAMPLE_BYTES]
    if not CONTROL_BYTE.search(sample):  # text in one byte per character: UTF-8 or legacy
        return None
    for encoding, high_bytes in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        common = Counter(high_bytes).most_common(2)
        if common[0][0] < 0x20 and sum(n for _, n in common) >= UTF16_HIGH_BYTE_SHARE * len(high_bytes):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if not CONTROL.search(text):
                return text
    return None


def _line_by_line(data: bytes) -> str | None:
    """Lines that are UTF-8 as UTF-8, the others in their legacy encoding; None unless
    some line with non-ASCII bytes is UTF-8 (Arabic in cp1256 or ISO-8859-6 never is:
    its letters are all lead bytes, never the continuation bytes UTF-8 needs)."""
    lines = data.splitlines(keepends=True)
    decoded: list[str | None] = []
    utf8_beyond_ascii = False
    for line in lines:
        try:
            decoded.append(line.decode("utf-8"))
            utf8_beyond_ascii = utf8_beyond_ascii or not line.isascii()
        except UnicodeDecodeError:
            decoded.append(None)
    if not utf8_beyond_ascii:
        return None
    rest = b"".join(line for line, text in zip(lines, decoded) if text is None)
    encoding = _legacy_encoding(rest)
    if encoding is None:
        return None
    return "".join(
        text if text is not None else line.decode(encoding, errors="replace")
        for line, text in zip(lines, decoded)
    )


def _legacy_encoding(data: bytes) -> str | None:
    return legacy_arabic(data) or _guessed_encoding(data)


def _guessed_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # here: rarely needed, 0.01 s to import

    guess = from_bytes(data[:LEGACY_SAMPLE_BYTES]).best()
    return guess.encoding if guess is not None else None


def legacy_arabic(data: bytes) -> str | None:
    """The Arabic code page that reads ``data`` most like Arabic, or None if neither does.

    A reading counts when it decodes, has no control characters, has a fair share of
    Arabic letters, and hardly ever puts an Arabic letter beside another script's inside a
    word. Of two such readings the likelier letters win, less a cost for each sign out
    of place (``arabic_likelihood``); on a tie, cp1256.

    >>> [legacy_arabic("قال".encode(name)) for name in ARABIC_LEGACY_ENCODINGS]
    ['cp1256', 'iso8859_6']
    >>> legacy_arabic("Grüße".encode("cp1252")) is None
    True
    """
    sample = data[:LEGACY_SAMPLE_BYTES]
    best, best_score = None, -math.inf
    for encoding in ARABIC_LEGACY_ENCODINGS:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = arabic_likelihood(text)
        if score is not None and score > best_score:
            best, best_score = encoding, score
    return best


def arabic_likelihood(text: str) -> float | None:
    """How likely ``text`` is as Arabic (log-likelihood of its letters, less a cost per
    misplaced sign), or None if it is not Arabic text at all.

    >>> arabic_likelihood("كلمة") > arabic_likelihood("منهة")  # ISO-8859-6 read as cp1256
    True
    >>> [arabic_likelihood(text) for text in ("âان", "hello", "ظـًٌَ")]  # Шалом in cp1251
    [None, None, None]
    """
    if CONTROL.search(text):
        return None
    arabic = Counter(ARABIC_LETTER.findall(text))
    total = sum(arabic.values())
    if total == 0 or total < ARABIC_SHARE_NEEDED * len(LETTER.findall(text)):
        return None
    if len(MIXED_WORD.findall(text)) > MIXED_WORDS_ALLOWED * total:
        return None
    likelihood = sum(
        count * math.log(LETTER_PERCENT.get(letter, UNLISTED_PERCENT) / 100)
        for letter, count in arabic.items()
    )
    misplaced = len(MISPLACED.findall(text))
    if misplaced > MISPLACED_ALLOWED * total:
        return None
    likelihood += len(HARAKAH.findall(text)) * math.log(HARAKAH_PERCENT / 100)
    likelihood += AFFIX_GAIN * len(COMMON_AFFIX.findall(text))
    likelihood += AFFIX_GAIN * sum(
        normalize(word) in STOPWORDS for word in ARABIC_WORD.findall(text)
    )
    return likelihood - MISPLACED_COST * misplaced
