"""Arabic full-text search over a Whoosh index: indexing, querying, snippets and the CLI."""
