"""Fuzzing the query path: every hostile query is answered or refused with a SearchError.

A few thousand queries from ``tests/query_fuzz.py`` (fixed seed) run against a small real
index, through ``IndexSearcher.search`` in the four modes (all words or any, syntax or
plain) and, for a sample, through the real CLI (plain output and --json). Each answer
must keep its invariants: an exact total, no bookkeeping document among the hits, hits
in score order, and highlights inside the text they mark. ``bench/fuzz.py`` runs the
same generator 100,000 times against a large index, with latency and memory.
"""

import itertools
import json
import math

import pytest
from click.testing import CliRunner
from whoosh.matching import AndNotMatcher, ListMatcher
from whoosh.query import AndNot
from whoosh.support.levenshtein import damerau_levenshtein

from query_fuzz import generate_queries
from search.cli import cli
from search.errors import SearchError
from search.query import MAX_EXPANSION, SafeAndNot, SafeAndNotMatcher, parse_query
from search.searching import IndexSearcher
from search.store import make_schema

SEED = 20261130
QUERIES_PER_MODE = 500
CLI_SAMPLE_EVERY = 15  # of the generated queries, every 15th goes through the CLI too
LIMIT = 5  # small, so that both total <= limit and total > limit are common
MODES = [(False, False), (True, False), (False, True), (True, True)]
MODE_IDS = ["all words", "any word", "plain", "plain any word"]

# Real Arabic with diacritics, honorific signs, joiners, stopwords, clitics and Latin;
# records with titles and sources; several text files (one bookkeeping document each).
DOCUMENTS = {
    "a.txt": "وَبِالْمَدْرَسَةِ الأولى تعلّم الطلاب في أثريا، ثم عادوا. قال محمدؐ: الكتاب في "
    "المكتبة.\nوالعلماء يقولون إن العلم نور، وسيقولون ذلك غداً.",
    "b.md": "# تقرير عن الاستراتيجية\n\nالمدرسة الكبيرة في الرقة؛ قال المدير: «أهلاً». "
    "المسئول والمسؤول عن كل شيء، ومدارسنا كثيرة.",
    "c.txt": "The SY24 report (2019) about Damascus [draft]. ٢٠١٩ مدر\u200cسة الكتـــاب",
    "d.txt": "هاجم التنظيم ميليشيا الدفاع الوطني في البادية السورية، على طريق «أثريا-الرقة».\n"
    * 3,
    "e.txt": "بِسْمِ اللَّهِ الرَّحْمَنِ الرَّحِيمِ ۝ قُلْ هُوَ اللَّهُ أَحَدٌ\n",
}
RECORDS = [
    {"id": "n1", "title": "خبر", "text": "خبر قصير عن حلب والكتب والكتاب", "source": "وكالة سانا"},
    {"id": "n2", "title": "كتاب الصلاة", "text": "الحديث عن رسول الله ﷺ وعن الصلاة", "source": "رويترز"},
    {"id": "n3", "title": "", "text": "كتب الطالب كتاباً في مكتبة المدرسة", "source": ""},
]


@pytest.fixture(scope="module")
def fuzz_index(make_index):
    records = "\n".join(json.dumps(record, ensure_ascii=False) for record in RECORDS)
    return make_index({**DOCUMENTS, "news.jsonl": records})


@pytest.fixture(scope="module")
def searcher(fuzz_index):
    with IndexSearcher(fuzz_index) as searcher:
        yield searcher


@pytest.fixture(scope="module")
def record_keys(searcher) -> set[tuple[str, str]]:
    """(file, id) of every record; the bookkeeping documents (kind "file") have no id."""
    stored = searcher.searcher.reader().all_stored_fields()
    keys = {(fields["file"], fields["id"]) for fields in stored if "id" in fields}
    assert len(keys) == len(DOCUMENTS) + len(RECORDS)
    return keys


