"""What a Vietnamese administrative document says about its own grounds and purpose, each with its exact source span.

Decisions, plans and letters open the same way (Nghị định 30/2020/NĐ-CP): after the type heading and the subject,
the issuing authority cites its legal bases, one "Căn cứ …;" line each (laws by name and date, nghị quyết,
nghị định, quyết định, thông báo kết luận by number), a plan the documents it carries out ("Thực hiện Quyết định
số …"), and a decision the proposal it acts on ("Xét đề nghị của Bộ trưởng Bộ Nội vụ,", "Theo đề nghị của Giám
đốc Sở Nội vụ tại Tờ trình số …"). What the document does is its subject's first verb ("Phê duyệt Đề án …",
"Ban hành Kế hoạch …", "Triển khai thực hiện Quyết định …"), or the first verb of its Điều 1.

Web copies break these lines anywhere ("Căn cứ Luật tổ chức Chính phủ ngày" / "19 tháng 6 năm 2015;"): a clause
runs from its cue to the next cue, whatever the line breaks, and is read from its normalised text, whose positions
map back to the source (facts.common.norm_map). Nothing here knows a particular document; odd input gives empty
values and never raises.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .facts.common import mask_parens, norm_map, trim_span
from .structure import Line

# Lines that open a clause of the preamble (and so end the one before).
_CUE_LINE_RE = re.compile(
    r"^(?:Căn cứ|Thực hiện|Triển khai|Xét|Theo đề nghị|Theo|Trên cơ sở|Sau khi|Để|Nhằm|Kính gửi|Nơi nhận"
    r"|QUYẾT ĐỊNH|QUYẾT NGHỊ|Điều\s+\d|Chương\s|[IVX]{1,5}\.\s|\d{1,2}[.)]\s)", re.I)
_BASIS_CUE_RE = re.compile(r"^(?P<cue>Căn cứ|(?:Triển khai\s+)?[Tt]hực hiện)\s+", re.I)
_CONSULTED_CUE_RE = re.compile(r"^(?:Sau khi\s+(?:đã\s+)?(?:thống nhất|thỏa thuận|trao đổi|có ý kiến(?:\s+thống nhất)?)"
                               r"\s+(?:với|của)|Theo ý kiến(?:\s+thống nhất)?\s+của|Có ý kiến thống nhất của)\s+", re.I)
# "Quyết định này có hiệu lực (thi hành) kể từ ngày ký": when the document takes effect.
_EFFECTIVE_RE = re.compile(r"\b(?:quyết định|kế hoạch|thông tư|nghị định|nghị quyết|quy chế|quy định|chỉ thị|văn bản"
                           r"|hướng dẫn|công văn)(?:\s+này)?\s+có hiệu lực(?:\s+thi hành)?\s+(?P<when>(?:kể\s+)?từ\s+"
                           r"(?:ngày\s+ký(?:\s+ban hành)?|ngày\s+\d{1,2}(?:\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}|\s+tháng\s+\d{1,2}"
                           r"\s+năm\s+\d{4})|ngày\s+ban hành))", re.I)
_PROPOSAL_CUE_RE = re.compile(r"^(?:Xét\s+đề nghị|Theo\s+đề nghị|Xét\s+(?=(?:Tờ trình|Công văn|văn bản)\b))\s*(?:của\s+)?",
                              re.I)

# Kinds of documents cited as bases, longest first.
_KINDS = sorted([
    "Hiến pháp", "Bộ luật", "Luật", "Pháp lệnh", "Nghị quyết liên tịch", "Nghị quyết", "Nghị định", "Quyết định",
    "Thông tư liên tịch", "Thông tư", "Chỉ thị", "Thông báo kết luận", "Thông báo", "Kết luận", "Kế hoạch",
    "Công văn", "Văn bản", "Hướng dẫn", "Chương trình", "Quy định", "Đề án", "Tờ trình", "Công điện", "Điều lệ",
], key=len, reverse=True)
# A document number: 101/2017/NĐ-CP, 1659/QĐ-TTg, 26-NQ/TW, 375-KL/TU, 45/TTr-SNV.
_NUMBER = r"\d+[a-zA-Z]?(?:\s*/\s*\d{4})?(?:\s*[-/]\s*[A-ZĐa-zđ][\wĐđ&.]*)+"
_DOC_RE = re.compile(rf"\b(?P<kind>{'|'.join(_KINDS)})\b(?:\s+số)?\s*:?\s*(?P<number>{_NUMBER})?", re.I)
_DATE_RE = re.compile(r"ngày\s+(?P<d>\d{1,2})\s*(?:tháng\s+|[/.-]\s*)(?P<m>\d{1,2})\s*(?:năm\s+|[/.-]\s*)(?P<y>\d{4})",
                      re.I)
_ISSUER_RE = re.compile(r"\bcủa\s+(?P<issuer>.+?)(?=\s+(?:về|quy định|ban hành|Ban hành|phê duyệt|hướng dẫn|sửa đổi"
                        r"|thực hiện|triển khai|tại)\b|\s*[,;(“\"]|$)")
# A law cited by name: "Luật Cán bộ, công chức ngày 13 tháng 11 năm 2008" → "Luật Cán bộ, công chức".
_NAME_END_RE = re.compile(r"\s+(?:ngày|số\s*\d|năm\s+\d{4})|\s*[;(]", re.I)

# What a document does: the first verb of its subject or of its Điều 1.
_ACTIONS = sorted([
    "phê duyệt", "ban hành", "triển khai thực hiện", "tổ chức thực hiện", "triển khai", "thực hiện",
    "sửa đổi, bổ sung", "sửa đổi", "bổ sung", "hướng dẫn", "quy định", "giao", "thành lập", "kiện toàn", "công bố",
    "điều chỉnh", "bãi bỏ", "phân bổ", "tổ chức", "phân công", "ủy quyền", "chấp thuận", "cho phép", "đề nghị",
], key=len, reverse=True)
_ACTION_RE = re.compile(rf"^(?:về\s+việc\s+|v/v\.?\s*:?\s*)?(?P<action>{'|'.join(_ACTIONS)})\s+"
                        r"(?:kèm\s+theo\s+(?:quyết định|văn bản|nghị quyết|thông tư)\s+này\s+)?(?P<object>\S.*)$", re.I)
# Where the object of Điều 1 ends: "(sau đây gọi là …)", "với những nội dung …", "như sau", ":".
_OBJECT_END_RE = re.compile(r"\s*\((?:sau đây|dưới đây|gọi tắt)|\s+(?:với|gồm)\s+(?:những|các|một số)\s+nội dung"
                            r"|\s*,?\s*(?:cụ thể\s+)?như sau|\s*:|\.\s|\.$", re.I)
_ARTICLE_ONE_RE = re.compile(r"^Điều\s+1\s*[.:]\s*", re.I)
_TITLE_RE = re.compile(r"^(?:Bộ trưởng|Thứ trưởng|Giám đốc|Phó Giám đốc|Chủ tịch|Phó Chủ tịch|Thủ trưởng|Viện trưởng"
                       r"|Cục trưởng|Vụ trưởng|Tổng cục trưởng|Chánh Văn phòng|Chánh Thanh tra|Trưởng ban|Tổng Giám đốc"
                       r"|Hiệu trưởng|Giám đốc Học viện|Chủ nhiệm|Tổng Thư ký)\s+", re.I)


@dataclass
class Preamble:
    action: str = ""
    action_object: str = ""
    implements: list[str] = field(default_factory=list)
    proposer: str = ""
    proposer_agencies: list[str] = field(default_factory=list)
    proposal: str = ""
    consulted: str = ""
    effective: str = ""
    legal_bases: list[dict[str, Any]] = field(default_factory=list)
    spans: dict[str, list[int]] = field(default_factory=dict)


def read_preamble(source: str, lines: list[Line], preamble_count: int, subject: str,
                  subject_span: tuple[int, int] | None) -> Preamble:
    """The grounds of a document from its preamble (its first `preamble_count` lines) and the action from Điều 1
    or its subject."""
    out = Preamble()
    head = lines[:preamble_count]
    for start, end in _clauses(head, source):
        text, offsets = norm_map(source[start:end])
        basis = _BASIS_CUE_RE.match(text)
        if basis:
            out.legal_bases += _bases(source, text, offsets, start, basis)
            continue
        proposal = _PROPOSAL_CUE_RE.match(text)
        if proposal and not out.proposer:
            _proposal(out, source, text, offsets, start, proposal.end())
        consulted = _CONSULTED_CUE_RE.match(text)
        if consulted and not out.consulted:
            who = re.split(r"\s*[,;.]\s*(?=[a-zà-ỹđ])|\s*[;.]|,\s*$", text[consulted.end():])[0].strip(" ,.;")
            if who and len(who) <= 200:
                out.consulted = who
                out.spans["consulted"] = list(trim_span(source, start, start + offsets[consulted.end() + len(who)]))
    for line in lines[preamble_count:]:
        text, offsets = norm_map(source[line.start:line.end])
        effective = _EFFECTIVE_RE.search(text)
        if effective:
            out.effective = effective.group("when")
            out.spans["effective"] = list(trim_span(source, line.start + offsets[effective.start()],
                                                    line.start + offsets[effective.end()]))
            break
    if subject:
        _action(out, subject, None, 0, "subject")
        if out.action and subject_span is not None:
            out.spans["action"] = list(subject_span)
    for line in lines[preamble_count:preamble_count + 3]:  # Điều 1 words the action in the document's own case
        text, offsets = norm_map(source[line.start:line.end])
        article = _ARTICLE_ONE_RE.match(text)
        if article:
            _action(out, text, offsets, line.start, "article", start_at=article.end(), source=source)
            break
    implemented = [b["document"] for b in out.legal_bases if b["cue"] != "Căn cứ" and b["number"]]
    if re.search(r"thực hiện|triển khai", out.action, re.I):
        implemented = [f"{m.group('kind')} {_clean_number(m.group('number'))}"
                       for m in _DOC_RE.finditer(out.action_object) if m.group("number")] + implemented
    out.implements = list(dict.fromkeys(_sentence_kind(d) for d in implemented))
    return out


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _clauses(head: list[Line], source: str) -> list[tuple[int, int]]:
    """Source spans of the preamble's clauses: from a cue line to the line before the next cue line."""
    spans: list[tuple[int, int]] = []
    for n, line in enumerate(head):
        if not _CUE_LINE_RE.match(line.text):
            continue
        end = line.end
        for following in head[n + 1:]:
            if _CUE_LINE_RE.match(following.text) or _is_upper(following.text):
                break
            end = following.end
        spans.append((line.start, end))
    return spans


