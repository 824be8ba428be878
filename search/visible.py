"""Text from documents made harmless to print: nothing in a document may drive the terminal.

A document, a file name or a JSON field can hold escape sequences (``ESC]0;title BEL``
renames the window, ``ESC[2J`` clears the screen), other control characters, and bidi
overrides that reorder what a reader sees. ``visible`` maps each such character to ONE
visible character, so the text keeps its length and every highlight offset stays right:

1. C0 controls (U+0000–U+001F, tab and, where asked, newline excepted) become their
   Control Pictures (U+2400–U+241F): ESC shows as ␛, NUL as ␀, CR as ␍ (but where
   newlines are kept, the CR of a Windows line end becomes a space).
2. DEL (U+007F) becomes ␡ (U+2421).
3. C1 controls (U+0080–U+009F, which some terminals obey as CSI, OSC, DCS…), bidi
   embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and lone
   surrogates (which no UTF-8 stream can encode) become U+FFFD.

Marks that only nudge neutral characters (LRM, RLM, ALM) are ordinary Arabic typography
and stay. ``json_line`` keeps every character exact for scripts, writing the ones of
rule 3 as JSON escapes (``json.dumps`` already escapes C0 controls).
"""

import json
import re

CONTROL_PICTURES = 0x2400
DELETE_PICTURE = "\u2421"
REPLACEMENT = "\ufffd"
TAB, NEWLINE, WINDOWS_LINE_END = "\t", "\n", "\r\n"

# Also the line and paragraph separators: valid JSON, but line ends to JavaScript before
# ES2019 and to tools that split lines on them.
_ESCAPED_IN_JSON = "\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_IN_JSON = re.compile(f"[{_ESCAPED_IN_JSON}]")


def _table(keep: str) -> dict[int, str]:
    table = {code: chr(CONTROL_PICTURES + code) for code in range(0x20) if chr(code) not in keep}
    table[0x7F] = DELETE_PICTURE
    for first, last in ((0x80, 0x9F), (0x202A, 0x202E), (0x2066, 0x2069), (0xD800, 0xDFFF)):
        table.update((code, REPLACEMENT) for code in range(first, last + 1))
    return table


def _any_of(table: dict[int, str]) -> re.Pattern:
    """A pattern for any one character the table replaces (its codes as ranges)."""
    codes, ranges = sorted(table), []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    spans = "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges)
    return re.compile(f"[{spans}]")


_ONE_LINE = _table(keep=TAB)
_LINES = _table(keep=TAB + NEWLINE)
# Most text has none of them: looking costs a fourteenth of translating (1.4 against 20 µs
# for 210 Arabic letters), and a page of hits shows each text twice.
_IN_ONE_LINE, _IN_LINES = _any_of(_ONE_LINE), _any_of(_LINES)


def visible(text: str, lines: bool = False) -> str:
    """``text`` with every character that could control a terminal replaced by one visible
    character (same length, so offsets into it stay right); ``lines`` keeps newlines.

    >>> visible("\\x1b]0;pwned\\x07عنوان\\x1b[2J")
    '␛]0;pwned␇عنوان␛[2J'
    >>> visible("a\\x00b\\u202ec\\x9b"), visible("سطر\\r\\nسطر\\rس", lines=True)
    ('a␀b\\ufffdc\\ufffd', 'سطر \\nسطر␍س')
    """
    if lines:
        return text.replace(WINDOWS_LINE_END, " " + NEWLINE).translate(_LINES) if _IN_LINES.search(text) else text
    return text.translate(_ONE_LINE) if _IN_ONE_LINE.search(text) else text


def json_line(value) -> str:
    """``value`` as one line of JSON: characters exact, UTF-8 unescaped, except those a
    terminal could obey (C1 controls, bidi overrides, lone surrogates) or a reader take for
    a line end (U+2028, U+2029), written as \\uXXXX.

    >>> print(json_line({"t": "\\x1b[2Jقال\\u202e"}))
    {"t": "\\u001b[2Jقال\\u202e"}
    """
    text = json.dumps(value, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
