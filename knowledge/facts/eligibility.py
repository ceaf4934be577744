"""eligibility: who a document applies to, and who it leaves out.

Documents say it in three layouts, often mixed in one text:

sections
    The items (a), (i), "-" bullets, body sentences) of a section headed "Đối tượng …" ("Đối tượng áp dụng",
    "Đối tượng bồi dưỡng", "Phạm vi, đối tượng", "Đối tượng, phạm vi áp dụng"); a heading with "không áp
    dụng/không thuộc/loại trừ" ("Đối tượng không áp dụng", "Không áp dụng đối với các đối tượng") marks them
    excluded. A heading that names the groups among other topics ("I. MỤC ĐÍCH, YÊU CẦU, ĐỐI TƯỢNG") holds
    them as items that start with the people meant ("a) Cán bộ …", "- Viên chức …").
running text
    A cue, and the ";"-list after it: "Đối tượng áp dụng (của Đề án) gồm/là: A; B", "Kế hoạch này áp dụng đối
    với A", "(Kế hoạch) không áp dụng đối với/cho/với (các đối tượng sau:) C; D"; or before it: "A, B là các
    đối tượng được áp dụng …", "C không thuộc đối tượng …". One sentence may hold both lists.
announced lists
    A cue whose list is only announced ("… không áp dụng đối với các đối tượng sau:", "cụ thể đối tượng áp
    dụng là:") gives its polarity to the list items or bullets that follow it, whatever the section's own.

A sentence's own cue wins over an announcement, which wins over its section's heading. Each list part is its
own fact: the first quotes from its cue, the next ones their own clause. A document that says nothing else about
whom it covers is read for the group its subject names ("Kế hoạch … đối với công chức, viên chức Bộ Tư pháp …",
outside a quoted scheme's name): that fact quotes the subject and has basis "subject".

Data: applies, who, conditions, roles, workplaces (and basis, for a group read from the subject).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..model import Fact, Section
from ..structure import Line
from .agencies import mentioned_agencies
from .common import (ITEM_RANK, Context, clause_spans, clean_end, is_heading_line, mask_parens, norm, norm_map,
                     opens_with_phase, roles_in, split_parens, strip_marker)
from .registry import fact_kind

# Generic workplaces named in "who is covered" items.
_WORKPLACES = ["cơ quan hành chính", "cơ quan nhà nước", "đơn vị sự nghiệp công lập", "tổ chức chính trị - xã hội",
               "doanh nghiệp nhà nước", "trường đại học", "viện nghiên cứu", "cơ sở đào tạo, bồi dưỡng",
               "bộ, ngành", "địa phương", "xã, phường, thị trấn"]

# A section about who is covered: "Đối tượng …", "Phạm vi (điều chỉnh|áp dụng), đối tượng …".
_ELIGIBILITY_HEAD_RE = re.compile(r"^(?:phạm vi(?: điều chỉnh| áp dụng)?\s*(?:,|và)\s*)?đối tượng\b", re.I)
# … or who is not: "Đối tượng không áp dụng", "Không áp dụng đối với các đối tượng", "Trường hợp loại trừ".
_EXCLUDED_HEAD_RE = re.compile(r"không\s+(?:áp dụng|thuộc)|loại trừ|ngoài đối tượng", re.I)
_EXCLUSION_HEAD_RE = re.compile(
    r"^(?:(?:các\s+|những\s+)?(?:đối tượng|trường hợp)\s+)?(?:không\s+(?:áp dụng|thuộc)|loại trừ)\b", re.I)
# One topic of a heading that lists several ("MỤC ĐÍCH, YÊU CẦU, ĐỐI TƯỢNG", "MỤC TIÊU, ĐỐI TƯỢNG VÀ YÊU CẦU").
_TOPIC_SPLIT_RE = re.compile(r"\s*(?:,|;|\bvà\b)\s*", re.I)
_TOPIC_RE = re.compile(r"^(?:phạm vi\s+)?đối tượng(?:\s+(?:áp dụng|bồi dưỡng|đào tạo|tham gia|thực hiện))?$", re.I)

_ABBR_PAREN_RE = re.compile(r"^[A-ZĐ0-9&\-]{2,10}$")

# Words that open a group of people: the start of a covered-group item, and what a list part must name.
_PEOPLE_START_RE = re.compile(
    r"^(?:(?:các|những|toàn bộ|toàn thể|đội ngũ|số)\s+)*(?:cán bộ|công chức|viên chức|giảng viên|giáo viên|nhà giáo"
    r"|chuyên gia|báo cáo viên|người|lãnh đạo|thủ trưởng|học viên|sinh viên|nhân viên|đại biểu|thành viên|hội viên"
    r"|đoàn viên|sĩ quan|quân nhân|chiến sĩ|(?-i:CBCCVC|CBCNVC|CBCC|CCVC|CBCS|CB|CC|VC))\b", re.I)
_PEOPLE_RE = re.compile(_PEOPLE_START_RE.pattern.replace("^", r"\b", 1), re.I)

# The document as the subject of a cue: "Kế hoạch này", "Đề án", "Quyết định này".
_DOCUMENT = (r"(?:kế hoạch|đề án|chương trình|quyết định|quy chế|quy định|hướng dẫn|thông tư|nghị định|văn bản)"
             r"(?:\s+này)?\s*")
# What opens the list after "đối tượng …": "là", "gồm", "bao gồm:", ":".
_LISTS = r"(?:(?:là|gồm|bao gồm|gồm có)\b\s*:?|:)\s*"
# Cues before a list, and the polarity they give it.
_CUES = [
    (False, re.compile(rf"(?:{_DOCUMENT})?(?:thì\s+|sẽ\s+)?không\s+(?:được\s+)?áp dụng\s+(?:đối với|cho|với)\s*:?\s*",
                       re.I)),
    (False, re.compile(rf"(?:các\s+|những\s+)?(?:đối tượng|trường hợp)\s+không\s+(?:được\s+)?áp dụng\s*{_LISTS}", re.I)),
    (True, re.compile(r"(?:(?:các\s+|những\s+)?đối tượng\s+(?:được\s+)?(?:áp dụng|điều chỉnh|bồi dưỡng|đào tạo"
                      rf"|tham gia|thực hiện|học tập|được cử)(?:\s+[^\s,;:.()]+){{0,3}}?(?:\s+(?:của|trong)\s+{_DOCUMENT})?"
                      rf"|đối tượng\s+(?:của|trong)\s+"
                      rf"{_DOCUMENT})\s*{_LISTS}", re.I)),
    # "Các đối tượng là …", "Đối tượng gồm: …": which way, the section or an announcement says (applies if neither)
    (None, re.compile(rf"^(?:các\s+|những\s+)?đối tượng\s*{_LISTS}", re.I)),
    # "Đối tượng làm công tác tín ngưỡng, tôn giáo gồm: …": the groups a sentence opens with, described
    (None, re.compile(r"^(?:các\s+|những\s+)?đối tượng\s+(?![^:;.]*\bkhông\b)[^:;.]{1,80}?\s+(?:bao gồm|gồm có|gồm)\s*:\s*",
                      re.I)),
    (True, re.compile(rf"{_DOCUMENT}(?:được\s+)?dành\s+cho\s*:?\s*", re.I)),
    (True, re.compile(rf"{_DOCUMENT}(?:được\s+)?áp dụng\s+(?:đối với|cho|với)\s*:?\s*", re.I)),
]
# Cues after a list: "A là các đối tượng được áp dụng …", "C không thuộc đối tượng …".
_AFTER_CUES = [
    (False, re.compile(r"\s+không\s+thuộc\s+(?:đối tượng|phạm vi)\b", re.I)),
    (True, re.compile(r"\s+(?:là|thuộc)\s+(?:các\s+|những\s+)?đối tượng\s+(?:được\s+)?(?:áp dụng|thuộc phạm vi"
                      r"|điều chỉnh|của\s+(?:kế hoạch|đề án|chương trình|quyết định))\b", re.I)),
]
# An adverbial clause before the list of a cue-after sentence: "Theo đó, A là …".
_LEAD_RE = re.compile(r"^(?:theo đó|như vậy|cụ thể|trong đó|ngoài ra|bên cạnh đó)\s*,?\s*", re.I)
# A list only announced: "các đối tượng sau (đây)", "những trường hợp sau", "như sau", or nothing at all.
_PLACEHOLDER_RE = re.compile(
    r"^(?:(?:các|những)\s+)?(?:(?:đối tượng|trường hợp|người|nhóm)(?:\s+cụ thể)?(?:\s+(?:sau|sau đây|dưới đây))?"
    r"|sau đây|như sau|cụ thể như sau)?\s*[:.]?$", re.I)
# … or announced and given at once: "không áp dụng đối với các đối tượng sau: A; B".
_ANNOUNCEMENT_RE = re.compile(
    r"(?:(?:các|những)\s+)?(?:đối tượng|trường hợp|người|nhóm)(?:\s+cụ thể)?(?:\s+(?:sau|sau đây|dưới đây))?\s*:\s*",
    re.I)
_BULLET_LINE_RE = re.compile(r"[-+•*–—]")
# A sentence saying what people must do, not who they are ("Cán bộ được cử đi học phải …"): no group of a list.
_DOES_RE = re.compile(r"\b(?:phải|có trách nhiệm|chịu trách nhiệm|được cử|cần|sẽ|đăng ký|hoàn thành)\b", re.I)


def _heading_polarity(heading: str) -> tuple[bool, bool] | None:
    """(applies, mixed) for a section about eligibility; None for any other section.

    mixed: the heading names the groups among other topics, so only items that start with people are groups."""
    text = heading.strip()
    if _EXCLUSION_HEAD_RE.match(text):
        return False, False
    topics = [t for t in _TOPIC_SPLIT_RE.split(text.rstrip(" .:")) if t]
    mixed = len(topics) > 1 and any(_TOPIC_RE.match(t) for t in topics)
    if _ELIGIBILITY_HEAD_RE.match(text):
        # "Phạm vi, đối tượng", "Đối tượng, phạm vi áp dụng": a line may say where, not who
        return not _EXCLUDED_HEAD_RE.search(text), mixed or "phạm vi" in text.lower()
    return (True, True) if mixed else None


def _is_eligibility(section: Section) -> bool:
    return _heading_polarity(section.heading) is not None


def _eligibility_data(text: str, applies: bool) -> dict[str, Any]:
    outer, inner = split_parens(text)
    # not an abbreviation ("(PCTP)") nor another name of the same unit ("Ban (Phòng) Tôn giáo")
    conditions = [p for p in inner if not _ABBR_PAREN_RE.match(p)
                  and not (len(p.split()) <= 3 and all(w[0].isupper() for w in p.split()))]
    workplaces = mentioned_agencies(outer)
    lower = outer.lower()
    for place in _WORKPLACES:
        at = lower.find(place)
        if at >= 0 and not any(place in w.lower() for w in workplaces):
            workplaces.append(outer[at:at + len(place)])
    return {"applies": applies, "who": clean_end(outer), "conditions": conditions,
            "roles": roles_in(text), "workplaces": workplaces}


def _names_people(text: str) -> bool:
    return bool(_PEOPLE_RE.search(text) or roles_in(text))


@dataclass
class _Cue:
    applies: bool | None  # None: the section or an announcement decides
    start: int  # where the cue starts in the sentence's normalised text
    end: int  # where its list starts (a cue before its list); = start for a cue after its list
    before: bool  # the list follows the cue


def _cues(text: str) -> list[_Cue]:
    """The cues of a sentence's normalised text outside parentheses, in order, none inside another."""
    masked = mask_parens(text)
    found = [_Cue(applies, m.start(), m.end(), True) for applies, pattern in _CUES for m in pattern.finditer(masked)]
    for applies, pattern in _AFTER_CUES:
        m = pattern.search(masked)
        if m:
            found.append(_Cue(applies, m.start(), m.start(), False))
    found.sort(key=lambda c: (c.start, -c.end))
    kept: list[_Cue] = []
    for cue in found:
        if not kept or cue.start >= kept[-1].end:
            kept.append(cue)
    return kept


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _is_placeholder(text: str) -> bool:
    return bool(_PLACEHOLDER_RE.match(text.strip()))


