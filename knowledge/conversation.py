"""Answers inside a conversation: follow-up questions resolved from what was answered before.

"Còn năm 2030 thì sao?" after a 2025 target, "thế còn viên chức?" after a target for công chức,
"số điện thoại của người đó?" after a contact: the question is completed with the kind of fact, the
document, the year, group, level, agency or person of the previous answer that it does not state itself,
then answered like any question. The context is plain data, so any front end (Rasa slots, a web
session) can carry it between turns.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields

from .answer import LEVEL_RE, YEAR_RE, Answer, answer, facts_naming_agency, plain, question_kind
from .evidence import identity_words
from .focus import focus, profiles
from .index import KnowledgeIndex
from .kinds import PERSON_RE
from .names import canonical_agencies
from .question import analyse
from .search import prepare_query
from .text import has_diacritics, strip_diacritics

# Words that ask for each kind of fact, added to a follow-up that does not say what it asks for.
KIND_WORDS = {
    "target": "chỉ tiêu", "contact": "liên hệ", "duty": "nhiệm vụ", "funding": "kinh phí",
    "roadmap": "lộ trình thực hiện", "eligibility": "đối tượng áp dụng", "exclusion": "đối tượng không áp dụng",
    "document": "số hiệu văn bản", "check": "có thuộc đối tượng áp dụng không", "step": "gồm những bước nào",
    "link": "xem toàn văn ở đâu",
}
# Groups as officials name them, longest first so "viên chức lãnh đạo" wins over "viên chức".
GROUPS = ["cán bộ, công chức, viên chức", "cán bộ, công chức cấp xã", "viên chức lãnh đạo, quản lý",
          "lãnh đạo, quản lý", "cán bộ, công chức", "công chức, viên chức", "cán bộ", "công chức", "viên chức"]
_FOLLOW_UP_RE = re.compile(r"^(the con|con|vay con|vay|the|thi|con voi|con doi voi)\b|"
                           r"\b(nguoi do|nguoi nay|ong ay|ba ay|anh ay|chi ay|van ban do|van ban nay|"
                           r"(van ban|ke hoach|cong van|quyet dinh|ket luan|de an|chuong trinh|thong tu|nghi dinh|"
                           r"chi thi|bai viet) (do|nay|tren|ay)|thi sao|the nao|"
                           r"(con so|so lieu|ty le|chi tieu|muc|nhom) (nay|do|tren))\b")
# A short question that names no document leans on the one in the conversation ("ký ngày nào?", "ai ký?").
SHORT_WORDS = 7
# After an eligibility or exclusion answer, a person described ("còn giáo viên dạy tiếng Pháp thì sao?", "tôi là
# công chức cấp xã thì sao") is asked about: does the document apply to them?
PERSON_AFTER = ("eligibility", "exclusion", "check")


@dataclass
class Context:
    """What the previous answer was about; every field optional."""

    kind: str | None = None
    doc_id: str | None = None
    year: int | None = None
    group: str | None = None
    level: int | None = None
    agency: str | None = None
    contact: str | None = None  # the person of the last contact answer

    @classmethod
    def from_dict(cls, data: dict | None) -> Context:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names and v not in (None, "")})

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Turn:
    answer: Answer
    context: Context
    next_questions: list[str] = field(default_factory=list)


def _group_of(plain_text: str) -> str | None:
    for group in GROUPS:
        if re.search(rf"\b{plain(group)}\b", plain_text):
            return group
    return None


def is_follow_up(question: str, index: KnowledgeIndex | None = None) -> bool:
    """An elliptical question that leans on the previous answer: a follow-up cue ("còn …", "thì sao", "người đó"),
    or short and naming no document of its own."""
    q = plain(question)
    if _FOLLOW_UP_RE.search(q) or (len(q.split()) <= 4 and question_kind(q) is None):
        return True
    if index is None or focus(index, question).docs:
        return False
    # a part of a document asked without naming one ("căn cứ nghị định nào về …?") is asked of the one talked about
    return len(q.split()) <= SHORT_WORDS or question_kind(q) == "document"


COVERAGE_KINDS = ("check", "eligibility", "exclusion")


def _names_another_subject(asked: set, own: set, others: list[set]) -> bool:
    """"Đề án dân vận … có áp dụng cho …": a pair of the question's words another document's title writes and the one
    talked about does not ("có áp dụng cho cán bộ Bộ Công an không?" names none: "áp dụng" has the document talked
    about as its subject)."""
    return any(pair not in own and any(pair in o for o in others) for pair in asked)


def _title_pairs(index: KnowledgeIndex, question: str, doc_id: str) -> tuple[set, set, list[set]]:
    """The question's key word pairs, those the document's identity writes, and those of every other document's."""
    prepared = prepare_query(index, question)
    asked = analyse(index, prepared.text, prepared.dense_text)
    own = identity_words(index, doc_id, asked.accented).pairs
    others = [identity_words(index, d, asked.accented).pairs for d in index.documents if d != doc_id]
    return asked.pairs, own, others


