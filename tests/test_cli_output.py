"""What the CLI prints can be trusted: a hostile document cannot drive the terminal, every
error is one line, and the scripting contract (README) holds. Real indexes, real CLI."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import searching
from search.cli import cli

# What Rich itself writes for styles; anything else that controls a terminal came from a document.
SGR = re.compile(r"\x1b\[[0-9;]*m")
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HIGHLIGHT_ON = re.compile(r"\x1b\[([0-9;]*)m")

# No NUL in the text file: a file with a NUL byte is skipped as binary (search.documents);
# a JSON record carries one instead.
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1bP1$r\x1b\\\x9b31m\u202e\u2066"
HOSTILE_TITLE = f"عنوان {ESCAPES}خبيث"
HOSTILE_TEXT = (
    f"{HOSTILE_TITLE}\n\nسطر أول\nسطر ثاني فيه \x1b[2J\x07المدرسة\x1b]0;x\x07 و\x9b31m هنا "
    "\u2066عزل\u2069 \u202eوالمدرسة\u202c\n"
)
HOSTILE_NAME = "evil\x1b]0;name\x07.txt"
RECORDS = [
    {"id": "a", "title": "خبر \x1b[31mأحمر", "text": "المدرسة الأولى \u202eمقلوب\x00",
     "date": "2024-03-01", "url": "https://example.com/a", "source": "وكالة"},
    {"id": "b", "title": "خبر ثان", "text": "المدرسة الثانية", "date": "2025-01-02"},
    {"id": "c", "title": "خبر بلا تاريخ", "text": "المدرسة الثالثة"},
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A folder with a document full of escape sequences (and such a file name) and a JSON
    Lines file with dates, indexed through the CLI; returns (root, index)."""
    root = tmp_path_factory.mktemp("hostile")
    docs = root / "docs"
    docs.mkdir()
    (docs / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    (docs / "feed.jsonl").write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in RECORDS), encoding="utf-8"
    )
    index = root / "index"
    result = CliRunner().invoke(cli, ["index", "--index", str(index), str(docs)])
    assert result.exit_code == 0, result.output
    return root, index


def search(index, *arguments, input=None, env=None):
    return CliRunner().invoke(cli, [*arguments, "--index", str(index)], input=input, env=env)


def highlighted_runs(output):
    """The runs of characters printed bold red, in order."""
    runs, styled, position = [], False, 0
    for match in HIGHLIGHT_ON.finditer(output):
        if styled and match.start() > position:
            runs.append(output[position : match.start()])
        styled = "31" in match.group(1).split(";")
        position = match.end()
    return runs


@pytest.mark.parametrize(
    "options",
    [["--color", "never"], ["--color", "always"], ["--color", "always", "--rtl", "visual"],
     ["--color", "never", "-l"], ["--color", "never", "-"]],
    ids=["plain", "colour", "rtl visual", "files", "batch"],
)
def test_nothing_from_a_document_reaches_the_terminal(hostile, options):
    _, index = hostile
    result = search(index, *options, *([] if "-" in options else ["المدرسة"]), input="المدرسة\n")
    assert result.exit_code == 0, result.output
    assert not UNSAFE.findall(SGR.sub("", result.output))
    assert "name" in result.output and ("-l" in options or "pwned" in result.output)  # shown
    if "--rtl" not in options:  # (visual order moves the neutral ␛ and ␇ about)
        assert "evil␛]0;name␇.txt" in result.output
        assert "-l" in options or "␛]0;pwned␇" in result.output


@pytest.mark.parametrize("options", [[], ["--rtl", "visual"]], ids=["logical", "rtl visual"])
def test_highlights_stay_on_the_words_among_escapes(hostile, options):
    _, index = hostile
    result = search(index, "--color", "always", *options, "المدرسة")
    runs = [run for run in highlighted_runs(result.output) if run.strip()]
    expected = {"المدرسة", "والمدرسة"} if not options else {"ةسردملا", "ةسردملاو"}
    assert set(runs) == expected
    assert len(runs) == 5  # three JSON Lines records, two words in the hostile file


def test_json_keeps_every_character_exact_but_escaped(hostile):
    root, index = hostile
    result = search(index, "--json", "خبيث")
    assert not UNSAFE.findall(result.output)  # C0 by JSON, C1 and bidi written as \u escapes
    [hit] = json.loads(result.output)["hits"]
    assert hit["title"] == HOSTILE_TITLE
    assert hit["file"] == str(root / "docs" / HOSTILE_NAME)
    assert ESCAPES in hit["snippets"][0]["text"]


