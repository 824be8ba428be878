"""Field filters on a real index: path: and source: always restrict, folded, with globs."""

import pytest

from search.searching import IndexSearcher


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    from search.indexer import index_paths

    root = tmp_path_factory.mktemp("docs")
    for name, text in {
        "books/إسحاق_نيوتن.txt": "قانون الجاذبية عند نيوتن",
        "notes/n.md": "نيوتن في الملاحظات",
        "books/fiqh.txt": "كتاب الفقه",
    }.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("index") / "index"
    index_paths([root], index_dir)
    with IndexSearcher(index_dir) as searcher:
        yield searcher


@pytest.mark.parametrize(
    "query, match_any, expected",
    [
        ("نيوتن path:books", False, ["books/إسحاق_نيوتن.txt"]),
        ("نيوتن path:books", True, ["books/إسحاق_نيوتن.txt"]),
        ("نيوتن الفقه path:books", False, ["books/fiqh.txt", "books/إسحاق_نيوتن.txt"]),
        ("نيوتن الفقه path:notes", False, ["notes/n.md"]),
        ("نيوتن path:اسحاق", False, ["books/إسحاق_نيوتن.txt"]),
        ("نيوتن path:*.md", True, ["notes/n.md"]),
        ("نيوتن OR الفقه path:books/*.txt", True, ["books/fiqh.txt", "books/إسحاق_نيوتن.txt"]),
        ("نيوتن -path:notes", False, ["books/إسحاق_نيوتن.txt"]),
    ],
    ids=["filter", "filter with any word", "filter in the any-word fallback", "fallback, other folder",
         "path folded", "glob on the name", "glob on folder and name", "excluded path"],
)
def test_filters_always_restrict(searcher, query, match_any, expected):
    results = searcher.search(query, match_any=match_any)
    assert sorted(hit.id for hit in results.hits) == sorted(expected)
    assert results.total == len(expected)
