"""Field lengths read whole from whoosh3's per-document column, one byte a document.

Whoosh reads a document's field length a byte at a time through its column reader
(``W3PerDocReader.doc_field_length``): a few Python calls each, for every posting a
segment writes and every document a search scores. Both read the column once instead:
``search.ranking`` when it scores, ``search.whoosh_pool`` when it writes a segment. The
column internals read here are pinned by tests/test_whoosh_pins.py.
"""

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader
from whoosh.columns import NumericColumn
from whoosh.util.numeric import length_to_byte


def length_bytes(perdoc, fieldname: str, count: int) -> bytes:
    """The length byte (``whoosh.util.numeric.length_to_byte``) of ``fieldname`` in each
    of the first ``count`` documents of the per-document reader ``perdoc``: the column as
    stored where it is whoosh3's own, else asked document by document."""
    if type(perdoc) is W3PerDocReader:
        column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        if column is None:
            return bytes(count)
        if type(column) is NumericColumn.Reader and column._fixedlen == 1:
            stored = bytes(column._dbfile.get(column._basepos, min(column._count, count)))
            return stored + bytes(count - len(stored))
    return bytes(
        length_to_byte(perdoc.doc_field_length(docnum, fieldname, 0) or None) for docnum in range(count)
    )
