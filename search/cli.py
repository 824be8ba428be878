"""The ``search`` command line: a thin layer over the library.

Exit status follows grep and ripgrep: 0 found, 1 nothing found, 2 error, 130 interrupted.
``search WORDS…`` is short for ``search query WORDS…``.
"""

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress

from search import store
from search.analysis import analyze_text
from search.errors import SearchError
from search.limits import MAX_FILE_MB
from search.render import (
    IndexProgress,
    analysis_table,
    index_summary,
    metrics_table,
    print_lines,
    results_lines,
)
from search.searching import IndexSearcher

EXIT_FOUND = 0
EXIT_NOT_FOUND = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
RTL_ENV_VAR = "SEARCH_RTL"


def make_console(color: str = "auto", stderr: bool = False) -> Console:
    """A console that colours only on a terminal (or when asked), honouring NO_COLOR
    unless colour is asked for explicitly."""
    options = {"always": {"force_terminal": True, "no_color": False}, "never": {"color_system": None}}
    return Console(stderr=stderr, highlight=False, soft_wrap=False, **options.get(color, {}))


def print_json(value) -> None:
    """Print one JSON value on one line, UTF-8 unescaped."""
    click.echo(json.dumps(value, ensure_ascii=False))


def warn(message: str) -> None:
    click.echo(f"search: warning: {message}", err=True)


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
rtl_option = click.option(
    "--rtl",
    type=click.Choice(["logical", "visual"]),
    default="logical",
    show_default=True,
    envvar=RTL_ENV_VAR,
    help="visual: reorder right-to-left lines for terminals without bidi support "
    f"(kitty, Alacritty, xterm); also ${RTL_ENV_VAR}. Never applies to --json.",
)


class UserError(click.ClickException):
    """A domain error shown as one line on stderr, exit 2, like a usage error."""

    exit_code = EXIT_ERROR


