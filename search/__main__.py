"""``python -m search``: the same as the ``search`` command."""

from search.cli import main

main()
