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
