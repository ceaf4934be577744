"""target: a clause holding "N%" after a year ("Đến năm 2025: …", "năm YYYY", "giai đoạn A-B").

One fact per percentage: the group is the phrase after it (parentheticals and qualifiers such as "dưới 40 tuổi",
"công tác tại …" become conditions); the level phrase "đạt … bậc 4 trở lên" (or B1, trình độ A, cơ bản, cao cấp …)
applies to every percentage before it in the ";"-clause.

Data: year, percent (of a range "40-50%": its upper bound; percent_low its lower one), group, group_key, level,
level_text, subject, conditions, max_age. group_key is diacritic-free lower-case words, for matching.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Fact, Section
from ..text import collapse_whitespace
from .common import (Context, clause_spans, clean_end, mask_parens, match_key, norm, sentence_spans, split_parens,
                     strip_marker)
from .registry import fact_kind

# Subjects whose level a target measures.
_SUBJECTS = ["ngoại ngữ", "tiếng Anh", "tiếng Pháp", "tiếng Trung", "tiếng Nga", "tiếng dân tộc thiểu số",
             "tin học", "công nghệ thông tin", "kỹ năng số", "lý luận chính trị", "quản lý nhà nước",
             "chuyên môn", "quốc phòng và an ninh"]

# "25%", "40-50%" (a range: its upper bound is the percent, its lower one kept beside it).
_PERCENT_RE = re.compile(r"(?<![\w.,])(?:(?P<low>\d{1,3}(?:[.,]\d+)?)\s*[-–]\s*)?(\d{1,3}(?:[.,]\d+)?)\s*(?:%|phần trăm)")
_YEAR_RE = re.compile(r"\b(?:năm|giai đoạn)\s+(?:(?:19|20)\d{2}\s*[-–]\s*)?((?:19|20)\d{2})\b", re.I)
_LEVEL_RE = re.compile(
    r"(?:(?:bậc|cấp độ|mức)\s*(?P<num>\d+)|(?-i:\b(?P<cefr>[ABC][12])\b)|trình độ\s+(?-i:(?P<ab>[ABC]))\b"
    r"|(?P<word>cơ bản|nâng cao|sơ cấp|trung cấp|cao cấp|cử nhân|thạc sĩ|tiến sĩ))"
    r"(?:\s+(?:trở lên|tương đương(?:\s+trở lên)?))?", re.I)
_ACHIEVE_RE = re.compile(r"\b(?:đạt|có(?=\s+(?:trình độ|chứng chỉ|bằng)\b))\b"
                         r"(?:\s+(?:chuẩn|trình độ|chứng chỉ|tiêu chuẩn|yêu cầu|bằng))?", re.I)
_AGE_RE = re.compile(r"(?:dưới|không quá|từ|trên)\s+\d+\s+tuổi(?:\s+trở\s+(?:xuống|lên))?|\d+\s+tuổi\s+trở\s+xuống",
                     re.I)
_QUALIFIER_RE = re.compile(
    rf"\s(?=(?:{_AGE_RE.pattern})|(?:đang\s+)?(?:công tác|làm việc|làm công tác)\s+(?:tại|ở|trong)\b"
    r"|thuộc\b|trên địa bàn\b|tại\b)", re.I)


# A target stated by what its group does ("được bồi dưỡng", "sử dụng thành thạo …"), not by a level reached.
_PREDICATE_VERBS = r"(?:được|có|tham gia|hoàn thành|sử dụng|biết|nắm)\b"
_PREDICATE_RE = re.compile(r"\s" + _PREDICATE_VERBS, re.I)
PREDICATE_START_RE = re.compile(r"^" + _PREDICATE_VERBS, re.I)
_PEOPLE_RE = re.compile(
    r"(?:các\s+|đội ngũ\s+|số\s+)?(?:cán bộ|công chức|viên chức|giảng viên|giáo viên|chuyên gia|báo cáo viên|người"
    r"|học viên|sinh viên|lãnh đạo|(?-i:CBCCVC|CBCC|CCVC|CB|CC|VC))\b", re.I)


def _group_key(group: str) -> str:
    key = match_key(group)
    parts = []
    for word in ("can bo", "cong chuc", "vien chuc", "giang vien", "giao vien", "nguoi lao dong"):
        if re.search(rf"\b{word}\b", key):
            parts.append(word)
    if re.search(r"\blanh dao\b|\bquan ly\b", key):
        parts.append("lanh dao quan ly")
    # every tier it names: "cấp tỉnh, cấp huyện", "cán bộ, công chức xã", "ở Trung ương"
    named = re.findall(r"\bcap (xa(?! hoi)|huyen|tinh|trung uong|phong|so|vu|bo)\b"
                       r"|\b(?:can bo|cong chuc|vien chuc) (xa)(?! hoi)\b|\bo (trung uong)\b", key)
    for level in dict.fromkeys(next(n for n in found if n) for found in named):
        parts.append(f"cap {level}")
    return " ".join(parts) or key


def _level(text: str) -> tuple[Any, str, str] | None:
    """'đạt trình độ ngoại ngữ bậc 4 trở lên' → (4, 'bậc 4 trở lên', 'ngoại ngữ')."""
    achieve = _ACHIEVE_RE.search(text)
    if not achieve:
        return None
    rest = text[achieve.end():]
    m = _LEVEL_RE.search(rest)
    subject = ""
    if m:
        subject = clean_end(re.sub(r"^(?:trình độ|chuẩn|chứng chỉ)\s+", "", rest[:m.start()].strip()))
        value: Any = (int(m.group("num")) if m.group("num") else
                      m.group("cefr") or m.group("ab") or m.group("word").lower())
        level_text = m.group(0)
    else:
        value, level_text = None, clean_end(re.split(r"\s+theo quy định", rest)[0])
    if not subject or len(subject.split()) > 6:
        found = [(rest.lower().find(s.lower()), s) for s in _SUBJECTS if s.lower() in rest.lower()]
        subject = min(found)[1] if found else subject
    if value is None and level_text == subject:
        level_text = ""
    return value, level_text, subject


def _low(pct: re.Match) -> int | float | None:
    """The lower bound of a range ("40-50%"); None otherwise (or for "bậc 3 - 25%", where it is no bound)."""
    low = _number(pct.group("low")) if pct.group("low") else None
    return low if low is not None and low < _number(pct.group(2)) else None


def _number(text: str) -> int | float:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _targets_of_clause(text: str, year: int) -> list[dict[str, Any]]:
    masked = mask_parens(text)
    percents = list(_PERCENT_RE.finditer(masked))
    achieves = [m.start() for m in _ACHIEVE_RE.finditer(masked)]
    out = []
    for i, pct in enumerate(percents):
        nxt = percents[i + 1].start() if i + 1 < len(percents) else len(text)
        stop = min([a for a in achieves if a > pct.end()] + [nxt])
        region = text[pct.end():stop]
        outer, conditions = split_parens(region)
        outer = re.sub(r"[\s,;:]*(?:và|hoặc)?[\s,;:]*$", "", outer).strip(" ,;:")
        predicate = _PREDICATE_RE.search(outer) if stop == nxt else None  # no "đạt …": "… được bồi dưỡng"
        if predicate:
            outer, predicate_text = outer[:predicate.start()], clean_end(outer[predicate.start():])  # "được bồi dưỡng"
        cut = _QUALIFIER_RE.search(outer)
        group, qualifier = (outer[:cut.start()], outer[cut.end():]) if cut else (outer, "")
        group = clean_end(group)
        for age in _AGE_RE.finditer(qualifier):
            conditions.append(age.group(0))
        rest = clean_end(_AGE_RE.sub(" ", qualifier))
        if rest:
            conditions.append(collapse_whitespace(rest))
        if not group:
            continue
        if not _PEOPLE_RE.match(group):  # "hỗ trợ 50% học phí", "100% cơ quan": not a group of people
            continue
        # The level stated after this percentage's group, or after a later group of the same clause.
        level: tuple[Any, str, str] | None = None
        after = [a for a in achieves if a > pct.end()]
        if predicate:  # "90% cán bộ được bồi dưỡng, 30% đạt loại giỏi": its own predicate, not the next one's level
            level = (None, predicate_text, "")
        elif after:
            phrase_end = next((p.start() for p in percents if p.start() > after[0]), len(text))
            level = _level(text[after[0]:phrase_end])
        age = re.search(r"(?:dưới|không quá)\s+(\d+)\s+tuổi|(\d+)\s+tuổi\s+trở\s+xuống", region)
        out.append({
            "year": year, "percent": _number(pct.group(2)), "group": group, "group_key": _group_key(group),
            "percent_low": _low(pct),
            "level": level[0] if level else None, "level_text": level[1] if level else "",
            "subject": level[2] if level else "", "conditions": conditions,
            "max_age": int(age.group(1) or age.group(2)) if age else None,
        })
    return out


@fact_kind("target", "targets", "Chỉ tiêu", ("year", "percent", "percent_low", "group", "group_key", "level",
                                             "level_text", "subject", "conditions", "max_age"))
def extract_targets(ctx: Context) -> list[Fact]:
    facts = []
    source = ctx.source
    announced: tuple[Section, int] | None = None  # "Mục tiêu đến năm 2030:" over the bullets that follow
    carried: tuple[Section, int] | None = None  # the year of the last line's targets, for a paragraph going on
    for line, section in ctx.owners:
        text = norm(source[line.start:line.end])
        first_pct = _PERCENT_RE.search(text)
        years = _YEAR_RE.findall(text[:first_pct.start()] if first_pct else text)
        if not first_pct:
            announced = (section, int(years[-1])) if years and text.endswith(":") else None
            carried = None
            continue
        year = int(years[-1]) if years else (announced[1] if announced and announced[0] is section else None)
        if year is None and carried and carried[0] is section and strip_marker(source, line.start, line.end) == line.start:
            # "Phấn đấu đến hết năm 2025, 50% …" then a paragraph "Với viên chức yêu cầu 60% …": the same year
            year = carried[1]
        carried = None
        for sentence_start, sentence_end in sentence_spans(source, line.start, line.end):
            found: list[tuple[int, int, list[dict[str, Any]], bool]] = []  # clause span, targets, states a level
            for s, e in clause_spans(source, sentence_start, sentence_end):
                clause = norm(source[s:e])
                pct = _PERCENT_RE.search(clause)
                if not pct:
                    continue
                own = _YEAR_RE.findall(clause[:pct.start()])  # "…; đến năm 2030: 40% …" starts a new year
                year = int(own[-1]) if own else year
                if year is None:
                    continue
                found.append((s, e, _targets_of_clause(clause, year), bool(_ACHIEVE_RE.search(mask_parens(clause)))))
                carried = (section, year)
            _share_levels(found)
            for s, e, targets, _ in found:
                for data in targets:
                    fact = ctx.fact("target", line, section, strip_marker(source, s, e), e, data)
                    if fact:
                        facts.append(fact)
    return facts


def _share_levels(clauses: list[tuple[int, int, list[dict[str, Any]], bool]]) -> None:
    """"50% cán bộ, công chức ở Trung ương (…); 25% cán bộ, công chức cấp tỉnh (…) đạt trình độ ngoại ngữ bậc 4": a
    ';'-clause that states no level takes the one the next clause of its sentence states."""
    following: dict[str, Any] | None = None
    for _, _, targets, states_level in reversed(clauses):
        if states_level and targets:
            following = targets[0]
        elif following is not None:
            for data in targets:
                if data["level"] is None and not data["level_text"]:
                    data.update(level=following["level"], level_text=following["level_text"],
                                subject=following["subject"])
