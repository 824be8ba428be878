"""The ``search`` command line: a thin layer over the library.

Exit status follows grep and ripgrep: 0 found (even when the reader of the output left
early, as ``head`` does), 1 nothing found, 2 error, 130 interrupted. Any error ends as
one line on stderr; ``--debug`` adds the traceback. ``search WORDS…`` is short for
``search query WORDS…``; options may come before the command name.
"""

import os
import shutil
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from search import store
from search.analysis import analyze_text
from search.errors import SearchError
from search.limits import MAX_FILE_MB
from search.searching import IndexSearcher
from search.sorting import newest_first
from search.visible import json_line, visible

EXIT_FOUND = 0
EXIT_NOT_FOUND = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
RTL_ENV_VAR = "SEARCH_RTL"
# The version of the --json output described in the README's scripting contract.
JSON_SCHEMA = 1
# Hits -l lists when no --limit is given, and hits --sort date sorts: the most relevant
# this many (both need more than a page of hits, and a cap keeps them fast).
MANY_HITS = 1000
PAGE_SIZE = 10
# ctx.meta key: the exit status a command has earned if its reader leaves early.
STATUS_IF_READER_LEAVES = "search.status_if_reader_leaves"


def make_console(color: str = "auto", stderr: bool = False):
    """A console that colours only on a terminal (or when asked), honouring NO_COLOR
    unless colour is asked for explicitly. Rich is loaded here, when output needs it:
    ``--json`` does without (a fifth of a one-shot search's start-up)."""
    from search.render import PipeConsole

    options = {"always": {"force_terminal": True, "no_color": False}, "never": {"color_system": None}}
    console = PipeConsole(stderr=stderr, highlight=False, soft_wrap=False, **options.get(color, {}))
    if console.width < 1:
        # COLUMNS=0 (some CI runners and containers set it) is a width of 0 to Rich, which
        # then prints nothing at all; to the standard library it means "ask the terminal".
        console.width = shutil.get_terminal_size().columns
    return console


def print_json(value) -> None:
    """Print one JSON value on one line (``search.visible.json_line``)."""
    click.echo(json_line(value))


