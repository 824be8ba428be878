"""Word families on a real (temporary) index: a one-word search finds every form of the
word the index holds, and only those (issue 11's examples, negative ones included)."""

import pytest

from analyzers import morphology
from search.query import FamilyTerm
from search.searching import IndexSearcher

# One short document per form, so a search's hits name the forms it found.
FORMS = [
    "حياة", "حياته", "حياتها", "صلاة", "صلاتهم",
    "مدرسة", "مدرستنا", "والمدرسة", "بالمدرسة", "مدارس", "كتاب", "كتابهم",
    "مصر", "بمصر", "دمشق", "لدمشق", "فئة", "لفئات",
    "وقود", "الوقود", "قود", "وارد", "الواردات",
    "سكان", "سكانًا", "بديل", "بديلا",
    "مسئول", "مسؤول", "شئ", "شيء",
    "لبنان", "اللبن", "السودان", "السود", "سليمان", "سليم", "الإسكندرية", "الإسكندر",
    "قال", "قالت", "يقول", "قلت", "أبرز", "يبرز",
    "علي", "المدرس", "المدرسين",
]


def document_name(form: str) -> str:
    return f"{FORMS.index(form):02d}.txt"


@pytest.fixture(scope="module")
def searcher(make_index):
    documents = {document_name(form): f"كلمة {form} هنا." for form in FORMS}
    with IndexSearcher(make_index(documents)) as searcher:
        yield searcher


def found_forms(searcher, query: str) -> set[str]:
    results = searcher.search(query, limit=100)
    return {FORMS[int(hit.id[:2])] for hit in results.hits}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("حياة", {"حياة", "حياته", "حياتها"}),
        ("صلاة", {"صلاة", "صلاتهم"}),
        ("مدرسة", {"مدرسة", "مدرستنا", "والمدرسة", "بالمدرسة", "مدارس"}),
        ("كتاب", {"كتاب", "كتابهم"}),
        ("مصر", {"مصر", "بمصر"}),
        ("دمشق", {"دمشق", "لدمشق"}),
        ("فئة", {"فئة", "لفئات"}),
        ("وقود", {"وقود", "الوقود"}),
        ("وارد", {"وارد", "الواردات"}),
        ("سكان", {"سكان", "سكانًا"}),
        ("سكانًا", {"سكان", "سكانًا"}),
        ("بديل", {"بديل", "بديلا"}),
        ("مسئول", {"مسئول", "مسؤول"}),
        ("مسؤول", {"مسئول", "مسؤول"}),
        ("شئ", {"شئ", "شيء"}),
        ("شيء", {"شئ", "شيء"}),
        ("لبنان", {"لبنان"}),
        ("لبن", {"اللبن"}),
        ("السودان", {"السودان"}),
        ("سليمان", {"سليمان"}),
        ("سليم", {"سليم"}),
        ("الإسكندرية", {"الإسكندرية"}),
        ("الإسكندر", {"الإسكندر"}),
        ("قال", {"قال", "قالت", "يقول", "قلت"}),
        ("أبرز", {"أبرز", "يبرز"}),
        ("علي", {"علي"}),
        ("المدرسة", {"مدرسة", "مدرستنا", "والمدرسة", "بالمدرسة", "مدارس"}),
    ],
    ids=[
        "possessive on teh marbuta", "possessive plural", "pronoun, clitics, broken plural",
        "pronoun hum", "lone bi", "lone li", "li with a feminine plural", "radical waw",
        "radical waw before a plural", "tanween alef found", "tanween alef typed",
        "tanween alef after lam", "hamza on yeh", "hamza on waw", "hamza shay short",
        "hamza shay long", "a name is not cut", "a word is not grown into a name",
        "sudan", "sulayman", "salim", "alexandria", "alexander", "verb conjugations",
        "form IV imperfect", "the name Ali is no stopword",
        "the article takes no pronoun: al-madrasa is not al-mudarris + his",
    ],
)
def test_a_word_finds_its_family_and_only_it(searcher, query, expected):
    assert found_forms(searcher, query) == expected


