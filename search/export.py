"""Export an index to OpenSearch (or Elasticsearch): the same analysis with built-in
components only, the documents in ``_bulk`` format, and the queries we would run.

The analysis chain, as Lucene runs it (``analysis_settings``):

1. ``arabic_chars`` (a ``mapping`` char filter): NFKC spelled out for the characters
   inside words (presentation forms and lam-alef ligatures, ﻷ -> لأ; fullwidth and
   mathematical letters), and a letter + combining hamza or madda composed (و + ٔ -> ؤ).
   A ``mapping`` char filter corrects offsets into the original text.
2. ``arabic_words`` (a ``pattern`` tokenizer): ``analyzers.words.WORD_PATTERN`` in Java's
   syntax: letters and digits of any script, Arabic marks and invisible joiners inside.
3. ``arabic_marks`` (a ``pattern_replace``) and ``arabic_nonempty`` (a ``length``): the
   characters ``normalize`` deletes (harakat, Quranic marks, the signs over a word, the
   invisible joiners, tatweel) taken out of each token, and a token left empty dropped.
   Deleted after the tokenizer, not in the char filter, so a token keeps the offsets of
   the word as written, its marks included (a char filter's deletion before a word would
   move the word's start past it), and a highlight marks وَبِالْمَدْرَسَةِ whole.
4. ``arabic_first_alef`` and ``lowercase``: the form stopwords are matched in
   (``analyzers.normalization.normalize_for_stopwords``): a first alef without its hamza.
5. ``arabic_stop``: our stopwords, matched before ى, ة and a later hamza are folded, as
   ours are: على is stopped, the name علي is not.
6. ``arabic_fold_*`` (one ``pattern_replace`` per letter): the folds of ``normalize``
   (alef forms, ى -> ي, ة -> ه, Arabic-Indic and Persian digits, ی ک, پ ڤ ڨ چ ژ گ). The
   term is now ours (``analyzers.terms.index_term``): the ``.exact`` sub-fields.
7. ``arabic_families`` (a ``stemmer_override``): every form of the exported index's
   vocabulary -> its family key (``family_keys``), then ``arabic_stem``, Lucene's light
   stemmer, for words outside the vocabulary (documents added later, words typed that no
   document holds).

Step 7 is where OpenSearch and we part: we find a word's family when it is searched, over
the index as it is then (``analyzers.morphology.family``); an index-time key is one
family per form, fixed at export (``docs/beyond-one-machine.md``).
"""

import json
import sys
from functools import lru_cache
from heapq import merge
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from whoosh import query as whoosh_query

from analyzers.whoosh_analysis import arabic_analyzer

from analyzers import dictionary
from analyzers.morphology import family, readings
from analyzers.normalization import (
    DELETED_CHARACTERS,
    FOLDED_INTO,
    normalize,
)
from analyzers.stopwords import STOPWORDS
from analyzers.words import ARABIC_MARKS, INVISIBLE, WORD, WORD_PATTERN
from search import store
from search.errors import SearchError
from search.lexicon import IndexLexicon
from analyzers.spelling import shared_prefix
from search.query import (
    EXACT_BOOST,
    MAX_FUZZY_EDITS,
    PREFIX_PROCLITICS,
    PROXIMITY_BOOST,
    PROXIMITY_SLOP,
    TEXT_FIELDS,
    FILTER_FIELDS,
    LONE_SURROGATE,
    _parser,
    parse_query,
)

INDEX_NAME = "search"
# Forms of one family per stemmer_override rule line ("a, b, c => key").
FORMS_PER_RULE = 50
# A form's family key is found by following its base at most this many steps (a form,
# its base, the word it was grown from): longer chains join unrelated families.
MAX_KEY_STEPS = 2
# Only words this long are grown into families at export: a two-letter word's family
# takes letters of longer words for its endings (اس: سياسه read سي+اس+ه).
MIN_GROWN = 3
# Documents per _bulk request the README suggests (two lines each): well under the
# default 100 MB http.max_content_length for passages of a few kB.
BULK_DOCUMENTS = 5_000
# A letter and the combining mark NFC composes it with (ا + ٓ -> آ, و + ٔ -> ؤ).
COMBINING_HAMZA_MADDA = "\u0653\u0654\u0655"
ARABIC_LETTERS = range(0x0621, 0x06D4)
# What a conjugated verb may carry around its stem (``_verbs_conjugated``).
CONJUGATION_PREFIXES = ("", "ي", "ت", "ن", "و", "ف", "وي", "وت", "سي", "ست", "لي")
CONJUGATION_SUFFIXES = ("", "ت", "وا", "ون", "ان", "ين", "نا", "تم", "ا")


