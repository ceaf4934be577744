"""duty: what each agency must do.

(a) Body sentences and items of a section whose heading names agencies ("1. Sở Nội vụ:", "Đối với các Bộ,
ngành …"), under a heading such as "Tổ chức thực hiện/Phân công/Trách nhiệm"; (b) any sentence that starts (or
starts after a short adverbial clause such as "Trong quá trình …,") with an agency name followed by a duty verb
("chủ trì", "phối hợp", "làm đầu mối", …).

(c) In a letter, what follows a request ("Bộ Nội vụ đề nghị Ủy ban nhân dân các tỉnh … (sau đây gọi chung là địa
phương) thực hiện … như sau:") up to its closing part, as the addressee's duties (but for what (a) or (b) gives to
another agency).

Data: agency, agencies, agency_key, duty, rule ("heading", "sentence" or "request"). agency_key is diacritic-free
lower-case words, for matching.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Fact, Section
from ..structure import CLOSING, PREAMBLE
from .agencies import ALIAS_RE, AGENCY_HEAD_RE, agency_clause, agency_end, agency_heading, agency_prefix
from .common import ITEM_RANK, Context, clean_end, is_heading_line, match_key, strip_marker, trim_span
from .registry import fact_kind

_LEAD_CLAUSE_RE = re.compile(
    r"(?:Trong|Năm|Hằng năm|Hàng năm|Căn cứ|Định kỳ|Sau khi|Trước|Từ|Đến|Khi|Để)\b[^,;:.]{0,120},\s+")
_DUTY_CONTEXT_RE = re.compile(r"tổ chức thực hiện|phân công|trách nhiệm|nhiệm vụ|triển khai|giải pháp", re.I)

# A letter's request: "Bộ Nội vụ đề nghị Ủy ban nhân dân các tỉnh … (sau đây gọi chung là địa phương) thực hiện …
# như sau:" — what follows is what the addressee is asked to do.
_REQUEST_RE = re.compile(r"\s+(?:trân trọng\s+)?(?:đề nghị|yêu cầu|giao)\s+", re.I)


def _request(text: str) -> list[str] | None:
    """The addressee (and its alias) of a sentence that asks an agency for what the list after it says."""
    if not text.endswith(":") or agency_prefix(text) is None:
        return None
    asked = _REQUEST_RE.search(text)
    if asked is None or len(text[:asked.start()].split()) > 12 or agency_prefix(text, asked.end()) is None:
        return None
    name_end = agency_end(text, asked.end())
    if name_end is None:
        return None
    name = clean_end(text[asked.end():name_end])
    alias = ALIAS_RE.match(text, name_end)
    return [name] + ([clean_end(alias.group(1))] if alias else [])


def _duty_data(agency: str, agencies: list[str], duty: str, rule: str) -> dict[str, Any]:
    return {"agency": agency, "agencies": agencies, "agency_key": match_key(re.sub(r"^[Cc]ác\s+", "", agency)),
            "duty": duty, "rule": rule}


@fact_kind("duty", "duties", "Nhiệm vụ", ("agency", "agencies", "agency_key", "duty", "rule"))
def extract_duties(ctx: Context) -> list[Fact]:
    facts: list[Fact] = []
    source = ctx.source
    taken: set[tuple[int, int]] = set()
    # (b) sentences that start with an agency and a duty verb.
    for line, section, s, e, text in ctx.sentences():
        if section.path[:1] == [PREAMBLE]:
            continue
        lead = _LEAD_CLAUSE_RE.match(text)
        clause = agency_clause(text) or (agency_clause(text[lead.end():]) if lead else None)
        if clause is None:
            continue
        fact = ctx.fact("duty", line, section, s, e,
                        _duty_data(clause.agency, clause.agencies, clause.duty, "sentence"))
        if fact:
            facts.append(fact)
            taken.add((fact.start, fact.end))

    # (a) bodies of sections whose heading names agencies.
    def agency_section(sec: Section) -> bool:
        if not sec.marker or agency_heading(sec.heading) is None:
            return False
        if AGENCY_HEAD_RE.match(sec.heading.strip()):
            return True
        parent = ctx.parent(sec)
        while parent is not None:
            if _DUTY_CONTEXT_RE.search(parent.heading):
                return True
            parent = ctx.parent(parent)
        return False

    for line, section in ctx.owners:
        topic = ctx.topic(section, agency_section, items=True)
        if topic is None:
            continue
        agencies, inline = agency_heading(topic.heading) or ([], "")
        if not agencies:
            continue
        if is_heading_line(line, section) and section is topic:
            if inline:
                s, e = trim_span(source, strip_marker(source, line.start, line.end), line.end)
                if (s, e) not in taken:
                    fact = ctx.fact("duty", line, section, s, e, _duty_data(agencies[0], agencies, inline, "heading"))
                    if fact:
                        facts.append(fact)
            continue
        for s, e, text in ctx.pieces(line):
            if not text or text.endswith(":") or trim_span(source, s, e) in taken:
                continue
            fact = ctx.fact("duty", line, section, s, e, _duty_data(agencies[0], agencies, clean_end(text), "heading"))
            if fact:
                facts.append(fact)
                taken.add((fact.start, fact.end))

    # (c) what a letter asks its addressee to do: the items after the request, up to the closing part.
    # A request in the opening (a letter's) runs to the closing part; one inside a section, to that section's end.
    asked: list[str] | None = None
    scope: list[str] = []
    with_body = {id(section) for line, section in ctx.owners if not is_heading_line(line, section)}
    for line, section in ctx.owners:
        if section.path[:1] == [CLOSING]:
            break
        if asked is None:
            asked = next((_request(text) for _, _, text in ctx.pieces(line) if _request(text)), None)
            scope = [] if section.path[:1] == [PREAMBLE] else list(section.path)
            continue
        if section.path[:len(scope)] != scope:
            asked = None
            continue
        if is_heading_line(line, section) and section.rank < ITEM_RANK and (
                section.children or id(section) in with_body):
            continue  # "1. Về đào tạo, bồi dưỡng": a topic over its items or text, not a request
        for s, e, text in ctx.pieces(line):
            if not text or text.endswith(":") or trim_span(source, s, e) in taken:
                continue
            fact = ctx.fact("duty", line, section, s, e, _duty_data(asked[0], asked, clean_end(text), "request"))
            if fact:
                facts.append(fact)
    return facts
