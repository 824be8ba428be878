"""The interactive session, driven in a real pseudo-terminal, and its renderer pieces."""

import io
import json
import os
import re
import shutil
import stat
import sys
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner
from rich.console import Console
from rich.text import Text

from analyzers.terms import index_term
from search.cli import cli
from search.render import hit_lines, results_lines, visual_lines
from search.searching import Hit, Results
from search.snippets import Matcher

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
HIGHLIGHT = "\x1b[1;31m"  # bold red, as Rich writes it to a colour terminal
PROMPT = "search›"


def on_screen(text):
    """A pattern for ``text`` as a terminal receives it: escape sequences may come between
    any two characters (styles, cursor moves)."""
    escapes = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"
    return escapes.join(re.escape(char) for char in text)


def plain(output):
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output)


def spawn(index_dir, *arguments, pager="less", program=("-m", "search"), env=None):
    environment = {
        **os.environ,
        "TERM": "xterm-256color",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
        "PAGER": pager,
        "COLUMNS": "120",
        "LINES": "40",
    }
    environment.pop("LESS", None)
    environment.pop("NO_COLOR", None)
    environment.update(env or {})
    return pexpect.spawn(
        sys.executable,
        [*program, "--index", str(index_dir), *arguments],
        env=environment,
        encoding="utf-8",
        dimensions=(40, 120),
        timeout=20,
    )


def quit_cleanly(session):
    """:q at the next prompt; the session must end with status 0."""
    session.expect(PROMPT)
    session.send(":q\r")
    session.expect(pexpect.EOF)
    session.close()
    assert session.exitstatus == 0


@pytest.mark.skipif(shutil.which("less") is None, reason="needs less as the pager")
def test_search_open_page_back_and_quit(index_dir):
    session = spawn(index_dir)
    session.expect(on_screen("1 document"))
    session.expect(PROMPT)
    session.send("أثريا\r")
    session.expect(on_screen("1 hit in"))
    screen = session.before
    assert "1. اشتعلت المواجهات" in plain(screen)
    assert HIGHLIGHT + "أثريا" in screen
    session.expect(PROMPT)
    session.send(":1\r")
    session.expect(on_screen("حسب مراقبين"))  # the last words of the article: the whole text is shown
    assert HIGHLIGHT + "أثريا" in session.before
    session.send("q")
    session.expect(PROMPT)
    session.send(":q\r")
    session.expect(pexpect.EOF)
    session.close()
    assert session.exitstatus == 0


def test_history_ctrl_c_commands_and_ctrl_d(index_dir, tmp_path):
    index_dir = shutil.copytree(index_dir, tmp_path / "index")  # a history of its own
    (index_dir / ".search-history").unlink(missing_ok=True)
    session = spawn(index_dir, pager="cat")

    def answer(line, shown):
        session.expect(PROMPT)  # typing before the prompt is up would race its raw mode
        session.send(line)
        session.expect(on_screen(shown))

    answer("الرقه\r", "1 hit in")
    answer("كلام لن يرسل", "كلام لن يرسل")
    session.sendcontrol("c")
    answer(":2\r", "no hit 2 on this page")
    answer(":n\r", "no page 2: there is 1 page")
    answer(":nope\r", "unknown command ':nope'")
    answer("\x1b[A\r", "1 hit in")  # Up once: back to the query, past the commands
    session.expect(PROMPT)
    session.sendcontrol("d")
    session.expect(pexpect.EOF)
    session.close()
    assert session.exitstatus == 0
    history = index_dir / ".search-history"
    entries = [line[1:] for line in history.read_text(encoding="utf-8").splitlines() if line[:1] == "+"]
    assert entries == ["الرقه"]  # queries only: no :2, :n, :nope
    assert stat.S_IMODE(history.stat().st_mode) == 0o600


def test_an_older_world_readable_history_is_made_private(index_dir, tmp_path):
    index_dir = shutil.copytree(index_dir, tmp_path / "index")
    history = index_dir / ".search-history"
    history.write_text("\n# old\n+أثريا\n", encoding="utf-8")
    history.chmod(0o644)
    quit_cleanly(spawn(index_dir))
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert "+أثريا" in history.read_text(encoding="utf-8")


SLOW_SEARCH = """
import sys, time
from search import searching
from search.cli import main

real_search = searching.IndexSearcher.search

def search(self, text, **options):
    if text == "بطيء":
        print("slow search started", flush=True)
        time.sleep(60)
    return real_search(self, text, **options)

searching.IndexSearcher.search = search
sys.argv[0] = "search"
main()
"""


