"""Answers with citations: facts first (numbers, names), then the best passage, else an honest 'not covered'.

A question is matched to the kind of fact it asks for (target, contact, eligibility, …) by cue words,
and to the facts themselves by the year, group, agency and document it mentions. Retrieval decides
which document is in focus and how confident the answer is; an answer never rests on a passage that
does not match the question well enough.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .index import KnowledgeIndex
from .model import PATH_SEPARATOR, Chunk, Fact
from .search import Hit, prepare_query, search
from .text import collapse_whitespace, strip_diacritics, syllables


@dataclass
class Citation:
    doc: str  # "Kế hoạch 206/KH-UBND"
    doc_id: str
    title: str  # the document's subject line
    section: str  # full section path, document first
    quote: str  # exact text of the source span


@dataclass
class Answer:
    answer: str
    answered: bool
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    kind: str = "passage"  # the kind of fact answered, or "passage" / "none"
    suggestions: list[str] = field(default_factory=list)  # nearest topics when not answered

    def to_dict(self) -> dict:
        return {
            "answer": self.answer, "answered": self.answered, "confidence": round(self.confidence, 3),
            "kind": self.kind,
            "citations": [{"doc": c.doc, "doc_id": c.doc_id, "title": c.title, "section": c.section, "quote": c.quote}
                          for c in self.citations],
            "suggestions": self.suggestions,
        }


# Cue words (diacritic-free) of each kind of question, most specific kinds first.
KIND_CUES: list[tuple[str, re.Pattern]] = [
    ("contact", re.compile(r"\b(lien he|lien lac|so dien thoai|dien thoai|sdt|email|e mail|thu dien tu|fax|may le|"
                           r"di dong|hotline|goi cho ai|hoi ai|nguoi do|dau moi lien he)\b")),
    ("document", re.compile(r"\b(so hieu|ngay ban hanh|ban hanh ngay|ban hanh khi nao|nguoi ky|ai ky|ky ngay|"
                            r"ky boi|co quan ban hanh|ai ban hanh|can cu|thuc hien quyet dinh|trich yeu|"
                            r"van ban so|so van ban|ngay ky|nam ban hanh)\b")),
    ("exclusion", re.compile(r"\b(khong ap dung|khong thuoc|khong phai (hoc|thuc hien|ap dung)|ngoai tru|"
                             r"tru nhung|duoc mien|mien|loai tru|khong bat buoc)\b")),
    ("target", re.compile(r"\b(chi tieu|bao nhieu phan tram|may phan tram|phan tram|ty le|ti le|bac \d|"
                          r"dat trinh do|dat bac|trinh do ngoai ngu|phai dat|can dat|%)")),
    ("funding", re.compile(r"\b(kinh phi|ngan sach|nguon tien|tien dau|ai chi tra|chi tra|ai tra tien|"
                           r"tai tro|nguon von|du toan|chi phi)\b")),
    ("duty", re.compile(r"\b(nhiem vu|trach nhiem|lam gi|phu trach|chu tri|vai tro|phan cong|co quan nao|"
                        r"don vi nao|lam dau moi)\b")),
    ("roadmap", re.compile(r"\b(lo trinh|giai doan|thoi gian thuc hien|thoi han|tien do|khi nao|bao gio|"
                           r"den nam nao|tu nam nao|keo dai|trong bao lau|may nam)\b")),
    ("eligibility", re.compile(r"\b(ap dung (cho|voi|doi voi)|doi tuong|ai phai|ai duoc|ai tham gia|"
                               r"co thuoc|thuoc dien|co phai hoc|co ap dung|danh cho ai|ap dung)\b")),
]

YEAR_RE = re.compile(r"\b(19|20)\d{2}\b")
LEVEL_RE = re.compile(r"\bbac\s*(\d)\b")
# Role words of the groups in targets and eligibility, diacritic-free.
ROLE_WORDS = ["can bo", "cong chuc", "vien chuc", "lanh dao", "quan ly", "cap xa", "cap huyen", "cap tinh",
              "giao vien", "giang vien", "chuyen gia"]


def plain(text: str) -> str:
    return " ".join(strip_diacritics(s) for s in syllables(text))


def question_kind(plain_question: str) -> str | None:
    for kind, pattern in KIND_CUES:
        if pattern.search(plain_question):
            return kind
    return None


def _citation(index: KnowledgeIndex, doc_id: str, section: str, start: int, end: int) -> Citation:
    doc = index.documents[doc_id]
    return Citation(index.doc_label(doc_id), doc_id, doc.info.subject if doc.info else doc.title, section,
                    index.quote(doc_id, start, end))


def _fact_citation(index: KnowledgeIndex, fact: Fact) -> Citation:
    return _citation(index, fact.doc_id, fact.section, fact.start, fact.end)


def _mentioned_docs(index: KnowledgeIndex, plain_question: str) -> set[str]:
    """Documents the question names by number (206, 642/BNG-HVNG) or by a distinctive subject word."""
    found = set()
    for doc_id, doc in index.documents.items():
        number = doc.info.number if doc.info else ""
        head = number.split("/")[0] if number else ""
        if head and re.search(rf"\b{re.escape(head)}\b", plain_question):
            found.add(doc_id)
    return found


def _roles(plain_text: str) -> set[str]:
    return {role for role in ROLE_WORDS if role in plain_text}


def _group_score(question_roles: set[str], fact: Fact) -> float:
    """How well a target's group matches the roles the question names (1 = same roles)."""
    group_roles = _roles(plain(fact.data.get("group", "")))
    if not question_roles:
        return 0.5
    if not group_roles:
        return 0.0
    overlap = len(question_roles & group_roles)
    return overlap / len(question_roles | group_roles)