def test_the_pager_and_the_session_show_escapes_harmlessly(hostile):
    from tests.test_interactive import PROMPT, on_screen, quit_cleanly, spawn

    _, index = hostile
    session = spawn(index, pager="cat")
    session.expect(PROMPT)
    session.send("خبيث\r")
    session.expect(on_screen("1 hit in"))
    listing = session.before
    session.expect(PROMPT)
    session.send(":1\r")
    session.expect(on_screen("والمدرسة"))
    pager = session.before
    quit_cleanly(session)
    for screen in (listing, pager):
        assert "␛]0;pwned␇" in screen
        assert "pwned\x07" not in screen and "\x00" not in screen and "\u202e" not in screen
        assert "\x9b" not in screen and "\x1bP1$r" not in screen


def test_an_unexpected_error_is_one_line_and_exit_2(index_dir, monkeypatch):
    def broken(*_, **__):
        raise RuntimeError("boom\nin two lines")

    monkeypatch.setattr(searching.IndexSearcher, "search", broken)
    result = search(index_dir, "أثريا")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "search: error: RuntimeError: boom in two lines (--debug shows the traceback)\n"
    )
    debug = search(index_dir, "أثريا", "--debug")
    assert debug.exit_code == 2
    assert "Traceback" in debug.stderr and 'raise RuntimeError("boom' in debug.stderr


def test_an_unexpected_error_costs_one_batch_line(index_dir, monkeypatch):
    real_search = searching.IndexSearcher.search

    def broken_on_x(self, text, **options):
        if text == "x":
            raise ValueError("bad")
        return real_search(self, text, **options)

    monkeypatch.setattr(searching.IndexSearcher, "search", broken_on_x)
    result = search(index_dir, "--json", "-", input="x\nأثريا\n")
    assert result.exit_code == 0
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["error"].startswith("error: ValueError: bad") and first["hits"] == []
    assert second["total"] == 1


def test_a_damaged_index_is_one_line_and_exit_2(index_dir, tmp_path):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for file in index_dir.iterdir():
        data = file.read_bytes()
        (damaged / file.name).write_bytes(data[: len(data) // 2] if file.suffix == ".seg" else data)
    result = search(damaged, "أثريا")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "arguments, ran",
    [
        (["--index", "{index}", "index", "{docs}"], "index"),
        (["--index", "{index}", "-q", "index", "{docs}"], "index"),
        (["--debug", "--index", "{index}", "index", "{docs}"], "index"),
        (["--json", "--index", "{index}", "المدرسة"], "query"),
        (["--index", "{index}", "--json", "query", "index"], "query"),
        (["--index", "{index}", "export", "opensearch", "{out}"], "export"),
    ],
    ids=["index after --index", "and after -q", "--debug first", "a query",
         "query for the word index", "a nested command"],
)
def test_options_may_come_before_the_command_name(tmp_path, arguments, ran):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("المدرسة index", encoding="utf-8")
    index = tmp_path / "index"
    CliRunner().invoke(cli, ["index", "--index", str(index), str(docs)])
    result = CliRunner().invoke(
        cli, [argument.format(index=index, docs=docs, out=tmp_path / "out") for argument in arguments]
    )
    if ran == "export":
        assert result.exit_code == 0, result.output
        assert "المدرسة" in (tmp_path / "out" / "documents.ndjson").read_text(encoding="utf-8")
    elif ran == "index":
        assert result.exit_code == 0, result.output
        assert "0 added, 0 updated, 0 removed, 1 unchanged documents" in result.output
    else:
        assert json.loads(result.stdout)["total"] == 1


def test_version_names_the_json_schema():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"search \d+\.\d+\.\d+ \(JSON schema 1\)\n", result.output)


def test_single_query_json_says_how_the_hits_were_found(hostile):
    _, index = hostile
    every = json.loads(search(index, "--json", "المدرسة", "--limit", "2").stdout)
    assert {key: every[key] for key in ("schema", "total", "total_is_exact", "matched_any", "page",
                                        "pages")} == {
        "schema": 1, "total": 4, "total_is_exact": True, "matched_any": False, "page": 1, "pages": 2}
    assert len(every["hits"]) == 2
    fallback = json.loads(search(index, "--json", "المدرسة كمبيوتر").stdout)
    assert fallback["matched_any"] is True and fallback["total"] == 4
    misspelt = search(index, "--json", "المدرصة")
    assert misspelt.exit_code == 1
    assert json.loads(misspelt.stdout)["suggestion"] in ("المدرسة", "المدرسه")


def test_batch_answers_carry_the_same_facts(hostile):
    _, index = hostile
    result = search(index, "--json", "-", input="المدرسة\nالمدرسة كمبيوتر\nالمدرصة\n")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["total"], a["total_is_exact"], a["matched_any"]) for a in answers] == [
        (4, True, False), (4, True, True), (0, True, False)]
    assert [a["suggestion"] for a in answers] == [
        json.loads(search(index, "--json", query).stdout)["suggestion"]
        for query in ("المدرسة", "المدرسة كمبيوتر", "المدرصة")]


