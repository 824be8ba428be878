"""Turn what the user typed into a Whoosh query over the index's terms (normalized words).

The syntax is Whoosh's query language, trimmed and extended: words (all must match, or
any with ``match_any``), ``"quoted phrases"``, ``-word`` and ``NOT word``, ``OR``,
parentheses, ``word*`` prefixes, ``word~`` typo tolerance, and the field filters
``title:``, ``source:`` and ``path:``. The fields' analyzer turns every word into its
term, its normalized form (``analyzers.terms``); this module then widens each plain word
to its family, the forms of it the index holds (``analyzers.morphology``), so ``مدرسة``
finds ``وبالمدرسة``, ``مدرستنا`` and ``مدارس``, with a bonus for the form typed so that
documents with the word as typed rank first; in a query of two words or more, also to
its root, which matches when any word may and only ranks when every word is required.
A prefix matches the words that start with it, bare or after the article
(``استراتيج*`` finds ``الاستراتيجية``); phrases, wildcards and fuzzy terms match the
words as typed. ``plain`` treats every character as text. The plain words' character
n-grams go with the query, for ``search.grams`` to rerank the best hits with.
"""

from collections import Counter
from dataclasses import dataclass

from whoosh import qparser, query

from analyzers.grams import word_grams
from analyzers.morphology import Family, Lexicon, NoLexicon
from analyzers.roots import root
from analyzers.terms import query_terms
from analyzers.whoosh_analysis import arabic_analyzer
from search.errors import SearchError

TEXT_FIELDS = ("title", "body")
ROOTS_FIELD = "roots"  # the roots of title and body words (whoosh_analysis.RootTokenizer)
FILTER_FIELDS = ("source", "path")
# Matches in the title count this many times a match in the body (BM25F field weight);
# 2.0 lost 1.8 points of MRR@10 on wiki_qa (docs/relevance.md).
TITLE_BOOST = 1.0
# A word found exactly as typed (normalized) earns this share of its family's weight on
# top: other things equal, the form typed ranks first (docs/relevance.md).
EXACT_BOOST = 0.5
# A word's root (analyzers.roots) joins broken plurals and derived forms that stemming
# keeps apart (مدرسة / مدارس, كتاب / مكتبة), and also words of one root that mean
# different things. Roots have a field of their own, scored like the words with this
# weight; a root is in more documents than a stem, so it counts less than the word.
# wiki_qa (--any): MRR@10 0.792 -> 0.802, Recall@10 0.925 -> 0.932, Recall@100 0.960 ->
# 0.970; weights 0.6 to 2 all within 0.003 of these (docs/relevance.md).
ROOT_BOOST = 1.0
# Roots count only in queries of at least this many words. One word asks for that word:
# its exact form and stem decide, and a root would rank other words of the root among
# them (the probes' MRR@10 0.963 -> 0.955, Recall@100 1.000 -> 0.998). Several words
# sharing roots with a passage are evidence of its topic.
MIN_ROOT_WORDS = 2
# Two query words this close in a document (1 = adjacent) earn that document a bonus,
# weighted by PROXIMITY_BOOST against the words' own scores.
PROXIMITY_SLOP = 3
PROXIMITY_BOOST = 0.2
# The character n-grams of the query's words weigh this much against the words
# themselves when the best hits are reranked (search.grams): their total weight is
# GRAM_BOOST times the number of words, however many grams the words have. 3 took most
# of the gain of 1 -> 8 on wiki_qa and the probes; with roots adding to the words'
# scores, 4 keeps the balance (MRR@10 0.799 / 0.802 / 0.803 for 3 / 4 / 5; docs/relevance.md).
GRAM_BOOST = 4.0
# Longer input is refused: nobody types it, and Whoosh's parser is quadratic in places.
MAX_QUERY_CHARS = 2000
# A prefix or wildcard must keep this many letters, or it expands to most of the vocabulary.
MIN_PREFIX_LETTERS = 2
# A prefix also matches after these proclitics (استراتيج* finds الاستراتيجية).
PREFIX_PROCLITICS = ("", "ال", "وال", "بال", "لل")
# A fuzzy word must share its first letter with what it matches: typos are rarely in the
# first letter, and this keeps the expansion small.
FUZZY_PREFIX = 1
# A shorter typo-tolerant word is within one edit of most short words.
MIN_FUZZY_LETTERS = 3


@dataclass(frozen=True)
class ParsedQuery:
    """A query ready to run, its plain words (for "did you mean"), their n-grams and
    their families (whose terms are scored as one word, search.searching)."""

    query: query.Query
    words: tuple[str, ...]  # normalized plain words, in the order typed
    grams: tuple[tuple[str, float], ...] = ()  # (gram, weight) to rerank with (search.grams)
    families: tuple[Family, ...] = ()