def _clean_number(raw: str) -> str:
    return re.sub(r"\s+", "", raw).rstrip(".,;:)-")


def _sentence_kind(document: str) -> str:
    return document[:1].upper() + document[1:]


def _iso(match: re.Match | None) -> str:
    if not match:
        return ""
    try:
        return dt.date(int(match.group("y")), int(match.group("m")), int(match.group("d"))).isoformat()
    except ValueError:
        return ""


def _items(text: str, start: int) -> list[tuple[int, int]]:
    """The cited documents of a basis clause: cut at ';' and at "và"/"," before another document, once the one
    before has its own number or date ("Luật Cán bộ, công chức và Luật Viên chức ngày …" stays one name)."""
    masked = mask_parens(text)
    items, begin = [], start
    for m in re.finditer(r";|\s*,?\s+và\s+(?=" + "|".join(_KINDS) + r")|,\s+(?=(?:" + "|".join(_KINDS) + r")\b)",
                         masked, re.I):
        if m.start() < begin:
            continue
        piece = text[begin:m.start()]
        if m.group(0) == ";" or _DATE_RE.search(piece) or re.search(_NUMBER, piece):
            items.append((begin, m.start()))
            begin = m.end()
    items.append((begin, len(text)))
    return [(a, b) for a, b in items if text[a:b].strip(" ;,.")]


