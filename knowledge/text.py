"""Vietnamese text normalisation and tokenisation shared by ingestion, indexing and search.

Everything here is pure and fast: no models, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining marks of the five tones (grave, acute, hook above, tilde, dot below).
_TONE_MARKS = {"\u0300": "huyền", "\u0301": "sắc", "\u0309": "hỏi", "\u0303": "ngã", "\u0323": "nặng"}
# Vowels carrying a shape mark (circumflex, breve, horn) in their NFC, tone-free form.
_SHAPED_VOWELS = set("âăêôơư")
_VOWELS = set("aăâeêioôơuưy")
_FOREIGN_LETTERS = set("fjwz")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")

# Abbreviations officials type; expanded beside (never instead of) the original token.
ABBREVIATIONS: dict[str, str] = {
    "cbccvc": "cán bộ công chức viên chức",
    "cbcc": "cán bộ công chức",
    "ccvc": "công chức viên chức",
    "cb": "cán bộ",
    "cc": "công chức",
    "vc": "viên chức",
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
    "hdnd": "hội đồng nhân dân",
    "tw": "trung ương",
    "tp": "thành phố",
    "qđ": "quyết định",
    "qd": "quyết định",
    "ttg": "thủ tướng",
    "kh": "kế hoạch",
    "nv": "nội vụ",
    "bnv": "bộ nội vụ",
    "ng": "ngoại giao",
    "bng": "bộ ngoại giao",
    "btc": "bộ tài chính",
    "vpcp": "văn phòng chính phủ",
    "gd": "giáo dục",
    "gdđt": "giáo dục và đào tạo",
    "bd": "bồi dưỡng",
    "đtbd": "đào tạo bồi dưỡng",
    "tt": "thông tin",
    "tttt": "thông tin và truyền thông",
    "ns": "ngân sách",
    "sđt": "số điện thoại",
    "sdt": "số điện thoại",
    "lđql": "lãnh đạo quản lý",
    "hnqt": "hội nhập quốc tế",
    "đvsn": "đơn vị sự nghiệp",
    "qpan": "quốc phòng và an ninh",
    "bqp": "bộ quốc phòng",
    "bca": "bộ công an",
    "dtts": "dân tộc thiểu số",
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=200_000)
def _split_tone(syllable: str) -> tuple[str, str]:
    """Return (syllable without tone mark, tone combining mark or '')."""
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in _TONE_MARKS:
            tone = ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


@lru_cache(maxsize=200_000)
def normalize_tone_placement(syllable: str) -> str:
    """Put the tone mark of one syllable where the classic (old) style puts it: hoà → hòa, thuỷ → thủy.

    Both placements are in use; mapping every syllable to one of them lets "hoà" and "hòa" match.
    """
    base, tone = _split_tone(syllable)
    if not tone:
        return syllable
    lower = base.lower()
    tones = sum(ch in _TONE_MARKS for ch in unicodedata.normalize("NFD", syllable))
    if tones > 1 or _FOREIGN_LETTERS.intersection(lower):
        return syllable  # café, résumé, José: not a Vietnamese syllable, leave as written
    start = 0
    if lower.startswith("qu") or (lower.startswith("gi") and len(lower) > 2 and lower[2] in _VOWELS):
        start = 2  # the u of qu and the i of gi belong to the initial consonant
    positions = [i for i in range(start, len(lower)) if lower[i] in _VOWELS]
    if not positions:
        return syllable
    # Vowel cluster = the contiguous run of vowels; a Vietnamese syllable has exactly one (Genève has two).
    cluster = [positions[0]]
    for i in positions[1:]:
        if i == cluster[-1] + 1:
            cluster.append(i)
        else:
            return syllable
    has_final = cluster[-1] < len(lower) - 1
    shaped = [i for i in cluster if lower[i] in _SHAPED_VOWELS]
    if shaped:
        target = shaped[-1]  # ươ: the tone sits on ơ
    elif len(cluster) == 1:
        target = cluster[0]
    elif has_final:
        target = cluster[-1]
    elif len(cluster) == 2:
        target = cluster[0]
    else:
        target = cluster[1]
    out = base[:target] + unicodedata.normalize("NFC", base[target] + tone) + base[target + 1:]
    return unicodedata.normalize("NFC", out)


def _tone_fix_match(match: re.Match) -> str:
    return normalize_tone_placement(match.group(0))


def fix_tones(text: str) -> str:
    """NFC and one tone-mark placement (hoà → hòa); for NFC input the length is unchanged."""
    return _WORD_RE.sub(_tone_fix_match, nfc(text))


def normalize(text: str) -> str:
    """NFC, one tone-mark placement, single spaces; line breaks are kept."""
    return _SPACE_RE.sub(" ", fix_tones(text))


def collapse_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=200_000)
def strip_diacritics(text: str) -> str:
    """'Đối tượng' → 'Doi tuong'."""
    decomposed = unicodedata.normalize("NFD", text)
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out.replace("đ", "d").replace("Đ", "D")


def has_diacritics(text: str) -> bool:
    return strip_diacritics(text) != text


# A Vietnamese syllable without its diacritics: an onset, one to three vowels, a final consonant.
_SYLLABLE_RE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?")
_WORD_RE = re.compile(r"\w+")


def is_syllable(word: str) -> bool:
    """Whether a diacritic-free, lower-case word is one Vietnamese syllable ("ngoai", not "eduway" or "vks")."""
    return bool(_SYLLABLE_RE.fullmatch(word.replace("đ", "d")))


def without_misspellings(text: str) -> str:
    """The text without words that carry a Vietnamese diacritic yet are no Vietnamese syllable ("ngàh" for
    "ngành" on a web page): a typo says nothing reliable. Abbreviations ("THPT", "LĐLĐ") stay."""
    def kept(match: re.Match) -> str:
        word = match.group(0)
        if word.isupper() or not has_diacritics(word.replace("đ", "d").replace("Đ", "D")):
            return word  # an abbreviation ("LĐLĐ", "THPT") or a plain word
        return word if is_syllable(strip_diacritics(word.lower())) else ""
    return _WORD_RE.sub(kept, text)


def syllables(text: str) -> list[str]:
    """Lower-cased, tone-normalised syllables (words of the \\w class), diacritics kept."""
    return [normalize_tone_placement(w) for w in _WORD_RE.findall(nfc(text).lower())]


def expand_abbreviations(text: str) -> str:
    """Append expansions of known abbreviations found in the text, e.g. 'CCVC' adds 'công chức viên chức'."""
    extra = []
    for word in _WORD_RE.findall(nfc(text).lower()):
        expansion = ABBREVIATIONS.get(word)
        if expansion:
            extra.append(expansion)
    return text if not extra else text + " " + " ".join(extra)


def replace_abbreviations(text: str) -> str:
    """Replace known abbreviations by their long forms (for the dense query, where extra words add noise)."""

    def repl(match: re.Match) -> str:
        word = match.group(0)
        # None of the listed abbreviations is a Vietnamese syllable, so lower-case "sở nv" expands too.
        return ABBREVIATIONS.get(word.lower(), word)

    return _WORD_RE.sub(repl, nfc(text))


def lexical_tokens(text: str) -> list[str]:
    """Diacritic-free syllables plus adjacent-syllable bigrams: the lexical index's vocabulary."""
    sylls = [strip_diacritics(s) for s in syllables(text)]
    return sylls + [f"{a}_{b}" for a, b in zip(sylls, sylls[1:])]
