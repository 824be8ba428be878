"""The interactive session: ``search`` on a terminal with no query.

prompt_toolkit reads the line (Arabic typing and editing, history kept in the index
folder across sessions, Up/Down recall); Rich renders hits with the same functions as
one-shot output; a whole document opens in the user's pager (``$PAGER``, else
``less``), with every match highlighted.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import click
from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, InMemoryHistory
from rich.text import Text

from search import store
from search.errors import SearchError
from search.render import highlighted, hit_lines, print_lines, results_lines
from search.searching import IndexSearcher

HISTORY_FILE = ".search-history"  # hidden, so indexing and --rebuild leave it alone
PROMPT = "search› "
KEYS_HINT = "Type words to search · :n :p next/previous page · :N open hit N · :help · Ctrl-D quits"
HELP = """\
words            search (same syntax as the command line: "phrase" -word a OR b word* word~)
:n  :p           next / previous page of hits
:N  (:3, :12)    read hit N in full, every match highlighted (q returns, / searches)
:page N          go to page N
:any             toggle: documents with any word instead of every word
:plain           toggle: no query syntax, every character is text
:limit N         hits per page
:help            this list
:q  or Ctrl-D    quit; Ctrl-C clears the line"""


@dataclass
class Options:
    limit: int = 10
    match_any: bool = False
    plain: bool = False


class Session:
    """One interactive session over the index at ``index_dir``."""

    def __init__(self, index_dir: Path, console, rtl: str = "logical", options: Options | None = None):
        self.index_dir, self.console, self.rtl = index_dir, console, rtl
        self.options = options or Options()
        self.searcher: IndexSearcher | None = None
        self.query: str | None = None
        self.page = 1
        self.results = None

    def run(self, first_query: str = "", prompt_session=None) -> None:
        """Answer ``first_query``, then read and answer lines until Ctrl-D or :q."""
        self.print_banner()
        self.handle(first_query)
        prompt_session = prompt_session or PromptSession(history=self._history())
        while True:
            try:
                line = prompt_session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            if not self.handle(line.strip()):
                break
        if self.searcher:
            self.searcher.close()

    def print_banner(self) -> None:
        searcher = self._open()
        if searcher:
            updated = datetime.datetime.fromtimestamp(searcher.last_modified())
            count = searcher.document_count()
            self.say(
                f"Index {self.index_dir} · {count:,} document{'s' if count != 1 else ''} · "
                f"updated {updated:%Y-%m-%d %H:%M}"
            )
        self.say(KEYS_HINT, style="dim")

    def handle(self, line: str) -> bool:
        """Answer one line; False means quit."""
        if not line:
            return True
        if line in (":q", ":quit", ":exit"):
            return False
        command, _, argument = line.partition(" ")
        if re.fullmatch(r":\d+", command):
            self.open_hit(int(command[1:]))
        elif command in (":help", ":h", ":?"):
            self.say(HELP)
        elif command in (":n", ":next"):
            self.turn_page(self.page + 1)
        elif command in (":p", ":prev", ":previous"):
            self.turn_page(self.page - 1)
        elif command == ":page" and argument.isdigit():
            self.turn_page(int(argument))
        elif command == ":any":
            self.options.match_any = not self.options.match_any
            self.say(f"any word: {'on' if self.options.match_any else 'off'}", style="dim")
            self.rerun()
        elif command == ":plain":
            self.options.plain = not self.options.plain
            self.say(f"plain text: {'on' if self.options.plain else 'off'}", style="dim")
            self.rerun()
        elif command == ":limit" and argument.isdigit() and int(argument) > 0:
            self.options.limit = int(argument)
            self.rerun()
        elif line.startswith(":"):
            self.say(f"unknown command {line!r}; :help lists them", style="red")
        else:
            self.query, self.page = line, 1
            self.rerun()
        return True

    def rerun(self) -> None:
        """Run the current query on the current page with the current options."""
        if self.query is None:
            return
        searcher = self._open()
        if searcher is None:
            return
        try:
            self.results = searcher.search(
                self.query,
                limit=self.options.limit,
                page=self.page,
                match_any=self.options.match_any,
                plain=self.options.plain,
            )
        except SearchError as error:
            self.say(str(error), style="red")
            return
        print_lines(self.console, results_lines(self.results), self.rtl)

    def turn_page(self, page: int) -> None:
        if self.results is None:
            self.say("search for something first", style="dim")
        elif not 1 <= page <= self.results.pages:
            self.say(f"no page {page}: there {'is' if self.results.pages == 1 else 'are'} "
                     f"{self.results.pages} page{'s' if self.results.pages != 1 else ''}", style="dim")
        else:
            self.page = page
            self.rerun()

    def open_hit(self, rank: int) -> None:
        """Show hit ``rank`` of the current page in full in the pager."""
        hit = next((hit for hit in self.results.hits if hit.rank == rank), None) if self.results else None
        if hit is None:
            self.say(f"no hit {rank} on this page", style="dim")
            return
        lines = hit_lines(hit)[:2] + [Text()]
        body = highlighted(hit.body, self.results.matcher.spans(hit.body))
        lines.extend(body.split("\n", allow_blank=True))
        with self.console.capture() as capture:
            print_lines(self.console, lines, self.rtl)
        click.echo_via_pager(capture.get())

    def say(self, message: str, style: str | None = None) -> None:
        print_lines(self.console, [Text(message, style=style or "")], self.rtl)

    def _open(self) -> IndexSearcher | None:
        """The searcher, opened on first use; a missing or outdated index is said, not raised."""
        if self.searcher is None:
            try:
                self.searcher = IndexSearcher(self.index_dir)
            except SearchError as error:
                self.say(str(error), style="red")
                return None
            for warning in self.searcher.warnings:
                self.say(f"warning: {warning}", style="yellow")
        return self.searcher

    def _history(self):
        if store.index_exists(self.index_dir):
            try:
                path = self.index_dir / HISTORY_FILE
                path.touch()
                return FileHistory(str(path))
            except OSError:
                pass
        return InMemoryHistory()

