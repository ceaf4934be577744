"""Names of bodies as officials shorten them ("Bộ LĐTBXH", "Tổng LĐLĐ", "Sở GD&ĐT", "Sở NV") read as documents write
them, in questions and in the evidence alike, so that a question and a text that spell a body differently still meet.
National bodies come from data/agencies.txt; departments' fields after "Bộ"/"Sở" from FIELD_ABBREVIATIONS."""

from __future__ import annotations

import re
from functools import lru_cache

from .focus import agencies
from .kinds import plain
from .text import strip_diacritics

# The fields of ministries and provincial departments as officials shorten them after "Bộ" or "Sở".
FIELD_ABBREVIATIONS = {
    "gd&đt|gdđt|gd-đt|gd đt": "Giáo dục và Đào tạo", "tt&tt|tttt|tt-tt": "Thông tin và Truyền thông",
    "lđtbxh|lđ-tb&xh|lđ,tb&xh": "Lao động - Thương binh và Xã hội", "kh&đt|khđt": "Kế hoạch và Đầu tư",
    "tn&mt|tnmt": "Tài nguyên và Môi trường", "nn&ptnt|nnptnt": "Nông nghiệp và Phát triển nông thôn",
    "vh,tt&dl|vhttdl|vhtt&dl": "Văn hóa, Thể thao và Du lịch", "gtvt": "Giao thông vận tải", "nv": "Nội vụ",
    "tc": "Tài chính", "ng": "Ngoại giao", "kh&cn|khcn": "Khoa học và Công nghệ", "yt": "Y tế", "tp": "Tư pháp",
    "xd": "Xây dựng", "ct": "Công Thương",
}


@lru_cache(maxsize=1)
def entity_pattern() -> re.Pattern:
    """The national bodies' names of several words (diacritic-free), longest first."""
    names = sorted({plain(a.name) for a in agencies() if len(plain(a.name).split()) > 1}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")


@lru_cache(maxsize=1)
def _short_names() -> tuple[re.Pattern, dict[str, str]]:
    """Every short way of writing a body ("Bộ LĐTBXH", "Sở GD&ĐT") in one pattern, and the name each stands for."""
    names: dict[str, str] = {}
    alternatives = []
    for agency in agencies():
        for alias in agency.aliases:
            for form in dict.fromkeys([alias, strip_diacritics(alias)]):
                alternatives.append((_alias_pattern(form).pattern[len("(?<!\\w)"):-len("(?!\\w)")], agency.name))
    for spellings, field_name in FIELD_ABBREVIATIONS.items():
        for spelling in spellings.split("|"):
            for form in {spelling, strip_diacritics(spelling)}:
                alternatives.append((rf"(?:bộ|sở|bo|so)\s+{re.escape(form)}", field_name))
    groups = []
    for i, (pattern, name) in enumerate(alternatives):
        names[f"a{i}"] = name
        groups.append(f"(?P<a{i}>{pattern})")
    return re.compile(r"(?<!\w)(?:" + "|".join(groups) + r")(?!\w)", re.I), names


def canonical_agencies(text: str) -> str:
    """National bodies and departments written the short way ("Bộ LĐTBXH", "Tổng LĐLĐ", "Sở GD&ĐT") spelled the way
    documents name them, so that facts and passages naming them are found."""
    pattern, names = _short_names()

    def spelled(match: re.Match) -> str:
        name = names[match.lastgroup]
        head = match.group(0).split()[0].lower()
        if name.split()[0] not in ("Bộ", "Sở", "Tổng", "Thủ", "Văn", "Ủy", "Ngân", "Bảo", "Kiểm", "Thanh", "Trung",
                                   "Học", "Chính", "Quốc") and head in ("bộ", "sở", "bo", "so"):
            return f"{match.group(0).split()[0]} {name}"  # a department's field after "Sở"/"Bộ"
        return name

    return pattern.sub(spelled, text)


@lru_cache(maxsize=256)
def _alias_pattern(alias: str) -> re.Pattern:
    parts = [re.escape(p) for p in re.split(r"[\s&.\-]+", alias) if p]
    return re.compile(r"(?<!\w)" + r"[\s&.\-]*".join(parts) + r"(?!\w)", re.I)


# Fields that name a unit after its head word ("Sở Y tế", "Vụ Tổ chức cán bộ", "Phòng Nội vụ", "Ban Tổ chức"),
# diacritic-free, longest first when matched: the fields of FIELD_ABBREVIATIONS and the units every ministry and
# province has.
UNIT_FIELDS = sorted({plain(name) for name in FIELD_ABBREVIATIONS.values()} | {
    "to chuc can bo", "to chuc", "y te", "ngoai vu", "hop tac quoc te", "ke hoach tai chinh", "ke hoach - tai chinh",
    "phap che", "thi dua khen thuong", "dao tao", "giao duc", "giao duc dao tao", "tuyen giao", "dan van",
    "kiem tra", "thanh tra", "tai chinh ke toan", "quan ly khoa hoc", "cong tac dang", "chinh tri",
    "dan toc", "ton giao", "van thu luu tru", "cong chuc vien chuc", "cai cach hanh chinh",
}, key=len, reverse=True)
# Heads of a unit's name, and the words before a head that make it part of another word (cán bộ, cơ sở, nhiệm vụ).
_UNIT_RE = re.compile(
    r"(?<!\bcan )(?<!\bco )(?<!\bnhiem )(?<!\bcong )(?<!\bnghiep )(?<!\bdich )(?<!\bphuc )(?<!\bvan )(?<!\bdu )"
    r"(?<!\bquoc )(?<!\btich )\b(bo|so|vu|cuc|phong|ban|trung tam) (" + "|".join(re.escape(f) for f in UNIT_FIELDS)
    + r")\b")


def named_units(question_plain: str) -> tuple[list[str], list[str]]:
    """The ministries', departments' and offices' units a question names by head and field ("so y te", "vu to chuc
    can bo"), diacritic-free: a duty asked of one is answered only by a text that names it. Returned apart: the
    units asked about and the units that assign ("Bộ Tư pháp giao Vụ Tổ chức cán bộ …")."""
    asked: dict[str, None] = {}
    assigning: dict[str, None] = {}
    for m in _UNIT_RE.finditer(question_plain):
        (assigning if _ASSIGNS_RE.match(question_plain, m.end()) else asked)[m.group(0)] = None
    return [unit for unit in asked if unit not in assigning], list(assigning)


_ASSIGNS_RE = re.compile(r"\s+(giao|yeu cau|chi dao|de nghi|phan cong)\b")


def unit_spans(question_plain: str) -> list[tuple[int, int]]:
    """Where units are named in a diacritic-free text ("vu to chuc can bo"): their words are a name, not roles."""
    return [m.span() for m in _UNIT_RE.finditer(question_plain)]