def parse_query(
    text: str, schema, match_any: bool = False, plain: bool = False, lexicon: Lexicon | None = None
) -> ParsedQuery:
    """Parse ``text`` into a query, or raise SearchError saying what is wrong with it.

    ``lexicon`` holds the index's words, which decide each plain word's family; without
    it a word matches only as typed."""
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"the query is too long ({len(text):,} characters; at most {MAX_QUERY_CHARS:,})")
    if plain:
        parsed = _plain_query(text, match_any)
    else:
        try:
            parsed = _parser(schema, match_any).parse(text)
        except Exception as error:  # noqa: BLE001 - Whoosh's plugins fail in many ways on odd input
            # Found by fuzzing: a typo mark after a lone diacritic (ِ~) raises AttributeError
            # inside Whoosh's fuzzy-term plugin.
            raise SearchError(
                f"cannot read this query ({type(error).__name__}); "
                "use --plain to search its words as text"
            ) from error
    typed = _body_words(parsed)
    near = _proximity(typed)
    grams = _grams(typed)
    by_root = len(set(typed)) >= MIN_ROOT_WORDS
    widening = _Widening(lexicon or NoLexicon(), with_roots=match_any and by_root)
    parsed = widening.widen(parsed)
    if parsed is query.NullQuery or not _has_positive_part(parsed):
        raise SearchError(
            "nothing to search for: the query has no word to find "
            "(only stopwords, diacritics, punctuation or excluded words)"
        )
    if by_root and not match_any and (roots := _roots(typed)) is not None:
        parsed = query.AndMaybe(parsed, roots)
    if near is not None:
        parsed = query.AndMaybe(parsed, near)
    return ParsedQuery(
        _tree_ors(parsed.normalize()),
        tuple(dict.fromkeys(widening.words)),
        grams,
        tuple(widening.families.values()),
    )


def _body_words(parsed: query.Query) -> list[str]:
    """The plain words (normalized) a document should contain, as typed."""
    return [
        leaf.text
        for leaf in positive_leaves(parsed)
        if leaf.field() == "body" and type(leaf) is query.Term
    ]


def _grams(typed: list[str]) -> tuple[tuple[str, float], ...]:
    """The character n-grams of the query's plain words (``_body_words``) and their
    weights, which sum to GRAM_BOOST per word: longer words do not count for more
    (search.grams)."""
    counts = Counter(gram for word in typed for gram in word_grams(word))
    if not counts:
        return ()
    share = GRAM_BOOST * len(typed) / sum(counts.values())
    return tuple((gram, share * n) for gram, n in counts.items())


def _roots(typed: list[str]) -> query.Query | None:
    """The roots of the query's plain words (``_body_words``), to rank by when every word
    is required: there a root never decides what matches (any-word queries match roots
    in ``word_query`` instead)."""
    roots = dict.fromkeys(word_root for word in typed if (word_root := root(word)))
    if not roots:
        return None
    return query.Or([query.Term(ROOTS_FIELD, word_root, boost=ROOT_BOOST) for word_root in roots])


def _proximity(typed: list[str]) -> query.Query | None:
    """Optional phrases of each two consecutive words as typed (``_body_words``), allowing
    a few words between: documents where the query's words stand together rank higher."""
    pairs = list(dict.fromkeys(zip(typed, typed[1:])))
    if not pairs:
        return None
    return query.Or(
        [query.Phrase("body", list(pair), slop=PROXIMITY_SLOP) for pair in pairs],
        boost=PROXIMITY_BOOST,
    )


def _parser(schema, match_any: bool) -> qparser.QueryParser:
    group = qparser.OrGroup if match_any else qparser.AndGroup
    parser = qparser.MultifieldParser(
        list(TEXT_FIELDS), schema, fieldboosts={"title": TITLE_BOOST}, group=group
    )
    for plugin in (
        qparser.plugins.SingleQuotePlugin,  # an apostrophe is text (O'Neil), not a quote
        qparser.plugins.WildcardPlugin,  # replaced below
        qparser.plugins.RangePlugin,
        qparser.plugins.BoostPlugin,  # ^ is text
        qparser.plugins.EveryPlugin,  # *:* would list every document
    ):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(LatinWildcardPlugin())
    parser.add_plugin(qparser.FuzzyTermPlugin())
    # Only a sign that starts a word excludes or requires it: أثريا-الرقة asks for both
    # words, not for أثريا without الرقة.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<!\S)\+", minusexpr=r"(?<!\S)-"))
    return parser


class LatinWildcardPlugin(qparser.WildcardPlugin):
    """Wildcards ``*`` and ``?`` only: Whoosh also takes the Arabic question mark ؟ for
    ``?``, which would turn every question (ما عاصمة سوريا؟) into a wildcard search."""

    qmarks = "?"
    expr = r"(?P<text>[*?])"


def _plain_query(text: str, match_any: bool) -> query.Query:
    """Every word of ``text`` as a term in both text fields; no syntax at all."""
    words = [token.text for token in arabic_analyzer()(text, mode="query")]
    if not words:
        return query.NullQuery
    per_word = [
        query.Or([query.Term("title", word, boost=TITLE_BOOST), query.Term("body", word)])
        for word in words
    ]
    return (query.Or if match_any else query.And)(per_word)