def test_ctrl_c_stops_a_slow_search_not_the_session(index_dir):
    session = spawn(index_dir, program=("-c", SLOW_SEARCH))
    session.expect(PROMPT)
    session.send("بطيء\r")
    session.expect("slow search started")
    session.sendcontrol("c")
    session.expect("interrupted")
    session.expect(PROMPT)
    session.send("أثريا\r")
    session.expect(on_screen("1 hit in"))
    quit_cleanly(session)


def test_e_opens_the_hit_in_the_editor_at_its_line(index_dir, tmp_path):
    record = tmp_path / "editor-arguments.json"
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"import json, sys\nopen({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    [hit] = json.loads(
        CliRunner().invoke(cli, ["--json", "--index", str(index_dir), "مراقبين"]).stdout
    )["hits"]
    session = spawn(index_dir, env={"VISUAL": "", "EDITOR": f"{sys.executable} {editor}"})
    session.expect(PROMPT)
    session.send("مراقبين\r")
    session.expect(on_screen("1 hit in"))
    session.expect(PROMPT)
    session.send(":e 1\r")
    quit_cleanly(session)
    assert json.loads(record.read_text()) == [f"+{hit['line']}", str(SEEDS / hit["id"])]
    assert hit["line"] == 11  # the line of the article's first مراقبين


def test_a_missing_index_is_reported_inside_the_session(tmp_path):
    session = spawn(tmp_path / "none")
    session.expect(on_screen("No index at"))
    session.expect(PROMPT)
    session.send("أثريا\r")
    session.expect(on_screen("run `search index PATH` first"))
    session.send(":q\r")
    session.expect(pexpect.EOF)
    session.close()
    assert session.exitstatus == 0


def test_without_a_terminal_and_without_a_query_it_is_a_usage_error():
    result = CliRunner().invoke(cli, ["--index", "anything"])
    assert result.exit_code == 2
    assert "give words to search for" in result.output


def recording_console():
    return Console(file=io.StringIO(), width=80, color_system=None)


def sample_results():
    body = "قال «أحمد»: ذهب الطلاب إلى المدرسة [الأولى]."
    hit = Hit(
        rank=1, id="r7", path="news/feed.jsonl", title="خبر المدرسة", score=3.14159,
        location="line 7", body=body, matcher=Matcher(frozenset({index_term("المدرسة")})),
    )
    return Results(query="مدرسة", hits=[hit], total=1, page=1, pages=1, seconds=0.0042,
                   suggestion="مدرسه")


def test_results_render_as_text():
    console = recording_console()
    for line in results_lines(sample_results()):
        console.print(line)
    assert console.file.getvalue().splitlines() == [
        "Did you mean: مدرسه",
        "",
        "1. خبر المدرسة",
        "news/feed.jsonl · line 7 · id r7  score 3.14",
        "  قال «أحمد»: ذهب الطلاب إلى المدرسة [الأولى].",
        "",
        "1 hit in 4.2 ms",
    ]


def test_highlights_are_styles_on_the_matched_words():
    lines = hit_lines(sample_results().hits[0])
    heading, snippet = lines[0], lines[2]
    assert [heading.plain[span.start : span.end] for span in heading.spans if "red" in str(span.style)] == ["المدرسة"]
    assert [snippet.plain[span.start : span.end] for span in snippet.spans if "red" in str(span.style)] == ["المدرسة"]


def test_visual_lines_reverse_arabic_and_keep_the_highlight_on_its_letters():
    text = Text("ذهب إلى (المدرسة) 2019")
    text.stylize("bold red", 9, 16)
    [line] = visual_lines(text, recording_console(), 30)
    assert line.plain.strip() == "2019 (ةسردملا) ىلإ بهذ"
    assert line.plain.startswith(" " * 8)  # right-aligned: the paragraph is right-to-left
    red = "".join(line.plain[span.start : span.end] for span in line.spans if "red" in str(span.style))
    assert red == "ةسردملا"


def test_visual_lines_wrap_before_reordering():
    text = Text("كلمة " * 10)
    lines = visual_lines(text, recording_console(), 22)
    assert len(lines) == 3
    assert all(re.fullmatch(r" *(ةملك ?)+", line.plain) for line in lines)
