"""Transcript normalisation: NFC, tone-mark placement, Vietnamese number words → digits, the documents' spellings
(no model needed)."""

from __future__ import annotations

import unicodedata

import pytest

from speech.numbers import NUMBER_WORDS, words_to_digits
from speech.spellings import Spellings
from speech.text import fix_tone_marks, normalize_transcript, place_tone


@pytest.mark.parametrize("spoken, written", [
    # the examples of the issue
    ("hai nghìn không trăm hai mươi lăm", "2025"),
    ("hai mươi lăm phần trăm", "25 %"),
    ("bậc bốn", "bậc 4"),
    ("năm hai nghìn không trăm ba mươi", "năm 2030"),
    ("năm hai nghìn không trăm hai mươi lăm", "năm 2025"),
    # tens: mười / mươi, lăm / năm, mốt / một, tư / bốn
    ("mười", "10"),
    ("mười một", "11"),
    ("mười lăm", "15"),
    ("mười bốn", "14"),
    ("mười tư", "14"),
    ("hai mươi", "20"),
    ("hai mươi mốt", "21"),
    ("hai mươi một", "21"),
    ("hai mươi tư", "24"),
    ("hai mươi bốn", "24"),
    ("ba mươi lăm", "35"),
    ("năm mươi", "50"),
    ("năm mươi lăm", "55"),
    ("chín mươi chín", "99"),
    ("bẩy mươi", "70"),
    # hundreds, linh / lẻ, spoken short forms
    ("một trăm", "100"),
    ("một trăm linh năm", "105"),
    ("một trăm lẻ một", "101"),
    ("hai trăm linh sáu", "206"),
    ("một trăm năm mươi", "150"),
    ("một trăm mười", "110"),
    ("một trăm hai mươi", "120"),
    ("một trăm tư", "140"),
    ("một trăm mốt", "110"),
    ("một trăm rưỡi", "150"),
    ("năm trăm", "500"),
    ("chín trăm chín mươi chín", "999"),
    # thousands (nghìn / ngàn), millions, billions
    ("một nghìn", "1000"),
    ("năm nghìn", "5000"),
    ("một ngàn sáu trăm năm mươi chín", "1659"),
    ("hai nghìn không trăm linh năm", "2005"),
    ("hai nghìn lẻ năm", "2005"),
    ("hai nghìn hai mươi lăm", "2025"),
    ("hai nghìn không trăm mười chín", "2019"),
    ("ba nghìn hai", "3200"),
    ("ba nghìn hai trăm", "3200"),
    ("mười nghìn", "10000"),
    ("hai trăm nghìn", "200000"),
    ("một triệu", "1000000"),
    ("hai triệu rưỡi", "2500000"),
    ("một triệu hai trăm nghìn", "1200000"),
    ("một triệu hai nghìn", "1002000"),
    ("ba tỷ", "3000000000"),
    # "năm" the year is never the digit 5
    ("năm hai nghìn", "năm 2000"),
    ("đến năm hai nghìn không trăm hai mươi lăm viên chức", "đến năm 2025 viên chức"),
    ("hai mươi năm", "20 năm"),
    ("mười năm", "10 năm"),
    ("năm năm", "năm năm"),
    ("hai nghìn năm", "2000 năm"),
    ("trong năm nay", "trong năm nay"),
    ("hằng năm", "hằng năm"),
    ("năm phần trăm", "5 %"),
    ("bậc năm", "bậc 5"),
    # percent and decimals
    ("một trăm phần trăm", "100 %"),
    ("bốn mươi phần trăm công chức", "40 % công chức"),
    ("bao nhiêu phần trăm", "bao nhiêu phần trăm"),
    ("hai phẩy năm", "2,5"),
    ("ba mươi phẩy hai lăm phần trăm", "30,25 %"),
    # a lone digit word stays a word, except in a numeric context
    ("một người", "một người"),
    ("thứ hai", "thứ hai"),
    ("ba mẹ", "ba mẹ"),
    ("hai ba người", "hai ba người"),
    ("điều hai", "điều 2"),
    ("khoản ba", "khoản 3"),
    ("quý tư", "quý 4"),
    ("một phần tư", "một phần tư"),
    ("ngày mốt", "ngày mốt"),
    # "không" is mostly "no"
    ("có phải học không", "có phải học không"),
    ("không áp dụng", "không áp dụng"),
    ("hai nghìn không phải", "2000 không phải"),
    # digit by digit
    ("không chín bảy bảy tám năm một ba hai ba", "0977851323"),
    ("hai không hai lăm", "2025"),
    ("một hai ba", "123"),
    ("không một hai", "không một hai"),
    # words that only look like scales
    ("tỷ lệ hai mươi phần trăm", "tỷ lệ 20 %"),
    ("trong năm tỷ lệ", "trong năm tỷ lệ"),
    ("năm triệu tập", "năm triệu tập"),
    ("hàng nghìn người", "hàng nghìn người"),
    ("hàng trăm", "hàng trăm"),
    # sentences
    ("đến năm hai nghìn không trăm hai mươi lăm bao nhiêu phần trăm viên chức phải đạt bậc bốn",
     "đến năm 2025 bao nhiêu phần trăm viên chức phải đạt bậc 4"),
    ("kế hoạch hai trăm linh sáu năm hai nghìn không trăm hai mươi",
     "kế hoạch 206 năm 2020"),
    ("sáu mươi phần trăm cán bộ đạt bậc ba", "60 % cán bộ đạt bậc 3"),
    ("quyết định một nghìn sáu trăm năm mươi chín", "quyết định 1659"),
    ("", ""),
])
def test_number_words_become_digits(spoken, written):
    assert words_to_digits(spoken) == written


