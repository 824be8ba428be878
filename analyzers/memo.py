"""A bounded memo for the analyzers' per-word functions, which fills and then stays.

``functools.lru_cache(maxsize)`` evicts its oldest word for each new one once full. On
tashkeela_classical (250,000 distinct words as written, 131,000 of them seen once)
a 200,000-word cache kept evicting and inserting to the end, and the new strings and
tuples, small objects allocated between the posting pool's, kept the pool's freed
memory from going back: the resident size rose with every run the pool spilled,
whatever the cache held. ``remembered`` keeps the first ``maxsize`` words it is asked
about (the common ones come early) and computes the rest each time: its memory is set
by ``maxsize``, not by the corpus or by how long it runs.
"""

from functools import update_wrapper

_MISSING = object()


def remembered(maxsize: int):
    """Decorate a function of one hashable argument to remember up to ``maxsize`` answers."""

    def decorate(function):
        answers: dict = {}
        get = answers.get

        def lookup(argument):
            answer = get(argument, _MISSING)
            if answer is _MISSING:
                answer = function(argument)
                if len(answers) < maxsize:
                    answers[argument] = answer
            return answer

        lookup.cache_clear = answers.clear
        lookup.cache_size = answers.__len__
        return update_wrapper(lookup, function)

    return decorate
