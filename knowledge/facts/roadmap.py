"""roadmap: sentences starting with a dated phase.

"Năm 2020:", "Năm 2021 - 2025:", "Giai đoạn 2021-2025", "Thời gian thực hiện: Từ năm 2020 đến hết năm 2030",
"Trong 5 năm (2016 - 2020), …"; inside a "Lộ trình/Tiến độ" section also "Đến năm YYYY".

Data: start_year, end_year, text.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Fact
from .common import PHASE_RES, YEAR_SPAN, Context, clean_end
from .registry import fact_kind

_ROADMAP_ONLY_RE = re.compile(rf"^(?:đến|trước)\s+(?:hết\s+)?(?:năm\s+)?{YEAR_SPAN}\s*[:,]", re.I)
_ROADMAP_HEAD_RE = re.compile(r"lộ trình|tiến độ|thời gian thực hiện|thời gian triển khai", re.I)


def roadmap_data(text: str, in_roadmap_section: bool) -> dict[str, Any] | None:
    patterns = PHASE_RES + ([_ROADMAP_ONLY_RE] if in_roadmap_section else [])
    for pattern in patterns:
        m = pattern.match(text)
        if m:
            start = int(m.group("y1"))
            end = int(m.group("y2")) if m.group("y2") else start
            return {"start_year": start, "end_year": end, "text": clean_end(text) + ("." if text.endswith(".") else "")}
    return None


@fact_kind("roadmap", "roadmap", "Lộ trình", ("start_year", "end_year", "text"))
def extract_roadmap(ctx: Context) -> list[Fact]:
    facts = []
    for line, section, s, e, text in ctx.sentences():
        in_section = ctx.topic(section, lambda sec: bool(_ROADMAP_HEAD_RE.search(sec.heading))) is not None
        data = roadmap_data(text, in_section)
        if data:
            fact = ctx.fact("roadmap", line, section, s, e, data)
            if fact:
                facts.append(fact)
    return facts