def answer_problems(results, limit: int, record_keys) -> list[str]:
    """What is wrong with one page-1 answer (empty when nothing is)."""
    problems = []
    keys = [(hit.file, hit.id) for hit in results.hits]
    if not set(keys) <= record_keys:
        problems.append(f"hits that are no record: {sorted(set(keys) - record_keys)}")
    if len(set(keys)) != len(keys):
        problems.append("a record twice")
    if len(keys) != min(results.total, limit):
        problems.append(f"{len(keys)} hits of {results.total} with limit {limit}")
    if results.pages != max(math.ceil(results.total / limit), 1):
        problems.append(f"{results.pages} pages for {results.total}")
    scores = [hit.score for hit in results.hits]
    if not all(math.isfinite(score) for score in scores) or scores != sorted(scores, reverse=True):
        problems.append(f"scores {scores}")
    for hit in results.hits:
        if not all(0 <= start < end <= len(hit.title) for start, end in hit.title_highlights):
            problems.append(f"title highlights {hit.title_highlights} outside {hit.title!r}")
        for snippet in hit.snippets:
            if not all(0 <= start < end <= len(snippet.text) for start, end in snippet.highlights):
                problems.append(f"highlights {snippet.highlights} outside {snippet.text!r}")
    return problems


@pytest.mark.parametrize("match_any, plain", MODES, ids=MODE_IDS)
def test_every_query_is_answered_or_refused(searcher, record_keys, match_any, plain):
    failures, answered = [], 0
    for text in generate_queries(QUERIES_PER_MODE, SEED):
        try:
            results = searcher.search(text, limit=LIMIT, match_any=match_any, plain=plain)
            problems = answer_problems(results, LIMIT, record_keys)
        except SearchError:
            continue
        except Exception as error:  # noqa: BLE001 - what the fuzzing is looking for
            failures.append(f"{text!r}: {type(error).__name__}: {error}")
            continue
        answered += 1
        failures.extend(f"{text!r}: {problem}" for problem in problems)
    assert failures == []
    # The generator must reach the matching code, not only the refusals.
    assert answered > QUERIES_PER_MODE // 4


def cli_problems(result, as_json: bool) -> list[str]:
    """What is wrong with one CLI run: exit 0 or 1 with an answer, or 2 with one line."""
    if "Traceback" in result.stderr or result.exception and not isinstance(result.exception, SystemExit):
        return [f"traceback: {result.exception!r}"]
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        if len(lines) != 1 or "--debug shows the traceback" in result.stderr or result.stdout:
            return [f"exit 2 with {result.stderr!r} {result.stdout!r}"]
        return []
    if result.exit_code not in (0, 1):
        return [f"exit {result.exit_code}"]
    if not as_json:
        return [] if result.exit_code == 1 or result.stdout else ["found, and printed nothing"]
    answer = json.loads(result.stdout)
    hits = answer["hits"]
    problems = []
    if (answer["total"] > 0) != (result.exit_code == 0) or len(hits) != min(answer["total"], 10):
        problems.append(f"exit {result.exit_code}, total {answer['total']}, {len(hits)} hits")
    for hit in hits:
        for snippet in hit["snippets"]:
            if not all(0 <= start < end <= len(snippet["text"]) for start, end in snippet["highlights"]):
                problems.append(f"highlights outside {snippet!r}")
    return problems


@pytest.mark.parametrize("as_json", [False, True], ids=["plain output", "json"])
def test_cli_answers_or_fails_in_one_line(fuzz_index, as_json):
    runner, failures = CliRunner(), []
    sample = list(generate_queries(QUERIES_PER_MODE, SEED))[::CLI_SAMPLE_EVERY]
    for number, text in enumerate(sample):
        match_any, plain = MODES[number % len(MODES)]
        options = ["--json"] * as_json + ["--any"] * match_any + ["--plain"] * plain
        result = runner.invoke(cli, ["--index", str(fuzz_index), *options, "--", text])
        failures.extend(f"{text!r} {options}: {problem}" for problem in cli_problems(result, as_json))
    assert failures == []


