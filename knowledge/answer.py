"""Answers with citations: facts first (numbers, names), then the best passage, else an honest 'not covered'.

A question is matched to the kind of fact it asks for (target, contact, eligibility, …) by cue words,
and to the facts themselves by the year, group, agency and document it mentions. Retrieval decides
which document is in focus and how confident the answer is; an answer never rests on a passage that
does not match the question well enough.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .accents import question_phrases
from .index import KnowledgeIndex
from .kinds import (
    ALL_STEPS_RE,
    ASKS_SIGNER_RE,
    FIRST_STEP_RE,
    KIND_CUES,
    LAST_STEP_RE,
    LEVEL_RE,
    NEXT_STEP_RE,
    ROLE_WORDS,
    WHICH_STEP_RE,
    YEAR_RE,
    plain,
    question_kind,
    signature_span,
)
from .model import PATH_SEPARATOR, Chunk, Fact
from .search import Hit, PreparedQuery, prepare_query, search
from .text import collapse_whitespace, has_diacritics, strip_diacritics, syllables


@dataclass
class Citation:
    doc: str  # "Kế hoạch 206/KH-UBND"
    doc_id: str
    title: str  # the document's subject line
    section: str  # full section path, document first
    quote: str  # exact text of the source span

    def to_dict(self) -> dict:
        return {"doc": self.doc, "doc_id": self.doc_id, "title": self.title, "section": self.section,
                "quote": self.quote}


@dataclass
class Answer:
    answer: str
    answered: bool
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    kind: str = "passage"  # the kind of fact answered, or "passage" / "none"
    suggestions: list[str] = field(default_factory=list)  # nearest topics when not answered
    facts: list[Fact] = field(default_factory=list, repr=False)  # the facts answered (for follow-ups)

    def to_dict(self) -> dict:
        return {
            "answer": self.answer, "answered": self.answered, "confidence": round(self.confidence, 3),
            "kind": self.kind,
            "citations": [c.to_dict() for c in self.citations],
            "suggestions": self.suggestions,
        }


def _citation(index: KnowledgeIndex, doc_id: str, section: str, start: int, end: int) -> Citation:
    doc = index.documents[doc_id]
    return Citation(index.doc_label(doc_id), doc_id, doc.info.subject if doc.info else doc.title, section,
                    index.quote(doc_id, start, end))


def _fact_citation(index: KnowledgeIndex, fact: Fact) -> Citation:
    return _citation(index, fact.doc_id, fact.section, fact.start, fact.end)


def _mentioned_docs(index: KnowledgeIndex, plain_question: str) -> set[str]:
    """Documents the question names by number (206, 642/BNG-HVNG)."""
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


def _focus_docs(mentioned: set[str], hits: list[Hit]) -> list[str]:
    """The documents the question names, else those of the hits in rank order."""
    if mentioned:
        return sorted(mentioned)
    order: list[str] = []
    for hit in hits:
        if hit.chunk.doc_id not in order:
            order.append(hit.chunk.doc_id)
    return order


def _facts_of(index: KnowledgeIndex, kind: str, doc_ids: list[str]) -> list[Fact]:
    return [f for f in index.facts if f.kind == kind and f.doc_id in doc_ids]


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
    words = set(q.split())
    named = [f for f in facts if (plain(f.data.get("person", "")).split() or [""])[-1] in words]
    facts = named or facts  # "số điện thoại của chị Huyền?": that person only
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
    return "Liên hệ: " + "; ".join(lines), facts


def facts_naming_agency(facts: list[Fact], q: str) -> list[Fact]:
    """Facts about the agency the question names (longest matching name wins)."""
    best: list[tuple[int, Fact]] = []
    for fact in facts:
        names = [fact.data.get("agency", ""), *fact.data.get("agencies", [])]
        keys = [re.sub(r"^(cac|nhung) ", "", plain(n)) for n in names if n]
        lengths = [len(key) for key in keys if key and re.search(rf"\b{re.escape(key)}\b", q)]
        if lengths:
            best.append((max(lengths), fact))
    if not best:
        return []
    top = max(length for length, _ in best)
    return [fact for length, fact in best if length == top]


def _answer_duties(index: KnowledgeIndex, q: str, docs: list[str]) -> tuple[str, list[Fact]] | None:
    """Duties of the agency the question names (the name is the evidence, wherever its section ranked)."""
    facts = facts_naming_agency(_facts_of(index, "duty", docs), q)
    if not facts:
        return None
    agency = facts[0].data.get("agency", "")
    members = [a for a in facts[0].data.get("agencies", []) if a != agency]
    head = f"Nhiệm vụ của {agency}" + (f" (gồm {', '.join(members)})" if members else "")
    duties = [collapse_whitespace(f.data.get("duty", f.quote)).lstrip("-+ ") for f in facts]
    return f"{head}:\n" + "\n".join(f"- {d}" for d in duties), facts


def _answer_eligibility(index: KnowledgeIndex, q: str, docs: list[str], applies: bool,
                        hits: list[Hit]) -> tuple[str, list[Fact]] | None:
    # "Đối tượng" is a specific cue: the covered/excluded list may sit in any of the best three passages.
    candidates = [f for f in _facts_of(index, "eligibility", docs) if bool(f.data.get("applies")) == applies]
    facts = _in_hits(candidates, hits, depth=3)
    if not facts:
        return None
    items = []
    for fact in facts:
        who = fact.data.get("who") or fact.quote
        conditions = fact.data.get("conditions") or []
        items.append(who + (f" ({'; '.join(conditions)})" if conditions else ""))
    head = "Đối tượng áp dụng" if applies else "Đối tượng không áp dụng"
    return f"{head}:\n" + "\n".join(f"- {item}" for item in items), facts


def _pairs(text: str) -> set[tuple[str, str]]:
    words = text.split()
    return set(zip(words, words[1:]))


def _answer_check(index: KnowledgeIndex, q: str, docs: list[str]) -> tuple[str, list[Fact]] | None:
    """Applies or excluded: the eligibility item sharing most word pairs with the person described."""
    facts = _facts_of(index, "eligibility", docs[:1])
    asked = _pairs(q)
    scored = []
    for fact in facts:
        described = plain(" ".join([fact.data.get("who", ""), *fact.data.get("workplaces", [])]))
        scored.append((len(asked & _pairs(described)), not fact.data.get("applies"), fact))
    scored = [item for item in scored if item[0] >= 2]  # one shared pair ("ngoại ngữ") is not a description
    if not scored:
        return None
    score, excluded, best = max(scored, key=lambda item: (item[0], item[1]))
    label = index.doc_label(best.doc_id)
    conditions = "; ".join(best.data.get("conditions") or [])
    who = best.data.get("who", "")
    if excluded:
        text = (f"Không. Theo {label}, {who}" + (f" ({conditions})" if conditions else "") +
                " thuộc đối tượng không áp dụng.")
        return text, [best]
    exclusions = [f for f in facts if not f.data.get("applies")]
    text = f"Có. Theo {label}, đối tượng áp dụng là: {who}" + (f" ({conditions})" if conditions else "") + "."
    if exclusions:
        text += " Trừ: " + "; ".join(f.data.get("who", "") for f in exclusions) + "."
    return text, [best, *exclusions]


def _answer_simple(index: KnowledgeIndex, kind: str, docs: list[str], head: str,
                   hits: list[Hit]) -> tuple[str, list[Fact]] | None:
    facts = _in_hits(_facts_of(index, kind, docs), hits)
    if not facts:
        return None
    texts = [collapse_whitespace(f.data.get("text") or f.quote).lstrip("-+ ") for f in facts]
    return f"{head}:\n" + "\n".join(f"- {t}" for t in texts), facts


def _names_published(index: KnowledgeIndex, q: str, docs: list[str], hits: list[Hit]) -> bool:
    """"Xem toàn văn Đề án và Phụ lục ở đâu?": the question shares two word pairs with the sentence giving a web
    address in the best passages (what is published there, or the site's name). Its other words ("xem", "ở
    đâu") are in no passage, so the usual confidence says little either way."""
    asked = _pairs(q)
    return any(len(asked & _pairs(plain(f.quote))) >= 2 for f in _held_by_best(index, "link", docs, hits))


def _answer_links(index: KnowledgeIndex, docs: list[str], hits: list[Hit]) -> tuple[str, list[Fact]] | None:
    """The web addresses in the best passages, each with the site's name when the document gives it."""
    facts = _held_by_best(index, "link", docs, hits)
    if not facts:
        return None
    items = [f"{f.data['site']}: {f.data['url']}" if f.data.get("site") else f.data["url"] for f in facts]
    return (f"Theo {index.doc_label(facts[0].doc_id)}, xem tại:\n" + "\n".join(f"- {item}" for item in items)), facts


def _answer_steps(index: KnowledgeIndex, q: str, docs: list[str], hits: list[Hit]
                  ) -> tuple[str, list[Fact]] | None:
    """First, last, next or "which" step of the procedure in the best passages, or all of its steps."""
    found = _held_by_best(index, "step", docs, hits)
    if not found:
        return None
    steps = sorted((f for f in index.facts if f.kind == "step" and f.doc_id == found[0].doc_id
                    and f.data["procedure"] == found[0].data["procedure"]), key=lambda f: f.data["order"])
    named = _named_step(q, steps)
    total = len(steps)
    listing = "\n".join(f"{f.data['order']}. {f.data['step']}" for f in steps)
    head = f"Quy trình «{found[0].data['procedure']}» ({index.doc_label(steps[0].doc_id)}) gồm {total} bước:\n{listing}"
    if ALL_STEPS_RE.search(q):
        return head, steps
    if FIRST_STEP_RE.search(q):
        lead, cited = f"Bước đầu tiên là: {steps[0].data['step']}.", steps[0]
    elif LAST_STEP_RE.search(q):
        lead, cited = f"Bước cuối cùng (bước {total}) là: {steps[-1].data['step']}.", steps[-1]
    elif named is not None and NEXT_STEP_RE.search(q) and named.data["order"] == total:
        lead, cited = f"«{named.data['step']}» là bước cuối cùng (bước {total}) của quy trình.", named
    elif named is not None and NEXT_STEP_RE.search(q):
        cited = steps[named.data["order"]]
        lead = (f"Sau bước {named.data['order']} ({named.data['step']}), bước tiếp theo là bước "
                f"{cited.data['order']}: {cited.data['step']}.")
    elif named is not None and WHICH_STEP_RE.search(q):
        lead, cited = f"«{named.data['step']}» là bước {named.data['order']} trong {total} bước.", named
    else:
        return head, steps
    return f"{lead}\n{head}", [cited]


def _named_step(q: str, steps: list[Fact]) -> Fact | None:
    """The step the question names: the one sharing most content syllables with it (none if no word is shared)."""
    words = set(_content_syllables(q.split()))
    best, best_shared = None, 0
    for step in steps:
        shared = len(words & set(plain(step.data["step"]).split()))
        if shared > best_shared:
            best, best_shared = step, shared
    return best


def _answer_document(index: KnowledgeIndex, q: str, docs: list[str]) -> tuple[str, list[Citation]] | None:
    if not docs:
        return None
    doc = index.documents[docs[0]]
    info = doc.info
    about = next((f for f in index.facts if f.kind == "document" and f.doc_id == doc.doc_id), None)
    if info is None or about is None:
        return None  # no number, date or issuer was found: nothing to tell about the document
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
    citations = [_fact_citation(index, about)]
    signature = signature_span(doc.source, info.signer or info.signer_title)
    if signature and ASKS_SIGNER_RE.search(q):
        citations.insert(0, _citation(index, doc.doc_id, f"{index.doc_label(doc.doc_id)}{PATH_SEPARATOR}Phần kết",
                                      *signature))
    return text + ".", citations


@lru_cache(maxsize=1)
def stop_syllables() -> frozenset[str]:
    """Syllables that say how a question is asked, not what about (diacritic-free)."""
    words = set(" ".join(plain(p) for p in question_phrases()).split())
    words |= set(FUNCTION_WORDS.split())
    return frozenset(words)


FUNCTION_WORDS = (
    "va voi cua cho cac nhung mot la thi ma o tai tu den trong ngoai tren duoi ve theo nay do kia "
    "co khong duoc bi se da dang can phai nen hay hoac vay a a ha nhe nhi oi ak a "
    "toi minh em anh chi ban ad ai gi nao dau sao bao nhieu may khi luc nhu the"
)


def _content_syllables(words: list[str]) -> list[str]:
    stops = stop_syllables()
    # Numbers of three digits or more (years, document numbers) say what the question is about.
    return [w for w in words
            if (strip_diacritics(w) not in stops and not w.isdigit() and len(w) > 1) or (w.isdigit() and len(w) >= 3)]


def _chunk_words(chunk: Chunk, accented: bool) -> list[str]:
    words = syllables(f"{chunk.section} {chunk.text}")
    return words if accented else [strip_diacritics(w) for w in words]


def _idf(index: KnowledgeIndex, accented: bool) -> tuple[dict[str, float], float]:
    """Inverse document frequency of syllables over the chunks, cached on the index."""
    cache = index.memo.setdefault("syllable_idf", {})
    if accented not in cache:
        df: dict[str, int] = {}
        for chunk in index.chunks:
            for word in set(_chunk_words(chunk, accented)):
                df[word] = df.get(word, 0) + 1
        n = len(index.chunks) or 1
        cache[accented] = ({w: math.log(1 + n / c) for w, c in df.items()}, math.log(1 + n))
    return cache[accented]


def coverage(index: KnowledgeIndex, question_words: list[str], chunk: Chunk, accented: bool) -> tuple[float, float]:
    """IDF-weighted share of the question's content syllables found in the chunk (with its section path), and
    the share of its syllable pairs. Words the corpus never uses weigh most: they are what the documents lack."""
    words = _content_syllables(question_words)
    if not words:
        return 0.0, 0.0
    idf, unseen = _idf(index, accented)
    haystack_words = _chunk_words(chunk, accented)
    haystack = set(haystack_words)
    weights = [idf.get(w, unseen) for w in words]
    unigram = sum(wt for w, wt in zip(words, weights) if w in haystack) / sum(weights)
    pairs = set(zip(haystack_words, haystack_words[1:]))
    stops = stop_syllables()
    kept = [w for w in question_words if strip_diacritics(w) not in stops or w.isdigit()]
    q_pairs = list(zip(kept, kept[1:]))
    bigram = sum(p in pairs for p in q_pairs) / len(q_pairs) if q_pairs else unigram
    return unigram, bigram


def confidence_of(index: KnowledgeIndex, prepared: PreparedQuery, hits: list[Hit]) -> float:
    """How well the best passage matches the question, in [0, 1]. Calibrated on our question set against
    off-topic questions (bench/own_questions.py --calibrate): word coverage separates them better than
    the embedding, whose cosines sit in a narrow band for any Vietnamese text. Typed accents are compared
    as typed (sổ đỏ ≠ số độ); restored ones are not trusted for this."""
    accented = has_diacritics(prepared.text)
    # dense_text has abbreviations spelled out (VPCP → văn phòng chính phủ); restored accents are dropped again.
    words = syllables(prepared.dense_text)
    words = words if accented else [strip_diacritics(w) for w in words]
    best = 0.0
    for hit in hits[:3]:
        unigram, bigram = coverage(index, words, hit.chunk, accented)
        dense = min(max((hit.dense - 0.80) / 0.10, 0.0), 1.0)
        best = max(best, 0.45 * unigram + 0.35 * bigram + 0.20 * dense)
    return round(best, 3)


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


def _in_hits(facts: list[Fact], hits: list[Hit], depth: int = 1) -> list[Fact]:
    """Facts inside the best retrieved passage: a cue word alone ("kinh phí") does not make a fact relevant."""
    for hit in hits[:depth]:
        chunk = hit.chunk
        inside = [f for f in facts if f.doc_id == chunk.doc_id and chunk.start <= f.start < chunk.end]
        if inside:
            return inside
    return []


def _held_by_best(index: KnowledgeIndex, kind: str, docs: list[str], hits: list[Hit]) -> list[Fact]:
    """Facts of `kind` in the first of the three best passages that holds any."""
    return _in_hits(_facts_of(index, kind, docs), hits, depth=3)


def _names_other_document(index: KnowledgeIndex, q: str, doc_ids: list[str]) -> bool:
    """The question asks about a document that ours only cites (e.g. the decision a plan implements)."""
    for doc_id in doc_ids[:1]:
        info = index.documents[doc_id].info
        for reference in info.references if info else []:
            number = reference.split()[-1].split("/")[0]
            if re.search(rf"\b{re.escape(number)}\b", q):
                return True
    return False


# A question asking for a phone, fax or e-mail whose passages hold a contact, or for a step of a procedure whose
# passages hold its steps ("bước tiếp theo", "bước cuối cùng" are not words of the document), needs less overlap.
FACT_FLOOR = 0.25


# What remains of "Liên hệ với ai?", "cho mình xin số điện thoại liên hệ" once the contact cue is gone: a
# question about contacts in general (the greeting's button), not about someone the documents do not name.
GENERIC_WORDS = set("""cho toi minh em anh chi xin hoi voi ai la gi nao can de duoc nguoi so cua o dau muon biet
the thi ve va hay ad oi a nhe a day co khong dau moi can bo chuyen vien phu trach gap ban bo""".split())


def _asks_contacts_in_general(q: str) -> bool:
    cue = dict(KIND_CUES)["contact"]
    return not (set(cue.sub(" ", q).split()) - GENERIC_WORDS)


def _names_contact(index: KnowledgeIndex, q: str, docs: list[str]) -> bool:
    """The question names a contact person of the document (by given name: "chị Huyền")."""
    words = set(q.split())
    for fact in _facts_of(index, "contact", docs[:1]):
        person = plain(fact.data.get("person", "")).split()
        if person and person[-1] in words:
            return True
    return False


def _names_target(index: KnowledgeIndex, q: str, docs: list[str]) -> bool:
    """The question names a year or a level (bậc) that a target of the focus document has."""
    years = {int(m.group(0)) for m in YEAR_RE.finditer(q)}
    levels = {m.group(1) for m in LEVEL_RE.finditer(q)}
    return any(f.data.get("year") in years or str(f.data.get("level")) in levels
               for f in _facts_of(index, "target", docs[:1]))


def _compose(index: KnowledgeIndex, kind: str, q: str, docs: list[str], hits: list[Hit]):
    if kind == "target":
        return _answer_targets(index, q, docs)
    if kind == "contact":
        return _answer_contacts(index, q, docs)
    if kind == "check":
        return _answer_check(index, q, docs)
    # Other kinds answer only from facts inside the retrieved passages: a cue word alone is not enough.
    if kind == "duty":
        return _answer_duties(index, q, docs)
    if kind in ("eligibility", "exclusion"):
        return _answer_eligibility(index, q, docs, applies=kind == "eligibility", hits=hits)
    if kind == "roadmap":
        return _answer_simple(index, "roadmap", docs, "Lộ trình, thời gian thực hiện", hits)
    if kind == "funding":
        return _answer_simple(index, "funding", docs, "Kinh phí", hits)
    if kind == "step":
        return _answer_steps(index, q, docs, hits)
    if kind == "link":
        return _answer_links(index, docs, hits)
    return None


def answer(index: KnowledgeIndex, question: str, use_dense: bool = True) -> Answer:
    question = question or ""
    prepared = prepare_query(index, question)
    if not prepared.text.strip():
        return Answer("Bạn hãy nhập câu hỏi về các văn bản hướng dẫn (ví dụ: đối tượng áp dụng, chỉ tiêu năm 2025).",
                      False, 0.0, [], "none")
    q = plain(prepared.dense_text)
    hits = search(index, prepared, top_k=5, use_dense=use_dense)
    if not hits:
        return not_covered([], 0.0)
    confidence = confidence_of(index, prepared, hits)
    kind = question_kind(plain(prepared.text))
    mentioned = _mentioned_docs(index, q)
    docs = _focus_docs(mentioned, hits)
    threshold = index.settings.confidence_threshold
    # A contact or a step asked for and held by one of the best passages.
    fact_in_hits = kind in ("contact", "step") and confidence >= FACT_FLOOR and bool(
        _held_by_best(index, kind, docs, hits))
    contact_asked = kind == "contact" and (fact_in_hits or _names_contact(index, q, docs))
    if kind == "contact" and not mentioned and _asks_contacts_in_general(q):
        # every document that names a contact, the best-matching first
        docs = [d for d in docs if _facts_of(index, "contact", [d])] + [
            d for d in index.documents if d not in docs and _facts_of(index, "contact", [d])]
        contact_asked = bool(docs)
    # Naming the document, its contact person, an agency with duties in it, or a year or level its targets
    # have is evidence enough.
    confident = (confidence >= threshold or bool(mentioned) or contact_asked or fact_in_hits
                 or (kind == "link" and _names_published(index, q, docs, hits))
                 or (kind == "duty" and bool(facts_naming_agency(_facts_of(index, "duty", docs), q)))
                 or (kind == "target" and _names_target(index, q, docs)))

    if kind == "document" and confident and not _names_other_document(index, q, docs):
        result = _answer_document(index, q, docs)
        if result:
            return Answer(result[0], True, max(confidence, threshold), result[1], kind)

    if kind and confident:
        composed = _compose(index, kind, q, docs, hits)
        if composed:
            text, facts = composed
            citations = []
            for fact in facts:
                citation = _fact_citation(index, fact)
                if all(c.quote != citation.quote for c in citations):
                    citations.append(citation)
            return Answer(text, True, max(confidence, threshold), citations, kind, facts=facts)

    if not confident:
        return not_covered(hits, confidence)
    # The passage is the best chunk whole: a section, or a piece of one no longer than CCVC_CHUNK_MAX_CHARS.
    top = hits[0].chunk
    citation = _citation(index, top.doc_id, top.section, top.start, top.end)
    text = collapse_whitespace(citation.quote)
    where = f" ({PATH_SEPARATOR.join(top.section_path)})" if top.section_path else ""
    return Answer(f"Theo {citation.doc}{where}: {text}", True, confidence, [citation], "passage")