def test_hits_say_where_they_are(hostile):
    root, index = hostile
    hits = {hit["id"]: hit for hit in json.loads(search(index, "--json", "المدرسة").stdout)["hits"]}
    assert hits[HOSTILE_NAME]["line"] == 4  # the text file's first match
    assert [hits[key]["line"] for key in "abc"] == [1, 2, 3]  # JSON Lines: the record's line
    assert (hits["a"]["date"], hits["a"]["url"], hits["a"]["source"]) == (
        "2024-03-01", "https://example.com/a", "وكالة")
    assert (hits["c"]["date"], hits["c"]["url"], hits["c"]["source"]) == (None, None, None)
    assert hits["a"]["file"] == str(root / "docs" / "feed.jsonl")


def test_text_output_gives_a_text_file_its_line(hostile):
    _, index = hostile
    lines = search(index, "--color", "never", "خبيث").stdout.splitlines()
    assert re.fullmatch(r".*/docs/evil␛\]0;name␇\.txt:1  score \d+\.\d\d", lines[1])


def test_files_with_matches_lists_each_file_once_in_rank_order(hostile):
    root, index = hostile
    result = search(index, "-l", "المدرسة")
    assert result.exit_code == 0
    assert sorted(result.stdout.splitlines()) == sorted(
        [f"{root}/docs/feed.jsonl", f"{root}/docs/evil␛]0;name␇.txt"])
    assert search(index, "-l", "كمبيوتر").exit_code == 1
    assert search(index, "-l", "--json", "المدرسة").exit_code == 2


@pytest.mark.parametrize(
    "options, output, status",
    [(["المدرسة"], "4\n", 0), (["كمبيوتر"], "0\n", 1), (["-"], "4\n0\n", 0)],
    ids=["found", "nothing", "batch"],
)
def test_count(hostile, options, output, status):
    _, index = hostile
    result = search(index, "-c", *options, input="المدرسة\nكمبيوتر\n")
    assert (result.stdout, result.exit_code) == (output, status)


def test_count_as_json_has_the_facts_without_hits(hostile):
    _, index = hostile
    answer = json.loads(search(index, "-c", "--json", "المدرسة").stdout)
    assert "hits" not in answer and answer["total"] == 4 and answer["total_is_exact"]


def test_sort_by_date_puts_the_newest_first_and_the_undated_last(hostile):
    _, index = hostile
    result = search(index, "--json", "--sort", "date", "المدرسة")
    hits = json.loads(result.stdout)["hits"]
    assert [hit["date"] for hit in hits[:2]] == ["2025-01-02", "2024-03-01"]
    assert [hit["date"] for hit in hits[2:]] == [None, None]
    assert [hit["rank"] for hit in hits] == [1, 2, 3, 4]
    second_page = json.loads(search(index, "--json", "--sort", "date", "-n", "1", "--page", "2",
                                    "المدرسة").stdout)
    assert [(hit["rank"], hit["date"]) for hit in second_page["hits"]] == [(2, "2024-03-01")]
    assert second_page["pages"] == 4