# ", gồm 4 nhóm đối tượng sau:", "bao gồm các nhóm sau:" closing a sentence that names people
_GROUPS_FOLLOW_RE = re.compile(r"[,;]?\s*(?:bao gồm|gồm(?: có)?)\s+(?:\d+\s+|các\s+|những\s+)?(?:nhóm\s*)?(?:đối tượng\s*)?"
                               r"(?:như\s+)?sau\s*:$", re.I)


class _Reader:
    """The eligibility facts of one document, read line by line, remembering a list a cue has announced."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.facts: list[Fact] = []
        self.announced: bool | None = None  # the polarity of a list a cue has announced
        self.running: tuple[int, bool] | None = None  # (line, polarity) of a list in running text a sentence ended

    def add(self, line: Line, section: Section, start: int, end: int, who: str, applies: bool) -> None:
        if not clean_end(who) or _is_placeholder(who):
            return
        fact = self.ctx.fact("eligibility", line, section, start, end, _eligibility_data(who, applies))
        if fact is not None:
            self.facts.append(fact)

    def line(self, line: Line, section: Section) -> None:
        ctx, source = self.ctx, self.ctx.source
        topic = ctx.topic(section, _is_eligibility)
        polarity = _heading_polarity(topic.heading) if topic is not None else None
        if self.announced is not None:
            if self.continues(line, section):
                polarity = (self.announced, False)
            else:
                self.announced = None
        if _is_upper(line.text) and not is_heading_line(line, section):
            return  # the rest of a heading broken over lines ("I. ĐỐI TƯỢNG, PHẠM" / "VI ÁP DỤNG")
        start = line.start
        if is_heading_line(line, section) and section is topic:
            # "2. Đối tượng áp dụng: cán bộ, …": the list after the colon. Without one, only a heading that is a
            # statement ("2. Không áp dụng đối với người lao động hợp đồng.") says who.
            colon = source.find(":", line.start, line.end)
            if colon >= 0:
                start = colon + 1
            elif not _cues(norm(source[strip_marker(source, line.start, line.end):line.end])):
                return
        for s, e, text in ctx.pieces(line, None if start == line.start else start):
            self.sentence(line, section, s, e, text, polarity)

    def _goes_on(self, end: int, line: Line) -> bool:
        """A sentence right after the list's last one: in its paragraph, or opening the next paragraph."""
        between = self.ctx.source[end:line.start] if end <= line.start else ""
        return end > line.start or not between.strip(" .;\n\t")

    def continues(self, line: Line, section: Section) -> bool:
        """Whether a line goes on with an announced list: an item's own line (a), (i)) or a bullet (-, +)."""
        if _BULLET_LINE_RE.match(self.ctx.source, line.start):
            return True
        return section.rank >= ITEM_RANK and is_heading_line(line, section)

    def sentence(self, line: Line, section: Section, s: int, e: int, text: str,
                 polarity: tuple[bool, bool] | None) -> None:
        """Facts of one sentence: by its own cues, else by the polarity (applies, mixed) an announcement or its
        section gives it."""
        cues = _cues(text)
        for cue in cues:
            if cue.applies is None:
                cue.applies = polarity[0] if polarity is not None else True
        running, self.running = self.running, None
        if not cues and running and self._goes_on(running[0], line) and _PEOPLE_START_RE.match(text) \
                and not _DOES_RE.search(text):
            # "Theo Đề án, đối tượng được đào tạo là A gồm: …. Cán bộ, công chức … gồm: …. Cán bộ kiêm nhiệm …: …":
            # the next sentences of the paragraph that name people go on with the list
            cues = [_Cue(running[1], 0, 0, True)]
        if cues:
            self.by_cues(line, section, s, e, cues)
            if cues[-1].before and self.announced is None:
                self.running = (e, cues[-1].applies)
            return
        if polarity is not None and text.endswith(":") and _PEOPLE_START_RE.match(text):
            # "Cán bộ, công chức … trực tiếp theo dõi công tác dân tộc; …, gồm 4 nhóm đối tượng sau:": the groups
            # named before the announced list are whom it covers too
            lead = _GROUPS_FOLLOW_RE.search(text)
            if lead and lead.start() > 0:
                self.add(line, section, s, s + len(text[:lead.start()]), text[:lead.start()], polarity[0])
            return
        if polarity is None or not text or text.endswith(":") or opens_with_phase(text):
            return
        applies, mixed = polarity
        if mixed and not _PEOPLE_START_RE.match(text):
            return
        self.add(line, section, s, e, text, applies)

    def by_cues(self, line: Line, section: Section, s: int, e: int, cues: list[_Cue]) -> None:
        source = self.ctx.source
        text, offsets = norm_map(source[s:e])
        self.announced = None  # a cue starts a new list
        done = 0  # the end of the text read so far
        for n, cue in enumerate(cues):
            if not cue.before:
                lead = _LEAD_RE.match(text, done)
                start = lead.end() if lead else done
                self.add(line, section, s + offsets[start], e, text[start:cue.start], cue.applies)
                done = len(text)
                continue
            stop = cues[n + 1].start if n + 1 < len(cues) else len(text)
            if _is_placeholder(text[cue.end:stop]):
                self.announced = cue.applies
            else:
                quote_from = s if done == 0 else s + offsets[cue.start]
                announced = _ANNOUNCEMENT_RE.match(text, cue.end, stop)
                listed = announced.end() if announced else cue.end
                opened = bool(re.search(r"\bgồm(?: có)?\s*:?\s*$", text[cue.start:cue.end]))
                for k, (a, b) in enumerate(_groups(source, s + offsets[listed], s + offsets[stop], cue.applies, opened)):
                    self.add(line, section, quote_from if k == 0 else a, b, norm(source[a:b]), cue.applies)
            done = stop