def warn(message: str) -> None:
    click.echo(f"search: warning: {visible(message)}", err=True)


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
    """Runs ``query`` when the first argument is no command, takes a command's options
    before its name, and turns every error and Ctrl-C into one line and an exit status,
    never a traceback (unless ``--debug``)."""

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, self.command_first(ctx, args))

    def command_first(self, ctx, args: list[str]) -> list[str]:
        """``args`` reordered for click: the group's own options (``--debug`` from
        anywhere before ``--``), then the command name, then the options given before it
        and the rest. ``search --index DIR index docs`` runs ``index``, and
        ``search --json أثريا`` a query."""
        end = args.index("--") if "--" in args else len(args)
        group_options = [arg for arg in args[:end] if arg == "--debug"]
        args = [arg for arg in args[:end] if arg != "--debug"] + args[end:]
        own = {name for param in self.params for name in param.opts} | set(ctx.help_option_names)
        takes_value = {
            name
            for command in _commands(self)
            for param in command.params
            if isinstance(param, click.Option) and not param.is_flag
            for name in param.opts
        }
        position = 0
        while position < len(args) and args[position].startswith("-") and args[position] not in ("-", "--"):
            if args[position] in own:
                group_options.append(args.pop(position))
                continue
            position += 2 if args[position] in takes_value else 1
        leading, rest = args[:position], args[position:]
        if rest and rest[0] in self.commands:
            command = self.commands[rest[0]]
            if isinstance(command, click.Group) and rest[1:2] and rest[1] in command.commands:
                # search --index DIR export opensearch OUT: the options go to the subcommand
                return [*group_options, *rest[:2], *leading, *rest[2:]]
            return [*group_options, rest[0], *leading, *rest[1:]]
        if rest or leading or _on_a_terminal():
            return [*group_options, "query", *leading, *rest]
        return group_options

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SearchError as error:
            _traceback_if(ctx)
            raise UserError(visible(str(error))) from error
        except KeyboardInterrupt:
            click.echo("search: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _stop_writing()
            ctx.exit(ctx.meta.get(STATUS_IF_READER_LEAVES, EXIT_FOUND))
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - the promise: one line, never a traceback
            _traceback_if(ctx)
            click.echo(f"search: error: {unexpected(error)}", err=True)
            ctx.exit(EXIT_ERROR)


def _commands(group: click.Group):
    """The group's commands, and those of its groups."""
    for command in group.commands.values():
        yield command
        if isinstance(command, click.Group):
            yield from _commands(command)


def unexpected(error: Exception) -> str:
    """An unexpected error in one line, with the hint for more."""
    message = " ".join(str(error).split()) or "no details"
    return visible(f"{type(error).__name__}: {message} (--debug shows the traceback)")


def _traceback_if(ctx) -> None:
    if ctx.find_root().params.get("debug"):
        import traceback  # only then: 3 ms of every start

        traceback.print_exc()


def _stop_writing() -> None:
    """The reader of stdout has gone (``search X | head -1``): send what is still
    buffered to /dev/null, so neither this run nor Python's exit complains."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # no file descriptor to redirect: nothing will complain
        pass


def _on_leaving_early(status: int) -> None:
    """Record the exit status to use if the reader closes the pipe from now on."""
    click.get_current_context().meta[STATUS_IF_READER_LEAVES] = status


@click.group(
    cls=SearchGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=False,
)
@click.option("--debug", is_flag=True, help="Show the traceback of an error (anywhere on the line).")
@click.version_option(package_name="arabic-search", prog_name="search", message=f"%(prog)s %(version)s (JSON schema {JSON_SCHEMA})")
def cli(debug):
    """Arabic full-text search: finds words whatever their diacritics, alef, or glued prefixes.

    \b
    search                   on a terminal: an interactive session
    search WORDS…            search the index (same as: search query WORDS…)
    search index PATH…       add new and changed documents, drop deleted ones

    A command's options may also come before its name: search --index DIR index PATH.
    """


@cli.command()
@click.argument("text")
@index_option
@json_option
@color_option
def analyze(text, index_dir, as_json, color):
    """Show how each word of TEXT is indexed and read: its term, segmentation, lemma and
    what attests the lemma (the dictionary, or the index's own words when there is one)."""
    index_dir = store.resolve_index_dir(index_dir)
    if store.index_exists(index_dir):
        with IndexSearcher(index_dir) as searcher:
            tokens = analyze_text(text, searcher.lexicon())
    else:
        tokens = analyze_text(text)
    if as_json:
        print_json([token.to_dict() for token in tokens])
    else:
        from search.render import analysis_table

        make_console(color).print(analysis_table(tokens))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Rebuild the index from scratch.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the summary.")
@click.option("--verbose", "-v", is_flag=True, help="List every skipped file or record, with the reason.")
@click.option("--max-file-size", "max_mb", type=click.IntRange(1), default=MAX_FILE_MB,
              show_default=True, metavar="MB", help="Skip files larger than this, with a reason.")
@click.option("--workers", "-j", type=click.IntRange(1, 64), metavar="N",
              help="Processes that index a large run (4 MB or more) side by side, into one segment "
                   "(default: two, or one on a machine with one core).")
def index(paths, index_dir, rebuild, quiet, verbose, max_mb, workers):
    """Add new and changed documents under PATHS to the index and drop deleted ones.

    Indexes .txt, .md, .html/.htm, .json and .jsonl files, in folders recursively.
    """
    # Imported here: its HTML and encoding libraries would add 0.1 s to every search.
    from search.indexer import index_paths
    from search.render import IndexProgress, index_summary

    console = make_console(stderr=True)
    index_dir = store.resolve_index_dir(index_dir)
    show_progress = console.is_terminal and not quiet
    with IndexProgress(console, enabled=show_progress) as progress:
        report = index_paths(
            list(paths), index_dir, rebuild=rebuild, progress=progress, max_file_bytes=max_mb * 2**20,
            workers=workers,
        )
    make_console().print(index_summary(report, index_dir, verbose=verbose), soft_wrap=True)


@cli.command()
@click.argument("words", nargs=-1)
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, MANY_HITS), default=None,
              help=f"Hits per page  [default: {PAGE_SIZE}; {MANY_HITS:,} with -l]")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Page to show.")
@click.option("--any", "match_any", is_flag=True, help="Find documents with any of the words.")
@click.option("--plain", is_flag=True,
              help="No query syntax: every character is text (for questions with ? : or quotes).")
@click.option("--files-with-matches", "-l", "files_only", is_flag=True,
              help="Only the path of each file with a hit, once, in rank order.")