def test_cli_batch_of_hostile_lines(fuzz_index):
    """A batch from stdin: a bad line costs that line only, never the batch."""
    lines = [text for text in generate_queries(200, SEED + 1) if "\n" not in text and "\r" not in text]
    # Lone surrogates become the undecodable bytes they stand for.
    stdin = "\n".join(lines).encode("utf-8", "surrogatepass")
    result = CliRunner().invoke(cli, ["--index", str(fuzz_index), "--json", "-"], input=stdin + b"\n")
    assert result.exit_code in (0, 2) and "Traceback" not in result.stderr
    answers = [json.loads(line) for line in result.stdout.split("\n") if line]
    assert all("--debug shows the traceback" not in answer.get("error", "") for answer in answers)
    assert len(answers) == len([text for text in lines if text.strip()])


# What the fuzzing found, one row per query (each fixed where it lived).
@pytest.mark.parametrize(
    "stdin, answers",
    [
        # Strict decoding of stdin ended the batch at the byte, losing every answer.
        (b"\xffab*\n\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8\n", 2),
        (b"\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8 \xed\xa0\x80\n", 1),  # an encoded lone surrogate
    ],
    ids=["undecodable byte in a batch", "encoded surrogate in a batch"],
)
def test_batch_line_that_is_not_utf8(fuzz_index, stdin, answers):
    result = CliRunner().invoke(cli, ["--index", str(fuzz_index), "--json", "-"], input=stdin)
    assert result.exit_code in (0, 1) and result.stderr == ""
    assert len([json.loads(line) for line in result.stdout.split("\n") if line]) == answers


@pytest.mark.parametrize(
    "word, edits, prefix",
    [
        ("الكتاب", 2, 3),
        ("مدرسه", 1, 1),
        # Whoosh measured every word starting with ك against it: 1 s on tashkeela_classical.
        ("كتاب" * 25, 2, 1),
    ],
    ids=["article kept", "one edit", "word of 100 letters~2"],
)
def test_words_within_edits(searcher, word, edits, prefix):
    reader = searcher.searcher.reader()
    every = {term.decode("utf-8") for field in ("title", "body") for term in reader.lexicon(field)}
    expected = {
        term for term in every if term.startswith(word[:prefix]) and damerau_levenshtein(term, word) <= edits
    }
    assert set(searcher.lexicon().within(word, edits, prefix)) == expected
    assert bool(expected) == (len(word) < 100)


class EndlessLexicon:
    """A lexicon with endless words (all ending in ب) for every prefix: expansions must
    stop on their bounds."""

    def __contains__(self, form):
        return False

    def starting_with(self, prefix):
        return (f"{prefix}{number}ب" for number in itertools.count())

    def within(self, word, edits, prefix):
        return self.starting_with(word[:prefix])

    def document_frequency(self, form):
        return 1