def _focus_docs(index: KnowledgeIndex, plain_question: str, hits: list[Hit]) -> list[str]:
    mentioned = _mentioned_docs(index, plain_question)
    if mentioned:
        return sorted(mentioned)
    order: list[str] = []
    for hit in hits:
        if hit.chunk.doc_id not in order:
            order.append(hit.chunk.doc_id)
    return order


def _facts_of(index: KnowledgeIndex, kind: str, doc_ids: list[str]) -> list[Fact]:
    return [f for f in index.facts if f.kind == kind and f.doc_id in doc_ids]


def _join(items: list[str]) -> str:
    return "; ".join(items)


def _answer_targets(index: KnowledgeIndex, q: str, docs: list[str]) -> tuple[str, list[Fact]] | None:
    facts = _facts_of(index, "target", docs[:1]) or _facts_of(index, "target", docs)
    if not facts:
        return None
    years = {int(m.group(0)) for m in YEAR_RE.finditer(q)}
    if years:
        facts = [f for f in facts if f.data.get("year") in years] or facts
    level = LEVEL_RE.search(q)
    if level:
        facts = [f for f in facts if str(f.data.get("level")) == level.group(1)] or facts
    roles = _roles(q)
    if roles:
        scored = sorted(facts, key=lambda f: -_group_score(roles, f))
        best = _group_score(roles, scored[0])
        facts = [f for f in scored if _group_score(roles, f) == best]
    facts = sorted(facts, key=lambda f: (f.data.get("year", 0), f.start))
    lines = []
    for fact in facts:
        data = fact.data
        conditions = [c for c in data.get("conditions", []) if c]
        condition = f" ({'; '.join(conditions)})" if conditions else ""
        level_text = data.get("level_text") or (f"bậc {data['level']}" if data.get("level") else "")
        subject = data.get("subject", "")
        lines.append(f"Đến năm {data.get('year')}: {data.get('percent')}% {data.get('group')}{condition} "
                     f"đạt trình độ {subject} {level_text}".replace("  ", " ").strip())
    return "\n".join(f"- {line}" for line in lines), facts


def _answer_contacts(index: KnowledgeIndex, q: str, docs: list[str]) -> tuple[str, list[Fact]] | None:
    facts = _facts_of(index, "contact", docs[:1]) or _facts_of(index, "contact", docs)
    if not facts:
        return None
    lines = []
    for fact in facts:
        d = fact.data
        parts = [d.get("person", "")]
        if d.get("role"):
            parts.append(d["role"])
        if d.get("mobile"):
            parts.append(f"di động {d['mobile']}")
        if d.get("phone"):
            phone = f"máy bàn {d['phone']}"
            if d.get("ext"):
                phone += f", máy lẻ {d['ext']}"
            parts.append(phone)
        if d.get("fax"):
            parts.append(f"fax {d['fax']}")
        if d.get("email"):
            parts.append(f"email {d['email']}")
        lines.append(", ".join(p for p in parts if p))
    return "Liên hệ: " + _join(lines), facts


