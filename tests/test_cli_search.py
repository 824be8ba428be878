"""`search QUERY` through the real CLI on an index of the bundled seeds."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_ID = "000_5b3245e84dddcc03.txt"
HIT_KEYS = {
    "rank", "id", "path", "file", "line", "location", "title", "date", "url", "source", "score",
    "snippets",
}
ANSWER_KEYS = {
    "schema", "query", "total", "total_is_exact", "matched_any", "suggestion", "page", "pages", "hits",
}
ANSI = re.compile(r"\x1b\[([0-9;]*)m")


@pytest.fixture
def run(index_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # outside the seeds: paths are shown absolute

    def run(*arguments, input=None, env=None):
        return CliRunner().invoke(cli, [*arguments, "--index", str(index_dir)], input=input, env=env)

    return run


def json_lines(output):
    return [json.loads(line) for line in output.splitlines()]


@pytest.mark.parametrize(
    "query, written",
    [
        ("أثريا", {"أثريا"}),
        ("اثريا", {"أثريا"}),
        ("أَثْرِيَا", {"أثريا"}),
        ("الرقه", {"الرقة"}),
        ('"الدفاع الوطني"', {"الدفاع", "الوطني"}),
    ],
    ids=["as written", "bare alef", "diacritics", "heh for teh marbuta", "phrase"],
)
def test_seed_queries_find_the_article_with_the_word_highlighted_as_written(run, query, written):
    result = run("--json", query)
    assert result.exit_code == 0, result.output
    [answer] = json_lines(result.output)
    assert set(answer) == ANSWER_KEYS
    [hit] = answer["hits"]
    assert set(hit) == HIT_KEYS
    assert (hit["rank"], hit["id"], hit["path"]) == (1, SEED_ID, f"{SEEDS}/{SEED_ID}")
    highlighted = {
        snippet["text"][start:end] for snippet in hit["snippets"] for start, end in snippet["highlights"]
    }
    assert highlighted == written
    assert all(len(snippet["text"]) <= 200 for snippet in hit["snippets"])


def test_terminal_output_shows_rank_title_location_snippets_and_summary(run):
    result = run("--color", "never", "أثريا")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("1. اشتعلت المواجهات بين تنظيم داعش")
    first_line = (SEEDS / SEED_ID).read_text(encoding="utf-8").split("أثريا")[0].count("\n") + 1
    assert lines[1].startswith(f"{SEEDS}/{SEED_ID}:{first_line}  score ")
    assert len([line for line in lines if line.startswith("  ") and "أثريا" in line]) == 3
    assert re.fullmatch(r"1 hit in \d+\.\d ms", lines[-1])


def test_query_subcommand_searches_words_that_are_command_names(run):
    result = run("query", "--json", "index")
    assert result.exit_code == 1
    [answer] = json_lines(result.output)
    assert (answer["query"], answer["total"], answer["hits"]) == ("index", 0, [])


@pytest.mark.parametrize(
    "arguments, status, output",
    [
        (["كمبيوتر", "--json"], 1, ""),
        (["في"], 2, "Error: nothing to search for"),
        (["key:x"], 2, "Error: unknown field key:"),
        (["--limit", "0", "أثريا"], 2, "Usage:"),
    ],
    ids=["no hit", "only a stopword", "unknown field", "bad option"],
)
def test_exit_status(run, arguments, status, output):
    result = run(*arguments)
    assert result.exit_code == status
    assert result.output.startswith(output)
    assert "Traceback" not in result.output


def test_missing_index_is_exit_2_with_a_hint(tmp_path):
    result = CliRunner().invoke(cli, ["أثريا", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output == f"Error: No index at {tmp_path / 'none'} — run `search index PATH` first\n"


def test_stdin_batch_answers_every_line_in_order(run):
    result = run("--json", "-", input="أثريا\nفي\n\nكمبيوتر\nالرقه\n")
    assert result.exit_code == 0
    answers = json_lines(result.output)
    assert [answer["query"] for answer in answers] == ["أثريا", "في", "كمبيوتر", "الرقه"]
    assert [len(answer["hits"]) for answer in answers] == [1, 0, 0, 1]
    assert "nothing to search for" in answers[1]["error"]
    assert set(answers[0]["hits"][0]) == HIT_KEYS
    assert set(answers[0]) == ANSWER_KEYS


@pytest.mark.parametrize(
    "lines, status", [("كمبيوتر\n", 1), ("في\nمن\n", 2)], ids=["no hits", "only errors"]
)
def test_stdin_batch_status_without_hits(run, lines, status):
    assert run("--json", "-", input=lines).exit_code == status


def test_plain_applies_to_each_stdin_line(run):
    result = run("--json", "--plain", "-", input='ما هو طريق "أثريا-الرقة"؟\n')
    [answer] = json_lines(result.output)
    assert [hit["id"] for hit in answer["hits"]] == [SEED_ID]


def highlighted_characters(output):
    """Characters printed in the highlight style (bold red), in order."""
    characters, styled, position = [], False, 0
    for match in ANSI.finditer(output):
        if styled:
            characters.extend(output[position : match.start()])
        codes = match.group(1).split(";")
        styled = "31" in codes
        position = match.end()
    return characters


def test_rtl_visual_keeps_every_highlighted_letter_highlighted(run):
    logical = run("--color", "always", "الرقه")
    visual = run("--color", "always", "--rtl", "visual", "الرقه")
    assert visual.exit_code == logical.exit_code == 0
    assert Counter(highlighted_characters(visual.output)) == Counter(
        highlighted_characters(logical.output)
    )
    assert "ةقرلا" in ANSI.sub("", visual.output)
    assert "الرقة" not in ANSI.sub("", visual.output)


def test_rtl_visual_from_the_environment_never_touches_json(run):
    result = run("--json", "الرقه", env={"SEARCH_RTL": "visual"})
    assert "الرقة" in json_lines(result.output)[0]["hits"][0]["snippets"][0]["text"]


def test_no_color_is_honoured(run):
    result = run("أثريا", env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" in result.output and not re.search(r"\x1b\[[0-9;]*3[0-7]", result.output)
    assert "\x1b[" not in run("--color", "never", "أثريا", env={"FORCE_COLOR": "1"}).output
