"""Vietnamese text normalisation: Unicode forms, tone placement, diacritics, lexical tokens, abbreviations."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.text import (
    collapse_whitespace,
    expand_abbreviations,
    has_diacritics,
    lexical_tokens,
    nfc,
    normalize,
    normalize_tone_placement,
    replace_abbreviations,
    strip_diacritics,
    syllables,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# ---------------------------------------------------------------------------------------------
# Unicode normal forms


@pytest.mark.parametrize("text", ["Đối tượng không áp dụng", "Ủy ban nhân dân thành phố Hải Phòng", "người lao động"])
def test_nfd_input_becomes_nfc(text: str) -> None:
    decomposed = nfd(text)
    assert decomposed != text  # the test really feeds decomposed text
    assert normalize(decomposed) == text
    assert unicodedata.is_normalized("NFC", normalize(decomposed))
    assert nfc(decomposed) == text


def test_normalize_keeps_line_breaks_and_collapses_spaces() -> None:
    assert normalize("a\u00a0 \t b\n\nc\u3000 d") == "a b\n\nc d"
    assert collapse_whitespace("  a \n\n b\t") == "a b"


def test_normalize_of_empty_text() -> None:
    assert normalize("") == ""
    assert lexical_tokens("") == []
    assert syllables("") == []
    assert expand_abbreviations("") == ""


# ---------------------------------------------------------------------------------------------
# Tone placement: the classic style is the single canonical form


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("Hoà", "Hòa"),
        ("HOÀ", "HÒA"),
        ("khoẻ", "khỏe"),
        ("tuỳ", "tùy"),
        ("Uỷ", "Ủy"),
        ("hoá", "hóa"),
    ],
)
def test_new_style_tone_placement_moves_to_classic(given: str, expected: str) -> None:
    assert normalize(given) == expected
    assert normalize(nfd(given)) == expected
    assert normalize_tone_placement(given) == expected


@pytest.mark.parametrize(
    "word",
    ["quả", "già", "giữa", "gì", "quý", "người", "khuỷu", "hòa", "thủy", "Ủy", "trường", "quốc", "được", "tiếng"],
)
def test_words_already_canonical_are_unchanged(word: str) -> None:
    assert normalize(word) == word
    assert normalize(nfd(word)) == word


def test_normalize_sentence_with_mixed_styles() -> None:
    assert normalize("Uỷ ban hoà giải, thuỷ lợi và khoẻ mạnh") == "Ủy ban hòa giải, thủy lợi và khỏe mạnh"


def test_tone_placement_is_idempotent() -> None:
    text = "Hoà bình, thuỷ điện, Uỷ ban, quả, già, giữa, người, khuỷu tay"
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize("word", ["café", "résumé", "José", "Genève"])
def test_foreign_words_keep_their_accents(word: str) -> None:
    assert normalize(word) == word


# ---------------------------------------------------------------------------------------------
# Diacritics


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Đối tượng", "Doi tuong"),
        ("đường", "duong"),
        ("ĐƯỜNG", "DUONG"),
        ("Ủy ban nhân dân", "Uy ban nhan dan"),
        ("Hải Phòng", "Hai Phong"),
        ("ngoại ngữ", "ngoai ngu"),
    ],
)
def test_strip_diacritics(given: str, expected: str) -> None:
    assert strip_diacritics(given) == expected
    assert strip_diacritics(nfd(given)) == expected


def test_has_diacritics() -> None:
    assert has_diacritics("đ")
    assert has_diacritics("cán bộ")
    assert not has_diacritics("can bo")
    assert not has_diacritics("")


# ---------------------------------------------------------------------------------------------
# Lexical tokens: accented, unaccented, decomposed and either tone style give the same tokens


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("Đối tượng không áp dụng", "doi tuong khong ap dung"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("Hoà bình", "hoa binh"),
        ("KINH PHÍ THỰC HIỆN", "kinh phi thuc hien"),
    ],
)
def test_lexical_tokens_same_for_accented_and_unaccented(accented: str, plain: str) -> None:
    assert lexical_tokens(accented) == lexical_tokens(plain)
    assert lexical_tokens(nfd(accented)) == lexical_tokens(plain)


def test_lexical_tokens_are_syllables_then_bigrams() -> None:
    assert lexical_tokens("Đối tượng áp dụng") == ["doi", "tuong", "ap", "dung", "doi_tuong", "tuong_ap", "ap_dung"]


def test_lexical_tokens_same_for_both_tone_styles() -> None:
    assert lexical_tokens("hoà giải, thuỷ lợi") == lexical_tokens("hòa giải, thủy lợi")


def test_syllables_keep_diacritics_lowercased_and_canonical() -> None:
    assert syllables("Uỷ ban HOÀ giải") == ["ủy", "ban", "hòa", "giải"]


# ---------------------------------------------------------------------------------------------
# Abbreviations


@pytest.mark.parametrize(
    ("text", "expansion"),
    [
        ("CCVC", "công chức viên chức"),
        ("UBND", "ủy ban nhân dân"),
        ("HĐND", "hội đồng nhân dân"),
        ("hdnd", "hội đồng nhân dân"),
        ("CBCCVC", "cán bộ công chức viên chức"),
    ],
)
def test_expand_abbreviations_appends_long_form(text: str, expansion: str) -> None:
    expanded = expand_abbreviations(f"{text} cấp xã")
    assert expanded.startswith(f"{text} cấp xã")  # the original stays
    assert expanded.endswith(expansion)


def test_expand_abbreviations_of_nfd_text() -> None:
    assert expand_abbreviations(nfd("HĐND tỉnh")).endswith("hội đồng nhân dân")


def test_text_without_abbreviations_is_unchanged() -> None:
    text = "Đối tượng không áp dụng"
    assert expand_abbreviations(text) == text


def test_expanded_abbreviations_share_tokens_with_long_form() -> None:
    short = set(lexical_tokens(expand_abbreviations("UBND thành phố")))
    long = set(lexical_tokens("ủy ban nhân dân thành phố"))
    assert long - {"dan_thanh"} <= short


def test_replace_abbreviations_spells_out_known_tokens() -> None:
    assert replace_abbreviations("CBCCVC cấp xã") == "cán bộ công chức viên chức cấp xã"
    assert replace_abbreviations("UBND và HĐND") == "ủy ban nhân dân và hội đồng nhân dân"
    assert replace_abbreviations("sở nv") == "sở nội vụ"  # typed in lower case too
    # Ordinary words are left alone.
    assert replace_abbreviations("Đối tượng không áp dụng") == "Đối tượng không áp dụng"
