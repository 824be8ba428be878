import pytest

from analyzers.normalization import normalize
from analyzers.roots import root
from analyzers.words import WORD


@pytest.mark.parametrize(
    "words, expected",
    [
        (["مدرسة", "مدارس", "بالمدرسة"], "درس"),  # فعلة/مفعلة, مفاعل (a broken plural)
        (["الكتاب", "مكتبة", "كاتب", "مكتوب", "كتب"], "كتب"),  # فعال, مفعلة, فاعل, مفعول
        (["استخدم", "مستخدم"], "خدم"),  # استفعل, مستفعل
        (["اجتماع"], "جمع"),  # افتعال
        (["انكسر"], "كسر"),  # انفعل
        (["تعليم", "والمعلمون"], "علم"),  # تفعيل; مفعل after و...ون
        (["تصاميم"], "صمم"),  # تفاعيل
        (["متدحرج"], "دحرج"),  # متفعلل: a four-letter root
    ],
    ids=["darasa", "kataba", "istafala", "iftiaal", "infaala", "tafiil", "tafaaiil", "quadriliteral"],
)
def test_derived_forms_share_their_root(words, expected):
    assert [root(normalize(word)) for word in words] == [expected] * len(words)


def test_a_final_heh_is_teh_marbuta_and_an_inner_heh_a_root_letter():
    # مواجهات loses ات and ends in the ه of وجه: not the pattern مفعلة (-> واج).
    assert root(normalize("مواجهات")) == root(normalize("مواجهة")) == "وجه"
    assert root(normalize("وجه")) == "وجه"


def test_words_no_pattern_fits_keep_their_letters():
    # Plurals ISRI has no pattern for stay whole: its known limits, not ours to hide.
    assert root(normalize("مفاتيح")) == "مفاتيح"
    assert root(normalize("علماء")) == "علماء"


@pytest.mark.parametrize("word", ["usb", "sy24", "2019", "قطx", ""])
def test_only_words_of_arabic_letters_have_a_root(word):
    assert root(word) == ""


def test_a_root_is_some_of_the_word_letters_in_order():
    text = (
        "وَبِالْمَدْرَسَةِ الأُولى تعلّم الطلابُ «الكتابة» والقراءة؛ ثم استخدموا المكتبات "
        "ومواجهاتهم، والمستشفيات (٢٠١٩) — أليس كذلك؟ اجتماعاتهم متدحرجة وتصاميمها"
    )
    for word in map(normalize, WORD.findall(text)):
        found = root(word)
        if not found:
            continue
        letters = iter(word)
        assert all(letter in letters for letter in found), (word, found)
        assert 1 <= len(found) <= len(word)