def _java_escape(text: str) -> str:
    """\\uXXXX for every character: a mapping rule then survives the trimming of spaces
    and shows its invisible characters."""
    units = text.encode("utf-16-be")
    return "".join(f"\\u{units[i]:02X}{units[i + 1]:02X}" for i in range(0, len(units), 2))


def _is_word(text: str) -> bool:
    return bool(text) and WORD.fullmatch(text) is not None


@lru_cache(maxsize=1)
def char_mappings() -> list[tuple[str, str]]:
    """(characters, replacement) of the ``arabic_chars`` char filter, in code point order.

    Rules:
    1. Every word character whose NFKC form is other word characters -> that form, less
       the characters ``normalize`` deletes (ﻷ -> لأ; ﷲ -> الله). Characters whose NFKC
       form has a space (ﷺ) or is no word stay, as they would split a word ours keeps whole.
    2. An Arabic letter followed by a combining hamza or madda that NFC composes -> the
       composed letter (و + ٔ -> ؤ), which normalize's NFKC makes.

    >>> mappings = dict(char_mappings())
    >>> mappings["\\ufefb"], mappings["\\u0648\\u0654"], "\\u064e" in mappings
    ('لا', 'ؤ', False)
    """
    deleted = {ord(char): None for char in DELETED_CHARACTERS}
    found = {}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or char in DELETED_CHARACTERS:
            continue
        compatible = unicodedata.normalize("NFKC", char)
        if compatible != char and _is_word(char):
            replacement = compatible.translate(deleted)
            if _is_word(replacement) and replacement != char:
                found[char] = replacement
    for code in ARABIC_LETTERS:
        for mark in COMBINING_HAMZA_MADDA:
            composed = unicodedata.normalize("NFC", chr(code) + mark)
            if len(composed) == 1:
                found[chr(code) + mark] = composed
    return sorted(found.items())


def folds() -> list[tuple[str, str]]:
    """(letters, what they fold into) of ``normalize`` after stopwords: one
    ``pattern_replace`` each.

    >>> sorted(dict(folds())["ا"])
    ['آ', 'أ', 'إ', 'ٱ']
    """
    return [(target, letters[1:]) for target, letters in sorted(FOLDED_INTO.items()) if letters[1:]]


def java_word_pattern() -> str:
    """``analyzers.words.WORD_PATTERN`` for Java: Python's ``[^\\W_]`` is a letter or a
    number of any script, Java's ``\\p{L}\\p{N}`` (Java's own ``\\w`` is ASCII).

    >>> java_word_pattern()[:14]
    '(?:[\\\\p{L}\\\\p{N}'
    """
    assert WORD_PATTERN.startswith(r"(?:[^\W_]|[")
    return rf"(?:[\p{{L}}\p{{N}}]|[{ARABIC_MARKS}{INVISIBLE}])+"


