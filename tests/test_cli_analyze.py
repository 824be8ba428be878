import json

import pytest
from click.testing import CliRunner

from search.cli import cli


def test_analyze_json_has_exactly_the_documented_keys(tmp_path):
    text = "وَبِالْمَدْرَسَةِ على «أثريا» ٢٠١٩"
    result = CliRunner().invoke(cli, ["analyze", "--json", "--index", str(tmp_path / "none"), text])
    assert result.exit_code == 0
    tokens = json.loads(result.output)
    assert tokens == [
        {"text": "وَبِالْمَدْرَسَةِ", "start": 0, "end": 17, "normalized": "وبالمدرسه",
         "stopword": False, "segmentation": "وبال+مدرسه", "lemma": "مدرسه", "why": "dictionary",
         "root": "وبالمدرسه"},  # too long for ISRI
        {"text": "على", "start": 18, "end": 21, "normalized": "علي", "stopword": True,
         "segmentation": "علي", "lemma": "علي", "why": "stopword", "root": ""},
        {"text": "أثريا", "start": 23, "end": 28, "normalized": "اثريا", "stopword": False,
         "segmentation": "اثريا", "lemma": "اثريا", "why": "as typed", "root": "اثر"},
        {"text": "٢٠١٩", "start": 30, "end": 34, "normalized": "2019", "stopword": False,
         "segmentation": "2019", "lemma": "2019", "why": "as typed", "root": ""},
    ]
    assert all(text[t["start"]:t["end"]] == t["text"] for t in tokens)


@pytest.mark.parametrize(
    "word, segmentation, lemma, why",
    [
        ("مدرستنا", "مدرست+نا", "مدرسه", "dictionary, ت written for ة"),
        ("بمصر", "ب+مصر", "مصر", "dictionary"),
        ("وقود", "وقود", "وقود", "dictionary"),
        ("لبنان", "لبنان", "لبنان", "dictionary"),
        ("سكانًا", "سكان+ا", "سكان", "dictionary, tanween alef"),
        ("علي", "علي", "علي", "as typed"),
    ],
    ids=["pronoun after teh", "lone preposition", "radical waw", "name", "tanween", "name Ali"],
)
def test_analyze_shows_segmentation_lemma_and_why(word, segmentation, lemma, why, tmp_path):
    result = CliRunner().invoke(cli, ["analyze", "--json", "--index", str(tmp_path / "none"), word])
    [token] = json.loads(result.output)
    assert (token["segmentation"], token["lemma"], token["why"]) == (segmentation, lemma, why)


def test_analyze_with_an_index_attests_stems_the_dictionary_lacks(make_index):
    index_dir = make_index({"a.txt": "زرنا كوباني أمس."})
    result = CliRunner().invoke(cli, ["analyze", "--json", "--index", str(index_dir), "بكوباني"])
    [token] = json.loads(result.output)
    assert (token["segmentation"], token["lemma"], token["why"]) == ("ب+كوباني", "كوباني", "index")


def test_analyze_table_shows_one_row_per_token(tmp_path):
    result = CliRunner().invoke(
        cli, ["analyze", "--color", "never", "--index", str(tmp_path / "none"), "المدرسة [في] SY24"]
    )
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if "│" in line]
    assert len(rows) == 3
    assert "ال+مدرسه" in rows[0] and "stopword" in rows[1] and "sy24" in rows[2]


def _all_commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _all_commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [(), *_all_commands(cli)], ids=lambda p: " ".join(p) or "search")
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_unknown_option_is_a_usage_error_with_exit_2():
    result = CliRunner().invoke(cli, ["analyze", "--nope", "x"])
    assert result.exit_code == 2
