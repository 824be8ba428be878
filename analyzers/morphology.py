"""Word families: the forms of a word that a one-word search should find, and only those.

A typed word is first reduced to its bases: the word itself, and what is left when a
clitic it carries is taken off (بمصر -> مصر، مدرستنا -> مدرسة، سكانا -> سكان), when its
hamza sits on another seat (مسئول -> مسؤول، شئ -> شيء) or, from the dictionary, its broken
plural or singular (مدرسة <-> مدارس). A reduction is kept only when what is left is
attested: an entry of the dictionary (``analyzers.dictionary``) or a word the index holds
(the ``Lexicon``). A word the dictionary knows as a whole is never cut, so neither a
radical و (وقود) nor a name (لبنان) loses letters.

Each base then grows into the forms it takes in running text, and only the forms the
index holds are kept (the lexicon decides):

- proclitics: a conjunction و ف, a preposition ب ك ل, the article ال (ل + ال is لل);
- a noun's endings: feminine ة (written ت before a pronoun), sound plurals ات ون ين,
  tanween alef, and the pronouns ه ها هم هما هن ك كم كما كن نا ي ني — never after the
  article;
- a verb's (when the dictionary knows the word as a verb) perfect and imperfect
  conjugations, with the future س and the pronouns: قال -> قالت، قالوا، يقول، سيقولون،
  قلت; أبرز -> يبرز; أجرى -> أجرت، يجري.

A grown form whose stem (the form without its clitics and pronoun) is another word of the
dictionary is not of the family: لبن grows to لبنان only by a dual ending, and the
dictionary knows لبنان as a name. Endings that make other words (the nisba ي / ية,
الإسكندر -> الإسكندرية, and the dual ان, سليم -> سليمان) are not grown at all.

Pure functions over normalized words (``analyzers.normalization``); the lexicon is
passed in, so nothing here imports Whoosh.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from analyzers import dictionary
from analyzers.stopwords import NORMALIZED_STOPWORDS

TEH_MARBUTA = "ه"  # ة after normalize
TEH = "ت"
ALEF = "ا"
ARTICLE = "ال"
CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ك", "ل")
FUTURE = "س"
IMPERFECT_PREFIXES = ("ي", "ت", "ن", "ا")
PRONOUNS = ("ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "كن", "نا", "ي", "ني")

# Each ending, and whether a pronoun may, must or must not follow it.
NONE, OPTIONAL, REQUIRED = "none", "optional", "required"
NOUN_ENDINGS = {
    "": OPTIONAL,
    TEH_MARBUTA: NONE,  # feminine: كبير -> كبيرة
    TEH: REQUIRED,  # feminine before a pronoun: كبيرتها
    "ات": OPTIONAL,
    "ون": NONE,
    "و": REQUIRED,  # ون before a pronoun: معلموهم
    "ين": NONE,
    ALEF: NONE,  # tanween alef: سكانًا
}
FEMININE_NOUN_ENDINGS = {  # after a base's ة is taken off: مدرسة -> مدرس|ة
    TEH_MARBUTA: NONE,
    TEH: REQUIRED,
    "ات": OPTIONAL,
    "تان": NONE,
    "تين": NONE,
}
PERFECT_ENDINGS = {
    "": OPTIONAL, "ت": OPTIONAL, "ا": OPTIONAL, "تا": NONE, "وا": NONE, "و": REQUIRED,
    "نا": OPTIONAL, "تم": NONE, "تمو": REQUIRED, "تن": NONE, "ن": NONE, "تما": NONE,
}
# A hollow verb's short perfect stem (قل) takes only the endings of the first and second
# persons; a defective verb's (دع، أجر) those of the third person that drop its last letter.
HOLLOW_SHORT_ENDINGS = {
    "ت": OPTIONAL, "تا": NONE, "تم": NONE, "تمو": REQUIRED, "تن": NONE, "نا": OPTIONAL,
    "ن": NONE, "تما": NONE,
}
DEFECTIVE_SHORT_ENDINGS = {"ت": OPTIONAL, "تا": NONE, "وا": NONE, "و": REQUIRED}
IMPERFECT_ENDINGS = {
    "": OPTIONAL, "ون": OPTIONAL, "ان": OPTIONAL, "ين": OPTIONAL, "ن": NONE, "وا": NONE,
    "و": REQUIRED, "ا": OPTIONAL,
}
# Hamza seats that writers exchange (مسئول / مسؤول، شئ / شيء); normalize keeps them.
HAMZA_SEATS = ("ء", "ئ", "ؤ")
# A base shorter than this is not grown (two letters match too many words by accident).
MIN_BASE = 2
# What is left of a typed word after a clitic comes off keeps this many letters: most
# Arabic stems have three (علي is not عل + ي).
MIN_STEM = 3
# At most this many forms in one family: a bound on query size, never reached by words.
MAX_FAMILY = 400


class Lexicon(Protocol):
    """The words an index holds (normalized forms)."""

    def __contains__(self, form: str) -> bool: ...

    def starting_with(self, prefix: str) -> Iterable[str]: ...

    def within(self, word: str, edits: int, prefix: int) -> Iterable[str]:
        """The words within ``edits`` edits of ``word`` sharing its first ``prefix`` letters."""

    def document_frequency(self, form: str) -> int: ...


class NoLexicon:
    """No index: only the dictionary attests words."""

    def __contains__(self, form: str) -> bool:
        return False

    def starting_with(self, prefix: str) -> Iterable[str]:
        return ()

    def within(self, word: str, edits: int, prefix: int) -> Iterable[str]:
        return ()

    def document_frequency(self, form: str) -> int:
        return 0


@dataclass(frozen=True)
class Segmentation:
    """One reading of a form: proclitic + stem + ending + pronoun, and its base."""

    proclitic: str
    stem: str
    ending: str
    pronoun: str
    base: str

    def __str__(self) -> str:
        return "+".join(part for part in (self.proclitic, self.stem, self.ending, self.pronoun) if part)


@dataclass(frozen=True)
class Family:
    """A typed word's family: its bases (with why each is one) and the forms the index
    holds for them (with how each reads)."""

    typed: str
    bases: dict[str, str]  # base -> why it is a base
    forms: dict[str, Segmentation]  # form -> its reading

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(self.forms)


def noun_proclitics() -> list[str]:
    """Every stack of conjunction, preposition and article, ل + ال written لل.

    >>> len(noun_proclitics()), noun_proclitics()[:4]
    (24, ['', 'ال', 'ب', 'بال'])
    """
    stacks = set()
    for conjunction in ("", *CONJUNCTIONS):
        for preposition in ("", *PREPOSITIONS):
            for article in ("", ARTICLE):
                stack = conjunction + preposition + article
                stacks.add(stack.replace("لال", "لل"))
    return sorted(stacks)


NOUN_PROCLITICS = noun_proclitics()
STRIPPABLE_PROCLITICS = sorted((p for p in NOUN_PROCLITICS if p), key=len, reverse=True)


def definite(proclitic: str) -> bool:
    """Whether a stack of proclitics ends in the article (ال, or لل for ل + ال)."""
    return proclitic.endswith((ARTICLE, "لل"))


# Each stack of noun proclitics, and whether it ends in the article (asked of every base).
_NOUN_PROCLITICS_DEFINITE = [(proclitic, definite(proclitic)) for proclitic in NOUN_PROCLITICS]


def carries_article(word: str) -> bool:
    """Whether ``word`` (with no proclitic taken off) reads as the article and a word the
    dictionary knows, and so takes no pronoun: المدرسه is ال + مدرسه, not المدرس + ه "his
    teacher". A word that only starts with those letters (المه, his pain) is not.

    >>> carries_article("المدرسه"), carries_article("المه"), carries_article("الوانه")
    (True, False, False)
    """
    rest = word[len(ARTICLE) :]
    return word.startswith(ARTICLE) and len(rest) >= MIN_STEM and dictionary.lookup(rest).known


def attested(word: str, lexicon: Lexicon) -> str:
    """Why ``word`` is a word ("dictionary" / "index"), or "" if nothing attests it."""
    if len(word) < MIN_BASE or word in NORMALIZED_STOPWORDS:
        return ""
    if dictionary.lookup(word).known:
        return "dictionary"
    if word in lexicon:
        return "index"
    return ""


def readings(word: str, lexicon: Lexicon) -> list[tuple[Segmentation, str]]:
    """How a normalized typed word may be segmented, each reading with what attests its
    base; the word as a whole first. A word the dictionary knows is not cut.

    >>> [(str(seg), seg.base, why) for seg, why in readings("بمدرستنا", NoLexicon())]
    [('بمدرستنا', 'بمدرستنا', 'as typed'), ('ب+مدرست+نا', 'مدرسه', 'dictionary, ت written for ة')]
    >>> [(str(seg), why) for seg, why in readings("وقود", NoLexicon())]
    [('وقود', 'dictionary')]
    """
    whole = attested(word, lexicon)
    found = [(Segmentation("", word, "", "", word), whole or "as typed")]
    if whole == "dictionary":
        return found
    for proclitic in ("", *STRIPPABLE_PROCLITICS):
        stem = word[len(proclitic) :]
        if not word.startswith(proclitic) or len(stem) < MIN_STEM:
            continue
        found += _stem_readings(proclitic, stem, lexicon, whole_attested=bool(whole))
    return found


def _stem_readings(
    proclitic: str, stem: str, lexicon: Lexicon, whole_attested: bool
) -> list[tuple[Segmentation, str]]:
    """The attested readings of what follows a proclitic: the stem whole (after a proclitic
    only), or less a pronoun (ت written for ة before it), or less a tanween alef (only
    before a dictionary word, when the index holds the word whole, and never after ي:
    أثريا is a town, not أثري with tanween). Neither after the article, whether taken off
    as a proclitic or still on the stem (``carries_article``)."""
    found = []
    if proclitic and (why := attested(stem, lexicon) or ("article" if definite(proclitic) else "")):
        found.append((Segmentation(proclitic, stem, "", "", stem), why))
    with_article = definite(proclitic) or carries_article(stem)
    for pronoun in PRONOUNS:
        rest = stem[: -len(pronoun)]
        if not stem.endswith(pronoun) or len(rest) < MIN_STEM or with_article:
            continue
        if pronoun == "ي" and ARTICLE + stem in lexicon:
            continue  # a nisba adjective (الحربي), not "my"
        if rest.endswith(TEH) and (why := attested(rest[:-1] + TEH_MARBUTA, lexicon)):
            base = rest[:-1] + TEH_MARBUTA
            found.append((Segmentation(proclitic, rest, "", pronoun, base), f"{why}, ت written for ة"))
        elif why := attested(rest, lexicon):
            found.append((Segmentation(proclitic, rest, "", pronoun, rest), why))
    bare = stem[:-1]
    if stem.endswith(ALEF) and len(bare) >= MIN_STEM and not bare.endswith("ي") and not with_article:
        why = attested(bare, lexicon)
        if why == "dictionary" or (why and not whole_attested):
            found.append((Segmentation(proclitic, bare, ALEF, "", bare), f"{why}, tanween alef"))
    return found


def bases(word: str, lexicon: Lexicon) -> dict[str, str]:
    """The bases of a normalized typed word, each with the reason it is one: its readings'
    bases, their other hamza seats, and their broken plurals or singulars.

    >>> bases("مدرستنا", NoLexicon())  # doctest: +NORMALIZE_WHITESPACE
    {'مدرستنا': 'as typed', 'مدرسه': 'مدرست+نا: dictionary, ت written for ة',
     'مدارس': 'broken plural or singular of مدرسه: dictionary'}
    >>> bases("لبنان", NoLexicon())
    {'لبنان': 'dictionary'}
    """
    found = {}
    for reading, why in readings(word, lexicon):
        found.setdefault(reading.base, why if reading.base == word else f"{reading}: {why}")
    for base in list(found):
        for variant in hamza_variants(base):
            if variant not in found and (why := attested(variant, lexicon)):
                found[variant] = f"hamza seat of {base}: {why}"
    for base in list(found):
        for partner in sorted(dictionary.lookup(base).plural_partners):
            found.setdefault(partner, f"broken plural or singular of {base}: dictionary")
    return found


def hamza_variants(word: str) -> list[str]:
    """The word with its hamza on each other seat, and ئ written يء and back.

    >>> hamza_variants("مسئول")
    ['مسءول', 'مسؤول']
    >>> hamza_variants("شيء")
    ['شئ', 'شيؤ', 'شيئ']
    """
    variants = []
    for index, char in enumerate(word):
        if char in HAMZA_SEATS:
            variants += [word[:index] + seat + word[index + 1 :] for seat in HAMZA_SEATS if seat != char]
    if "يء" in word:
        variants.append(word.replace("يء", "ئ"))
    if word.endswith("ئ"):
        variants.append(word[:-1] + "يء")
    return sorted(set(variants) - {word})


def family(word: str, lexicon: Lexicon) -> Family:
    """The typed word's family: every form the lexicon holds of one of its bases.

    >>> class Words(set):
    ...     def starting_with(self, prefix):
    ...         return sorted(w for w in self if w.startswith(prefix))
    >>> index = Words({"المدرسه", "مدرستنا", "بالمدارس", "مدرس", "لبنان", "اللبن"})
    >>> sorted(family("مدرسه", index).forms)
    ['المدرسه', 'بالمدارس', 'مدرستنا']
    >>> sorted(family("لبن", index).forms), sorted(family("لبنان", index).forms)
    (['اللبن'], ['لبنان'])
    """
    found = bases(word, lexicon)
    forms: dict[str, Segmentation] = {}
    for base in found:
        if len(base) < MIN_BASE:
            continue
        entry = dictionary.lookup(base)
        _grow_noun(base, lexicon, forms)
        if entry.verb:
            _grow_verb(base, lexicon, forms)
        if len(forms) >= MAX_FAMILY:
            break
    return Family(word, found, dict(list(forms.items())[:MAX_FAMILY]))


def _grow_noun(base: str, lexicon: Lexicon, forms: dict[str, Segmentation]) -> None:
    if base.endswith(TEH_MARBUTA):
        core, endings = base[:-1], FEMININE_NOUN_ENDINGS
    else:
        core, endings = base, NOUN_ENDINGS
    # No tanween alef after ي (أثري / أثريا), nor on a definite noun, which takes no
    # pronoun either.
    without_tanween = tuple((e, rule) for e, rule in endings.items() if e != ALEF)
    indefinite = _readings(without_tanween if core.endswith("ي") else tuple(endings.items()))
    definite_readings = _readings(without_tanween, definite=True)
    article_in_base = carries_article(base)
    for proclitic, ends_in_article in _NOUN_PROCLITICS_DEFINITE:
        readings = definite_readings if ends_in_article or article_in_base else indefinite
        _collect(proclitic, core, readings, base, lexicon, forms)


def _grow_verb(base: str, lexicon: Lexicon, forms: dict[str, Segmentation]) -> None:
    perfect = [(stem, _readings(tuple(endings.items()))) for stem, endings in perfect_stems(base)]
    imperfect, imperfect_on = _readings(tuple(IMPERFECT_ENDINGS.items())), imperfect_stems(base)
    for conjunction in ("", *CONJUNCTIONS):
        for stem, readings in perfect:
            _collect(conjunction, stem, readings, base, lexicon, forms, verbal=True)
        for particle in ("", FUTURE, "ل"):
            for person in IMPERFECT_PREFIXES:
                for stem in imperfect_on:
                    _collect(conjunction + particle + person, stem, imperfect, base, lexicon, forms,
                             verbal=True)


def perfect_stems(verb: str) -> list[tuple[str, dict[str, str]]]:
    """The stems a verb's perfect is written on, each with the endings it takes
    (قال: قال، قلت; أجرى: أجرى، أجرت).

    >>> [stem for stem, _ in perfect_stems("قال")], [stem for stem, _ in perfect_stems("اجري")]
    (['قال', 'قل'], ['اجري', 'اجر'])
    """
    stems = [(verb, PERFECT_ENDINGS)]
    if len(verb) == 3 and verb[1] == ALEF:  # hollow: قال -> قلت
        stems.append((verb[0] + verb[2], HOLLOW_SHORT_ENDINGS))
    if len(verb) == 4 and verb[0] == ALEF and verb[2] == ALEF:  # أقام -> أقمت
        stems.append((verb[:2] + verb[3], HOLLOW_SHORT_ENDINGS))
    if len(verb) >= 3 and verb[-1] in "يا":  # defective: أجرى -> أجرت، دعا -> دعت
        stems.append((verb[:-1], DEFECTIVE_SHORT_ENDINGS))
    return stems


def imperfect_stems(verb: str) -> list[str]:
    """The stems a verb's imperfect is written on, after its person prefix.

    >>> imperfect_stems("كتب"), imperfect_stems("ابرز"), imperfect_stems("قال")
    (['كتب'], ['ابرز', 'برز'], ['قال', 'قول', 'قيل'])
    >>> imperfect_stems("استفاد"), imperfect_stems("وصل"), imperfect_stems("دعا")
    (['استفاد', 'ستفاد', 'ستفيد'], ['وصل', 'صل'], ['دعا', 'دعو', 'دعي'])
    >>> imperfect_stems("اكد"), imperfect_stems("افاد")
    (['اكد', 'ؤكد'], ['افاد', 'فاد', 'فيد'])
    """
    stems = [verb]
    if verb.startswith(ALEF) and len(verb) >= 4:  # أفعل، افتعل، انفعل، استفعل: أبرز -> يبرز
        stems.append(verb[1:])
    if verb.startswith(ALEF) and len(verb) == 3:  # أكّد -> يؤكد، أثّر -> يؤثر
        stems.append("ؤ" + verb[1:])
    if len(verb) == 3 and verb[1] == ALEF:  # hollow: قال -> يقول، باع -> يبيع
        stems += [verb[0] + "و" + verb[2], verb[0] + "ي" + verb[2]]
    if len(verb) == 3 and verb[0] == "و":  # assimilated: وصل -> يصل
        stems.append(verb[1:])
    if len(verb) == 3 and verb[-1] == ALEF:  # defective: دعا -> يدعو، رمى -> يرمي
        stems += [verb[:-1] + "و", verb[:-1] + "ي"]
    for stem in list(stems[1:]):
        if len(stem) >= 3 and stem[-2] == ALEF:  # أفاد -> يفيد، استفاد -> يستفيد
            stems.append(stem[:-2] + "ي" + stem[-1])
    return list(dict.fromkeys(stems))


def _collect(proclitic, core, readings, base, lexicon, forms, verbal=False) -> None:
    """The lexicon's words that read proclitic + core + an ending and pronoun of
    ``readings`` (``_readings``).

    The lexicon also tells nouns from look-alikes: a verb form that the index also
    holds after the article is a noun (أكبر is no form of كبر when الأكبر is in the
    index), and a noun + ي that the index also holds after the article is a nisba
    adjective, not "my" (الحربي: حربي is no form of حرب)."""
    prefix = proclitic + core
    if len(core) < MIN_BASE:
        return
    for form in lexicon.starting_with(prefix):
        if form in forms:
            continue
        reading = readings.get(form[len(prefix) :])
        if reading is None:
            continue
        ending, pronoun = reading
        if _another_word(core, ending, base):
            continue
        if verbal and ARTICLE + form[1 if proclitic[:1] in CONJUNCTIONS else 0 :] in lexicon:
            continue
        if pronoun == "ي" and not ending and ARTICLE + form[len(proclitic) :] in lexicon:
            continue
        forms[form] = Segmentation(proclitic, core, ending, pronoun, base)


@functools.cache
def _readings(endings: tuple[tuple[str, str], ...], definite: bool = False) -> dict[str, tuple[str, str]]:
    """{what may follow a stem: (ending, pronoun)} for ``endings`` ((ending, whether a
    pronoun may, must or must not follow it), in order): each ending alone unless a
    pronoun must follow, and with each pronoun unless none may or the noun is
    ``definite``. Where two readings spell the same, the earlier ending's is kept. Asked
    of every word a family's prefixes start (some 220 a one-word search), a loop over the
    endings took 0.19 ms of it.

    >>> _readings((("ات", OPTIONAL), ("", OPTIONAL)))["اتها"], _readings((("ون", NONE),)).get("ونها")
    (('ات', 'ها'), None)
    """
    readings: dict[str, tuple[str, str]] = {}
    for ending, pronoun_rule in endings:
        if pronoun_rule != REQUIRED:
            readings.setdefault(ending, (ending, ""))
        if pronoun_rule != NONE and not definite:
            for pronoun in PRONOUNS:
                readings.setdefault(ending + pronoun, (ending, pronoun))
    return readings


def _another_word(core: str, ending: str, base: str) -> bool:
    """Whether core + ending is a word of its own in the dictionary, not a form of base
    (لبن + ان is لبنان)."""
    if not ending:
        return False
    stem = core + ending
    if stem == base or stem in dictionary.lookup(base).plural_partners:
        return False
    if ending in (TEH_MARBUTA, TEH) or (base.endswith(TEH_MARBUTA) and ending in FEMININE_NOUN_ENDINGS):
        return False  # the feminine of an adjective is listed apart (كبيرة), and is its form
    entry = dictionary.lookup(stem)
    return entry.proper or (entry.known and ending in ("ون", "ين", "ات"))