def analysis_settings(family_rules: list[str]) -> dict:
    """The ``analysis`` section of the index settings (see the module's docstring)."""
    fold_filters = {
        f"arabic_fold_{ord(target):04x}": {
            "type": "pattern_replace",
            "pattern": f"[{''.join(letters)}]",
            "replacement": target,
        }
        for target, letters in folds()
    }
    exact = ["arabic_marks", "arabic_nonempty", "arabic_first_alef", "lowercase", "arabic_stop", *fold_filters]
    families = ["arabic_families", "arabic_stem"]
    unstopped = [name for name in exact if name != "arabic_stop"]

    def analyzer(filters: list[str]) -> dict:
        return {"type": "custom", "char_filter": ["arabic_chars"], "tokenizer": "arabic_words",
                "filter": filters}

    return {
        "char_filter": {
            "arabic_chars": {
                "type": "mapping",
                "mappings": [f"{_java_escape(key)} => {_java_escape(value)}" for key, value in char_mappings()],
            }
        },
        "tokenizer": {"arabic_words": {"type": "pattern", "pattern": java_word_pattern(), "group": 0}},
        "filter": {
            "arabic_marks": {"type": "pattern_replace", "pattern": f"[{DELETED_CHARACTERS}]", "replacement": ""},
            "arabic_nonempty": {"type": "length", "min": 1},
            "arabic_first_alef": {"type": "pattern_replace", "pattern": "^[أإآٱ]", "replacement": "ا"},
            "arabic_stop": {"type": "stop", "stopwords": sorted(STOPWORDS), "ignore_case": False},
            **fold_filters,
            "arabic_families": {"type": "stemmer_override", "rules": family_rules},
        },
        "analyzer": {
            "arabic": analyzer(exact + families),  # title and body: word families
            "arabic_exact": analyzer(exact),  # their .exact sub-fields: the word as written
            # Queries we generate (``opensearch_query``) send words already normalized and
            # without stopwords: a normalized word is not stopped again (هذة is no stopword).
            "arabic_query": analyzer(unstopped + families),
            "arabic_exact_query": analyzer(unstopped),
            "arabic_names": analyzer(["arabic_marks", "arabic_nonempty", "lowercase", *fold_filters]),
        },
    }


def mappings() -> dict:
    """Our fields (``search.store.make_schema``): title and body by word family, with an
    ``.exact`` sub-field of the words as written (phrases, the bonus of the form typed),
    offsets kept for highlighting; path and source by their words; the rest as stored."""
    text = {
        "type": "text",
        "analyzer": "arabic",
        "search_analyzer": "arabic",
        "index_options": "offsets",
        "fields": {"exact": {"type": "text", "analyzer": "arabic_exact", "index_options": "offsets"}},
    }
    names = {"type": "text", "analyzer": "arabic_names"}
    return {
        "dynamic": "strict",
        "properties": {
            "id": {"type": "keyword"},
            "file": {"type": "keyword"},
            "path": names,
            "title": text,
            "body": text,
            "source": names,
            "date": {"type": "date", "format": "strict_date_optional_time||yyyy||yyyy-MM",
                     "ignore_malformed": True},
            "url": {"type": "keyword", "index": False},
            "location": {"type": "keyword", "index": False},
        },
    }


def index_body(family_rules: list[str], shards: int = 1, replicas: int = 1) -> dict:
    """The body of ``PUT /INDEX``: settings (analysis, BM25 as ours) and mappings."""
    return {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas},
            "similarity": {"default": {"type": "BM25", "k1": 1.2, "b": 0.75}},
            "analysis": analysis_settings(family_rules),
        },
        "mappings": mappings(),
    }


# --- word families as index-time keys ------------------------------------------------


def vocabulary(reader) -> Iterator[str]:
    """The distinct terms of the title and body fields, in order."""
    seen_last = None
    streams = [reader.lexicon(field) for field in TEXT_FIELDS if field in reader.schema]
    for term in merge(*streams):
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        if text != seen_last:
            seen_last = text
            yield text


