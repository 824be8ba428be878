"""Arabic roots without a dictionary: the ISRI algorithm, on normalized words.

Light stemming (``analyzers.stem``) keeps a word's pattern: مدرسة and مدارس, كتاب and
مكتبة stay apart, as a precise search wants. A root joins them (درس, كتب), and also
words of one root that mean different things, so the index holds roots in a field of
their own: they add recall and order, and count less than the word itself, a root being
in more documents than a stem (``search.query.ROOT_BOOST``).

The algorithm is that of Taghva, Elkhoury and Coombs, "Arabic Stemming without a Root
Dictionary" (ISRI, University of Nevada, Las Vegas, 2005), as NLTK implements it
(``nltk.stem.isri.ISRIStemmer``, Apache 2.0), with the tables rewritten for words
already passed through ``normalize``: alef forms and diacritics are gone, teh marbuta
is heh (a final heh counts as teh marbuta), and stopwords never reach this module. NLTK itself
is not a dependency: importing it takes a quarter of a second, more than a whole
one-word search.

Pure ``str -> str``: every step strips or keeps letters, so the root of an Arabic word is
a string of its own letters, at most as long.
"""

import re

# Prefixes and suffixes, longest first, as ISRI strips them before matching patterns.
PREFIXES_3 = ("كال", "بال", "ولل", "وال")
PREFIXES_2 = ("ال", "لل")
PREFIXES_1 = ("ل", "ب", "ف", "س", "و", "ي", "ت", "ن", "ا")
SUFFIXES_3 = ("تمل", "همل", "تان", "تين", "كمل")
SUFFIXES_2 = (
    "ون", "ات", "ان", "ين", "تن", "كم", "هن", "نا", "يا", "ها", "تم", "كن", "ني", "وا", "ما", "هم",
)
SUFFIXES_1 = ("ة", "ه", "ي", "ك", "ت", "ا", "ن")
# normalize folds teh marbuta into heh; a word's last heh is taken for teh marbuta again
# while patterns are matched, since most are (مدرسه), and heh inside a word stays a
# letter of the root (مواجهات -> وجه, not the pattern مفعلة).
TEH_MARBUTA, HEH = "ة", "ه"

# Only words of Arabic letters have a root; Latin words, digits and mixed tokens do not.
ARABIC_WORD = re.compile("[\u0621-\u064a]+")


def root(word: str) -> str:
    """The ISRI root of a normalized Arabic word ("" for anything else).

    Words of four to seven letters (after clitics and suffixes come off) are matched
    against the common derivation patterns (مفعول، افتعال، استفعل، تفاعيل …); shorter and
    longer ones keep what is left.

    >>> [root(w) for w in ("مدرسه", "مدارس", "الكتاب", "مكتبه", "استقلال", "usb")]
    ['درس', 'درس', 'كتب', 'كتب', 'قلل', '']
    """
    if not ARABIC_WORD.fullmatch(word):
        return ""
    if word.endswith(HEH):
        word = word[:-1] + TEH_MARBUTA
    return _root(word).replace(TEH_MARBUTA, HEH)


def _root(word: str) -> str:
    word = _strip_affixes(word)
    if len(word) == 4:
        return _pattern_4(word)
    if len(word) == 5:
        return _end_5(_pattern_5_to_3(word))
    if len(word) == 6:
        return _end_6(_pattern_6_to_3(word))
    if len(word) == 7:
        word = _suffix_1(word)
        if len(word) == 7:
            word = _prefix_1(word)
        if len(word) == 6:
            return _end_6(_pattern_6_to_3(word))
    return word


def _strip_affixes(word: str) -> str:
    """One prefix (three letters, else two), one suffix (likewise), then a doubled و.

    Guards, from ISRI: a three-letter affix comes off a word of six letters or more, a
    two-letter one off five or more, so that three letters remain for the patterns.
    """
    if len(word) >= 6 and word.startswith(PREFIXES_3):
        word = word[3:]
    elif len(word) >= 5 and word.startswith(PREFIXES_2):
        word = word[2:]
    if len(word) >= 6 and word.endswith(SUFFIXES_3):
        word = word[:-3]
    elif len(word) >= 5 and word.endswith(SUFFIXES_2):
        word = word[:-2]
    if len(word) >= 4 and word.startswith("وو"):
        word = word[1:]
    return word


def _suffix_1(word: str) -> str:
    return next((word[:-1] for suffix in SUFFIXES_1 if word.endswith(suffix)), word)