def _bases(source: str, text: str, offsets: list[int], origin: int, cue: re.Match) -> list[dict[str, Any]]:
    """One basis per document a "Căn cứ …" / "Thực hiện …" clause cites."""
    label = "Căn cứ" if cue.group("cue").lower().startswith("căn cứ") else "Thực hiện"
    body = text
    # "Thực hiện Công văn …, Ủy ban nhân dân thành phố ban hành Kế hoạch …": the bases end where the issuing starts.
    issuing = re.search(r",\s+[^,;]{3,80}?\s+(?:ban hành|xây dựng|hướng dẫn|đề nghị|yêu cầu)\b", body[cue.end():])
    if label == "Thực hiện" and issuing:
        body = body[:cue.end() + issuing.start()]
    out = []
    for a, b in _items(body, cue.end()):
        item = body[a:b].strip()
        lead = len(body[a:b]) - len(body[a:b].lstrip())
        a += lead
        item = re.sub(r"[\s;,.]+$", "", item)
        b = a + len(item)
        if not item:
            continue
        # "Thực hiện nhiệm vụ được giao tại Quyết định số …": the document cited, wherever the clause names it
        doc = _DOC_RE.match(item) or next((m for m in _DOC_RE.finditer(mask_parens(item)) if m.group("number")), None)
        kind, number, document = "", "", ""
        issuer = None
        if doc:
            kind = _sentence_kind(doc.group("kind").lower())
            if doc.group("number"):
                issuer = _ISSUER_RE.search(item)
                number = _clean_number(doc.group("number"))
                document = f"{kind} {number}"
            else:
                name_end = _NAME_END_RE.search(item, doc.end("kind"))
                document = item[:name_end.start() if name_end else len(item)].strip()
        start, end = trim_span(source, origin + offsets[a], origin + offsets[b])
        out.append({"cue": label, "text": item, "document": document, "kind": kind, "number": number,
                    "date": _iso(_DATE_RE.search(item)), "issuer": issuer.group("issuer").strip() if issuer else "",
                    "start": start, "end": end})
    return out