def test_highlights_mark_every_form_that_matched_as_written_and_nothing_else(make_index):
    text = "زرتُ مدرستَنا، والمدرسةِ القديمة، ومدارسَ أخرى؛ لا المدرسين ولا الدرس."
    with IndexSearcher(make_index({"a.txt": text})) as searcher:
        [hit] = searcher.search("مدرسة").hits
    marked = {snippet.text[start:end] for snippet in hit.snippets for start, end in snippet.highlights}
    assert marked == {"مدرستَنا", "والمدرسةِ", "ومدارسَ"}


def test_the_form_typed_ranks_first(make_index):
    documents = {"typed.txt": "المدرسة في الحي.", "other.txt": "مدرستنا في الحي."}
    with IndexSearcher(make_index(documents)) as searcher:
        assert [hit.id for hit in searcher.search("المدرسة").hits] == ["typed.txt", "other.txt"]


def test_a_family_in_most_documents_keeps_a_positive_idf_and_more_occurrences_rank_higher(make_index):
    """Issue 16: the forms قال and وقال are in every document; added up, their document
    frequencies exceeded the number of records and the idf turned negative."""
    documents = {f"same-{n}.txt": "قال وقال كلام عادي" for n in range(6)}
    documents["more.txt"] = "قال وقال قال وقال"
    documents["fewer.txt"] = "قال وقال نص آخر"
    with IndexSearcher(make_index(documents)) as searcher:
        results = searcher.search("قال", limit=20)
        [family] = [leaf for leaf in searcher.parse("قال").query.leaves() if isinstance(leaf, FamilyTerm)
                    and leaf.fieldname == "body"]
        held_by = sum(len(family_docs) for family_docs, _ in family.postings(searcher.searcher).values())
        scorer = searcher.searcher.weighting.family_scorer(searcher.searcher, "body", 1, held_by)
    assert results.total == held_by == len(documents)  # each record once, not once per form
    assert scorer.idf > 0
    assert all(hit.score > 0 for hit in results.hits)
    ranks = [hit.id for hit in results.hits]
    assert ranks.index("more.txt") < ranks.index("fewer.txt")


@pytest.mark.parametrize(
    "written, typed",
    [
        ("محمدؐ", "محمد"),
        ("مدر\u200cسة", "مدرسة"),
        ("مدرسة", "مدر\u200dسة"),
        ("كتا\u00adب", "كتاب"),
        ("مدر\u200fسة", "مدرسة"),
        ("مدرسة", "مد\u200eرسة\u061c"),
    ],
    ids=[
        "honorific sign in the document",
        "zwnj in the document",
        "zwj in the query",
        "soft hyphen",
        "rlm in the document",
        "lrm and alm in the query",
    ],
)
def test_signs_and_invisible_joiners_neither_split_nor_hide_a_word(make_index, written, typed):
    with IndexSearcher(make_index({"a.txt": f"قال {written} أمس."})) as searcher:
        [hit] = searcher.search(typed).hits
    marked = {s.text[start:end] for s in hit.snippets for start, end in s.highlights}
    assert marked == {written}


def _first_reading(rest, endings, definite):
    """The rule _readings tabulates, as a loop: the first ending that ``rest`` starts
    with and whose remainder is a pronoun it allows (or nothing, where allowed)."""
    for ending, rule in endings:
        if not rest.startswith(ending):
            continue
        pronoun = rest[len(ending):]
        if not pronoun:
            if rule != morphology.REQUIRED:
                return ending, ""
        elif pronoun in morphology.PRONOUNS and rule != morphology.NONE and not definite:
            return ending, pronoun
    return None


@pytest.mark.parametrize("name", ["NOUN_ENDINGS", "FEMININE_NOUN_ENDINGS", "PERFECT_ENDINGS",
                                  "HOLLOW_SHORT_ENDINGS", "DEFECTIVE_SHORT_ENDINGS", "IMPERFECT_ENDINGS"])
@pytest.mark.parametrize("definite", [False, True])
def test_an_ending_table_reads_what_follows_a_stem_as_the_first_ending_that_fits(name, definite):
    endings = tuple(getattr(morphology, name).items())
    pieces = [ending for ending, _ in endings] + list(morphology.PRONOUNS) + ["", "ي", "ة", "ات", "x"]
    rests = {a + b + c for a in pieces for b in pieces for c in ("", "ه", "ا")}
    table = morphology._readings(endings, definite)
    read = {rest: reading for rest in rests if (reading := _first_reading(rest, endings, definite))}
    assert len(read) >= 3
    assert {rest: table[rest] for rest in rests if rest in table} == read
