"""search.lucene_check without Java: our queries in Lucene's classic query syntax."""

import pytest

from search.lucene_check import classic_query


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("مدرسة", "مدرسة"),
        ("وَبِالْمَدْرَسَةِ", "وَبِالْمَدْرَسَةِ"),
        ("مدرسة الكتاب العلم", "مدرسة الكتاب العلم"),
        ('"في البيت"', '"في البيت"'),
        ('كتاب "في البيت" علم', 'كتاب "في البيت" علم'),
        ("C++ a-b x:y (z)", r"C\+\+ a\-b x\:y \(z\)"),
        ("[a TO b] {c} ~d ^e *f ?g !h", r"\[a TO b\] \{c\} \~d \^e \*f \?g \!h"),
        ("a && b || c / d \\", r"a \&\& b \|\| c \/ d \\"),
        ("AND OR NOT", r"\AND \OR \NOT"),
        ("and ANDROID NOTE", "and ANDROID NOTE"),
        ('"a\\b"', '"a\\\\b"'),
        ('"a (b) AND c"', '"a (b) AND c"'),
        ('"مدرسة', r"\"مدرسة"),
        ('"a" "b', r'"a" \"b'),
        ("", ""),
    ],
    ids=[
        "word", "diacritics", "three words", "phrase", "phrase among words",
        "syntax characters", "ranges boosts and wildcards", "boolean symbols and backslash",
        "operator words", "operators only in capitals and alone", "backslash in a phrase",
        "syntax inside a phrase", "quote without its pair", "second quote without its pair", "empty",
    ],
)
def test_classic_query(typed, expected):
    assert classic_query(typed) == expected