def family_keys(words: Iterable[str], lexicon) -> dict[str, str]:
    """Each word -> its family key, one for every form of a family, so that a query word
    and the forms a search for it finds (``analyzers.morphology.family``) meet.

    Rules:
    1. A word's base is its first reading the dictionary attests with a clitic or pronoun
       taken off (بالمدرسه -> مدرسه), else one the index attests (باثريا -> اثريا), else
       the word less its article (الابجديه -> ابجديه), else the word itself.
    2. A word of at least MIN_GROWN letters the dictionary knows whole is grown into its
       family over the lexicon (its endings, and for a verb its conjugations: قال ->
       قالت، يقول); each grown form without a base of rule 1, and that the dictionary does
       not know whole, takes this word as its base.
    3. A base's key is the shortest (then first) of it and its broken plurals or singulars
       the dictionary knows (مدارس and مدرسه share one key); a word's key is its base's,
       followed up to MAX_KEY_STEPS times. Bases and their partners the vocabulary lacks
       are keyed too, as they are typed (ابيض, whose forms only hold الابيض).

    >>> class Words(set):
    ...     def starting_with(self, prefix):
    ...         return sorted(w for w in self if w.startswith(prefix))
    >>> keys = family_keys(["بالمدرسه", "مدارس", "مدرستنا", "قالت", "قال"], Words({"قالت", "قال"}))
    >>> keys["بالمدرسه"] == keys["مدارس"] == keys["مدرستنا"], keys["قالت"]
    (True, 'قال')
    """
    words = list(dict.fromkeys(words))
    base: dict[str, str] = {}
    for word in words:
        base[word] = _reading_base(word, lexicon)
    grown = dict.fromkeys(words)
    for word in words:
        grown.update(dict.fromkeys(_verbs_conjugated(word)))
    for word in grown:
        if len(word) < MIN_GROWN or not dictionary.lookup(word).known:
            continue
        for form, reading in family(word, lexicon).forms.items():
            if (reading.base == word and base.get(form, form) == form and form != word
                    and not dictionary.lookup(form).known):
                base[form] = word
    keys = {}
    for word in list(base):
        current = word
        for _ in range(MAX_KEY_STEPS):
            following = base.get(current, current)
            if following == current:
                break
            current = following
        keys[word] = _canonical(current)
        # The base, and its broken plurals or singulars, are what people type.
        for typed in (current, *dictionary.lookup(current).plural_partners):
            if typed not in base:
                keys.setdefault(typed, keys[word])
    return keys


def _verbs_conjugated(word: str) -> list[str]:
    """The verbs the dictionary knows that ``word`` may be a conjugation of, when it knows
    no reading of the word whole (قالت -> قال، يكتبون -> كتب): the family of a verb the
    vocabulary holds only conjugated is grown too."""
    if dictionary.lookup(word).known:
        return []
    found = []
    for prefix in CONJUGATION_PREFIXES:
        for suffix in CONJUGATION_SUFFIXES:
            if word.startswith(prefix) and word.endswith(suffix):
                stem = word[len(prefix) : len(word) - len(suffix)]
                if len(stem) >= MIN_GROWN and stem != word and dictionary.lookup(stem).verb:
                    found.append(stem)
    return found


def _reading_base(word: str, lexicon) -> str:
    found = [(seg.base, why) for seg, why in readings(word, lexicon)[1:] if seg.base != word]
    for wanted in ("dictionary", "index", "article"):
        for candidate, why in found:
            if why.startswith(wanted):
                return candidate
    return word


def _canonical(base: str) -> str:
    partners = dictionary.lookup(base).plural_partners
    return min((base, *partners), key=lambda word: (len(word), word))


def family_rules(keys: dict[str, str]) -> list[str]:
    """``stemmer_override`` rules: "form, form… => key", forms grouped by key, every key
    also a form of itself (so the fallback stemmer leaves it alone).

    >>> family_rules({"بالمدرسه": "مدرسه", "مدارس": "مدرسه", "قال": "قال", "صلي الله": "صلي الله"})
    ['قال => قال', 'بالمدرسه, مدارس, مدرسه => مدرسه']
    """
    by_key: dict[str, set[str]] = {}
    for form, key in keys.items():
        if not (_is_word(form) and _is_word(key)):
            continue  # a term with a space (ﷺ is one): no token of the exported chain
        # A key that is a form of another family stays there: one rule per form.
        by_key.setdefault(key, {key} if keys.get(key, key) == key else set()).add(form)
    rules = []
    for key in sorted(by_key, key=lambda key: (len(by_key[key]), key)):
        forms = sorted(by_key[key])
        for start in range(0, len(forms), FORMS_PER_RULE):
            rules.append(f"{', '.join(forms[start:start + FORMS_PER_RULE])} => {key}")
    return rules