def _copies(index: KnowledgeIndex, doc_id: str) -> list[str]:
    """The document and the pages restating it (same number): a facet one lacks another may give."""
    own = profiles(index).get(doc_id)
    others = [d for d, p in profiles(index).items() if d != doc_id and own and p.own & own.own]
    return [doc_id, *others]


def complete_question(index: KnowledgeIndex, question: str, context: Context, kind_hint: str | None = None,
                      follow_up: bool | None = None) -> str:
    """The question with what it leaves unsaid taken from the context (only for follow-ups)."""
    q = plain(canonical_agencies(question))
    parts = [question]
    kind = question_kind(q)
    if kind is None and kind_hint in KIND_WORDS:
        parts.append(KIND_WORDS[kind_hint])
        kind = kind_hint
    if not (follow_up if follow_up is not None else is_follow_up(question, index)) or not context.kind:
        return _as_typed(question, parts)
    if kind is None and context.kind in PERSON_AFTER and PERSON_RE.search(q):
        kind = "check"
    if kind is None:
        parts.append(KIND_WORDS.get(context.kind, ""))
        kind = context.kind
    if kind == "target":
        if context.year and not YEAR_RE.search(q):
            parts.append(f"năm {context.year}")
        if not _group_of(q):  # another group has levels of its own ("cấp xã": bậc 3)
            if context.group:
                parts.append(context.group)
            if context.level and not LEVEL_RE.search(q):
                parts.append(f"bậc {context.level}")
    if kind == "contact" and context.contact:
        parts.append(context.contact)
    duties = [f for f in index.facts if f.kind == "duty"]
    if kind == "duty" and context.agency and not facts_naming_agency(duties, q):
        parts.append(context.agency)
    return _as_typed(question, parts)


def _as_typed(question: str, parts: list[str]) -> str:
    """The question with the context's words added in its own typing: without diacritics when it has none (a
    question read without them is compared without them, "bao nhieu" a phrase of asking, not two terms)."""
    extra = " ".join(p for p in parts[1:] if p)
    if extra and not has_diacritics(question):
        extra = strip_diacritics(extra)
    return " ".join(p for p in (question, extra) if p)


def context_documents(index: KnowledgeIndex, question: str, context: Context,
                      follow_up: bool | None = None) -> list[str]:
    """The documents a follow-up leans on: the previous answer's and its copies, unless the question names its own
    or asks about another ("văn bản kia", "kế hoạch khác")."""
    if context.doc_id not in index.documents or re.search(r"\b(kia|khac|con lai)\b", plain(question)):
        return []
    if (follow_up if follow_up is not None else is_follow_up(question, index)) or (
            not focus(index, question).docs and _leans_on(index, question, context.doc_id)):
        return _copies(index, context.doc_id)
    return []


def _leans_on(index: KnowledgeIndex, question: str, doc_id: str) -> bool:
    """A question naming no document that is still about the one talked about: it names that document's subject, or
    asks whom a document covers without naming another's subject."""
    asked, own, others = _title_pairs(index, question, doc_id)
    return _on_its_subject(asked, own, others) or (
        question_kind(plain(question)) in COVERAGE_KINDS and not _names_another_subject(asked, own, others))


TITLE_SHARE = 0.5  # a pair of words written together in fewer than this share of the titles is a subject's own