@click.option("--count", "-c", "count_only", is_flag=True,
              help="Only the number of matching documents.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance",
              show_default=True,
              help=f"date: newest first among the {MANY_HITS:,} most relevant hits; undated last.")
@json_option
@color_option
@rtl_option
@click.option("--interactive", "-i", is_flag=True,
              help="Explore in an interactive session (needs a terminal); WORDS, if any, first.")
@click.option("--opensearch", is_flag=True,
              help="Print the OpenSearch _search requests that ask what this search asks; search nothing.")
def query(words, index_dir, limit, page, match_any, plain, files_only, count_only, sort,
          as_json, color, rtl, interactive, opensearch):
    """Search the index for WORDS; ``-`` reads one query per line from standard input.

    \b
    Syntax: words (all must match)   "a phrase"   -word or NOT word   a OR b
            word* (prefix)   word~ (typos)   title:word   source:word   path:word
    Exit status: 0 found, 1 nothing found, 2 error.
    """
    if interactive or (not words and _on_a_terminal()):
        _interactive(words, index_dir, limit or PAGE_SIZE, match_any, plain, color, rtl)
        return
    if not words:
        raise click.UsageError("give words to search for, or - to read queries from stdin")
    if opensearch:
        from search.export import opensearch_requests

        resolved = store.resolve_index_dir(index_dir)
        with IndexSearcher(resolved) if store.index_exists(resolved) else nullcontext() as searcher:
            lexicon = searcher.lexicon() if searcher else None
            print_json(opensearch_requests(" ".join(words), match_any, plain, limit or PAGE_SIZE, lexicon=lexicon))
        return
    if files_only and (count_only or as_json):
        raise click.UsageError("-l goes with neither -c nor --json (--json hits carry their path)")
    limit = limit or (MANY_HITS if files_only else PAGE_SIZE)
    output = "files" if files_only else "count" if count_only else "hits"
    answer = Answer(output, as_json, limit, page, sort, match_any, plain, color, rtl)
    _on_leaving_early(EXIT_NOT_FOUND)
    with IndexSearcher(store.resolve_index_dir(index_dir)) as searcher:
        for message in searcher.warnings:
            warn(message)
        if words == ("-",):
            found = _batch(searcher, answer)
        else:
            found = answer.show(" ".join(words), answer.search(searcher, " ".join(words)))
    sys.exit(EXIT_FOUND if found else EXIT_NOT_FOUND)


def envelope(text: str, results, hits: bool = True) -> dict:
    """The --json answer to one query (schema JSON_SCHEMA, described in the README)."""
    answer = {
        "schema": JSON_SCHEMA,
        "query": text,
        "total": results.total,
        "total_is_exact": True,  # counts are exact (search.searching.IndexSearcher._run)
        "matched_any": results.matched_any,
        "suggestion": results.suggestion,
        "page": results.page,
        "pages": results.pages,
    }
    if hits:
        answer["hits"] = [hit.to_dict() for hit in results.hits]
    return answer


class Answer:
    """How each query of one invocation (one query, or a batch from stdin) is run and shown:
    ``output`` is "hits", "files" (-l) or "count" (-c)."""

    def __init__(self, output, as_json, limit, page, sort, match_any, plain, color, rtl):
        self.output, self.as_json, self.limit, self.page, self.sort = output, as_json, limit, page, sort
        self.options = {"match_any": match_any, "plain": plain}
        self.color, self.rtl = color, rtl

    def search(self, searcher: IndexSearcher, text: str):
        if self.output == "count":
            return searcher.search(text, limit=1, **self.options)
        if self.sort == "date":
            most_relevant = searcher.search(text, limit=MANY_HITS, **self.options)
            if most_relevant.total > MANY_HITS:
                warn(f"{text}: sorted by date the {MANY_HITS:,} most relevant of "
                     f"{most_relevant.total:,} hits")
            return newest_first(most_relevant, self.limit, self.page)
        return searcher.search(text, limit=self.limit, page=self.page, **self.options)

    def show(self, text: str, results, heading: bool = False) -> bool:
        """Print the answer to one query; whether it found anything."""
        found = bool(results.total)
        if found:
            _on_leaving_early(EXIT_FOUND)
        for note in results.notes:
            warn(f"{visible(text)}: {visible(note)}")
        if self.as_json:
            print_json(envelope(text, results, hits=self.output == "hits"))
        elif self.output == "count":
            click.echo(f"{results.total}")
        elif self.output == "files":
            self.show_files(text, results)
        else:
            from search.render import document_text, print_lines, results_lines

            lines = results_lines(results)
            if heading:
                lines.insert(0, document_text(f"query: {text}", base_style="bold"))
            print_lines(make_console(self.color), lines, self.rtl)
        return found

    def show_files(self, text: str, results) -> None:
        last = (results.page - 1) * self.limit + len(results.hits)
        if last < results.total and results.hits:
            warn(f"{text}: the files of hits {last - len(results.hits) + 1:,}–{last:,} of "
                 f"{results.total:,}; --page {results.page + 1} lists more")
        for path in dict.fromkeys(hit.path for hit in results.hits):
            click.echo(visible(path))

    def error(self, text: str, message: str) -> None:
        if self.as_json:
            print_json({"schema": JSON_SCHEMA, "query": text, "error": message, "hits": []})
        else:
            click.echo(f"search: {visible(text)}: {visible(message)}", err=True)