# --- documents -------------------------------------------------------------------------

EXPORTED_FIELDS = ("id", "file", "path", "title", "body", "source", "date", "url", "location")


def bulk_lines(reader) -> Iterator[str]:
    """The index's records as ``_bulk`` lines, an action and a document each, read one
    stored record at a time (the per-file bookkeeping documents have no id)."""
    for fields in reader.all_stored_fields():
        if "id" not in fields:
            continue
        document = {name: fields[name] for name in EXPORTED_FIELDS if fields.get(name) not in (None, "")}
        key = store.record_key(fields.get("file", ""), fields["id"])
        yield json.dumps({"index": {"_id": key}}, ensure_ascii=False)
        yield json.dumps(document, ensure_ascii=False)


README = """# Loading this export into OpenSearch (or Elasticsearch)

Made by `search export opensearch` from the index at `{index_dir}`: {documents:,} documents,
{rules:,} word-family rules over {forms:,} forms.

- `index.json`: the settings (our Arabic analysis with built-in components only, no
  plugin) and mappings of one index.
- `documents.ndjson`: the documents in `_bulk` format (an action line, then a document).

Create the index, then load the documents in requests of {bulk:,} documents ({lines:,} lines):

```sh
OS=http://localhost:9200
curl -sS -X PUT "$OS/{name}" -H 'Content-Type: application/json' --data-binary @index.json
split -l {lines} documents.ndjson part-
for part in part-*; do
  curl -sS -X POST "$OS/{name}/_bulk" -H 'Content-Type: application/x-ndjson' \\
       --data-binary @"$part" | grep -q '"errors":false' || echo "errors in $part"
done
rm part-*
curl -sS "$OS/{name}/_count"
```

Shards: one per 10–50 GB of index (this archive's text is {megabytes:,.1f} MB, so {shards});
the number cannot change without re-indexing (`_split`/`_shrink`, or `_reindex` into a new
index). Replicas (1 here) can change any time: `PUT /{name}/_settings {{"number_of_replicas": 2}}`.
`search WORDS --opensearch` prints the search request that asks what `search WORDS` asks.
See `docs/beyond-one-machine.md` in the project for what stays on our side.
"""

# Text per shard the README's advice aims at: shards of 10-50 GB serve well.
BYTES_PER_SHARD = 30 * 1024**3