def _on_its_subject(asked: set, own: set, others: list[set]) -> bool:
    """A question naming no document that names the subject of the one talked about, two words its title writes
    together and most titles do not ("lãnh đạo ngoại vụ" after a decision on "công chức ngoại vụ địa phương"):
    asked of that document."""
    titles = [own, *others]
    return any(pair in own and sum(pair in t for t in titles) < TITLE_SHARE * len(titles) for pair in asked)


def _context_after(answer_: Answer, question: str, previous: Context) -> Context:
    """What the next question may lean on: this answer's kind, document and the facts it gave."""
    if not answer_.answered:
        return previous
    q = plain(question)
    context = Context(kind=answer_.kind if answer_.kind not in ("passage", "none") else previous.kind)
    context.doc_id = answer_.citations[0].doc_id if answer_.citations else previous.doc_id
    facts = answer_.facts
    years = {f.data.get("year") for f in facts if f.kind == "target"}
    levels = {f.data.get("level") for f in facts if f.kind == "target"}
    context.year = years.pop() if len(years) == 1 else (previous.year if not years else None)
    context.level = levels.pop() if len(levels) == 1 else None
    context.group = _group_of(q) or previous.group
    agencies = {f.data.get("agency") for f in facts if f.kind == "duty"}
    context.agency = agencies.pop() if len(agencies) == 1 else previous.agency
    people = [f.data.get("person") for f in facts if f.kind == "contact" and f.data.get("person")]
    context.contact = people[0] if people else previous.contact
    return context


def next_questions(index: KnowledgeIndex, answer_: Answer, context: Context) -> list[str]:
    """Natural next questions, shown as buttons."""
    if not answer_.answered:
        return answer_.suggestions[:3]
    suggestions: list[str] = []
    if context.kind == "target" and context.doc_id:
        years = sorted({f.data["year"] for f in index.facts
                        if f.kind == "target" and f.doc_id == context.doc_id and f.data.get("year")})
        other = [y for y in years if y != context.year]
        if context.year and other:
            suggestions.append(f"Còn năm {other[0]} thì sao?")
    if context.kind == "contact" and len({f.data.get("person") for f in answer_.facts}) > 1:
        suggestions.append("Số điện thoại của người đó?")
    common = {
        "target": ["Tôi có thuộc đối tượng phải đạt chỉ tiêu không?", "Đối tượng nào không áp dụng?"],
        "eligibility": ["Đối tượng nào không áp dụng?", "Chỉ tiêu cần đạt là bao nhiêu?"],
        "exclusion": ["Đối tượng áp dụng là ai?", "Tôi có thuộc đối tượng không?"],
        "check": ["Chỉ tiêu cần đạt là bao nhiêu?", "Liên hệ với ai?"],
        "duty": ["Kinh phí thực hiện lấy từ đâu?", "Liên hệ với ai?"],
        "funding": ["Lộ trình thực hiện thế nào?", "Liên hệ với ai?"],
        "roadmap": ["Chỉ tiêu cần đạt là bao nhiêu?", "Kinh phí thực hiện lấy từ đâu?"],
        "contact": ["Văn bản do ai ký?", "Đối tượng áp dụng là ai?"],
        "document": ["Đối tượng áp dụng là ai?", "Liên hệ với ai?"],
        "step": ["Kinh phí thực hiện lấy từ đâu?", "Liên hệ với ai?"],
        "link": ["Đối tượng áp dụng là ai?", "Liên hệ với ai?"],
    }
    suggestions += common.get(context.kind or "", ["Đối tượng áp dụng là ai?", "Liên hệ với ai?"])
    return suggestions[:3]


def ask(index: KnowledgeIndex, question: str, context: Context | None = None, kind_hint: str | None = None,
        follow_up: bool | None = None) -> Turn:
    """Answer one turn of a conversation and say what the next turn may lean on."""
    context = context or Context()
    completed = complete_question(index, question, context, kind_hint, follow_up)
    kind = question_kind(plain(question))
    hint = "check" if kind is None and context.kind in PERSON_AFTER and PERSON_RE.search(plain(question)) else None
    result = answer(index, completed, kind_hint=hint, context_docs=context_documents(index, question, context,
                                                                                       follow_up))
    after = _context_after(result, completed, context)
    return Turn(result, after, next_questions(index, result, after))