def unit_of_group(part: str, group: str, listed: bool = False) -> bool:
    """A ';'-part naming no one goes on with the group before it when that group enumerates its units ("… gồm: Ban
    Tôn giáo Chính phủ; Phòng Nội vụ") or the list was opened with "gồm:" (listed)."""
    return not _names_people(part) and (listed or re.search(r"\bgồm\b|:", group) is not None)


def _groups(source: str, start: int, end: int, applies: bool, listed: bool = False) -> list[tuple[int, int]]:
    """The ';'-parts of a list that are groups of people. A part naming no one goes on with a group that enumerates
    its units ("công chức làm công tác tôn giáo ở … gồm: Ban Tôn giáo Chính phủ; Ban Tôn giáo thuộc Sở Nội vụ;
    Phòng Nội vụ"), or, in a list a cue opened with "gồm:" (listed), the group before it ("Đối tượng … gồm: Công chức
    … của Ban Tôn giáo Chính phủ; cơ quan chuyên môn … thuộc UBND tỉnh"); else a covered part must name people."""
    groups: list[tuple[int, int]] = []
    for a, b in clause_spans(source, start, end):
        who = norm(source[a:b])
        if applies and groups and unit_of_group(who, source[groups[-1][0]:groups[-1][1]], listed):
            groups[-1] = (groups[-1][0], b)
            continue
        if applies and not _names_people(who):
            continue
        groups.append((a, b))
    return groups