class _Widening:
    """Checks fields, widens plain words to their families (and to roots ``with_roots``),
    bounds prefixes and fuzzy terms; remembers the words and families it met."""

    def __init__(self, lexicon: Lexicon, with_roots: bool):
        self.lexicon, self.with_roots = lexicon, with_roots
        self.words: list[str] = []
        self.families: dict[str, Family] = {}

    def widen(self, node: query.Query) -> query.Query:
        if node is query.NullQuery:
            return node
        if node.is_leaf():
            return self._leaf(node)
        return _exclude_from_any(node.apply(self.widen))

    def family(self, word: str) -> Family:
        if word not in self.families:
            self.families[word] = query_terms(word, self.lexicon)
        return self.families[word]

    def _leaf(self, leaf: query.Query) -> query.Query:
        field = leaf.field()
        if field is not None and field not in TEXT_FIELDS + FILTER_FIELDS:
            raise SearchError(f"unknown field {field}: — search title:, source: or path:")
        if field not in TEXT_FIELDS:
            return leaf
        if isinstance(leaf, query.FuzzyTerm):
            if len(leaf.text) < MIN_FUZZY_LETTERS:
                raise SearchError(f"a word~ needs at least {MIN_FUZZY_LETTERS} letters")
            leaf.prefixlength = max(leaf.prefixlength, FUZZY_PREFIX)
            return leaf
        if isinstance(leaf, (query.Prefix, query.Wildcard, query.Every)):
            # A lone * has no letters at all: Whoosh reads it as every document.
            letters = getattr(leaf, "text", "").replace("*", "").replace("?", "")
            if len(letters) < MIN_PREFIX_LETTERS:
                raise SearchError(f"a prefix or wildcard needs at least {MIN_PREFIX_LETTERS} letters")
            if isinstance(leaf, query.Prefix):
                return query.Or(
                    [query.Prefix(field, proclitic + leaf.text, boost=leaf.boost)
                     for proclitic in PREFIX_PROCLITICS]
                )
            return leaf
        if type(leaf) is query.Term:
            self.words.append(leaf.text)
            return word_query(field, self.family(leaf.text), leaf.boost, with_root=self.with_roots)
        return leaf


def _exclude_from_any(node: query.Query) -> query.Query:
    """Make ``a OR NOT b`` (what Whoosh parses ``a -b`` into when any word may match)
    mean any of the words but never b, instead of everything without b."""
    if not isinstance(node, query.Or):
        return node
    excluded = [child.query for child in node.subqueries if isinstance(child, query.Not)]
    wanted = [child for child in node.subqueries if not isinstance(child, query.Not)]
    if not excluded or not wanted:
        return node
    return query.AndNot(query.Or(wanted, boost=node.boost), query.Or(excluded))


def word_query(field: str, word_family: Family, boost: float = 1.0, with_root: bool = False) -> query.Query:
    """A word in one field: any form of its family, plus a bonus for the form typed;
    ``with_root``, also any word of its root, at ROOT_BOOST.

    The family's terms are scored as one word, with the document frequency of the whole
    family (``search.searching.FamilyBM25F``), so a document with a rare form is not
    ranked above one with the typed form by the rare form's idf alone.
    """
    typed = word_family.typed
    terms = [
        query.Term(field, form, boost=boost * (1 + EXACT_BOOST) if form == typed else boost)
        for form in word_family.forms
    ]
    if typed not in word_family.forms:
        terms.insert(0, query.Term(field, typed, boost=boost * (1 + EXACT_BOOST)))
    # Once per word: the roots field covers title and body (the title is a body leaf's twin).
    if with_root and field == "body" and (word_root := root(typed)):
        terms.append(query.Term(ROOTS_FIELD, word_root, boost=boost * ROOT_BOOST))
    return query.Or(terms)


class TreeOr(query.Or):
    """An Or that always merges its parts as a tree of union matchers.

    Whoosh's automatic choice preloads every match into an array on segments of up to
    5,000 documents (which a multi-process index has), scoring every match instead of
    skipping those that cannot reach the top: 5.3 ms against 2.0 ms at the median for
    single words on tashkeela_classical (bench/query.py).
    """

    matcher_type = query.Or.DEFAULT_MATCHER


def _tree_ors(node: query.Query) -> query.Query:
    if not node.is_leaf():
        node = node.apply(_tree_ors)
    if type(node) is query.Or:
        return TreeOr(node.subqueries, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
    return node


def _has_positive_part(node: query.Query) -> bool:
    """Whether the query can match something by itself, not only exclude."""
    if isinstance(node, query.Not):
        return False
    if isinstance(node, query.AndNot):
        return _has_positive_part(node.a)
    if node.is_leaf():
        return node is not query.NullQuery
    return any(_has_positive_part(child) for child in node.children())


def positive_leaves(node: query.Query):
    """The leaves that a matching document contains: everything outside NOT and -word."""
    if isinstance(node, query.Not):
        return
    if isinstance(node, query.AndNot):
        yield from positive_leaves(node.a)
        return
    if node.is_leaf():
        yield node
        return
    for child in node.children():
        yield from positive_leaves(child)
