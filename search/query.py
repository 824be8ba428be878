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

import bisect
import fnmatch
import re
import time
import weakref
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

from whoosh import matching, qparser, query
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermsReader
from whoosh.reading import CorruptIndexError, TermNotFound

from analyzers.grams import word_grams
from analyzers.morphology import Family, Lexicon, NoLexicon
from analyzers.normalization import normalize
from analyzers.roots import root
from analyzers.spelling import shared_prefix
from analyzers.terms import query_terms
from analyzers.whoosh_analysis import arabic_analyzer
from analyzers.words import WORD
from search.frequencies import FIELDS as FREQUENCY_FIELDS
from search.frequencies import Unreadable, distrust, frequency_file
from search.errors import SearchError

TEXT_FIELDS = ("title", "body")
# Every record (not the index's one bookkeeping document per source file).
RECORDS = query.Term("kind", "doc")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
ROOTS_FIELD = "roots"  # the roots of title and body words (whoosh_analysis.RootTokenizer)
FILTER_FIELDS = ("source", "path")
# Matches in the title count this many times a match in the body (BM25F field weight);
# 2.0 lost 1.8 points of MRR@10 on wiki_qa (docs/relevance.md).
TITLE_BOOST = 1.0
FIELD_BOOSTS = {"title": TITLE_BOOST}
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
# The first this many pairs only: each pair is a phrase checked in every matching
# document, and a 13-word any-word query spent over a second on 12 of them (bench/fuzz.py).
# 98% of wiki_qa's questions have at most 9 words.
MAX_PROXIMITY_PAIRS = 8
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
# A shorter typo-tolerant word is within one edit of most short words.
MIN_FUZZY_LETTERS = 3
# word~N asks for at most this many edits: Whoosh's automaton for 9 edits of a long word
# took 24 s and 317 MB.
MAX_FUZZY_EDITS = 2
# A query's prefixes, wildcards and fuzzy words match at most this many of the index's
# words between them (the most frequent, shared out equally), found within
# EXPANSION_SECONDS; the query says so when a bound cut it. Per pattern, six prefixes
# (ال* OR وا* OR …) took 1.8 s of CPU on tashkeela_classical; sharing, 0.6 s.
MAX_EXPANSION = 500
EXPANSION_SECONDS = 0.5
# Words are at most this long: nobody types more, and a longer run of letters is noise.
MAX_WORD_LETTERS = 100
# A field of a segment with at most FIELD_TOKENS_LIMIT words in all, and so few terms,
# has them held in a set, read once (``field_terms``; 1.3 ms for 916 terms), and a
# family's forms it lacks are not looked up: titles have few words, and a one-word
# search looked up some fifty forms in the title field, each a probe of the term
# dictionary (0.45 ms of a single-word search on tashkeela_classical, whose titles have
# 36,328 words, 916 terms, and hold 29 of the 10,237 forms of bench/query.py's single
# words). Reading stops at FIELD_TERMS_LIMIT terms (some 5 ms). A segment with a
# frequency file is asked the same way: its misses cost a key, a CRC and a bisect each,
# some 0.1 ms of a single word's 4.5 ms (bench/query.py), against 1.4 ms once a reader.
FIELD_TOKENS_LIMIT = 200_000
FIELD_TERMS_LIMIT = 4096


class PerReaderField:
    """What ``compute(reader, fieldname)`` gives, remembered for each open segment's reader
    and field, and forgotten with the reader."""

    def __init__(self, compute):
        self._compute = compute
        self._remembered: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self, reader, fieldname: str):
        per_field = self._remembered.setdefault(reader, {})
        if fieldname not in per_field:
            per_field[fieldname] = self._compute(reader, fieldname)
        return per_field[fieldname]

    def clear(self) -> None:
        self._remembered.clear()


@dataclass(frozen=True)
class ParsedQuery:
    """A query ready to run, its plain words (for "did you mean"), their n-grams, the
    terms each word or pattern stands for (scored as one term, search.searching), and
    notes for the user (a bound that cut an expansion)."""

    query: query.Query
    words: tuple[str, ...]  # normalized plain words, in the order typed
    grams: tuple[tuple[str, float], ...] = ()  # (gram, weight) to rerank with (search.grams)
    families: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (as typed, its terms)
    notes: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # plain words the index holds no form of