@pytest.mark.parametrize(
    "query, status", [("المدرسة", 0), ("كمبيوتر", 1)], ids=["found", "nothing found"]
)
def test_a_reader_that_leaves_early_is_no_error(tmp_path, query, status):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "many.jsonl").write_text(
        "".join(json.dumps({"text": f"المدرسة رقم {n} " + "كلام " * 60}) + "\n" for n in range(400)),
        encoding="utf-8",
    )
    index = tmp_path / "index"
    CliRunner().invoke(cli, ["index", "--index", str(index), str(docs)])
    process = subprocess.Popen(
        [sys.executable, "-m", "search", "--index", str(index), "-n", "400", "--color", "never", query],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    process.stdout.readline()  # like head -1: one line, then the pipe is closed
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == status
    assert stderr == ""


@pytest.mark.parametrize(
    "where, shown",
    [("top", "rel/r.txt"), ("top/rel", "r.txt"), ("elsewhere", "{top}/rel/r.txt")],
    ids=["where it was indexed", "inside the folder", "another folder"],
)
def test_paths_work_from_the_current_folder(tmp_path, monkeypatch, where, shown):
    top = tmp_path / "top"
    (top / "rel").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (top / "rel" / "r.txt").write_text("المدرسة", encoding="utf-8")
    index = tmp_path / "index"
    monkeypatch.chdir(top)
    CliRunner().invoke(cli, ["index", "--index", str(index), "rel"])
    monkeypatch.chdir(tmp_path / where)
    [hit] = json.loads(search(index, "--json", "المدرسة").stdout)["hits"]
    assert hit["path"] == shown.format(top=top)
    assert hit["file"] == str(top / "rel" / "r.txt")
    assert Path(hit["path"]).read_text(encoding="utf-8") == "المدرسة"
    assert search(index, "-l", "المدرسة").stdout == shown.format(top=top) + "\n"


def test_line_suffixes_are_the_indexers_text_suffixes():
    from search.documents import TEXT_SUFFIXES

    assert set(searching.LINE_SUFFIXES) == TEXT_SUFFIXES


WRAPPED_TEXT = (  # under a snippet's length: one snippet, the whole text
    "ذَهَبَ الطُّلّابُ إلى المدرسةِ، وفي المدرسة (2019) سألوا: أين المدرسة؟ "
    "https://example.org/" + "a" * 30 + " والمدرسة خلفهم."
)


@pytest.mark.parametrize("columns", [24, 41, 80])
def test_a_terminal_page_is_wrapped_to_its_width_with_indented_continuations(make_index, columns):
    """On a terminal the hits are wrapped by search.render, not by Rich's printing: no
    line is wider than the terminal or ends in spaces, a snippet's continuation lines keep
    its indent, no word is lost or split but one wider than a line (folded), and the
    highlights stay on their words."""
    from rich.cells import cell_len

    index = make_index({"school.txt": WRAPPED_TEXT})
    result = search(index, "--color", "always", "المدرسة", env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = SGR.sub("", result.output).split("\n")
    assert max(cell_len(line) for line in lines) <= columns
    assert not [line for line in lines if line.endswith(" ")]
    snippet = [line[2:] for line in lines if line.startswith("  ")]
    assert len(snippet) >= (3 if columns < 80 else 2)
    assert "".join("".join(line.split()) for line in snippet) == "".join(WRAPPED_TEXT.split())
    url = "https://example.org/" + "a" * 30
    assert [word for word in " ".join(snippet).split() if word not in url] == [
        word for word in WRAPPED_TEXT.split() if word != url
    ]
    assert any(url in line.split() for line in snippet) == (columns - 2 >= len(url))  # else folded
    in_title = ["المدرسةِ", "المدرسة", "المدرسة"]  # a text file's first line is its title
    highlighted = [run for run in highlighted_runs(result.output) if run.strip()]
    assert highlighted == in_title + in_title + ["والمدرسة"]


@pytest.mark.parametrize("colour", ["always", "never"])
def test_a_width_of_zero_columns_still_shows_the_hits(make_index, colour):
    """COLUMNS=0 (set by some CI runners and containers) was a width of 0 to Rich, which
    printed nothing at all: the hits vanished, with exit status 0."""
    index = make_index({"school.txt": WRAPPED_TEXT})
    result = search(index, "--color", colour, "المدرسة", env={"COLUMNS": "0"})
    assert result.exit_code == 0, result.output
    assert "school.txt" in result.output and "1 hit" in SGR.sub("", result.output)
    assert len(SGR.sub("", result.output).split("\n")) >= 4


@pytest.mark.parametrize("options", [["--color", "never"], ["--color", "always"]], ids=["piped", "terminal"])
def test_tabs_are_expanded_to_the_next_stop(make_index, options):
    index = make_index({"tabs.txt": "عنوان\tمع\tجدولة\nنص عن\tالمدرسة\tهنا"})
    output = SGR.sub("", search(index, *options, "المدرسة", env={"COLUMNS": "80"}).output)
    assert "\t" not in output
    assert "1. عنوان" + " " * 8 + "مع" + " " * 6 + "جدولة" in output  # "1. " and 5 letters: 8 columns


def test_a_line_is_wrapped_where_richs_own_wrapping_breaks_it():
    """search.render.wrapped_lines measures words its own way: on lines without an indent
    it breaks them where Rich's Text.wrap does, over Arabic with diacritics, wide letters,
    emoji, and spaces of one cell, two cells (U+3000) or several."""
    import random

    from rich.console import Console
    from rich.text import Text

    from search.render import wrapped_lines

    words = ["ذَهَبَ", "الطُّلّابُ", "المدرسة،", "(2019)", "SY24", "中文字", "😀", "é", "x" * 7, "كتـــاب", "؟"]
    spaces = [" ", " ", "  ", "\xa0", "\u3000", "\u2003", " \xa0 "]
    rng = random.Random(5)
    for _ in range(1500):
        text = "".join(rng.choice(words) + rng.choice(spaces) for _ in range(rng.randrange(1, 12))).rstrip()
        width = rng.randrange(8, 40)
        console = Console(width=width)
        ours = [str(piece) for piece in wrapped_lines(Text(text), console, width)]
        assert ours == [str(line).rstrip() for line in Text(text).wrap(console, width)], (text, width)
