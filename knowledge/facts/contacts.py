"""contact: a sentence with a person introduced by "đồng chí/ông/bà/anh/chị" or by "liên hệ", that also gives a
phone, fax or e-mail.

Fields by their labels: "Di động/DĐ/ĐTDĐ" (mobile), "Máy bàn/Điện thoại/ĐT" (phone), "máy lẻ/số máy lẻ/máy
nhánh/ext." (ext, the desk phone's extension, kept apart from it), "Fax", "Email"; phone numbers are kept as
digits, and e-mails broken by a space after a dot before a known top-level domain ("gmail. com") are repaired.
Text between the name and the first field is the role; text between "liên hệ" and the honorific is the unit.
The agencies the role or unit names are the agency ("chuyên viên Phòng Công chức, Sở Nội vụ" → agency "Phòng
Công chức, Sở Nội vụ"), and what the role says before them the position ("chuyên viên").

Data: person, role, position, unit, agency, mobile, phone, ext, fax, email (only those stated); every part can be
asked for alone.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Fact
from .agencies import TITLE_RE, agency_prefix, mentioned_agencies
from .common import UPPER, Context, clean_end, norm
from .registry import fact_kind

_NAME_WORD = rf"[{UPPER}][a-z{UPPER.lower()}]*(?![\w])"  # Lê, Văn, A — not ĐT, DĐ
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,5}}"
# A person: an honorific and a full name, or a lower-case honorific and a given name ("chị Lan"; "tỉnh Bà Rịa" is not).
_PERSON_RE = re.compile(rf"(?:\b(?:đồng chí|đ/c|ông|bà|anh|chị)|(?<!\w)(?:Đồng chí|Ông|Bà|Đ/c))\s+(?P<name>{_NAME})"
                        rf"|\b(?:đồng chí|đ/c|ông|bà|anh|chị)\s+(?P<given>{_NAME_WORD})(?=\s*[,:;(\-–)]|\s+(?:số|điện|đt|sđt|máy))")
_LIEN_HE_RE = re.compile(r"\b(?:liên hệ|liên lạc)(?:\s+với)?\s*:?\s*", re.I)
_PHONE = r"\(?\+?\d+\)?(?:[ .\-]?\d+)*"
_MOBILE_RE = re.compile(rf"\b(?:điện thoại di động|di động|đtdđ|dđ|mobile|hotline)\s*[:.]?\s*(?P<num>{_PHONE})", re.I)
_DESK_RE = re.compile(
    rf"\b(?:máy bàn|điện thoại cơ quan|điện thoại bàn|số điện thoại|điện thoại(?!\s*di động)|sđt|đt(?!dđ)|tel|phone)"
    rf"\s*[:.]?\s*(?P<num>{_PHONE})", re.I)
_EXT_RE = re.compile(r"\b(?:số\s+)?(?:máy lẻ|máy nhánh|số lẻ|ext|extension|nhánh)\s*[:.]?\s*(?P<num>\d{2,6})\b",
                     re.I)
_FAX_RE = re.compile(rf"\bfax\s*[:.]?\s*(?P<num>{_PHONE})", re.I)
_TLD = r"(?:com|vn|net|org|gov|edu|info|int|biz|ac)"
_EMAIL_RE = re.compile(rf"[A-Za-z0-9._%+-]+\s?@\s?[A-Za-z0-9-]+(?:\s*\.\s*{_TLD}\b|\.[A-Za-z0-9-]+)*")
_FIELD_RE = re.compile(
    r"\b(?:điện thoại|di động|đtdđ|dđ|máy bàn|số điện thoại|sđt|đt|tel|fax|e-?mail|thư điện tử|máy lẻ|máy nhánh)\b|@",
    re.I)


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _contact_data(text: str, lead: str) -> dict[str, Any] | None:
    """Fields of one person's window of text; lead is the text before the honorific (may hold 'liên hệ …')."""
    data: dict[str, Any] = {}
    person = _PERSON_RE.search(text)
    after = text
    if person:
        data["person"] = person.group("name") or person.group("given")
        after = text[person.end():]
    else:
        link = _LIEN_HE_RE.search(text)
        if not link:
            return None
        rest = text[link.end():]
        name = re.match(_NAME, rest)
        if name and agency_prefix(rest) is None:
            data["person"] = name.group(0)
            after = rest[name.end():]
        else:  # "liên hệ Phòng Tổ chức cán bộ, Sở Nội vụ, điện thoại: …"
            first_field = _FIELD_RE.search(rest)
            unit = clean_end(rest[:first_field.start() if first_field else len(rest)].strip(" ,:;-–()"))
            if not unit or len(unit) > 120:
                return None
            data["unit"] = unit
            after = rest[len(unit):]
    link = _LIEN_HE_RE.search(lead)
    if link and "unit" not in data:
        unit = clean_end(lead[link.end():])
        if unit:
            data["unit"] = unit
    first_field = _FIELD_RE.search(after)
    role = clean_end((after[:first_field.start()] if first_field else "").strip(" ,:;-–()"))
    if role and len(role) <= 120:
        data["role"] = role
    for key, pattern in (("mobile", _MOBILE_RE), ("phone", _DESK_RE), ("fax", _FAX_RE)):
        m = pattern.search(after)
        if m and len(_digits(m.group("num"))) >= 6:
            data[key] = _digits(m.group("num"))
    ext = _EXT_RE.search(after)
    if ext:
        data["ext"] = ext.group("num")
    email = _EMAIL_RE.search(after)
    if email:
        data["email"] = re.sub(r"\s+", "", email.group(0)).rstrip(".")
    if not any(k in data for k in ("mobile", "phone", "ext", "fax", "email")):
        return None
    _position_and_agency(data)
    return data


def _position_and_agency(data: dict[str, Any]) -> None:
    """Split a role into the post and the agencies it names; a unit named after "liên hệ" is the agency."""
    role = data.get("role", "")
    agencies = mentioned_agencies(role) if role else []
    if agencies:
        title = TITLE_RE.match(agencies[0])  # "Phó Giám đốc Trung tâm Tin học": the title is the post's
        start = role.find(agencies[0]) + (title.end() if title else 0)
        agencies[0] = agencies[0][title.end():] if title else agencies[0]
        data["agency"] = ", ".join(agencies)
        position = clean_end(role[:start].strip(" ,-–:("))
        if position:
            data["position"] = position
    elif role:
        data["position"] = role
    if "agency" not in data and data.get("unit"):
        data["agency"] = data["unit"]


@fact_kind("contact", "contacts", "Liên hệ", ("person", "role", "unit", "mobile", "phone", "ext", "fax", "email"))
def extract_contacts(ctx: Context) -> list[Fact]:
    facts = []
    source = ctx.source
    for line, section, s, e, text in ctx.sentences():
        if not (_PERSON_RE.search(text) or _LIEN_HE_RE.search(text)) or not _FIELD_RE.search(text):
            continue
        raw = source[s:e]
        # One window per person: from the sentence start (or the person) to the next person.
        starts = [m.start() for m in _PERSON_RE.finditer(raw)]
        bounds = [0] + starts[1:] + [len(raw)]
        for i in range(len(bounds) - 1):
            a, b = bounds[i], bounds[i + 1]
            window = norm(raw[a:b])
            person_at = _PERSON_RE.search(window)
            lead = window[:person_at.start()] if person_at else ""
            data = _contact_data(window, lead)
            if data:
                fact = ctx.fact("contact", line, section, s + a, s + b, data)
                if fact:
                    facts.append(fact)
    return facts
