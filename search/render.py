"""Rich renderables for the CLI: small functions that return something to print.

User text always enters Rich as ``Text``, never as markup, so a ``[`` in a
document cannot break the output; text from a document (its title, path, id, body,
a file name, a message quoting them) always enters through ``document_text``, so
nothing in it can drive the terminal (``search.visible``).
"""

import re

from rich.cells import cell_len
from rich.console import Console, Group
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from search.analysis import AnalyzedToken
from search.bidi import paragraph_is_rtl, visual_order
from search.searching import Hit, Results
from search.visible import visible

HIGHLIGHT = "bold red"
# A word and the spaces after it, as Rich's wrap reads words (rich._wrap.words).
_WORDS = re.compile(r"\s*\S+\s*")
ELLIPSIS = "…"


class PipeConsole(Console):
    """Rich's console, leaving a closed pipe to the command (Rich would exit with 1 even
    after printing a hit)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def analysis_table(tokens: list[AnalyzedToken]) -> Table:
    """A table with one row per token: surface form, offsets, index term, segmentation,
    lemma and what attests it, root."""
    table = Table(show_edge=False, header_style="bold")
    for header in ("text", "start", "end", "term", "segmentation", "lemma", "why", "root"):
        table.add_column(header, justify="right" if header in ("start", "end") else "left")
    for token in tokens:
        table.add_row(
            Text(token.text),
            str(token.start),
            str(token.end),
            Text(token.normalized),
            Text(token.segmentation),
            Text(token.lemma, style="dim" if token.stopword else "bold"),
            Text(token.why),
            Text(token.root),
        )
    return table


class IndexProgress:
    """On a terminal, one line: while reading, the bytes read of all files (advancing
    inside a large file), the speed and the time left; while the index is written, a
    spinner and the time spent writing, then, as the postings are written, their bytes
    written, the speed and the time left. Nothing otherwise.

    Implements ``search.indexer.Progress`` without importing the indexer (and its HTML
    and encoding libraries), which searching never needs."""

    def __init__(self, console, enabled: bool):
        self.bar = Progress(
            SpinnerColumn(),
            "[progress.description]{task.description}",
            BarColumn(),
            _Reading(DownloadColumn()),
            _Reading(TransferSpeedColumn()),
            _Reading(TimeRemainingColumn()),
            _Writing(TimeElapsedColumn()),
            console=console,
            disable=not enabled,
            transient=True,
        )
        self.reading = self.writing_task = None
        self.files_total = self.files_done = self.bytes_done = 0

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.bar.__exit__(*exc_info)

    def start(self, files: int, total_bytes: int) -> None:
        self.files_total = files
        self.reading = self.bar.add_task(self._reading_description(), total=total_bytes)

    def advance(self, source, done: int) -> None:
        if self.writing_task is not None:  # a commit on the way is over
            self.bar.remove_task(self.writing_task)
            self.writing_task = None
            self.bar.update(self.reading, visible=True)
        if done >= source.size:
            self.files_done += 1
            self.bytes_done += source.size
            done = 0
        self.bar.update(
            self.reading, completed=self.bytes_done + done, description=self._reading_description()
        )

    def committing(self) -> None:
        if self.reading is not None:
            self.bar.update(self.reading, visible=False)
        if self.writing_task is None:
            self.writing_task = self.bar.add_task("writing the index", total=None)

    def writing(self, done: int, total: int) -> None:
        self.committing()
        self.bar.update(self.writing_task, total=total, completed=done)

    def _reading_description(self) -> str:
        return f"indexing {self.files_done}/{self.files_total} files"


class _Reading(ProgressColumn):
    """A column shown for a task with a total (reading; writing, once its postings are
    counted), blank for one without."""

    def __init__(self, column: ProgressColumn):
        super().__init__()
        self.column = column

    def render(self, task):
        return self.column.render(task) if task.total is not None else Text()


class _Writing(_Reading):
    """A column shown for a task without a total (writing, until its postings are
    counted), blank for one with a total."""

    def render(self, task):
        return self.column.render(task) if task.total is None else Text()


def index_summary(report, index_dir, verbose: bool = False):
    """One line of counts, then, with ``verbose``, each skipped item and its reason."""
    line = Text()
    line.append(f"{report.added} added, {report.updated} updated, {report.removed} removed, ")
    line.append(f"{report.unchanged} unchanged")
    line.append(" documents in ")
    line.append_text(document_text(str(index_dir)))
    line.append(f"; {len(report.skipped)} skipped")
    if report.skipped and not verbose:
        line.append(" (--verbose lists them)", style="dim")
    if not verbose:
        return line
    return Group(line, *(Text("  skipped ") + document_text(item) for item in report.skipped))


def document_text(
    text: str, spans=(), style: str = HIGHLIGHT, lines: bool = False, base_style: str = ""
) -> Text:
    """Text from a document as a Rich Text that cannot drive the terminal: every control
    character, escape sequence and bidi override made visible, one character for one
    (``search.visible``), so ``style`` still falls on each (start, end) span. ``lines``
    keeps newlines (a whole document in the pager)."""
    result = Text(visible(text, lines=lines), style=base_style)
    for start, end in spans:
        result.stylize(style, start, end)
    return result


def hit_lines(hit: Hit) -> list[Text]:
    """A hit: rank and title, where it is and its score, then its snippets."""
    heading = Text(f"{hit.rank}. ", style="bold")
    heading.append_text(document_text(hit.title or hit.id, hit.title_highlights))
    heading.stylize("bold", len(f"{hit.rank}. "))
    where = document_text(hit.path, base_style="cyan")
    if hit.location:
        where.append(" · ")
        where.append_text(document_text(f"{hit.location} · id {hit.id}"))
    elif hit.line:
        where.append(f":{hit.line}", style="cyan")
    if hit.date:
        where.append(" · ")
        where.append_text(document_text(hit.date))
    where.append(f"  score {hit.score:.2f}", style="dim")
    lines = [heading, where]
    for snippet in hit.snippets:
        line = Text("  ")
        if snippet.start > 0:
            line.append(ELLIPSIS, style="dim")
        line.append_text(document_text(snippet.text, snippet.highlights))
        if snippet.end < len(hit.body):
            line.append(ELLIPSIS, style="dim")
        lines.append(line)
    return lines


def results_lines(results: Results) -> list[Text]:
    """Notices (any-word fallback, "did you mean"), the hits, and a summary line."""
    lines = []
    if results.matched_any:
        lines.append(
            Text("No document has every word; showing documents with any of them.", style="yellow")
        )
    if results.suggestion:
        lines.append(
            Text("Did you mean: ", style="yellow") + document_text(results.suggestion, base_style="bold")
        )
    if lines:
        lines.append(Text())
    for hit in results.hits:
        lines.extend(hit_lines(hit))
        lines.append(Text())
    lines.append(summary_line(results))
    return lines


def summary_line(results: Results) -> Text:
    """"3 hits (page 1 of 2) in 4.2 ms"."""
    noun = "hit" if results.total == 1 else "hits"
    line = Text(f"{results.total:,} {noun}")
    if results.pages > 1:
        line.append(f" (page {results.page} of {results.pages})")
    elif results.total and not results.hits:
        line.append(f" (none on page {results.page})")
    line.append(f" in {results.seconds * 1000:.1f} ms", style="dim")
    return line


def visual_lines(text: Text, console, width: int) -> list[Text]:
    """``text`` wrapped to ``width`` and each line put in visual order, styles kept on their
    letters; a right-to-left paragraph is right-aligned. For terminals without bidi."""
    rtl = paragraph_is_rtl(text.plain)
    lines = []
    for line in text.wrap(console, width):
        line.rstrip()
        visual = Text(style=line.style)
        run, run_style = [], None
        styles = styles_by_offset(line, console)
        for index, char in visual_order(line.plain):
            style = styles[index]
            if style != run_style:
                visual.append("".join(run), run_style)
                run, run_style = [], style
            run.append(char)
        visual.append("".join(run), run_style)
        if rtl:
            visual.pad_left(max(width - visual.cell_len, 0))
        lines.append(visual)
    return lines


def styles_by_offset(line: Text, console) -> list:
    """The style of each character of ``line``, as ``Text.get_style_at_offset`` gives it
    (the line's style, then each span over the character, in order), worked out once for
    each set of spans: asked character by character, that method walked every span each
    time, half the cost of a page in visual order.

    >>> from rich.console import Console
    >>> line = Text("ab cd", style="bold")
    >>> line.stylize("red", 1, 4)
    >>> styles = styles_by_offset(line, Console())
    >>> [str(style) for style in styles], styles[1] is styles[3]
    (['bold', 'bold red', 'bold red', 'bold red', 'bold'], True)
    """
    spans = line.spans
    covering = [()] * len(line.plain)
    for number, span in enumerate(spans):
        for offset in range(max(span.start, 0), min(span.end, len(covering))):
            covering[offset] += (number,)
    styles = {}
    for key in dict.fromkeys(covering):
        style = console.get_style(line.style).copy()
        for number in key:
            style += console.get_style(spans[number].style, default="")
        styles[key] = style
    return [styles[key] for key in covering]


def print_lines(console, lines: list[Text], rtl: str = "logical") -> None:
    """Print lines as they are (wrapped only on a terminal, keeping a line's indent on
    its continuation lines), or in visual order. A line holding a control character that
    did not come through ``document_text`` has it made visible here, as a last guard."""
    renderables = []
    width = console.width  # (which asks the terminal its size each time)
    for line in lines:
        if (shown := visible(line.plain)) != line.plain or "\t" in shown:
            line = line.copy()
            line.plain = shown
            line.expand_tabs(console.tab_size)  # to the next stop, as Rich's printing expanded them
        if rtl == "visual":
            renderables.extend(visual_lines(line, console, width))
        elif not console.is_terminal:
            renderables.append(line)
        else:
            renderables.extend(wrapped_lines(line, console, width))
    if not renderables:
        return
    # One print for the page: Rich's set-up per print cost as much as the lines. Every
    # line is wrapped already, or is to be left to the pipe, and goes as its styled
    # pieces: printed as Text, each was split, wrapped and joined again.
    segments = []
    for line in renderables:
        if line.spans or not line.style:
            segments.extend(line.render(console, end="\n"))
        else:  # Text.render leaves out the style of a line without spans: printing applied it
            segments += [Segment(line.plain, console.get_style(line.style)), Segment.line()]
    console.print(Segments(segments), soft_wrap=True)


def wrapped_lines(line: Text, console, width: int) -> list[Text]:
    """``line`` broken after its spaces into lines of at most ``width`` cells, each
    continuation indented as ``line`` is, trailing spaces dropped; a word wider than a line
    is folded, as Rich folds it.

    Rich wraps as this does (its ``divide_line``), but then measured every line and every
    styled piece again, cell by cell, in Python (Arabic letters are not among the
    characters it knows to be one cell wide): two thirds of rendering a page of hits. Here
    each word is measured once, through Rich's cache of words.

    >>> from rich.console import Console
    >>> console = Console(width=20)
    >>> [str(part) for part in wrapped_lines(Text("  ذهب الطلاب إلى المدرسة مبكرا"), console, 20)]
    ['  ذهب الطلاب إلى', '  المدرسة مبكرا']
    >>> [str(part) for part in wrapped_lines(Text("abc " + "x" * 25), console, 20)]
    ['abc', 'xxxxxxxxxxxxxxxxxxxx', 'xxxxx']
    """
    plain = line.plain
    indent = len(plain) - len(plain.lstrip(" "))
    if indent >= width:
        indent = 0
    used, breaks, start = indent, [], indent
    # Each word with the spaces after it; they follow one another from the indent on.
    for word in _WORDS.findall(plain, indent):
        letters = word.rstrip()
        size = cell_len(letters)
        if size > width - indent:  # a word no line holds: Rich folds it, and the words around it
            pieces = line[indent:].wrap(console, width - indent, overflow="fold")
            first = 0
            break
        if size > width - used:
            breaks.append(start)
            used = indent
        spaces = word[len(letters) :]
        used += size + (len(spaces) if spaces == " " else cell_len(spaces))
        start += len(word)
    else:
        if not breaks and not plain[-1:].isspace():
            return [line]  # fits, and nothing to strip: most lines of a page (a copy each was 5%)
        pieces = line.divide(breaks)  # copies: the line is left as it was
        first = 1  # the first piece has its indent
    for number, piece in enumerate(pieces):
        piece.rstrip()
        if indent and number >= first:
            piece.pad_left(indent)
    return list(pieces)


def metrics_table(rows: list[dict]) -> Table:
    """One row per group of queries: count, MRR@10, nDCG@10 and recalls."""
    table = Table(show_edge=False, header_style="bold")
    headers = [key for key in rows[0] if key != "name"]
    table.add_column("set")
    for header in headers:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(
            Text(row["name"]),
            *(f"{row[key]:,}" if isinstance(row[key], int) else f"{row[key]:.3f}" for key in headers),
        )
    return table
