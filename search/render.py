"""Rich renderables for the CLI: small functions that return something to print.

User text always enters Rich as ``Text``, never as markup, so a ``[`` in a
document cannot break the output.
"""

from rich.table import Table
from rich.text import Text

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
