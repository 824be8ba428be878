"""search.lexicon.SortedWords answers from the lexicon file's bytes what a sorted list of
its words would: membership and the words starting with a prefix."""

import bisect
import random

import pytest

from search.lexicon import SortedWords, load_lexicon, save_lexicon

WORDS = sorted({
    "مدرسة", "مدرسه", "المدرسة", "بالمدرسة", "مدارس", "مدرستنا", "مدرس", "مدرسين", "كتاب", "كتب",
    "الكتاب", "اثريا", "أثريا", "ا", "ب", "SY24", "2019", "damascus", "ﻻ", "𝔸",
})


def by_list(words, prefix):
    start = bisect.bisect_left(words, prefix)
    end = bisect.bisect_left(words, prefix + "\U0010ffff", start)
    return tuple(words[start:end])


@pytest.mark.parametrize("count", [0, 1, 2, len(WORDS)])
def test_bisecting_the_bytes_answers_as_the_sorted_list(count):
    words = WORDS[:count]
    lexicon = SortedWords("\n".join(words).encode("utf-8"))
    probes = set(WORDS) | {w[:n] for w in WORDS for n in range(len(w))} | {"", "ي", "zz", "0", "مدرسةة"}
    for probe in sorted(probes):
        assert (probe in lexicon) == (probe in words), probe
        assert lexicon.starting_with(probe) == by_list(words, probe), probe


def test_random_vocabularies():
    rng = random.Random(7)
    letters = "ابتثجحخدذرسشصضطظعغفقكلمنهويءأإآةى"
    for _ in range(30):
        words = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 300))})
        lexicon = SortedWords("\n".join(words).encode("utf-8"))
        for _ in range(100):
            probe = "".join(rng.choice(letters) for _ in range(rng.randint(0, 4)))
            assert (probe in lexicon) == (probe in words)
            assert lexicon.starting_with(probe) == by_list(words, probe)


def test_a_saved_lexicon_loads_and_a_broken_one_does_not_crash(tmp_path):
    save_lexicon(tmp_path, {"مدرسة", "كتاب"})
    save_lexicon(tmp_path, {"مدارس"})
    lexicon = load_lexicon(tmp_path)
    assert lexicon.starting_with("مد") == ("مدارس", "مدرسة") and "كتاب" in lexicon
    (tmp_path / "search-lexicon.txt").write_bytes(b"\xff\xfe\n\x00\n" + "مدرسة".encode())
    broken = load_lexicon(tmp_path)
    assert "كتاب" not in broken and isinstance(broken.starting_with(""), tuple)
    assert load_lexicon(tmp_path / "none") is None
