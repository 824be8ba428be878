"""Whoosh's English morphology (``whoosh.lang.morph_en``), loaded when first used.

``whoosh.query.terms`` imports ``variations`` from it at import, for its ``Variations``
query, which this project never makes; loading the module compiles its suffix rules:
16 ms of CPU (farm-bench, ``import whoosh`` with and without it), and ``import
search.cli`` took 0.95x as long without it (paired, 41 runs). ``defer``
puts a stand-in in its place before Whoosh's query modules load: ``variations`` and any
other name asked of it load the real module then (pinned by tests/test_whoosh_pins.py).
"""

import importlib
import sys
import types

NAME = "whoosh.lang.morph_en"


class _Deferred(types.ModuleType):
    """Stands for the module until a name is asked of it."""

    def __getattr__(self, name):
        if name.startswith("__"):  # the import system asks for __path__ and others
            raise AttributeError(name)
        return getattr(_loaded(), name)


def _loaded() -> types.ModuleType:
    module = sys.modules.get(NAME)
    if module is None or isinstance(module, _Deferred):
        sys.modules.pop(NAME, None)
        module = importlib.import_module(NAME)
    return module


def variations(word):
    """``whoosh.lang.morph_en.variations``, loading it the first time."""
    return _loaded().variations(word)


def defer() -> None:
    """Put the stand-in in place, unless the module is loaded already."""
    if NAME not in sys.modules:
        stand_in = _Deferred(NAME, __doc__)
        stand_in.variations = variations
        sys.modules[NAME] = stand_in