# "Kế hoạch đào tạo … đối với công chức, viên chức Bộ Tư pháp giai đoạn 2021-2025": whom a subject names, outside
# the quoted name of another scheme, up to its period.
_SUBJECT_WHO_RE = re.compile(r"\b(?:cho|đối với)\s+(?P<who>.+?)(?=\s+(?:giai đoạn|trong giai đoạn|đến năm|năm\s+\d{4}"
                             r"|từ năm|nhằm|để)\b|[.;“\"]|$)", re.I)


# A plan a page's lead says was issued, up to the end of its sentence (not a purpose: "Đề án nhằm … cho …").
_LEAD_PLAN_RE = re.compile(r"(?:(?<=ban hành )|(?<=phê duyệt )|(?<=triển khai )|(?<=vừa có )|(?<=đã ra ))"
                           r"(?:[Kk]ế hoạch|[Đđ]ề án|[Cc]hương trình|[Cc]hỉ thị|[Qq]uyết định)\b[^.;\n]{0,200}")
LEAD_CHARS = 600


def _from_subject(ctx: Context) -> Fact | None:
    """A document whose text says nothing else about whom it covers: the group its subject names, or for a page
    with no header, its headline ("Bồi dưỡng kiến thức dân tộc cho cán bộ, công chức, viên chức tỉnh X")."""
    info = ctx.doc.info
    span = (info.spans or {}).get("subject") if info else None
    candidates = [(info.subject, span)] if info and info.subject and span else []
    if not candidates:
        headline = re.match(r"\s*([^\n]{10,200})\n", ctx.source)
        if headline and not re.search(r"[.:]\s|[.:]$", headline.group(1).strip()):  # a headline, not a sentence
            candidates.append((headline.group(1), headline.span(1)))
        # a news page's lead: "UBND tỉnh vừa ban hành Kế hoạch bồi dưỡng … cho cán bộ, công chức, viên chức …"
        lead = _LEAD_PLAN_RE.search(ctx.source[:LEAD_CHARS])
        if lead:
            candidates.append((lead.group(0), lead.span()))
    for subject, span in candidates:
        fact = _subject_group(ctx, subject, span)
        if fact is not None:
            return fact
    return None


