"""Limits on what indexing reads, in a module light enough for the CLI to import at start-up."""

# A file larger than this is skipped with a reason (``search index --max-file-size``): a
# file is held whole in memory while it is decoded, about three times its size (all but a
# JSON Lines file in plain UTF-8, which is read a line at a time).
MAX_FILE_MB = 100
