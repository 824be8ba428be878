"""The interactive session: ``search`` on a terminal with no query.

prompt_toolkit reads the line (Arabic typing and editing, history kept in the index
folder across sessions, Up/Down recall); Rich renders hits with the same functions as
one-shot output; a whole document opens in the user's pager (``$PAGER``, else
``less``), with every match highlighted, or in the user's editor at its line. Ctrl-C
stops a slow search, not the session.
"""

import datetime
import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import click
from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, InMemoryHistory
from rich.text import Text

from search import store
from search.errors import SearchError
from search.render import document_text, hit_lines, print_lines, results_lines
from search.searching import IndexSearcher

HISTORY_FILE = ".search-history"  # hidden, so indexing and --rebuild leave it alone
HISTORY_MODE = 0o600  # queries are private
DEFAULT_EDITOR = "vi"
PROMPT = "search› "
KEYS_HINT = (
    "Type words to search · :n :p next/previous page · :N read hit N · :e N edit it · :help · "
    "Ctrl-D quits"
)
HELP = """\
words            search (same syntax as the command line: "phrase" -word a OR b word* word~)
:n  :p           next / previous page of hits
:N  (:3, :12)    read hit N in full, every match highlighted (q returns, / searches)
:e N             open hit N's file in $VISUAL or $EDITOR at its line
:page N          go to page N
:any             toggle: documents with any word instead of every word
:plain           toggle: no query syntax, every character is text
:limit N         hits per page
:help            this list
:q  or Ctrl-D    quit; Ctrl-C clears the line, or stops a slow search"""


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
        self.answer(first_query)
        prompt_session = prompt_session or PromptSession(history=self._history())
        while True:
            try:
                line = prompt_session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            if not self.answer(line.strip()):
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

    def answer(self, line: str) -> bool:
        """``handle`` one line, where Ctrl-C stops only that line's work; False means quit."""
        try:
            return self.handle(line)
        except KeyboardInterrupt:
            self.say("interrupted", style="yellow")
            return True

    def handle(self, line: str) -> bool:
        """Answer one line; False means quit."""
        if not line:
            return True
        if line in (":q", ":quit", ":exit"):
            return False
        command, _, argument = line.partition(" ")
        if re.fullmatch(r":\d+", command):
            self.open_hit(int(command[1:]))
        elif command == ":e" and argument.strip().isdigit():
            self.edit_hit(int(argument))
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
        except Exception as error:  # noqa: BLE001 - a failing search must not end the session
            self.say(f"error: {type(error).__name__}: {error}", style="red")
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

    def hit(self, rank: int):
        """Hit ``rank`` of the current page, or None (and why, said)."""
        hit = next((hit for hit in self.results.hits if hit.rank == rank), None) if self.results else None
        if hit is None:
            self.say(f"no hit {rank} on this page", style="dim")
        return hit

    def open_hit(self, rank: int) -> None:
        """Show hit ``rank`` of the current page in full in the pager."""
        hit = self.hit(rank)
        if hit is None:
            return
        lines = hit_lines(hit)[:2] + [Text()]
        body = document_text(hit.body, hit.body_highlights, lines=True)
        lines.extend(body.split("\n", allow_blank=True))
        with self.console.capture() as capture:
            print_lines(self.console, lines, self.rtl)
        click.echo_via_pager(capture.get())

    def edit_hit(self, rank: int) -> None:
        """Open hit ``rank``'s file in the user's editor, at its line (the ``+LINE``
        argument vi, Vim, Emacs, nano and micro all take)."""
        hit = self.hit(rank)
        if hit is None:
            return
        editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or DEFAULT_EDITOR)
        at_line = [f"+{hit.line}"] if hit.line else []
        try:
            subprocess.run([*editor, *at_line, hit.file or hit.path], check=False)
        except OSError as error:
            self.say(f"cannot run {editor[0]}: {error.strerror}", style="red")

    def say(self, message: str, style: str | None = None) -> None:
        print_lines(self.console, [document_text(message, base_style=style or "")], self.rtl)

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
        """Queries (not commands) kept in the index folder, readable by the user only;
        in memory where that cannot be."""
        if store.index_exists(self.index_dir):
            path = self.index_dir / HISTORY_FILE
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, HISTORY_MODE))
                os.chmod(path, HISTORY_MODE)  # a file from an older version may be 0644
                return QueryFileHistory(str(path))
            except OSError:
                pass
        return QueryMemoryHistory()


class QueriesOnly:
    """A prompt_toolkit history that keeps queries, not commands (``:n``, ``:1``), so Up
    recalls searches."""

    def append_string(self, string: str) -> None:
        if string.strip() and not string.lstrip().startswith(":"):
            super().append_string(string)


class QueryFileHistory(QueriesOnly, FileHistory):
    pass


class QueryMemoryHistory(QueriesOnly, InMemoryHistory):
    pass

