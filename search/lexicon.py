"""The words an open index holds, as ``analyzers.morphology`` asks for them."""

from heapq import merge

from whoosh.support.levenshtein import damerau_levenshtein

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

    def within(self, word: str, edits: int, prefix: int):
        """Words within ``edits`` (Damerau-Levenshtein) sharing the first ``prefix``
        letters, lazily. Only words whose length is within ``edits`` of the word's are
        measured: Whoosh's reader measured every word with the prefix (a multi-segment
        index has no automaton), 1 s for a word of 100 letters~2 on tashkeela_classical."""
        for term in self.starting_with(word[:prefix]):
            if abs(len(term) - len(word)) <= edits and damerau_levenshtein(term, word, edits) <= edits:
                yield term

    def document_frequency(self, form: str) -> int:
        return sum(self.reader.doc_frequency(field, form) for field in self.fields)


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