def _prefix_1(word: str) -> str:
    return next((word[1:] for prefix in PREFIXES_1 if word.startswith(prefix)), word)


def _pattern_4(w: str) -> str:
    """A four-letter word to a three-letter root: مفعل فاعل فعال/فعول/فعيل فعلة."""
    if w[0] == "م":
        return w[1:]
    if w[1] == "ا":
        return w[0] + w[2:]
    if w[2] in "اوي":
        return w[:2] + w[3]
    if w[3] == TEH_MARBUTA:
        return w[:3]
    w = _suffix_1(w)
    return _prefix_1(w) if len(w) == 4 else w


def _pattern_5_to_3(w: str) -> str:
    """A five-letter word to a three-letter root, by the first pattern that fits."""
    if w[2] in "ات" and w[0] == "ا":  # افتعل افاعل
        return w[1] + w[3:]
    if w[3] in "ايو" and w[0] == "م":  # مفعول مفعال مفعيل
        return w[1:3] + w[4]
    if w[0] in "اتم" and w[4] == TEH_MARBUTA:  # مفعلة تفعلة افعلة
        return w[1:4]
    if w[0] in "ميت" and w[2] == "ت":  # مفتعل يفتعل تفتعل
        return w[1] + w[3:]
    if w[0] in "مت" and w[2] == "ا":  # مفاعل تفاعل
        return w[1] + w[3:]
    if w[2] in "او" and w[4] == TEH_MARBUTA:  # فعولة فعالة
        return w[:2] + w[3]
    if w[0] in "ام" and w[1] == "ن":  # انفعل منفعل
        return w[2:]
    if w[3] == "ا" and w[0] == "ا":  # افعال
        return w[1:3] + w[4]
    if w[4] == "ن" and w[3] == "ا":  # فعلان
        return w[:3]
    if w[3] == "ي" and w[0] == "ت":  # تفعيل
        return w[1:3] + w[4]
    if w[3] == "و" and w[1] == "ا":  # فاعول
        return w[0] + w[2] + w[4]
    if w[2] == "ا" and w[1] == "و":  # فواعل
        return w[0] + w[3:]
    if w[3] == "ئ" and w[2] == "ا":  # فعائل
        return w[:2] + w[4]
    if w[4] == TEH_MARBUTA and w[1] == "ا":  # فاعلة
        return w[0] + w[2:4]
    if w[4] == "ي" and w[2] == "ا":  # فعالي
        return w[:2] + w[3]
    w = _suffix_1(w)
    return _prefix_1(w) if len(w) == 5 else w


def _pattern_5_to_4(w: str) -> str:
    """A five-letter word to a four-letter root: تفعلل افعلل مفعلل فعللة فعالل."""
    if w[0] in "اتم":
        return w[1:]
    if w[4] == TEH_MARBUTA:
        return w[:4]
    if w[2] == "ا":
        return w[:2] + w[3:]
    return w


def _end_5(w: str) -> str:
    if len(w) == 4:
        return _pattern_4(w)
    if len(w) == 5:
        return _pattern_5_to_4(w)
    return w


def _pattern_6_to_3(w: str) -> str:
    """A six-letter word to a three-letter root: استفعل مستفعل مفعالة افتعال افعوعل تفاعيل."""
    if w.startswith(("است", "مست")):
        return w[3:]
    if w[0] == "م" and w[3] == "ا" and w[5] == TEH_MARBUTA:  # مفعالة
        return w[1:3] + w[4]
    if w[0] == "ا" and w[2] == "ت" and w[4] == "ا":  # افتعال
        return w[1] + w[3] + w[5]
    if w[0] == "ا" and w[3] == "و" and w[2] == w[4]:  # افعوعل
        return w[1] + w[4:]
    if w[0] == "ت" and w[2] == "ا" and w[4] == "ي":  # تفاعيل
        return w[1] + w[3] + w[5]
    w = _suffix_1(w)
    return _prefix_1(w) if len(w) == 6 else w


def _pattern_6_to_4(w: str) -> str:
    """A six-letter word to a four-letter root: افعلال متفعلل."""
    if w[0] == "ا" and w[4] == "ا":
        return w[1:4] + w[5]
    if w.startswith("مت"):
        return w[2:]
    return w


def _end_6(w: str) -> str:
    if len(w) == 5:
        return _end_5(_pattern_5_to_3(w))
    if len(w) == 6:
        return _pattern_6_to_4(w)
    return w
