"""The words an open index holds, as ``analyzers.morphology`` asks for them."""

from heapq import merge

from search.query import TEXT_FIELDS


class IndexLexicon:
    """The normalized words of an index's title and body fields, looked up in its term
    dictionary (nothing is loaded up front); answers are remembered for the reader's life."""

    def __init__(self, reader, fields: tuple[str, ...] = TEXT_FIELDS):
        self.reader = reader
        self.fields = tuple(field for field in fields if field in reader.schema)
        self._contains: dict[str, bool] = {}
        self._prefixes: dict[str, tuple[str, ...]] = {}

    def __contains__(self, form: str) -> bool:
        found = self._contains.get(form)
        if found is None:
            found = self._contains[form] = any(
                (field, form) in self.reader for field in self.fields
            )
        return found

    def starting_with(self, prefix: str) -> tuple[str, ...]:
        found = self._prefixes.get(prefix)
        if found is None:
            streams = [self.reader.expand_prefix(field, prefix) for field in self.fields]
            found = self._prefixes[prefix] = tuple(
                dict.fromkeys(_text(term) for term in merge(*streams))
            )
        return found

    def document_frequency(self, form: str) -> int:
        return sum(self.reader.doc_frequency(field, form) for field in self.fields)


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
