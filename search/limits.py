"""Limits on what indexing reads, in a module light enough for the CLI to import at start-up."""

# A file larger than this is skipped with a reason (``search index --max-file-size``): the
# whole file is held in memory while it is decoded, about three times its size.
MAX_FILE_MB = 100
