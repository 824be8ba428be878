"""Domain errors: the library raises these, the CLI turns them into one line on stderr."""


class SearchError(Exception):
    """A problem the user can act on; the message says what to do."""
