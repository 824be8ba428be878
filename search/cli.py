"""The ``search`` command line: a thin layer over the library.

Exit status follows grep and ripgrep: 0 found, 1 nothing found, 2 error, 130 interrupted.
"""

import json
import sys

import click
from rich.console import Console

from search.analysis import analyze_text
from search.errors import SearchError
from search.render import analysis_table

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def make_console(color: str = "auto", stderr: bool = False) -> Console:
    """A console that colours only on a terminal (or when asked), honouring NO_COLOR."""
    return Console(
        stderr=stderr,
        force_terminal=True if color == "always" else None,
        no_color=True if color == "never" else None,
        highlight=False,
        soft_wrap=False,
    )


def print_json(value) -> None:
    """Print one JSON value on one line, UTF-8 unescaped."""
    click.echo(json.dumps(value, ensure_ascii=False))


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
color_option = click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="When to colour the output (NO_COLOR is honoured).",
)


class UserError(click.ClickException):
    """A domain error shown as one line on stderr, exit 2, like a usage error."""

    exit_code = EXIT_ERROR


class SearchGroup(click.Group):
    """Turns domain errors and Ctrl-C into one line and an exit status, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SearchError as error:
            raise UserError(str(error)) from error
        except KeyboardInterrupt:
            click.echo("search: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=SearchGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Arabic full-text search: finds words whatever their diacritics, alef, or glued prefixes."""


@cli.command()
@click.argument("text")
@json_option
@color_option
def analyze(text, as_json, color):
    """Show how TEXT is tokenized, normalized and stemmed."""
    tokens = analyze_text(text)
    if as_json:
        print_json([token.to_dict() for token in tokens])
    else:
        make_console(color).print(analysis_table(tokens))


def _use_utf8_output() -> None:
    """Arabic output must not die on a terminal or pipe whose locale is not UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8", errors="replace")


def main() -> None:
    """Console-script entry point."""
    _use_utf8_output()
    cli(prog_name="search")