@pytest.mark.parametrize(
    "text, expanded",
    [
        ("ال*", [MAX_EXPANSION]),
        ("الكتاب~2", [MAX_EXPANSION]),
        ("ال*ب", [MAX_EXPANSION]),
        # Words looked at but never matched stop on the clock (this walk never ended).
        ("ال*ز", [0]),
        # Each of six prefixes took its own 500 words: 1.8 s of CPU on tashkeela_classical.
        ("ال* OR وا* OR بال* OR مت* OR فا* OR يت*", [MAX_EXPANSION // 6] * 6),
        ("title:ال* ال* الكتاب~2", [MAX_EXPANSION // 2] * 2),
    ],
    ids=["prefix", "fuzzy", "wildcard", "wildcard matching nothing", "six prefixes share",
         "title and body share"],
)
def test_expansions_are_bounded_per_query(text, expanded):
    parsed = parse_query(text, make_schema(), lexicon=EndlessLexicon())
    assert [len(terms) for _, terms in parsed.families] == expanded
    assert len(parsed.notes) == len(expanded)


@pytest.mark.parametrize(
    "text, match_any",
    [("ال*", False), ("الكتاب~2", False), ("كتاب الله", True), ("قال المدرسة", False),
     ('"الرحمن الرحيم" OR "الدفاع الوطني"', False),
     ("المدرسة -الرقة", True)],
    ids=["prefix", "fuzzy", "any word, roots ranking", "all words, roots and proximity ranking", "phrases",
         "excluded word"],
)
def test_count_beyond_the_page(searcher, text, match_any):
    """Counted from the query's required part when the page is full (limit 1), the
    total is the number of records found when every one is listed."""
    every = searcher.search(text, limit=1000, match_any=match_any)
    assert searcher.search(text, limit=1, match_any=match_any).total == every.total == len(every.hits) > 1


class BlockScorer:
    """Scores every posting 1.0, in one block."""

    def supports_block_quality(self):
        return True

    def block_quality(self, matcher):
        return 1.0

    def score(self, matcher):
        return 1.0


def test_excluding_matcher_whose_words_run_out():
    """Skipping to better blocks than its words have, a word minus another is done (the
    fuzzed query 'ة % NOT body:الرقة* الرحمن NOT source: بثبنس' raised IndexError on
    tashkeela_classical: Whoosh read the id of the exhausted side)."""
    words = ListMatcher([1, 2], [1.0, 1.0], scorer=BlockScorer())
    excluded = ListMatcher([5, 6], [1.0, 1.0])
    matcher = SafeAndNotMatcher(words, excluded)
    matcher.skip_to_quality(2.0)
    assert not matcher.is_active()
    with pytest.raises(IndexError):
        AndNotMatcher(words.copy(), excluded.copy()).skip_to_quality(2.0)


def test_excluded_words_under_any_query(searcher):
    """An any-word query's exclusions (search.query._exclude_from_any) are SafeAndNots,
    and still exclude."""
    def parts(node):
        yield node
        for child in node.children():
            yield from parts(child)

    kinds = [type(node) for node in parts(searcher.parse("الكتاب -المكتبة الله", match_any=True).query)]
    assert SafeAndNot in kinds and AndNot not in kinds
    # One word to find: any word and every word are the same query.
    found = [{hit.id for hit in searcher.search("الكتاب -المدرسة", limit=20, match_any=match_any).hits}
             for match_any in (True, False)]
    assert found[0] == found[1] and found[0] and not found[0] & {"a.txt", "n3"}


@pytest.mark.parametrize(
    "text", ["الكتاب الله -المكتبة", "الكتاب الله NOT المكتبة"], ids=["minus", "NOT"],
)
def test_an_excluded_word_with_any_word(searcher, text):
    """With any word enough (roots widen the words), an excluded word is not widened to
    its root (-المكتبة excluded every word of the root كتب, الكتاب too), and NOT
    excludes (it matched every record without المكتبة)."""
    found = {hit.id for hit in searcher.search(text, limit=50, match_any=True).hits}
    assert {"n1", "n2"} <= found and not found & {"a.txt", "n3"}


def _shape(node):
    """A query as comparable data: its class, its attributes (where in the text it was
    found aside) and its parts'."""
    attributes = {k: v for k, v in vars(node).items() if k not in ("startchar", "endchar", "subqueries")}
    parts = [_shape(part) for part in getattr(node, "subqueries", ())]
    return type(node).__name__, sorted(attributes.items()), parts


def test_words_only_make_what_the_parser_makes_of_them():
    import random

    from query_fuzz import DIGITS, LATIN, SEPARATORS, WORDS
    from search.query import LONE_SURROGATE, _parser, _words_only

    schema = make_schema()
    rng = random.Random(SEED)
    words = [*WORDS, *LATIN, *DIGITS, "أَثْرِيَا", "كتـــاب", "مدر\u200cسة", "SY24", "Or", "nOt", "ANDNOT"]
    texts = [
        "".join(rng.choice(SEPARATORS) + rng.choice(words) for _ in range(rng.randrange(1, 5)))
        for _ in range(1500)
    ]
    texts += list(generate_queries(1500, SEED))
    taken = {False: 0, True: 0}
    for text in texts:
        text = LONE_SURROGATE.sub("\ufffd", text)
        for match_any in (False, True):
            made = _words_only(text, schema, match_any)
            if made is not None:
                taken[match_any] += 1
                assert _shape(made) == _shape(_parser(schema, match_any).parse(text)), ascii(text)
    assert min(taken.values()) > 800