class SearchGroup(click.Group):
    """Runs ``query`` when the first argument is no command; turns domain errors and
    Ctrl-C into one line and an exit status, never a traceback."""

    def parse_args(self, ctx, args):
        if not args and _on_a_terminal():
            args = ["query"]
        elif args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["query", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SearchError as error:
            raise UserError(str(error)) from error
        except KeyboardInterrupt:
            click.echo("search: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(
    cls=SearchGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=False,
)
def cli():
    """Arabic full-text search: finds words whatever their diacritics, alef, or glued prefixes.

    \b
    search                   on a terminal: an interactive session
    search WORDS…            search the index (same as: search query WORDS…)
    search index PATH…       add new and changed documents, drop deleted ones
    """


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
@click.option("--max-file-size", "max_mb", type=click.IntRange(1), default=MAX_FILE_MB,
              show_default=True, metavar="MB", help="Skip files larger than this, with a reason.")
def index(paths, index_dir, rebuild, quiet, verbose, max_mb):
    """Add new and changed documents under PATHS to the index and drop deleted ones.

    Indexes .txt, .md, .html/.htm, .json and .jsonl files, in folders recursively.
    """
    # Imported here: its HTML and encoding libraries would add 0.1 s to every search.
    from search.indexer import index_paths

    console = make_console(stderr=True)
    index_dir = store.resolve_index_dir(index_dir)
    show_progress = console.is_terminal and not quiet
    with IndexProgress(console, enabled=show_progress) as progress:
        report = index_paths(
            list(paths), index_dir, rebuild=rebuild, progress=progress, max_file_bytes=max_mb * 2**20
        )
    make_console().print(index_summary(report, index_dir, verbose=verbose), soft_wrap=True)


@cli.command()
@click.argument("words", nargs=-1)
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Page to show.")
@click.option("--any", "match_any", is_flag=True, help="Find documents with any of the words.")
@click.option("--plain", is_flag=True,
              help="No query syntax: every character is text (for questions with ? : or quotes).")
@json_option
@color_option
@rtl_option
@click.option("--interactive", "-i", is_flag=True,
              help="Explore in an interactive session (needs a terminal); WORDS, if any, first.")
def query(words, index_dir, limit, page, match_any, plain, as_json, color, rtl, interactive):
    """Search the index for WORDS; ``-`` reads one query per line from standard input.

    \b
    Syntax: words (all must match)   "a phrase"   -word or NOT word   a OR b
            word* (prefix)   word~ (typos)   title:word   source:word   path:word
    Exit status: 0 found, 1 nothing found, 2 error.
    """
    if interactive or (not words and _on_a_terminal()):
        _interactive(words, index_dir, limit, match_any, plain, color, rtl)
        return
    if not words:
        raise click.UsageError("give words to search for, or - to read queries from stdin")
    with IndexSearcher(store.resolve_index_dir(index_dir)) as searcher:
        for message in searcher.warnings:
            warn(message)
        options = {"limit": limit, "page": page, "match_any": match_any, "plain": plain}
        if words == ("-",):
            found = _batch(searcher, options, as_json, color, rtl)
        else:
            results = searcher.search(" ".join(words), **options)
            _show(results, as_json, color, rtl)
            found = bool(results.total)
    sys.exit(EXIT_FOUND if found else EXIT_NOT_FOUND)


def _batch(searcher: IndexSearcher, options: dict, as_json: bool, color: str, rtl: str) -> bool:
    """One query per stdin line, answered in input order; a bad line does not stop the rest."""
    found = failed = False
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            results = searcher.search(text, **options)
        except SearchError as error:
            failed = True
            if as_json:
                print_json({"query": text, "error": str(error), "hits": []})
            else:
                click.echo(f"search: {text}: {error}", err=True)
            continue
        found = found or bool(results.total)
        if as_json:
            print_json({"query": text, "hits": [hit.to_dict() for hit in results.hits]})
        else:
            make_console(color).print(f"query: {text}", markup=False, style="bold")
            _show(results, as_json, color, rtl)
    if not found and failed:
        sys.exit(EXIT_ERROR)
    return found


@cli.command("eval")
@click.argument("queries", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("qrels", type=click.Path(path_type=Path, dir_okay=False))
@index_option
@click.option("--run", "run_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the rankings as a TREC run file.")
@click.option("--any", "match_any", is_flag=True, help="Rank documents with any of the words.")
@click.option("--k", "depth", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="Documents ranked per query.")
@click.option("--by-prefix", is_flag=True, help="Also a row per query-id prefix (arcd-, tydi-, …).")
@json_option
def evaluate_command(queries, qrels, index_dir, run_file, match_any, depth, by_prefix, as_json):
    """Score the index's rankings of QUERIES (JSONL id/text, or TSV) against QRELS (TSV).

    Every query runs as plain text. Prints MRR@10, nDCG@10 and Recall@1/10/100 over the
    queries that have at least one relevant document.
    """
    from search.evaluation import evaluate, id_prefix, read_qrels, read_queries

    questions, judgments = read_queries(queries), read_qrels(qrels)
    console = make_console(stderr=True)
    with IndexSearcher(store.resolve_index_dir(index_dir)) as searcher, Progress(
        *Progress.get_default_columns(), MofNCompleteColumn(), console=console,
        disable=not console.is_terminal, transient=True,
    ) as bar:
        for message in searcher.warnings:
            warn(message)
        task = bar.add_task("evaluating", total=len(questions))
        result = evaluate(
            searcher, questions, judgments, depth=depth, match_any=match_any,
            group_of=id_prefix if by_prefix else None, tag="search",
            progress=lambda: bar.advance(task),
        )
    if run_file:
        run_file.write_text("".join(line + "\n" for line in result.run), encoding="utf-8")
    rows = [result.overall.as_dict(), *(group.as_dict() for group in result.groups)]
    if as_json:
        print_json(rows if by_prefix else rows[0])
    else:
        make_console().print(metrics_table(rows))
    if result.unjudged:
        warn(f"{result.unjudged:,} queries have no relevant document in {qrels} and were not scored")


def _on_a_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _interactive(words, index_dir, limit, match_any, plain, color, rtl) -> None:
    if not _on_a_terminal():
        raise click.UsageError("the interactive session needs a terminal")
    # Imported here: prompt_toolkit costs one-shot searches start-up time they never use.
    from search.interactive import Options, Session

    session = Session(
        store.resolve_index_dir(index_dir),
        make_console(color),
        rtl,
        Options(limit=limit, match_any=match_any, plain=plain),
    )
    session.run(" ".join(words))


def _show(results, as_json: bool, color: str, rtl: str) -> None:
    if as_json:
        for hit in results.hits:
            print_json(hit.to_dict())
    else:
        print_lines(make_console(color), results_lines(results), rtl)


def _use_utf8_streams() -> None:
    """Arabic must not die on a terminal or pipe whose locale is not UTF-8."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8", errors="replace")


def main() -> None:
    """Console-script entry point."""
    _use_utf8_streams()
    cli(prog_name="search")
