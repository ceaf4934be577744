"""eligibility: who a document applies to, and who it leaves out.

Items (a), (i), "-" bullets, body sentences) of a section headed "Đối tượng …"; a heading with "không áp
dụng/không thuộc/loại trừ" marks them excluded. Elsewhere, sentences "… không áp dụng đối với X" and "X không
thuộc đối tượng …" give excluded facts.

Data: applies, who, conditions, roles, workplaces.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Fact, Section
from ..structure import Line
from .agencies import mentioned_agencies
from .common import Context, clean_end, is_heading_line, opens_with_phase, roles_in, split_parens
from .registry import fact_kind

# Generic workplaces named in "who is covered" items.
_WORKPLACES = ["cơ quan hành chính", "cơ quan nhà nước", "đơn vị sự nghiệp công lập", "tổ chức chính trị - xã hội",
               "doanh nghiệp nhà nước", "trường đại học", "viện nghiên cứu", "cơ sở đào tạo, bồi dưỡng",
               "bộ, ngành", "địa phương", "xã, phường, thị trấn"]

_ELIGIBILITY_HEAD_RE = re.compile(r"^(?:phạm vi(?: điều chỉnh)?\s*(?:,|và)\s*)?đối tượng\b", re.I)
_EXCLUDED_HEAD_RE = re.compile(r"không\s+(?:áp dụng|thuộc)|loại trừ|ngoài đối tượng", re.I)
_NOT_APPLY_RE = re.compile(r"không áp dụng\s+(?:đối với|cho)\s+(?P<who>.+)", re.I)
_NOT_COVERED_RE = re.compile(r"^(?P<who>.+?)\s+không thuộc\s+(?:đối tượng|phạm vi)", re.I)
_ABBR_PAREN_RE = re.compile(r"^[A-ZĐ0-9&\-]{2,10}$")


def _is_eligibility(section: Section) -> bool:
    return bool(_ELIGIBILITY_HEAD_RE.match(section.heading.strip()))


def _eligibility_data(text: str, applies: bool) -> dict[str, Any]:
    outer, inner = split_parens(text)
    conditions = [p for p in inner if not _ABBR_PAREN_RE.match(p)]
    workplaces = mentioned_agencies(outer)
    lower = outer.lower()
    for place in _WORKPLACES:
        at = lower.find(place)
        if at >= 0 and not any(place in w.lower() for w in workplaces):
            workplaces.append(outer[at:at + len(place)])
    return {"applies": applies, "who": clean_end(outer), "conditions": conditions,
            "roles": roles_in(text), "workplaces": workplaces}


def _eligibility_items(ctx: Context, line: Line, section: Section, topic: Section) -> list[Fact]:
    """One fact per sentence or item of a line inside an "Đối tượng …" section."""
    source = ctx.source
    applies = not _EXCLUDED_HEAD_RE.search(topic.heading)
    start = line.start
    if is_heading_line(line, section) and section is topic:  # "2. Đối tượng áp dụng: cán bộ, …"
        colon = source.find(":", line.start, line.end)
        if colon < 0:
            return []
        start = colon + 1
    facts = []
    for s, e, text in ctx.pieces(line, None if start == line.start else start):
        if not text or text.endswith(":") or opens_with_phase(text):
            continue
        facts.append(ctx.fact("eligibility", line, section, s, e, _eligibility_data(text, applies)))
    return facts


def _exclusion_sentences(ctx: Context, line: Line, section: Section) -> list[Fact]:
    """"… không áp dụng đối với X" / "X không thuộc đối tượng …" anywhere else."""
    facts = []
    for s, e, text in ctx.pieces(line):
        m = _NOT_APPLY_RE.search(text) or _NOT_COVERED_RE.search(text)
        if m and clean_end(m.group("who")) and not text.endswith(":"):
            facts.append(ctx.fact("eligibility", line, section, s, e, _eligibility_data(m.group("who"), False)))
    return facts


@fact_kind("eligibility", "eligibility", "Đối tượng", ("applies", "who", "conditions", "roles", "workplaces"))
def extract_eligibility(ctx: Context) -> list[Fact]:
    facts: list[Fact | None] = []
    for line, section in ctx.owners:
        topic = ctx.topic(section, _is_eligibility)
        if topic is not None:
            facts.extend(_eligibility_items(ctx, line, section, topic))
        else:
            facts.extend(_exclusion_sentences(ctx, line, section))
    return [f for f in facts if f is not None]