def _agency_filter(facts: list[Fact], q: str) -> list[Fact]:
    """Facts about the agency the question names (longest matching name wins)."""
    best: list[tuple[int, Fact]] = []
    for fact in facts:
        names = [fact.data.get("agency", ""), *fact.data.get("agencies", [])]
        lengths = [len(plain(n)) for n in names if n and plain(n) and plain(n) in q]
        if lengths:
            best.append((max(lengths), fact))
    if not best:
        return []
    top = max(length for length, _ in best)
    return [fact for length, fact in best if length == top]


def _answer_duties(index: KnowledgeIndex, q: str, docs: list[str]) -> tuple[str, list[Fact]] | None:
    facts = _facts_of(index, "duty", docs)
    matched = _agency_filter(facts, q)
    if not matched:
        return None
    agency = matched[0].data.get("agency", "")
    duties = [collapse_whitespace(f.data.get("duty", f.quote)).lstrip("-+ ") for f in matched]
    return f"Nhiệm vụ của {agency}:\n" + "\n".join(f"- {d}" for d in duties), matched


def _answer_eligibility(index: KnowledgeIndex, q: str, docs: list[str], applies: bool) -> tuple[str, list[Fact]] | None:
    facts = [f for f in _facts_of(index, "eligibility", docs[:1]) if bool(f.data.get("applies")) == applies]
    if not facts:
        return None
    items = []
    for fact in facts:
        who = fact.data.get("who") or fact.quote
        conditions = fact.data.get("conditions") or []
        items.append(who + (f" ({'; '.join(conditions)})" if conditions else ""))
    head = "Đối tượng áp dụng" if applies else "Đối tượng không áp dụng"
    return f"{head}:\n" + "\n".join(f"- {item}" for item in items), facts


def _answer_simple(index: KnowledgeIndex, kind: str, docs: list[str], head: str) -> tuple[str, list[Fact]] | None:
    facts = _facts_of(index, kind, docs[:1])
    if not facts:
        return None
    texts = [collapse_whitespace(f.data.get("text") or f.quote).lstrip("-+ ") for f in facts]
    return f"{head}:\n" + "\n".join(f"- {t}" for t in texts), facts


def _answer_document(index: KnowledgeIndex, docs: list[str]) -> tuple[str, list[Citation]] | None:
    if not docs:
        return None
    doc = index.documents[docs[0]]
    info = doc.info
    if info is None:
        return None
    parts = [f"{index.doc_label(doc.doc_id)}"]
    if info.issuer:
        parts.append(f"do {info.issuer} ban hành")
    if info.date:
        year, month, day = info.date.split("-")
        parts.append(f"ngày {day}/{month}/{year}")
    text = " ".join(parts)
    if info.subject:
        text += f", về việc: {info.subject}"
    if info.signer or info.signer_title:
        text += f". Người ký: {' '.join(p for p in (info.signer_title, info.signer) if p)}"
    if info.references:
        text += f". Căn cứ/thực hiện: {', '.join(info.references)}"
    lines = [line for line in doc.source.split("\n") if line.strip()]
    head_end = doc.source.find(lines[min(len(lines), 3) - 1]) + len(lines[min(len(lines), 3) - 1]) if lines else 0
    head_start = doc.source.find(lines[0]) if lines else 0
    citation = _citation(index, doc.doc_id, f"{index.doc_label(doc.doc_id)}{PATH_SEPARATOR}Phần mở đầu",
                         head_start, head_end)
    return text + ".", [citation]


