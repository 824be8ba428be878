import json

import pytest
from click.testing import CliRunner

from search.cli import cli


def test_analyze_json_has_exactly_the_documented_keys():
    text = "وَبِالْمَدْرَسَةِ على «أثريا» ٢٠١٩"
    result = CliRunner().invoke(cli, ["analyze", "--json", text])
    assert result.exit_code == 0
    tokens = json.loads(result.output)
    assert tokens == [
        {"text": "وَبِالْمَدْرَسَةِ", "start": 0, "end": 17, "normalized": "وبالمدرسه",
         "stem": "مدرس", "root": "وبالمدرسه", "stopword": False},  # too long for ISRI
        {"text": "على", "start": 18, "end": 21, "normalized": "علي", "stem": "علي", "root": "",
         "stopword": True},
        {"text": "أثريا", "start": 23, "end": 28, "normalized": "اثريا", "stem": "اثريا",
         "root": "اثر", "stopword": False},
        {"text": "٢٠١٩", "start": 30, "end": 34, "normalized": "2019", "stem": "2019", "root": "",
         "stopword": False},
    ]
    assert all(text[t["start"]:t["end"]] == t["text"] for t in tokens)


def test_analyze_table_shows_one_row_per_token():
    result = CliRunner().invoke(cli, ["analyze", "--color", "never", "المدرسة [في] SY24"])
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if "│" in line]
    assert len(rows) == 3
    assert "مدرس" in rows[0] and "yes" in rows[1] and "sy24" in rows[2]


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