def export_opensearch(index_dir: Path, out_dir: Path, name: str = INDEX_NAME) -> dict:
    """Write index.json, documents.ndjson and README.md for ``index_dir`` into ``out_dir``;
    return what was written (documents, forms, rules)."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise SearchError(f"{out_dir} exists and is not an empty folder; choose a new one")
    ix = store.open_index(index_dir)
    if mismatch := store.version_mismatch(index_dir):
        raise SearchError(f"cannot export: {mismatch}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with ix.reader() as reader:
        documents, text_bytes = 0, 0
        with (out_dir / "documents.ndjson").open("w", encoding="utf-8") as output:
            for number, line in enumerate(bulk_lines(reader)):
                output.write(line + "\n")
                if number % 2:
                    documents += 1
                    text_bytes += len(line.encode("utf-8"))
        keys = family_keys(vocabulary(reader), IndexLexicon(reader))
    rules = family_rules(keys)
    shards = max(1, -(-text_bytes // BYTES_PER_SHARD))
    with (out_dir / "index.json").open("w", encoding="utf-8") as output:
        json.dump(index_body(rules, shards=shards), output, ensure_ascii=False, indent=1)
        output.write("\n")
    (out_dir / "README.md").write_text(
        README.format(
            index_dir=index_dir, documents=documents, rules=len(rules), forms=len(keys), name=name,
            bulk=BULK_DOCUMENTS, lines=2 * BULK_DOCUMENTS, megabytes=text_bytes / 1e6,
            shards=f"{shards} shard" + ("s" if shards > 1 else ""),
        ),
        encoding="utf-8",
    )
    return {"documents": documents, "forms": len(keys), "rules": len(rules), "shards": shards}


# --- queries -------------------------------------------------------------------------

HIGHLIGHT = {
    "type": "unified",
    "require_field_match": True,
    "fields": {
        "title": {"number_of_fragments": 0},
        "title.exact": {"number_of_fragments": 0},
        "body": {"fragment_size": 160, "number_of_fragments": 3},
        "body.exact": {"fragment_size": 160, "number_of_fragments": 3},
    },
}


def opensearch_requests(text: str, match_any: bool = False, plain: bool = False, size: int = 10,
                        name: str = INDEX_NAME, lexicon=None) -> list[dict]:
    """The ``_search`` requests that ask OpenSearch what ``search TEXT`` asks our index:
    the query, and unless ``match_any``, the any-word query to send when it finds nothing
    (as ``IndexSearcher.search`` falls back). With the ``lexicon`` of our index, each word
    also lists the forms of its family we would search (``search.query``), so that the
    documents found are ours even where an index-time key falls short. Raises SearchError
    for a query we refuse.

    >>> [request["when"] for request in opensearch_requests("مدرسة دمشق")]
    ['always', 'when the first finds nothing']
    """
    schema = store.make_schema()
    ours = parse_query(text, schema, match_any=match_any, plain=plain, lexicon=lexicon)  # our errors
    families = dict(ours.families) if lexicon is not None else {}
    requests = [{"when": "always", "method": "POST", "path": f"/{name}/_search",
                 "body": search_body(text, schema, match_any, plain, size, families)}]
    if not match_any:
        widened = search_body(text, schema, True, plain, size, families)
        if widened != requests[0]["body"]:
            requests.append({"when": "when the first finds nothing", "method": "POST",
                             "path": f"/{name}/_search", "body": widened})
    return requests


def search_body(text: str, schema, match_any: bool, plain: bool, size: int, families: dict) -> dict:
    """One ``_search`` body: the query, a bonus for consecutive words standing close,
    highlights, and the number of hits."""
    text = LONE_SURROGATE.sub("\ufffd", text)
    if plain:
        words = [token.text for token in arabic_analyzer()(text, mode="query")]
        parsed = (whoosh_query.Or if match_any else whoosh_query.And)(
            [whoosh_query.Or([whoosh_query.Term(field, word) for field in TEXT_FIELDS]) for word in words]
        )
    else:
        parsed = _parser(schema, match_any).parse(text)
    clause = _top(families, parsed.normalize())
    typed = [leaf.text for leaf in _positive_terms(parsed) if leaf.field() == "body"]
    pairs = list(dict.fromkeys(zip(typed, typed[1:])))
    if pairs:
        near = [{"match_phrase": {"body.exact": {"query": f"{a} {b}", "slop": PROXIMITY_SLOP,
                                                 "analyzer": "arabic_exact_query", "boost": PROXIMITY_BOOST}}}
                for a, b in pairs]
        if set(clause.get("bool", {})) - {"must", "must_not", "filter"}:
            clause = {"bool": {"must": [clause]}}
        clause = {"bool": {"must": [clause]} if "bool" not in clause else dict(clause["bool"])}
        clause["bool"]["should"] = near
    return {"query": clause, "size": size, "highlight": HIGHLIGHT}


def _positive_terms(node):
    if isinstance(node, (whoosh_query.Not, whoosh_query.AndNot)):
        yield from (() if isinstance(node, whoosh_query.Not) else _positive_terms(node.a))
    elif node.is_leaf():
        if type(node) is whoosh_query.Term:
            yield node
    else:
        for child in node.children():
            yield from _positive_terms(child)


def _top(families: dict, node) -> dict:
    """The whole query; in an any-word query, excluded words and filters still bind
    (``search.query._exclude_from_any`` and ``_require_filters``)."""
    if isinstance(node, whoosh_query.AndNot):
        return {"bool": {"must": [_top(families, node.a)], "must_not": [_clause(families, node.b)]}}
    if not isinstance(node, whoosh_query.Or):
        return _clause(families, node)
    excluded = [_clause(families, child.query) for child in node.subqueries if isinstance(child, whoosh_query.Not)]
    filters = [_clause(families, child) for child in node.subqueries if _is_filter(child)]
    wanted = [_clause(families, child) for child in node.subqueries
              if not isinstance(child, whoosh_query.Not) and not _is_filter(child)]
    body = {"should": wanted, "minimum_should_match": 1}
    if excluded:
        body["must_not"] = excluded
    if filters:
        body["filter"] = filters
    return {"bool": body}


def _is_filter(node) -> bool:
    if node.is_leaf():
        return node.field() in FILTER_FIELDS
    return all(_is_filter(child) for child in node.children())


def _clause(families: dict, node) -> dict:
    """One node of Whoosh's parse as an OpenSearch query clause."""
    boost = getattr(node, "boost", 1.0)
    if isinstance(node, whoosh_query.AndNot):
        return {"bool": {"must": [_clause(families, node.a)], "must_not": [_clause(families, node.b)]}}
    if isinstance(node, whoosh_query.AndMaybe):
        return {"bool": {"must": [_clause(families, node.a)], "should": [_clause(families, node.b)]}}
    if isinstance(node, whoosh_query.Not):
        return {"bool": {"must_not": [_clause(families, node.query)]}}
    if isinstance(node, whoosh_query.And):
        required = [child for child in node.subqueries if not isinstance(child, whoosh_query.Not)]
        excluded = [child.query for child in node.subqueries if isinstance(child, whoosh_query.Not)]
        body = {"must": [_clause(families, child) for child in required]}
        if excluded:
            body["must_not"] = [_clause(families, child) for child in excluded]
        return {"bool": body}
    if isinstance(node, whoosh_query.Or):
        return {"bool": {"should": [_clause(families, child) for child in node.subqueries], "minimum_should_match": 1}}
    if node is whoosh_query.NullQuery:
        return {"match_none": {}}
    return _leaf(families, node, boost)


