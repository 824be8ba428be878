"""The ``search`` command line: a thin layer over the library.

Exit status follows grep and ripgrep: 0 found, 1 nothing found, 2 error, 130 interrupted.
"""

import json
import sys

import click
from rich.console import Console

from pathlib import Path

from search import store
from search.analysis import analyze_text
from search.errors import SearchError
from search.indexer import index_paths
from search.render import IndexProgress, analysis_table, index_summary

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


index_option = click.option(
    "--index",
    "index_dir",
    metavar="DIR",
    help=f"Index folder (default: ${store.INDEX_ENV_VAR}, else ./{store.DEFAULT_INDEX_DIR}).",
)
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


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Rebuild the index from scratch.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the summary.")
@click.option("--verbose", "-v", is_flag=True, help="List every skipped file or record, with the reason.")
def index(paths, index_dir, rebuild, quiet, verbose):
    """Add new and changed documents under PATHS to the index and drop deleted ones.

    Indexes .txt, .md, .html/.htm, .json and .jsonl files, in folders recursively.
    """
    console = make_console(stderr=True)
    index_dir = store.resolve_index_dir(index_dir)
    show_progress = console.is_terminal and not quiet
    with IndexProgress(console, enabled=show_progress) as progress:
        report = index_paths(list(paths), index_dir, rebuild=rebuild, progress=progress)
    make_console().print(index_summary(report, index_dir, verbose=verbose), soft_wrap=True)


def _use_utf8_output() -> None:
    """Arabic output must not die on a terminal or pipe whose locale is not UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8", errors="replace")


def main() -> None:
    """Console-script entry point."""
    _use_utf8_output()
    cli(prog_name="search")
