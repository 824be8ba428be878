"""search.visible: every character that could drive a terminal shown as one visible one."""

import json

import pytest

from search.visible import json_line, visible


@pytest.mark.parametrize(
    "raw, lines, expected",
    [
        ("\x1b]0;title\x07نص", False, "␛]0;title␇نص"),
        ("\x1b[2Jنص", False, "␛[2Jنص"),
        ("\x1bP1$r\x1b\\", False, "␛P1$r␛\\"),
        ("\x9b31mنص\x9d", False, "\ufffd31mنص\ufffd"),
        ("a\x00b\x7fc", False, "a␀b␡c"),
        ("\u202eمقلوب\u202c \u2066عزل\u2069", False, "\ufffdمقلوب\ufffd \ufffdعزل\ufffd"),
        ("x\ud83dy", False, "x\ufffdy"),
        ("سطر\nسطر", False, "سطر␊سطر"),
        ("سطر\nسطر", True, "سطر\nسطر"),
        ("سطر\r\nسطر\rكتابة فوق", True, "سطر \nسطر␍كتابة فوق"),
        ("عمود\tعمود", False, "عمود\tعمود"),
        ("\u200fأحمد\u200e \u061c", False, "\u200fأحمد\u200e \u061c"),
        ("أَحْمَد [bold]", False, "أَحْمَد [bold]"),
        ("", False, ""),
    ],
    ids=["OSC title", "CSI clear", "DCS", "C1 CSI and OSC", "NUL and DEL", "bidi override and isolate",
         "lone surrogate", "newline in one line", "newline kept", "CR of CRLF and lone CR", "tab kept",
         "RLM LRM ALM kept", "Arabic and markup untouched", "empty"],
)
def test_visible(raw, lines, expected):
    assert visible(raw, lines=lines) == expected
    assert len(visible(raw, lines=lines)) == len(raw)  # offsets stay right


@pytest.mark.parametrize(
    "value",
    [
        {"t": "\x1b[2J\x00"},
        {"t": "\x9b\u202e\u2066"},
        {"t": "x\ud83d"},
        {"t": "أَحْمَد"},
        {"t": "سطر\u2028سطر\u2029"},
    ],
    ids=["C0", "C1 and bidi", "lone surrogate", "Arabic", "line and paragraph separators"],
)
def test_json_line_is_exact_and_holds_no_raw_control(value):
    line = json_line(value)
    assert json.loads(line) == value
    assert visible(line) == line
    assert line.splitlines() == [line]


@pytest.mark.parametrize("lines", [False, True], ids=["one line", "lines kept"])
def test_every_character_is_made_visible_or_left_as_it_is_one_by_one_and_among_others(lines):
    """visible looks for a character to replace before translating: each character of the
    Basic Multilingual Plane and the astral ones' edges, alone and inside Arabic, comes out
    as the whole table would make it."""
    from search.visible import _LINES, _ONE_LINE

    table = _LINES if lines else _ONE_LINE
    for code in [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]:
        char = chr(code)
        assert visible(char, lines) == char.translate(table), hex(code)
        assert visible(f"قال {char} نعم", lines) == f"قال {char} نعم".translate(table), hex(code)
