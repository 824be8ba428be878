"""Arabic full-text search over a Whoosh index: indexing, querying, snippets and the CLI."""

from search.whoosh_deferred import defer

defer()  # before any Whoosh query module loads
