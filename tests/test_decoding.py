"""Decoding a file's bytes: each encoding met in the wild, by its bytes, with real Arabic."""

import pytest

from search import store
from search.decoding import DecodingError, decode, legacy_arabic
from search.indexer import index_paths

SENTENCE = "المدرسة الأولى في حلب تستقبل الطلاب الجدد هذا العام، وقال المدير إن الدروس تبدأ غدا."
MARKUP = '<?xml version="1.0"?><text><p type="verse" source="unknown">قال المعلم</p></text>'
LINES = ["سطر أول بترميز يونيكود", "سطر ثان كتب بترميز قديم", "third line, ASCII", "سطر رابع: يونيكود"]
# Common words of every shape (article, suffixes, hamza, teh marbuta, alef maksura, short).
WORDS = (
    "كتاب مدرسة قال الذي التي على إلى هذا هذه كان كانت بين عند بعد قبل حتى لكن أيضا يوم عام "
    "الناس الحكومة الرئيس المدينة الحرب السلام العالم الطريق الماء الشمس "
    "سيارة طالب معلم جامعة مستشفى وزارة اقتصاد سياسة ثقافة تاريخ مجتمع عربي لغة قلب بيت "
    "رجل امرأة طفل أم أب أخ صديق عمل وقت مال أرض سماء بحر نهر جبل"
).split()


def text_of(raw: str, encoding: str) -> bytes:
    return raw.encode(encoding)


@pytest.mark.parametrize(
    "data, expected",
    [
        (SENTENCE.encode("utf-8"), SENTENCE),
        (SENTENCE.encode("utf-8-sig"), SENTENCE),
        (SENTENCE.encode("utf-16"), SENTENCE),
        (SENTENCE.encode("utf-16-le"), SENTENCE),
        (SENTENCE.encode("utf-16-be"), SENTENCE),
        ("مدرسة".encode("utf-16-le"), "مدرسة"),
        ("plain English, no BOM\n".encode("utf-16-le"), "plain English, no BOM\n"),
        (SENTENCE.encode("cp1256"), SENTENCE),
        (SENTENCE.encode("iso8859_6"), SENTENCE),
        ("قال".encode("iso8859_6"), "قال"),
        ("طالب".encode("iso8859_6"), "طالب"),
        ("إلى".encode("cp1256"), "إلى"),
        ("قَالَ ضَيْفًا كَرِيمًا".encode("iso8859_6"), "قَالَ ضَيْفًا كَرِيمًا"),
        (MARKUP.encode("iso8859_6"), MARKUP),
        ("گزارش پچ".encode("cp1256"), "گزارش پچ"),  # Persian letters only cp1256 has
        (
            (LINES[0] + "\n").encode() + (LINES[1] + "\n").encode("cp1256")
            + (LINES[2] + "\r\n").encode() + LINES[3].encode(),
            f"{LINES[0]}\n{LINES[1]}\n{LINES[2]}\r\n{LINES[3]}",
        ),
        (
            (LINES[0] + "\n").encode() + (LINES[1] + "\n").encode("iso8859_6"),
            f"{LINES[0]}\n{LINES[1]}\n",
        ),
        ("Привет, как дела? Всё хорошо".encode("cp1251"), "Привет, как дела? Всё хорошо"),
    ],
    ids=[
        "utf-8", "utf-8 bom", "utf-16 bom", "utf-16-le no bom", "utf-16-be no bom",
        "utf-16-le one word", "utf-16-le ascii", "cp1256", "iso-8859-6", "iso one word qaf",
        "iso one word tah", "cp1256 alef maksura", "iso diacritized, tanween before alef", "iso inside xml markup", "cp1256 persian letters",
        "utf-8 and cp1256 lines", "utf-8 and iso lines",
        "negative: russian cp1251",
    ],
)
def test_decode(data, expected):
    assert decode(data) == expected


@pytest.mark.parametrize(
    "data, reason",
    [(bytes(range(256)) * 4, "binary file"), (b"PK\x03\x04\x00\x00\x08\x00", "binary file")],
    ids=["all bytes", "zip header"],
)
def test_binary_is_refused(data, reason):
    with pytest.raises(DecodingError, match=reason):
        decode(data)


@pytest.mark.parametrize("encoding, most_wrong", [("iso8859_6", 6), ("cp1256", 3)])
def test_one_word_legacy_files_mostly_decode_right(encoding, most_wrong):
    """One word is ambiguous between the two code pages (ISO-8859-6 كلم are cp1256 مله):
    letter frequencies and common affixes decide; before them 27 of 60 ISO words failed."""
    wrong = [word for word in WORDS if decode(word.encode(encoding)) != word]
    assert len(WORDS) == 60
    assert len(wrong) <= most_wrong, wrong


@pytest.mark.parametrize(
    "data, expected",
    [
        ("Grüße aus München".encode("cp1252"), None),
        ("Шалом".encode("cp1251"), None),
        ("طالب".encode("iso8859_6"), "iso8859_6"),
        ("طالب".encode("cp1256"), "cp1256"),
    ],
    ids=["german", "russian", "iso", "cp1256"],
)
def test_legacy_arabic_only_claims_arabic(data, expected):
    assert legacy_arabic(data) == expected


def test_encodings_through_a_real_index(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "utf16.txt").write_bytes(SENTENCE.encode("utf-16-le"))
    (root / "word.txt").write_bytes("طالب".encode("iso8859_6"))
    (root / "mixed.txt").write_bytes(
        (LINES[0] + "\n").encode() + (LINES[1] + "\n").encode("cp1256")
    )
    index_dir = tmp_path / "index"
    report = index_paths([root], index_dir)
    assert (report.added, report.skipped) == (3, [])
    with store.open_index(index_dir).searcher() as searcher:
        bodies = {doc["id"]: doc["body"] for doc in searcher.documents(kind=store.KIND_RECORD)}
    assert bodies == {
        "utf16.txt": SENTENCE, "word.txt": "طالب", "mixed.txt": f"{LINES[0]}\n{LINES[1]}\n"
    }
