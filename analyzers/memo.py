"""A bounded memo for the analyzers' per-word functions, which fills and then stays.

``functools.lru_cache(maxsize)`` evicts its oldest word for each new one once full. On
tashkeela_classical (250,000 distinct words as written, 131,000 of them seen once)
a 200,000-word cache kept evicting and inserting to the end, and the new strings and
tuples, small objects allocated between the posting pool's, kept the pool's freed
memory from going back: the resident size rose with every run the pool spilled,
whatever the cache held. ``remembered`` keeps the first ``maxsize`` words it is asked
about (the common ones come early) and computes the rest each time: its memory is set
by ``maxsize``, not by the corpus or by how long it runs.

Each memo counts the bytes its words and answers hold (``held_bytes`` sums every
memo's), so that the indexer's posting pool can share one memory budget with them
(``search.whoosh_pool``): full, on tashkeela_classical, they hold some 45 MB.
"""

import sys
from functools import update_wrapper

_MISSING = object()
# A dict's entry and its share of the hash table, beyond the key and value objects.
ENTRY_BYTES = 40
# [bytes held] of every memo made.
_HELD: list[list[int]] = []


def held_bytes() -> int:
    """The bytes every memo's remembered words and answers hold, about."""
    return sum(held[0] for held in _HELD)


def _size(value) -> int:
    """``sys.getsizeof``, with a tuple's items (a word's term is a (str, bool))."""
    if type(value) is tuple:
        return sys.getsizeof(value) + sum(map(sys.getsizeof, value))
    return sys.getsizeof(value)


def remembered(maxsize: int):
    """Decorate a function of one hashable argument to remember up to ``maxsize`` answers."""

    def decorate(function):
        answers: dict = {}
        get = answers.get
        held = [0]
        _HELD.append(held)

        def lookup(argument):
            answer = get(argument, _MISSING)
            if answer is _MISSING:
                answer = function(argument)
                if len(answers) < maxsize:
                    answers[argument] = answer
                    held[0] += ENTRY_BYTES + sys.getsizeof(argument) + _size(answer)
            return answer

        def cache_clear():
            answers.clear()
            held[0] = 0

        lookup.cache_clear = cache_clear
        lookup.cache_size = answers.__len__
        lookup.cache_bytes = lambda: held[0]
        return update_wrapper(lookup, function)

    return decorate