def _subject_group(ctx: Context, subject: str, span: tuple[int, int]) -> Fact | None:
    # the name of another scheme, in quotes (also one whose closing quote a page lost)
    outside = re.sub(r"“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)", lambda m: "#" * len(m.group(0)), subject)
    m = _SUBJECT_WHO_RE.search(outside)
    if not m:
        return None
    who = subject[m.start("who"):m.end("who")]
    if not roles_in(who) or not _PEOPLE_START_RE.match(who):
        return None
    return _inferred(ctx, who, span[0], span[1], "subject")


def _inferred(ctx: Context, who: str, start: int, end: int, basis: str) -> Fact | None:
    """A covered group read from what a text is about (its subject, its purpose), quoting the source span."""
    owner = ctx.owner_at(start)
    if owner is None:
        return None
    data = _eligibility_data(who, True)
    data["basis"] = basis
    return ctx.fact("eligibility", owner[0], owner[1], start, end, data)


# "Kế hoạch nhằm … nâng cao trình độ … cho đội ngũ cán bộ, công chức, viên chức làm công tác dân tộc; Bồi dưỡng kỹ năng
# … cho đội ngũ cán bộ, công chức, viên chức tiếp xúc …": whom an opening says the training is for, up to a purpose or
# a period.
_PURPOSE_WHO_RE = re.compile(
    r"\b(?:bồi dưỡng|đào tạo|trang bị|nâng cao|cập nhật)\b[^.;:]{0,200}?\bcho\s+(?P<who>(?:đội ngũ\s+)?"
    r"(?:cán bộ|công chức|viên chức|(?-i:CBCCVC|CBCC|CCVC|CBCS))\b[^.;]*?)"
    r"(?=\s+(?:nhằm|để|theo|đạt|giai đoạn|trong giai đoạn|đến năm|từ năm|năm\s+\d{4})\b|[.;:]|$)", re.I)
PURPOSE_CHARS = 2000


def _from_purpose(ctx: Context) -> list[Fact]:
    """A text naming no covered group otherwise: the groups its opening says the training is for (basis
    "purpose"): a plan's aims, or a report on a class ("khai giảng lớp bồi dưỡng … cho cán bộ, công chức …")."""
    facts, seen = [], set()
    for m in _PURPOSE_WHO_RE.finditer(ctx.source[:PURPOSE_CHARS]):
        who = clean_end(m.group("who"))
        if who.lower() in seen or not roles_in(who):
            continue
        seen.add(who.lower())
        fact = _inferred(ctx, who, m.start("who"), m.start("who") + len(who), "purpose")
        if fact is not None:
            facts.append(fact)
    return facts


@fact_kind("eligibility", "eligibility", "Đối tượng", ("applies", "who", "conditions", "roles", "workplaces", "basis"))
def extract_eligibility(ctx: Context) -> list[Fact]:
    reader = _Reader(ctx)
    for line, section in ctx.owners:
        reader.line(line, section)
    if not any(fact.data["applies"] for fact in reader.facts):
        subject = _from_subject(ctx)
        if subject is not None:
            reader.facts.append(subject)
        else:
            reader.facts += _from_purpose(ctx)
    return reader.facts