def parse_query(
    text: str, schema, match_any: bool = False, plain: bool = False, lexicon: Lexicon | None = None,
    expanded: dict | None = None,
) -> ParsedQuery:
    """Parse ``text`` into a query, or raise SearchError saying what is wrong with it.

    ``lexicon`` holds the index's words, which decide each plain word's family; without
    it a word matches only as typed. ``expanded`` keeps the prefix, wildcard and fuzzy
    expansions for another parse of the same text (the any-word fallback), which then
    spends no time on them again."""
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"the query is too long ({len(text):,} characters; at most {MAX_QUERY_CHARS:,})")
    # Bytes that were not UTF-8 reach Python as lone surrogates, which Whoosh cannot encode.
    text = LONE_SURROGATE.sub("\ufffd", text)
    if plain:
        parsed = _plain_query(text, match_any)
    elif (words := _words_only(text, schema, match_any)) is not None:
        parsed = words
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
    positive = parsed is not query.NullQuery and _has_positive_part(parsed)
    patterns = {
        (type(leaf), leaf.text)
        for leaf in parsed.leaves()
        if isinstance(leaf, (query.Prefix, query.Wildcard, query.FuzzyTerm)) and leaf.field() in TEXT_FIELDS
    }
    share = max(MAX_EXPANSION // max(len(patterns), 1), 1)
    widening = _Widening(
        lexicon or NoLexicon(), with_roots=match_any and by_root, expansion=share,
        expanded={} if expanded is None else expanded,
    )
    parsed = _require_filters(widening.widen(parsed))
    if parsed is query.NullQuery or not positive:
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
        tuple(widening.expansions.items()),
        tuple(dict.fromkeys(widening.notes)),
        tuple(word for word, found in widening.families.items() if not found.forms),
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
    a few words between: documents where the query's words stand together rank higher.
    At most MAX_PROXIMITY_PAIRS, the first."""
    pairs = list(dict.fromkeys(zip(typed, typed[1:])))[:MAX_PROXIMITY_PAIRS]
    if not pairs:
        return None
    return query.Or(
        [query.Phrase("body", list(pair), slop=PROXIMITY_SLOP) for pair in pairs],
        boost=PROXIMITY_BOOST,
    )


def _parser(schema, match_any: bool) -> qparser.QueryParser:
    """The query parser for an index's schema, made once (a parser is used again and
    again; making one, and its plugins' expressions, took 0.05 ms of every search)."""
    made = _PARSERS.get((id(schema), match_any))
    if made is None or made[0] is not schema:
        if len(_PARSERS) >= 8:  # a process that opened many indexes keeps none of their schemas
            _PARSERS.clear()
        made = _PARSERS[id(schema), match_any] = (schema, _new_parser(schema, match_any))
    return made[1]


# (id of a schema, match_any) -> (the schema, its parser); a Schema cannot be hashed.
_PARSERS: dict[tuple[int, bool], tuple[object, qparser.QueryParser]] = {}


def _new_parser(schema, match_any: bool) -> qparser.QueryParser:
    group = qparser.OrGroup if match_any else qparser.AndGroup
    # Whoosh's default plugins (its parser adds WhitespacePlugin itself) but
    # SingleQuotePlugin (an apostrophe is text: O'Neil), WildcardPlugin (replaced below),
    # RangePlugin, BoostPlugin (^ is text) and EveryPlugin (*:* would list every
    # document); a plugin compiles its expressions when made, so those are not made.
    plugins = [
        qparser.plugins.FieldsPlugin(),
        qparser.plugins.PhrasePlugin(),
        qparser.plugins.GroupPlugin(),
        qparser.plugins.OperatorsPlugin(),
    ]
    parser = qparser.MultifieldParser(
        list(TEXT_FIELDS), schema, fieldboosts=FIELD_BOOSTS, group=group, plugins=plugins
    )
    parser.add_plugin(LatinWildcardPlugin())
    parser.add_plugin(qparser.FuzzyTermPlugin())
    # Only a sign that starts a word excludes or requires it: أثريا-الرقة asks for both
    # words, not for أثريا without الرقة.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<!\S)\+", minusexpr=r"(?<!\S)-"))
    return parser


# Words in capitals that Whoosh's OperatorsPlugin reads as operators between spaces.
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE"})


def _words_only(text: str, schema, match_any: bool) -> query.Query | None:
    """What the parser (``_parser``) makes of ``text`` when it is words only (letters,
    digits, marks: ``analyzers.words.WORD``) between spaces, none an operator; None for
    any other text, which the parser reads.

    The parser tries each of its plugins' thirty-odd expressions at every character of
    the text, then runs its filters over what they found: 0.11 ms for one word and 0.32
    ms for three (bench/query.py's on tashkeela_classical), where this takes the words
    through the fields' analyzers as it does and groups them as it would."""
    chunks = text.split()
    if not chunks or any(
        chunk.upper() in OPERATOR_WORDS or not WORD.fullmatch(chunk) for chunk in chunks
    ):
        return None
    if any(fieldname not in schema for fieldname in TEXT_FIELDS):
        return None
    words = []
    for chunk in chunks:
        terms = []
        for fieldname in TEXT_FIELDS:
            texts = list(schema[fieldname].process_text(chunk, mode="query", tokenize=True, removestops=True))
            if len(texts) > 1:
                return None
            if texts:
                terms.append(query.Term(fieldname, texts[0], boost=FIELD_BOOSTS.get(fieldname, 1.0)))
        words.append(query.Or(terms))  # none for a stopword, which normalizing drops
    return (query.Or if match_any else query.And)(words).normalize()


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
    expands prefixes, wildcards and fuzzy words within bounds; remembers the words,
    families and expansions it met, and the bounds that cut one."""

    def __init__(self, lexicon: Lexicon, with_roots: bool, expansion: int = MAX_EXPANSION,
                 expanded: dict | None = None):
        self.lexicon, self.with_roots = lexicon, with_roots
        # As typed -> (terms, the note if a bound cut them), from an earlier parse too.
        self.expanded = {} if expanded is None else expanded
        self.expansion = expansion  # words per pattern
        # For all of them, in CPU seconds: on a busy machine a wall-clock deadline cut the
        # later patterns of a query to one word.
        self.deadline = time.process_time() + EXPANSION_SECONDS
        self.words: list[str] = []
        self.families: dict[str, Family] = {}
        self.expansions: dict[str, tuple[str, ...]] = {}  # as typed -> terms
        self.notes: list[str] = []

    def widen(self, node: query.Query) -> query.Query:
        if node is query.NullQuery:
            return node
        if node.is_leaf():
            return self._leaf(node)
        if isinstance(node, query.Not):
            # The records without it: a bare NOT reached the index's bookkeeping documents.
            return query.AndNot(RECORDS, self._excluded(node.query))
        if isinstance(node, query.AndNot):
            return query.AndNot(self.widen(node.a), self._excluded(node.b))
        return _exclude_from_any(node.apply(self.widen))

    def _excluded(self, node: query.Query) -> query.Query:
        """An excluded part, widened without roots: الكتاب الله -المكتبة --any excluded
        every word of the root كتب, الكتاب too, and found nothing."""
        with_roots, self.with_roots = self.with_roots, False
        try:
            return self.widen(node)
        finally:
            self.with_roots = with_roots

    def family(self, word: str) -> Family:
        if word not in self.families:
            self.families[word] = query_terms(word, self.lexicon)
            self.expansions[word] = (word, *self.families[word].forms)
        return self.families[word]

    def _leaf(self, leaf: query.Query) -> query.Query:
        field = leaf.field()
        if field is not None and field not in TEXT_FIELDS + FILTER_FIELDS:
            raise SearchError(f"unknown field {field}: — search title:, source: or path:")
        if field == "path" and isinstance(leaf, (query.Wildcard, query.Prefix)):
            return PathGlob(leaf.text + ("*" if isinstance(leaf, query.Prefix) else ""))
        if field not in TEXT_FIELDS:
            return leaf
        text = getattr(leaf, "text", "")
        if len(text) > MAX_WORD_LETTERS:
            raise SearchError(f"a word of {len(text):,} letters; words have at most {MAX_WORD_LETTERS}")
        if isinstance(leaf, query.FuzzyTerm):
            if len(text) < MIN_FUZZY_LETTERS:
                raise SearchError(f"a word~ needs at least {MIN_FUZZY_LETTERS} letters")
            edits = min(leaf.maxdist, MAX_FUZZY_EDITS)
            if leaf.maxdist > edits:
                self.notes.append(f"{text}~{leaf.maxdist}: at most {MAX_FUZZY_EDITS} typos are searched")
            prefix = min(max(leaf.prefixlength, shared_prefix(text)), len(text))
            return self._expanded(field, f"{text}~", self.lexicon.within(text, edits, prefix), leaf.boost)
        if isinstance(leaf, (query.Prefix, query.Wildcard, query.Every)):
            # A lone * has no letters at all: Whoosh reads it as every document.
            start = re.split(r"[*?]", text, maxsplit=1)[0]
            if len(start) < MIN_PREFIX_LETTERS:
                raise SearchError(
                    f"a prefix or wildcard needs at least {MIN_PREFIX_LETTERS} letters before * or ?"
                )
            if isinstance(leaf, query.Prefix):
                pattern = None
                starts = [proclitic + text for proclitic in PREFIX_PROCLITICS]
            else:
                pattern = re.compile(".*".join(map(re.escape, text.split("*"))).replace("\\?", "."))
                starts = [start]
            terms = (term for first in starts for term in self.lexicon.starting_with(first))
            typed = f"{text}*" if pattern is None else text
            return self._expanded(field, typed, terms, leaf.boost, pattern)
        if type(leaf) is query.Term:
            self.words.append(text)
            return word_query(field, self.family(text), leaf.boost, with_root=self.with_roots)
        return leaf

    def _expanded(self, field: str, typed: str, terms, boost: float, pattern=None) -> query.Query:
        """The index's words a pattern matched (those of ``terms`` that ``pattern``
        matches, if given), as one term; at most its share of MAX_EXPANSION (the most
        frequent), found within EXPANSION_SECONDS."""
        if typed not in self.expanded:
            found, cut = {}, False
            # Lazily, the clock read on every word looked at, matched or not: the bounds
            # must stop the walk, not follow it.
            for term in terms:
                if time.process_time() > self.deadline:
                    cut = True
                    break
                if pattern is not None and not pattern.fullmatch(term):
                    continue
                found[term] = None
                if len(found) >= self.expansion * 4:
                    cut = True
                    break
            found = list(found)
            if len(found) > self.expansion:
                found = sorted(found, key=self.lexicon.document_frequency, reverse=True)[: self.expansion]
                cut = True
            note = (
                f"{typed} matches more words than are searched; the {len(found):,} most "
                "frequent found in time were"
            ) if cut else None
            self.expanded[typed] = (tuple(found), note)
        self.expansions[typed], note = self.expanded[typed]
        if note:
            self.notes.append(note)
        forms = tuple((term, 1.0) for term in self.expansions[typed])
        return FamilyTerm(field, typed, forms, boost=boost)


def _require_filters(node: query.Query) -> query.Query:
    """Make the field filters (path:, source:) of an any-word query required: with any
    word enough, Whoosh reads ``نيوتن path:books`` as نيوتن or anything in books/."""
    if not isinstance(node, query.Or):
        return node
    filters = [child for child in node.subqueries if _is_filter(child)]
    wanted = [child for child in node.subqueries if not _is_filter(child)]
    if not filters or not wanted:
        return node
    return query.And([query.Or(wanted, boost=node.boost), *filters])


def _is_filter(node: query.Query) -> bool:
    """Whether a query only restricts by path or source."""
    if node.is_leaf():
        return node.field() in FILTER_FIELDS
    return all(_is_filter(child) for child in node.children())


class PathGlob(query.Query):
    """Documents whose file path matches a glob (``path:*.md``, ``path:books/*.txt``),
    folded like the words of a path: the pattern matches the path's end, whole
    folders and names."""

    def __init__(self, pattern: str, boost: float = 1.0):
        self.pattern, self.boost = pattern, boost
        self._glob = re.compile(fnmatch.translate("*/" + normalize(pattern)), re.DOTALL)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.pattern == other.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"PathGlob({self.pattern!r})"

    def is_leaf(self) -> bool:
        return True

    def field(self) -> str:
        return "path"

    def estimate_size(self, ixreader) -> int:
        return ixreader.doc_count_all()

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        if not reader.has_column("file"):
            return matching.NullMatcher()
        files = reader.column_reader("file")
        ids = [
            docnum
            for docnum in range(reader.doc_count_all())
            if not reader.is_deleted(docnum) and self._glob.match(normalize(_text(files[docnum])))
        ]
        return matching.ListMatcher(ids, all_weights=0.0) if ids else matching.NullMatcher()


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _exclude_from_any(node: query.Query) -> query.Query:
    """Make ``a OR NOT b`` (what Whoosh parses ``a -b`` into when any word may match)
    mean any of the words but never b, instead of everything without b."""
    if not isinstance(node, query.Or):
        return node
    excluded = [part for child in node.subqueries if (part := _excluded_part(child)) is not None]
    wanted = [child for child in node.subqueries if _excluded_part(child) is None]
    if not excluded or not wanted:
        return node
    return query.AndNot(query.Or(wanted, boost=node.boost), query.Or(excluded))


def _excluded_part(node: query.Query) -> query.Query | None:
    """What ``NOT b`` excludes, as parsed or once widened (the records without b:
    ``الله NOT المكتبة --any`` found every record without المكتبة), else None."""
    if isinstance(node, query.Not):
        return node.query
    if isinstance(node, query.AndNot) and node.a == RECORDS:
        return node.b
    return None


def word_query(field: str, word_family: Family, boost: float = 1.0, with_root: bool = False) -> query.Query:
    """A word in one field: its family as one term (``FamilyTerm``), the form typed
    counting EXACT_BOOST more; ``with_root``, also any word of its root, at ROOT_BOOST."""
    typed = word_family.typed
    forms = tuple((form, 1.0) for form in dict.fromkeys((typed, *word_family.forms)))
    family_term = FamilyTerm(field, typed, forms, boost=boost, exact_boost=EXACT_BOOST)
    # Once per word: the roots field covers title and body (the title is a body leaf's twin).
    if with_root and field == "body" and (word_root := root(typed)):
        return query.Or([family_term, query.Term(ROOTS_FIELD, word_root, boost=boost * ROOT_BOOST)])
    return family_term


class FamilyTerm(query.Term):
    """A word's family in one field, matched and scored as one term.

    The postings of every form are merged into one list, a document's frequency being
    the sum of its forms' (each weighted by its factor), and scored by the weighting's
    ``family_scorer``: BM25 with the family's document frequency
    (``search.searching.FamilyBM25F``), as Lucene scores synonyms, plus ``exact_boost``
    times the BM25 of the form typed (``text``) on its own, so that documents with the
    word as typed rank first. A family is one leaf, not an Or of its forms: Whoosh's
    union trees over a few hundred forms took a second a question on wiki_qa, and the
    form typed beside the family as a term of its own cost a quarter of a one-word search.
    """

    def __init__(
        self, fieldname: str, text: str, forms: tuple[tuple[str, float], ...], boost: float = 1.0,
        exact_boost: float = 0.0,
    ):
        super().__init__(fieldname, text, boost=boost)
        self.forms, self.exact_boost = forms, exact_boost
        self._cache_key, self._cache = None, {}
        self._size = None

    def __eq__(self, other) -> bool:
        return super().__eq__(other) and (self.forms, self.exact_boost) == (other.forms, other.exact_boost)

    def __hash__(self) -> int:
        return super().__hash__() ^ hash(self.forms)

    def __repr__(self) -> str:
        return f"FamilyTerm({self.fieldname!r}, {self.text!r}, {len(self.forms)} forms, boost={self.boost})"

    def terms(self, phrases: bool = False):
        for form, _ in self.forms:
            yield self.fieldname, form

    def expanded_terms(self, ixreader, phrases: bool = True):
        # The forms are words of the index's lexicon (search.lexicon), chosen from it: not
        # looked up again, which cost a twelfth of a one-word search (both fields, every
        # form). A form the index no longer holds is in no document's text to highlight.
        return self.terms()

    def estimate_size(self, ixreader) -> int:
        # Asked for every segment and every tree of the query (to intersect the rarest
        # part first): the forms' frequencies are added up once.
        if self._size is None:
            self._size = sum(ixreader.doc_frequency(self.fieldname, form) for form, _ in self.forms)
        return self._size

    def matcher(self, searcher, context=None):
        segments = self.postings(searcher.get_parent())
        frequencies, exact = segments.get(id(searcher.reader()), ({}, {}))
        if not frequencies:
            return matching.NullMatcher()
        ids = sorted(frequencies)
        weights = [frequencies[docnum] for docnum in ids]
        exact_weights = [exact.get(docnum, 0.0) for docnum in ids]
        weighting = context.weighting if context else searcher.weighting
        family_scorer = getattr(weighting, "family_scorer", None)
        scorer = None
        if family_scorer:
            scorer = family_scorer(
                searcher, self.fieldname, max(weights), sum(len(f) for f, _ in segments.values()),
                exact_boost=self.exact_boost, max_exact=max(exact_weights),
                exact_held_by=sum(len(e) for _, e in segments.values()),
            )
        found = FamilyMatcher(ids, weights, exact_weights, scorer, term=(self.fieldname, self.text))
        return matching.WrappingMatcher(found, boost=self.boost) if self.boost != 1.0 else found

    def postings(self, top) -> dict[int, tuple[dict[int, float], dict[int, float]]]:
        """{segment reader's id: ({docnum: summed frequency}, {docnum: the form typed's
        frequency})} over every segment of the searcher ``top``, read once per search
        (``search.ranking`` scores them); how many records hold the family, or the form
        typed, is the sum of the segments' sizes."""
        if self._cache_key != id(top):
            self._cache_key, self._cache = id(top), {}
            for leaf, _ in top.leaf_searchers():
                reader = leaf.reader()
                self._cache[id(reader)] = _summed_postings(reader, self.fieldname, self.forms, self.text)
        return self._cache


class FamilyMatcher(matching.ListMatcher):
    """A family's documents, summed frequencies and the form typed's frequencies, scored
    when visited (an intersection visits few). Whoosh's ListMatcher takes the maximum of
    all its weights each time a union asks for its quality: quadratic, 0.7 s of a search
    for الله on tashkeela_classical; the maximum is taken once here."""

    def __init__(self, ids, weights, exact_weights, scorer=None, term=None):
        super().__init__(ids, weights, scorer=scorer, term=term)
        self._exact = exact_weights
        self._max = max(weights)

    def copy(self):
        start = self._i
        return FamilyMatcher(self._ids[start:], self._weights[start:], self._exact[start:], self._scorer,
                             self._term)

    def exact_weight(self) -> float:
        """How often the form typed is in the current document."""
        return self._exact[self._i]

    def skip_to(self, id):
        # ListMatcher steps through its list one document at a time; an intersection
        # with a rarer word skips far into a common word's family.
        if self._i >= len(self._ids):
            raise matching.ReadTooFar
        self._i = bisect.bisect_left(self._ids, id, self._i)

    def supports_block_quality(self):
        return False

    def block_max_weight(self):
        return self._max

    def max_quality(self):
        return self._scorer.max_quality() if self._scorer else self._max


def _summed_postings(reader, fieldname: str, forms, typed: str):
    """({docnum: sum of factor * frequency} of ``forms``, {docnum: frequency of ``typed``})
    in one segment (deleted documents are left out).

    A family has some fifty forms a field, read in full at every search (its idf needs
    the exact number of records holding any of them): two fifths of a one-word search.
    So each form's occurrences come from the segment's frequency file
    (``search.frequencies``) when it has a usable one, counted by ``Counter.update`` in
    C; else the form's blocks are read straight from the term dictionary
    (``form_blocks``), and a block whose weights are all 1 is counted the same way. The
    sums are the same numbers either way: whole numbers while every factor is 1, else
    added a document at a time in the same order."""
    frequencies: Counter = Counter()
    exact: dict[int, float] = {}
    stored = frequency_file(reader) if fieldname in FREQUENCY_FIELDS else None
    try:
        held = field_terms(reader, fieldname)
    except CorruptIndexError:
        if stored is None:
            raise
        held = None  # damaged keys in the term dictionary: the frequency file still answers
    whole = all(factor == 1.0 for _, factor in forms)
    for form, factor in forms:
        if held is not None and form not in held:
            continue
        try:
            occurrences = stored.occurrences(fieldname, form) if stored is not None else False
        except Unreadable:
            occurrences = False
        if occurrences is None:
            continue  # not in this segment
        if occurrences is False:
            _add_blocks(frequencies, exact, form_blocks(reader, fieldname, form), factor, form == typed)
            continue
        if whole and form != typed:
            frequencies.update(occurrences)
            continue
        counts = Counter(occurrences)
        if form == typed:
            exact = dict(zip(counts.keys(), map(float, counts.values())))
        if whole:
            # Counted once: the form typed is half a word's occurrences, and comes first,
            # when a Counter takes another's counts in C.
            frequencies.update(counts)
        else:
            _add_blocks(frequencies, {}, [(counts.keys(), list(counts.values()))], factor, False)
    if stored is not None and frequencies and max(frequencies) >= reader.doc_count_all():
        # A document past the segment's: a file that passed its checks but was not written
        # from this segment. It is not used again.
        distrust(reader)
        return _summed_postings(reader, fieldname, forms, typed)
    if stored is not None and (deleted := reader.deleted_docs_set):  # the file holds them
        for docnum in deleted & frequencies.keys():
            del frequencies[docnum]
            exact.pop(docnum, None)
    return frequencies, exact


def _add_blocks(frequencies: Counter, exact: dict, blocks, factor: float, typed: bool) -> None:
    """Add a form's blocks of (docnums, weights) to ``frequencies``, each weight times
    ``factor``, and, if it is the form ``typed``, its weights to ``exact``."""
    get = frequencies.get
    for docnums, weights in blocks:
        if weights is not None and not isinstance(weights, float) and weights.count(1.0) == len(weights):
            weights = None
        if weights is None and factor == 1.0:
            frequencies.update(docnums)
        else:
            weights = expanded_weights(docnums, weights)
            for docnum, weight in zip(docnums, weights):
                frequencies[docnum] = get(docnum, 0.0) + factor * weight
        if typed:
            if weights is None:
                exact.update(dict.fromkeys(docnums, 1.0))
            else:
                exact.update(zip(docnums, map(float, weights)))


def field_terms(reader, fieldname: str) -> frozenset | None:
    """The terms of ``fieldname`` in one segment's reader when it has at most
    FIELD_TOKENS_LIMIT words and FIELD_TERMS_LIMIT terms, else None; read once per reader."""
    return _FIELD_TERMS(reader, fieldname)


def _small_field_terms(reader, fieldname: str) -> frozenset | None:
    if reader.field_length(fieldname) > FIELD_TOKENS_LIMIT:
        return None
    terms = set()
    try:
        for term in reader.lexicon(fieldname):
            if len(terms) == FIELD_TERMS_LIMIT:
                return None
            terms.add(term.decode("utf-8", "surrogateescape") if isinstance(term, bytes) else term)
    except (TermNotFound, KeyError):  # a field this segment's schema lacks
        return frozenset()
    except IndexError as error:  # a term whose field number names no field: damaged bytes
        raise CorruptIndexError(f"a term of the {fieldname} field cannot be read ({error})") from error
    return frozenset(terms)


_FIELD_TERMS = PerReaderField(_small_field_terms)


def form_blocks(reader, fieldname: str, text: str, values: bool = False, wanted=None):
    """(docnums, weights) of one term's postings in one segment, a block at a time, with
    deleted documents left out; ``weights`` is None where every weight is 1.0 and one
    float where all are that number, as whoosh3 stores a block. With ``values``, each
    block is (docnums, weights, values), the weights one per posting and the values as
    the field's format encodes them (a document's positions). With ``wanted``, document
    numbers in ascending order, a block none of them can be in is not decoded (its
    header tells its last document; the block before, where it starts), though its
    other documents still come with those that are.

    Read from whoosh3's term dictionary and postings file without a matcher: the
    SegmentReader.postings → W3Codec.postings_reader → W3LeafMatcher path cost as much
    as reading the blocks, twice over for the half of a family's forms a field lacks.
    Everything read here is pinned by tests/test_whoosh_internals.py; another reader
    goes through Whoosh's matcher."""
    terms = getattr(reader, "_terms", None)
    if type(terms) is not W3TermsReader or getattr(reader, "is_closed", True):
        yield from _matcher_blocks(reader, fieldname, text, values)
        return
    field = reader.schema[fieldname] if fieldname in reader.schema else None
    if field is None:
        return
    try:
        info = terms.term_info(fieldname, field.to_bytes(text))
    except (TermNotFound, ValueError):
        return
    deleted = reader.deleted_docs_set
    for block in term_blocks(terms, info, field.format, values, wanted):
        if values or deleted:
            block = (block[0], expanded_weights(block[0], block[1]), *block[2:])
        if deleted:
            kept = [posting for posting in zip(*block) if posting[0] not in deleted]
            if not kept:
                continue
            block = tuple(zip(*kept))
        yield block


def expanded_weights(docnums, weights):
    """A block's weights one per posting, where ``form_blocks`` gives None (all 1.0) or
    one float (all alike)."""
    if weights is None or isinstance(weights, float):
        return [1.0 if weights is None else weights] * len(docnums)
    return weights


def term_blocks(terms, info, form, values: bool = False, wanted=None):
    """A term's blocks of (docnums, weights) — or (docnums, weights, values) — as whoosh3
    stores them, from its term info ``info`` in the W3TermsReader ``terms`` (``form``: its
    field's format): the postings inlined in the term info, or the blocks of the postings
    file (with ``wanted``, only those one of them may be in, ``_stored_blocks``)."""
    if info.is_inlined():
        docnums, weights, stored = info.inlined_postings()
        return [(docnums, weights, stored) if values else (docnums, weights)]
    return _stored_blocks(W3LeafMatcher(terms._postfile, *info.extent(), form), values, wanted)


def _stored_blocks(block, values: bool = False, wanted=None):
    """The (docnums, weights) — or (docnums, weights, values) — of each block of a
    W3LeafMatcher, as stored (the document numbers delta-decoded, in C); with ``wanted``
    (ascending document numbers), only the blocks one of them may be in."""
    last = -1  # the last document of the block before
    while True:
        if wanted is None or _any_between(wanted, last, block._maxid):
            if block._data is None:
                block._read_data()
            docnums, weights = block._data[0], block._data[1]
            docnums = docnums if block._byteids else tuple(accumulate(docnums))
            if values:
                block._read_values()
                yield docnums, weights, block._values
            else:
                yield docnums, weights
        if block._lastblock:
            return
        last = block._maxid
        block._goto(block._nextoffset)


def _any_between(ascending, low: int, high: int) -> bool:
    """Whether a number of the ascending list is above ``low`` and at most ``high``."""
    place = bisect.bisect_right(ascending, low)
    return place < len(ascending) and ascending[place] <= high


def _matcher_blocks(reader, fieldname: str, text: str, values: bool = False):
    """(docnums, weights) — or (docnums, weights, values) — of a term's postings through
    Whoosh's Matcher API, a posting at a time: for a reader ``form_blocks`` cannot read
    straight."""
    try:
        postings = reader.postings(fieldname, text)
    except TermNotFound:
        return
    docnums, weights, stored = [], [], []
    while postings.is_active():
        docnums.append(postings.id())
        weights.append(postings.weight())
        if values:
            stored.append(postings.value())
        postings.next()
    yield (docnums, weights, stored) if values else (docnums, weights)


class TreeOr(query.Or):
    """An Or that always merges its parts as a tree of union matchers.

    Whoosh's automatic choice preloads every match into an array on segments of up to
    5,000 documents (which a multi-process index has), scoring every match instead of
    skipping those that cannot reach the top: 5.3 ms against 2.0 ms at the median for
    single words on tashkeela_classical (bench/query.py).
    """

    matcher_type = query.Or.DEFAULT_MATCHER


class SafeAndNot(query.AndNot):
    """An AndNot whose matcher stops when its positive side runs out (``SafeAndNotMatcher``)."""

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        return SafeAndNotMatcher(scored, self.b.matcher(searcher, searcher.boolean_context()))


class SafeAndNotMatcher(matching.AndNotMatcher):
    """Whoosh's AndNotMatcher, which after skipping its positive side to better blocks
    read that side's current id even when it had run out: IndexError on the fuzzed query
    'ة % NOT body:الرقة* الرحمن NOT source: بثبنس' (tashkeela_classical)."""

    def _find_next(self):
        return super()._find_next() if self.a.is_active() else False


def _tree_ors(node: query.Query) -> query.Query:
    """The query with its Ors as TreeOrs and its AndNots as SafeAndNots."""
    if not node.is_leaf():
        node = node.apply(_tree_ors)
    if type(node) is query.Or:
        return TreeOr(node.subqueries, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
    if type(node) is query.AndNot:
        safe = SafeAndNot(node.a, node.b)
        safe.boost = node.boost
        return safe
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