def best_sentence_span(index: KnowledgeIndex, chunk: Chunk, q: str) -> tuple[int, int]:
    """The sentence (or list item) of a chunk sharing most syllables with the question."""
    source = index.documents[chunk.doc_id].source
    words = set(q.split())
    best = (chunk.start, chunk.end)
    best_score = -1.0
    for match in re.finditer(r"[^.;\n]+[.;]?", source[chunk.start:chunk.end]):
        sentence = match.group(0)
        if len(sentence.strip()) < 15:
            continue
        overlap = len(words & set(plain(sentence).split()))
        score = overlap / (1 + len(sentence) / 400)
        if score > best_score:
            start = chunk.start + match.start() + (len(sentence) - len(sentence.lstrip()))
            best = (start, chunk.start + match.end())
            best_score = score
    return best


def confidence_of(hit: Hit) -> float:
    """Calibrated on our question set and off-topic questions (bench/own_questions.py): both a good share of
    the question's words in the passage and a close embedding are needed."""
    dense = min(max((hit.dense - 0.78) / 0.12, 0.0), 1.0) if hit.dense else hit.coverage
    return round(0.6 * hit.coverage + 0.4 * dense, 3)


def not_covered(hits: list[Hit], confidence: float) -> Answer:
    topics: list[str] = []
    for hit in hits:
        label = hit.chunk.section
        if label not in topics:
            topics.append(label)
    text = ("Xin lỗi, các tài liệu hiện có không đề cập rõ đến câu hỏi này nên tôi không thể trả lời chính xác.")
    if topics:
        text += " Các nội dung gần nhất:\n" + "\n".join(f"- {t}" for t in topics[:3])
    return Answer(text, False, confidence, [], "none", topics[:3])


def answer(index: KnowledgeIndex, question: str, use_dense: bool = True) -> Answer:
    question = question or ""
    prepared = prepare_query(index, question)
    if not prepared.text.strip():
        return Answer("Bạn hãy nhập câu hỏi về các văn bản hướng dẫn (ví dụ: đối tượng áp dụng, chỉ tiêu năm 2025).",
                      False, 0.0, [], "none")
    q = plain(prepared.dense_text + " " + prepared.text)
    hits = search(index, question, top_k=5, use_dense=use_dense)
    if not hits:
        return not_covered([], 0.0)
    confidence = confidence_of(hits[0])
    kind = question_kind(plain(prepared.text))
    docs = _focus_docs(index, q, hits)
    mentioned = bool(_mentioned_docs(index, q))
    threshold = index.settings.confidence_threshold

    if kind == "document" and (confidence >= threshold or mentioned):
        result = _answer_document(index, docs)
        if result:
            return Answer(result[0], True, max(confidence, threshold), result[1], kind)

    if kind and (confidence >= threshold or mentioned):
        composed = None
        if kind == "target":
            composed = _answer_targets(index, q, docs)
        elif kind == "contact":
            composed = _answer_contacts(index, q, docs)
        elif kind == "duty":
            composed = _answer_duties(index, q, docs)
        elif kind in ("eligibility", "exclusion"):
            composed = _answer_eligibility(index, q, docs, applies=kind == "eligibility")
        elif kind == "roadmap":
            composed = _answer_simple(index, "roadmap", docs, "Lộ trình, thời gian thực hiện")
        elif kind == "funding":
            composed = _answer_simple(index, "funding", docs, "Kinh phí")
        if composed is None and kind in ("target", "contact", "funding", "roadmap"):
            pass  # fall back to the passage below
        if composed:
            text, facts = composed
            citations = []
            for fact in facts:
                citation = _fact_citation(index, fact)
                if all(c.quote != citation.quote for c in citations):
                    citations.append(citation)
            return Answer(text, True, max(confidence, threshold), citations, kind)

    if confidence < threshold:
        return not_covered(hits, confidence)
    top = hits[0].chunk
    start, end = best_sentence_span(index, top, q)
    citation = _citation(index, top.doc_id, top.section, start, end)
    text = collapse_whitespace(citation.quote)
    return Answer(f"Theo {citation.doc} ({PATH_SEPARATOR.join(top.section_path)}): {text}", True, confidence,
                  [citation], "passage")


def answer_dict(index: KnowledgeIndex, question: str) -> dict:
    return answer(index, question).to_dict()


__all__ = ["Answer", "Citation", "answer", "answer_dict", "question_kind", "asdict"]