@pytest.mark.parametrize("text, expected", [
    ("Hai Mươi Lăm", "25"),                 # case does not matter
    ("hai, ba", "hai, ba"),                 # punctuation separates numbers
    ("mười, năm", "10, năm"),
    ("năm 2025 mười lăm", "năm 2025 15"),   # existing digits are kept
])
def test_number_words_in_typed_text(text, expected):
    assert words_to_digits(text) == expected


@pytest.mark.parametrize("written, classic, modern", [
    ("hoà", "hòa", "hoà"),
    ("hòa", "hòa", "hoà"),
    ("thuỷ", "thủy", "thuỷ"),
    ("hoạ", "họa", "hoạ"),
    ("khoẻ", "khỏe", "khoẻ"),
    ("hoàn", "hoàn", "hoàn"),      # a final consonant: both styles agree
    ("quý", "quý", "quý"),         # u of qu is no vowel here
    ("giường", "giường", "giường"),
    ("người", "người", "người"),
    ("ngoài", "ngoài", "ngoài"),
    ("khuya", "khuya", "khuya"),
    ("tuyến", "tuyến", "tuyến"),
    ("mùa", "mùa", "mùa"),
    ("Hoà", "Hòa", "Hoà"),
    ("café", "café", "café"),      # not a Vietnamese syllable: as written
])
def test_tone_mark_placement(written, classic, modern):
    assert place_tone(written) == classic
    assert place_tone(written, modern=True) == modern


def test_transcript_is_nfc_with_classic_tones_and_digits():
    decomposed = unicodedata.normalize("NFD", "hoà  bình [unk] năm hai nghìn không trăm hai mươi lăm")
    text = normalize_transcript(decomposed)
    assert text == "hòa bình năm 2025"
    assert unicodedata.is_normalized("NFC", text)
    assert normalize_transcript("[unk] [unk]") == ""
    assert fix_tone_marks("thuỷ lợi") == "thủy lợi"


def test_number_words_are_listed_for_the_recogniser():
    for word in ("không", "mươi", "mười", "lăm", "mốt", "tư", "linh", "lẻ", "nghìn", "ngàn", "trăm", "triệu",
                 "phần", "năm"):
        assert word in NUMBER_WORDS


# ---------------------------------------------------------------- the documents' spellings (speech/spellings.py)

WORD_LIST = ["sở", "nội", "vụ", "nội vụ", "Sở Nội vụ", "Hải Phòng", "Sở Tài chính", "Bộ Lao động - Thương binh và Xã hội",
             "Ủy ban nhân dân quận, huyện", "UBND", "HĐND", "CCVC", "TTg", "KH", "Nam"]


@pytest.mark.parametrize("heard, written", [
    ("sở nội vụ thành phố hải phòng có nhiệm vụ gì", "Sở Nội vụ thành phố Hải Phòng có nhiệm vụ gì"),
    ("bộ lao động thương binh và xã hội", "Bộ Lao động - Thương binh và Xã hội"),
    ("uỷ ban nhân dân quận huyện", "Ủy ban nhân dân quận, huyện"),     # either tone style, punctuation restored
    ("u bê en đê giao cho sở tài chính", "UBND giao cho Sở Tài chính"),  # letters said one by one
    ("u bờ nờ đờ thành phố", "UBND thành phố"),
    ("hát đê en đê và xê xê vê xê", "HĐND và CCVC"),
    ("tê tê gờ ký", "TTg ký"),
    ("ubnd là gì", "UBND là gì"),
    ("ca hát ở phòng nam", "ca hát ở phòng nam"),  # two letters are not spelled out; one capitalised word is no name
    ("sở nội", "sở nội"),                          # only whole names
    ("u bê en", "u bê en"),
])
def test_the_documents_spellings(heard, written):
    assert Spellings(WORD_LIST).apply(heard) == written


def test_spellings_come_only_from_entries_with_capitals():
    spellings = Spellings(["công chức", "viên chức", "bồi dưỡng"])
    assert not spellings and spellings.apply("công chức viên chức") == "công chức viên chức"
    assert normalize_transcript("năm hai nghìn không trăm hai mươi lăm u bê en đê") == "năm 2025 u bê en đê"
