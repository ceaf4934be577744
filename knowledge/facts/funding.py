"""funding: where the money comes from.

Items of a section headed "Kinh phí/Nguồn vốn/Ngân sách …", and sentences mentioning "kinh phí", "ngân sách" or
"nguồn tài trợ" that name a source. Sources are the list after "từ/bằng/do/gồm", split on ";" and before each new
source word; groups are the roles the money is for.

Data: text, sources, source_keys, groups, conditions.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Fact, Section
from ..structure import PREAMBLE
from .agencies import agency_heading
from .common import Context, clean_end, is_heading_line, match_key, roles_in, split_parens
from .registry import fact_kind

_FUNDING_HEAD_RE = re.compile(r"^(?:về\s+)?(?:nguồn\s+)?(?:kinh phí|vốn|ngân sách|tài chính)\b", re.I)
_FUNDING_WORD_RE = re.compile(r"kinh phí|(?<!luật )ngân sách|nguồn tài trợ|nguồn vốn", re.I)
_SOURCE_START = r"(?:các\s+)?(?:nguồn|ngân sách|kinh phí|đóng góp|tài trợ|huy động|xã hội hóa|quỹ|vốn)"
_SOURCE_ANCHOR_RE = re.compile(rf"\b(?:từ|bằng|gồm|bao gồm|do)\s*:?\s+(?={_SOURCE_START}\b)", re.I)
_SOURCE_SPLIT_RE = re.compile(rf"\s*;\s*|\s*,\s*(?={_SOURCE_START}\b)|\s+(?:và|hoặc)\s+(?={_SOURCE_START}\b)", re.I)
_SOURCE_CUT_RE = re.compile(r"\s+(?:theo|cho|để|nhằm|trên cơ sở|trong quá trình|trong phạm vi|nằm trong|bảo đảm|"
                            r"đảm bảo|được)\b", re.I)
_SOURCE_FALLBACK_RE = re.compile(
    r"(?<!luật )(?:dự toán\s+)?ngân sách(?:\s+(?:nhà nước|trung ương|địa phương|tỉnh|thành phố|huyện|xã|cấp \w+))?"
    r"|nguồn tài trợ(?: của [^;.,]+)?|(?<!ý kiến )đóng góp của [^;.]+?(?=;|\.|$| và | theo )|xã hội hóa"
    r"|(?:các\s+)?nguồn (?:vốn\s+)?hợp pháp khác", re.I)
_SOURCE_KEYS = [("tai tro", "tai_tro"), ("dong gop", "dong_gop"), ("xa hoi hoa", "xa_hoi_hoa"),
                ("hop phap khac", "nguon_hop_phap_khac"), ("su nghiep", "don_vi_su_nghiep"),
                ("ngan sach", "ngan_sach"), ("co quan", "co_quan")]


def _source_key(source: str) -> str:
    key = match_key(source)
    for word, name in _SOURCE_KEYS:
        if word in key:
            return name
    return key.replace(" ", "_")


def _funding_data(text: str) -> dict[str, Any]:
    outer, conditions = split_parens(text)
    anchor = _SOURCE_ANCHOR_RE.search(outer)
    sources: list[str] = []
    if anchor:
        subject = outer[:anchor.start()]
        for piece in _SOURCE_SPLIT_RE.split(outer[anchor.end():]):
            piece = clean_end(_SOURCE_CUT_RE.split(piece)[0])
            if piece and piece not in sources:
                sources.append(piece)
    else:
        subject = outer
        for m in _SOURCE_FALLBACK_RE.finditer(outer):
            piece = clean_end(m.group(0))
            if piece and piece not in sources:
                sources.append(piece)
    keys = []
    for src in sources:
        if _source_key(src) not in keys:
            keys.append(_source_key(src))
    return {"text": clean_end(text), "sources": sources, "source_keys": keys, "groups": roles_in(subject),
            "conditions": conditions}


@fact_kind("funding", "funding", "Kinh phí", ("text", "sources", "source_keys", "groups", "conditions"))
def extract_funding(ctx: Context) -> list[Fact]:
    facts = []
    source = ctx.source

    def funding_section(sec: Section) -> bool:
        heading = sec.heading.strip()
        return bool(sec.marker) and agency_heading(heading) is None and (
            bool(_FUNDING_HEAD_RE.match(heading)) or ("kinh phí" in heading.lower() and len(heading.split()) <= 6))

    for line, section in ctx.owners:
        topic = ctx.topic(section, funding_section)
        in_section = topic is not None
        start = line.start
        if is_heading_line(line, section) and section is topic:
            colon = source.find(":", line.start, line.end)
            if colon < 0:
                continue
            start = colon + 1
        for s, e, text in ctx.pieces(line, None if start == line.start else start):
            if not text or not (in_section or (section.path[:1] != [PREAMBLE] and _FUNDING_WORD_RE.search(text))):
                continue
            data = _funding_data(text)
            if in_section or data["sources"]:
                fact = ctx.fact("funding", line, section, s, e, data)
                if fact:
                    facts.append(fact)
    return facts