def _proposal(out: Preamble, source: str, text: str, offsets: list[int], origin: int, at: int) -> None:
    """"Xét đề nghị của Bộ trưởng Bộ Nội vụ," → proposer; "… tại Tờ trình số 45/TTr-SNV …" → proposal."""
    rest = text[at:]
    # "Bộ trưởng, Chủ nhiệm Ủy ban Dân tộc": a second title after a comma is the same person's
    stop = re.search(r"\s+tại\s+|\s*[.;]\s*(?!\S*\d)|\s*,\s*(?!\S*\d)(?!(?:Chủ nhiệm|Thủ trưởng|Trưởng ban|"
                     r"Tổng Giám đốc|Viện trưởng|Chánh)\b)|\s+(?=(?:Tờ trình|Công văn|văn bản)\s+số)|$", rest)
    proposer = rest[:stop.start()].strip(" ,.;") if stop else rest.strip(" ,.;")
    submitted = re.search(rf"(?P<kind>Tờ trình|Công văn|văn bản|Báo cáo)\s+(?:số\s*)?(?P<number>{_NUMBER})", rest, re.I)
    if re.match(r"(?:Tờ trình|Công văn|văn bản)\b", proposer, re.I):  # "Xét Tờ trình số 12/TTr-SNV của Sở Nội vụ"
        by = re.search(r"\bcủa\s+(?P<who>.+?)(?=\s+(?:về|ngày)\b|[,.;]|$)", rest)
        proposer = by.group("who").strip() if by else ""
    if not proposer or len(proposer) > 200:
        return
    out.proposer = proposer
    agencies = []
    # "Bộ trưởng Bộ Tài chính và Bộ trưởng Bộ Nội vụ": cut before another title or agency, not inside a name
    # ("Bộ Thông tin và Truyền thông")
    for part in re.split(r"(?:\s+và\s+|\s*,\s*)(?=" + _TITLE_RE.pattern[1:] + r"|(?:Bộ|Sở|Ủy ban|UBND|Văn phòng|Ban"
                         r"|Cục|Tổng cục|Vụ|Viện|Học viện|Trường|Trung tâm|Phòng|Thanh tra)\s+[A-ZĐ])", proposer):
        title = _TITLE_RE.match(part)
        agency = part[title.end():] if title else part
        if agency and agency[:1].isupper():
            agencies.append(agency.strip())
    out.proposer_agencies = agencies
    if submitted:
        out.proposal = f"{submitted.group('kind')[:1].upper()}{submitted.group('kind')[1:]} " \
                       f"{_clean_number(submitted.group('number'))}"
    end = at + (len(rest.rstrip(" ,.;")))
    out.spans["proposer"] = list(trim_span(source, origin, origin + offsets[end]))


def _action(out: Preamble, text: str, offsets: list[int] | None, origin: int, where: str,
            start_at: int = 0, source: str = "") -> None:
    """Action and object from a subject or Điều 1 (read after it, so that its own wording and case win); with
    offsets, the span of the words read."""
    m = _ACTION_RE.match(text[start_at:])
    if not m:
        return
    obj = m.group("object")
    cut = _OBJECT_END_RE.search(obj)
    obj = obj[:cut.start()] if cut else obj
    obj = obj.strip(" ,.;")
    if not obj:
        return
    action = m.group("action")
    out.action = action[:1].upper() + action[1:].lower()
    out.action_object = obj
    out.spans.pop("action", None)
    if offsets is not None:
        first = start_at + m.start("action")
        last = start_at + m.start("object") + len(obj)
        out.spans["action"] = list(trim_span(source, origin + offsets[first], origin + offsets[last]))