def _leaf(families: dict, node, boost: float) -> dict:
    field, text = node.field(), getattr(node, "text", "")
    if field == "path" and isinstance(node, (whoosh_query.Prefix, whoosh_query.Wildcard)):
        pattern = text + ("*" if isinstance(node, whoosh_query.Prefix) else "")
        return {"wildcard": {"file": {"value": "*/" + pattern, "case_insensitive": True}}}
    if field in FILTER_FIELDS:
        return {"match": {field: {"query": text, "operator": "and"}}}
    exact = f"{field}.exact"
    if isinstance(node, whoosh_query.Phrase):
        return {"match_phrase": {exact: {"query": " ".join(node.words), "slop": node.slop,
                                         "analyzer": "arabic_exact_query", "boost": boost}}}
    if isinstance(node, whoosh_query.FuzzyTerm):
        return {"fuzzy": {exact: {"value": text, "fuzziness": min(node.maxdist, MAX_FUZZY_EDITS),
                                  "prefix_length": min(max(node.prefixlength, shared_prefix(text)), len(text)),
                                  "transpositions": True, "boost": boost}}}
    if isinstance(node, whoosh_query.Prefix):
        return {"bool": {"should": [{"prefix": {exact: {"value": proclitic + text, "boost": boost}}}
                                    for proclitic in PREFIX_PROCLITICS], "minimum_should_match": 1}}
    if isinstance(node, whoosh_query.Wildcard):
        return {"wildcard": {exact: {"value": text, "boost": boost}}}
    # A word: its family by the index-time key, the form typed at EXACT_BOOST, and with an
    # index here, the forms our family holds (matched, not scored: the key scores).
    should = [
        {"match": {field: {"query": text, "analyzer": "arabic_query", "boost": boost}}},
        {"term": {exact: {"value": text, "boost": boost * EXACT_BOOST}}},
    ]
    if forms := [form for form in families.get(text, ()) if form != text]:
        should.append({"terms": {exact: forms, "boost": 0.0}})
    return {"bool": {"should": should, "minimum_should_match": 1}}