def _batch(searcher: IndexSearcher, answer: Answer) -> bool:
    """One query per stdin line, answered in input order; a bad line does not stop the rest."""
    found = failed = False
    if hasattr(sys.stdin, "reconfigure"):
        # A byte that is not UTF-8 costs its line only (the query reads it as U+FFFD);
        # strict decoding ended the batch at the first one, losing the answers before it.
        sys.stdin.reconfigure(errors="surrogateescape")
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            results = answer.search(searcher, text)
        except SearchError as error:
            failed = True
            answer.error(text, str(error))
            continue
        except Exception as error:  # noqa: BLE001 - one line fails, the batch goes on
            _traceback_if(click.get_current_context())
            failed = True
            answer.error(text, f"error: {unexpected(error)}")
            continue
        found = answer.show(text, results, heading=True) or found
    if not found and failed:
        sys.exit(EXIT_ERROR)
    return found


@cli.group()
def export():
    """Export the index to run elsewhere."""


@export.command("opensearch")
@click.argument("out_dir", metavar="OUTDIR", type=click.Path(path_type=Path))
@index_option
def export_opensearch_command(out_dir, index_dir):
    """Write OUTDIR/index.json (settings and mappings: our analysis with built-in
    components), OUTDIR/documents.ndjson (the documents, _bulk format) and OUTDIR/README.md
    (how to load them with curl) for OpenSearch or Elasticsearch."""
    from search.export import export_opensearch

    written = export_opensearch(store.resolve_index_dir(index_dir), out_dir)
    click.echo(f"{written['documents']:,} documents and {written['forms']:,} word forms in "
               f"{written['rules']:,} family rules written to {visible(str(out_dir))}")


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
@click.option("--sets", is_flag=True,
              help="Score every hit as a set (precision, recall, F1), by the queries' pos if any.")
@json_option
def evaluate_command(queries, qrels, index_dir, run_file, match_any, depth, by_prefix, sets, as_json):
    """Score the index's rankings of QUERIES (JSONL id/text, or TSV) against QRELS (TSV).

    Every query runs as plain text. Prints MRR@10, nDCG@10 and Recall@1/10/100 over the
    queries that have at least one relevant document; with --sets, the macro precision,
    recall and F1 of everything each query finds (word-family sets such as ud_pud_lemmas),
    with a row per part of speech when the queries carry a "pos".
    """
    from rich.progress import MofNCompleteColumn, Progress

    from search.evaluation import evaluate, id_prefix, read_qrels, read_queries, read_query_groups

    questions, judgments = read_queries(queries), read_qrels(qrels)
    group_of = id_prefix if by_prefix else None
    if sets and (parts_of_speech := read_query_groups(queries, "pos")):
        group_of = lambda query_id: parts_of_speech.get(query_id, "?")  # noqa: E731
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
            group_of=group_of, tag="search", progress=lambda: bar.advance(task), sets=sets,
        )
    if run_file:
        run_file.write_text("".join(line + "\n" for line in result.run), encoding="utf-8")
    rows = [result.overall.as_dict(), *(group.as_dict() for group in result.groups)]
    if as_json:
        print_json(rows if group_of else rows[0])
    else:
        from search.render import metrics_table

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


def _use_utf8_streams() -> None:
    """Arabic must not die on a terminal or pipe whose locale is not UTF-8."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8", errors="replace")


def main() -> None:
    """Console-script entry point."""
    _use_utf8_streams()
    cli(prog_name="search")
