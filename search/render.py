"""Rich renderables for the CLI: small functions that return something to print.

User text always enters Rich as ``Text``, never as markup, so a ``[`` in a
document cannot break the output.
"""

from rich.console import Group
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from search import indexer
from search.analysis import AnalyzedToken


def analysis_table(tokens: list[AnalyzedToken]) -> Table:
    """A table with one row per token: surface form, offsets, normalized form, stem, stopword."""
    table = Table(show_edge=False, header_style="bold")
    for header in ("text", "start", "end", "normalized", "stem", "stopword"):
        table.add_column(header, justify="right" if header in ("start", "end") else "left")
    for token in tokens:
        table.add_row(
            Text(token.text),
            str(token.start),
            str(token.end),
            Text(token.normalized),
            Text(token.stem, style="dim" if token.stopword else "bold"),
            "yes" if token.stopword else "",
        )
    return table


class IndexProgress(indexer.Progress):
    """Two bars on a terminal: files (with ETA) and bytes (with MB/s); nothing otherwise."""

    def __init__(self, console, enabled: bool):
        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=True,
        )
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.bar.__exit__(*exc_info)

    def start(self, files: int, total_bytes: int) -> None:
        self.task = self.bar.add_task("indexing", total=total_bytes)
        self.files_total = files
        self.files_done = 0

    def advance(self, source) -> None:
        self.files_done += 1
        self.bar.update(
            self.task,
            advance=source.size,
            description=f"indexing {self.files_done}/{self.files_total} files",
        )


def index_summary(report: indexer.IndexReport, index_dir, verbose: bool = False):
    """One line of counts, then, with ``verbose``, each skipped item and its reason."""
    line = Text()
    line.append(f"{report.added} added, {report.updated} updated, {report.removed} removed, ")
    line.append(f"{report.unchanged} unchanged")
    line.append(f" documents in {index_dir}; {len(report.skipped)} skipped")
    if report.skipped and not verbose:
        line.append(" (--verbose lists them)", style="dim")
    if not verbose:
        return line
    return Group(line, *(Text(f"  skipped {item}") for item in report.skipped))
