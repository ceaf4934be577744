"""Answers with citations: facts first (numbers, names), then the sentence of a passage that answers, else an honest
"the documents do not say".

A question is read once (question.py): the kind of fact it asks for and the part of it, the kind of value a right
answer holds, the documents it names (focus.py) and its key terms. The answer comes only from the documents it names
when it names any; otherwise from the documents retrieval ranks first. An answer is given only when its evidence
covers the question (evidence.py): its key terms are in the quoted span, its section path or what its document says
of itself, and it holds the value asked for. When two documents answer differently and the question names neither,
both are given, each cited.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import numpy as np

from . import brief
from .evidence import (Coverage, coverage, evidence_words, holds, identity_words, names, plain_text, syllable_idf,
                       words_of)
from .facts.targets import PREDICATE_START_RE
from .focus import agencies, display_label, profiles
from .index import KnowledgeIndex
from .kinds import (
    ALL_STEPS_RE,
    FIRST_STEP_RE,
    KIND_CUES,
    LAST_STEP_RE,
    LEVEL_RE,
    NARROWING_ROLES,
    NEXT_STEP_RE,
    ROLE_WORDS,
    WHICH_STEP_RE,
    YEAR_RE,
    plain,
    question_kind,
    signature_span,
)
from .model import PATH_SEPARATOR, Chunk, Fact, facts_of
from .names import canonical_agencies, named_units
from .question import Asked, analyse, numbered_groups, stop_syllables
from .search import Hit, PreparedQuery, prepare_query, search
from .structure import CLOSING as CLOSING_LABEL
from .structure import PREAMBLE as PREAMBLE_LABEL
from .text import collapse_whitespace, has_diacritics, strip_diacritics, syllables

__all__ = ["Answer", "Citation", "answer", "facts_naming_agency", "plain", "question_kind", "LEVEL_RE", "YEAR_RE"]


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


@dataclass
class Found:
    """One document's answer to the question, before documents are compared."""

    doc_id: str
    text: str
    citations: list[Citation]
    kind: str
    cover: Coverage
    facts: list[Fact] = field(default_factory=list)
    score: float = 1.0  # how well it matches beyond the key terms (a target's group), to compare documents
    key: str = ""  # what two documents must share to say the same thing
    named: bool = True  # the evidence names every national body the question names


TOP_HITS = 8  # passages looked at for an answer
TARGET_SHOWN = 0.5  # share of the key terms a target's lines must show, else its sentence answers
LOOSE_FACT, BETTER_BY = 0.8, 0.2  # a funding or timeline fact this loose gives way to a sentence this much closer
PASSAGE_HITS = 3  # passages whose sentences are read for a passage answer
COMPARED_DOCUMENTS = 2  # documents given side by side when they differ and the question names none


def _citation(index: KnowledgeIndex, doc_id: str, section: str, start: int, end: int) -> Citation:
    doc = index.documents[doc_id]
    label, stored = display_label(index, doc_id), index.doc_label(doc_id)
    if section.startswith(stored):
        section = label + section[len(stored):]
    return Citation(label, doc_id, doc.info.subject if doc.info else doc.title, section,
                    index.quote(doc_id, start, end))


def _fact_citation(index: KnowledgeIndex, fact: Fact) -> Citation:
    return _citation(index, fact.doc_id, fact.section, fact.start, fact.end)


def _fact_citations(index: KnowledgeIndex, facts: list[Fact]) -> list[Citation]:
    citations: list[Citation] = []
    for fact in facts:
        citation = _fact_citation(index, fact)
        if all(c.quote != citation.quote or c.doc_id != citation.doc_id for c in citations):
            citations.append(citation)
    return citations


def _roles(plain_text: str) -> set[str]:
    return {role for role in ROLE_WORDS if re.search(rf"\b{role}\b", plain_text)}


def _group_score(question_roles: set[str], fact: Fact) -> float:
    """How well a target's group matches the roles the question names (1 = same roles)."""
    group_roles = _roles(plain(fact.data.get("group", "")))
    if not question_roles:
        return 0.5
    if not group_roles:
        return 0.0
    overlap = len(question_roles & group_roles)
    return overlap / len(question_roles | group_roles)


def _facts_of(index: KnowledgeIndex, kind: str, doc_ids: list[str]) -> list[Fact]:
    wanted = set(doc_ids)  # in the index's order of documents, as the facts are
    return [f for doc_id in index.documents if doc_id in wanted for f in facts_of(index, doc_id) if f.kind == kind]


def _fact_words(facts: list[Fact]) -> list[str]:
    texts = []
    for fact in facts:
        texts += [fact.quote, fact.section]
        for value in fact.data.values():
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, list):
                texts += [v for v in value if isinstance(v, str)]
    return texts


def _found(index: KnowledgeIndex, asked: Asked, doc_id: str, text: str, facts: list[Fact], kind: str,
           score: float = 1.0, key: str = "", citations: list[Citation] | None = None) -> Found:
    words = evidence_words(index, doc_id, "", *_fact_words(facts), text, accented=asked.accented)
    return Found(doc_id, text, citations if citations is not None else _fact_citations(index, facts), kind,
                 coverage(index, asked.terms, words, asked.accented, asked.pairs), facts, score, key,
                 _names_entities(index, asked, doc_id, [*_fact_words(facts), text]))


def _names_entities(index: KnowledgeIndex, asked: Asked, doc_id: str, texts: list[str]) -> bool:
    """"Bộ Tư pháp đặt chỉ tiêu bao nhiêu …": a figure of a text that does not name Bộ Tư pháp is not its answer."""
    if not asked.entities:
        return True
    bag = evidence_words(index, doc_id, "", *texts)
    return all(names(bag, entity) for entity in asked.entities)


# ------------------------------------------------------------------------------------------------------------ targets


def _target_line(fact: Fact) -> str:
    data = fact.data
    conditions = [c for c in data.get("conditions", []) if c]
    condition = f" ({'; '.join(conditions)})" if conditions else ""
    level_text = data.get("level_text") or (f"bậc {data['level']}" if data.get("level") else "")
    subject = data.get("subject", "")
    low = f"{data['percent_low']}-" if data.get("percent_low") is not None else ""
    achieve = "" if not subject and PREDICATE_START_RE.match(level_text) else "đạt trình độ "
    return (f"Đến năm {data.get('year')}: {low}{data.get('percent')}% {data.get('group')}{condition} "
            f"{achieve}{subject} {level_text}").replace("  ", " ").strip()


def _targets(index: KnowledgeIndex, asked: Asked, doc_id: str) -> Found | None:
    facts = _facts_of(index, "target", [doc_id])
    if asked.years:
        facts = [f for f in facts if f.data.get("year") in asked.years]
    if asked.levels:
        facts = [f for f in facts if str(f.data.get("level")) in asked.levels or not f.data.get("level")]
    if not facts:
        return None
    roles = _roles(asked.plain)
    # "cấp xã", "lãnh đạo, quản lý", "Trung ương": a group named by its tier or its leaders is that group, not
    # another one that shares "công chức" with it.
    narrowing = roles & NARROWING_ROLES
    facts = [f for f in facts if narrowing <= _roles(plain(" ".join([f.data.get("group", ""),
                                                                     *f.data.get("conditions", [])])))]
    if not facts:
        return None
    best = max(_group_score(roles, f) for f in facts)
    facts = [f for f in facts if _group_score(roles, f) == best]
    facts = sorted(facts, key=lambda f: (f.data.get("year", 0), f.start))
    text = "\n".join(f"- {_target_line(f)}" for f in facts)
    shown = coverage(index, asked.terms, evidence_words(index, doc_id, "", text, *(f.data.get("group", "") for f in facts),
                                                        accented=asked.accented), asked.accented, asked.pairs)
    if shown.share < TARGET_SHOWN:
        return None  # "có yêu cầu cả ngoại ngữ chuyên ngành không": the sentence says what the target lines do not
    key = "|".join(sorted(f"{f.data.get('year')}:{f.data.get('percent')}:{f.data.get('level')}" for f in facts))
    return _found(index, asked, doc_id, text, facts, "target", score=best, key=key)


# ----------------------------------------------------------------------------------------------------------- contacts


CONTACT_FIELDS = {"mobile": "di động", "phone": "máy bàn", "ext": "máy lẻ", "fax": "fax", "email": "email"}


def _contact_line(fact: Fact, parts: list[str]) -> str:
    d = fact.data
    person = d.get("person", "")
    asked = [p for p in parts if p in CONTACT_FIELDS and d.get(p)]
    if asked:
        values = ", ".join(f"{CONTACT_FIELDS[p]} {d[p]}" for p in asked)
        return f"{person}: {values}" if person else values
    parts = [person]
    if d.get("role"):
        parts.append(d["role"])
    if d.get("mobile"):
        parts.append(f"di động {d['mobile']}")
    if d.get("phone"):
        phone = f"máy bàn {d['phone']}"
        if d.get("ext"):
            phone += f", máy lẻ {d['ext']}"
        parts.append(phone)
    elif d.get("ext"):
        parts.append(f"máy lẻ {d['ext']}")
    if d.get("fax"):
        parts.append(f"fax {d['fax']}")
    if d.get("email"):
        parts.append(f"email {d['email']}")
    return ", ".join(p for p in parts if p)


def _contact_fields(asked: Asked) -> list[str]:
    """The parts of a contact to give: those asked for; "số điện thoại" is any phone (mobile and desk); a question
    for contacts in general gets all."""
    if _asks_contacts_in_general(asked.plain) and set(asked.parts) <= {"phone"}:
        return []
    fields = [p for p in asked.parts if p in CONTACT_FIELDS]
    if "phone" in fields and "mobile" not in fields:
        fields.insert(fields.index("phone"), "mobile")
    return fields


def _contacts(index: KnowledgeIndex, asked: Asked, doc_id: str) -> Found | None:
    facts = _facts_of(index, "contact", [doc_id])
    words = set(asked.plain.split())
    named = [f for f in facts if (plain(f.data.get("person", "")).split() or [""])[-1] in words]
    facts = named or facts  # "số điện thoại của chị Huyền?": that person only
    if asked.part in CONTACT_FIELDS:
        fields = _contact_fields(asked)
        facts = [f for f in facts if not fields or any(f.data.get(p) for p in fields)]
    elif asked.part == "address":
        facts = [f for f in facts if f.data.get("address")]
    if not facts:
        return None
    text = "Liên hệ: " + "; ".join(_contact_line(f, _contact_fields(asked)) for f in facts)
    found = _found(index, asked, doc_id, text, facts, "contact")
    if named:
        found.cover = Coverage(max(found.cover.share, 1.0 if not found.cover.missing else found.cover.share))
    return found


GENERIC_CONTACT_WORDS = set("""cho toi minh em anh chi xin hoi voi ai la gi nao can de duoc nguoi so cua o dau muon biet
the thi ve va hay ad oi a nhe a day co khong dau moi can bo chuyen vien phu trach gap ban bo""".split())


def _asks_contacts_in_general(q: str) -> bool:
    """"Liên hệ với ai?", "cho mình xin số điện thoại liên hệ": contacts in general (the greeting's button)."""
    cue = dict(KIND_CUES)["contact"]
    return not (set(cue.sub(" ", q).split()) - GENERIC_CONTACT_WORDS)


# ------------------------------------------------------------------------------------------------------------- duties


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


def _duties(index: KnowledgeIndex, asked: Asked, doc_id: str) -> Found | None:
    facts = facts_naming_agency(_facts_of(index, "duty", [doc_id]), asked.plain)
    if not facts:
        return None
    agency = facts[0].data.get("agency", "")
    members = [a for a in facts[0].data.get("agencies", []) if a != agency]
    head = f"Nhiệm vụ của {agency}" + (f" (gồm {', '.join(members)})" if members else "")
    duties = [collapse_whitespace(f.data.get("duty", f.quote)).lstrip("-+ ") for f in facts]
    return _found(index, asked, doc_id, f"{head}:\n" + "\n".join(f"- {d}" for d in duties), facts, "duty")


# -------------------------------------------------------------------------------------------------------- eligibility


def _eligibility(index: KnowledgeIndex, asked: Asked, doc_id: str, applies: bool) -> Found | None:
    facts = [f for f in _facts_of(index, "eligibility", [doc_id]) if bool(f.data.get("applies")) == applies]
    if not facts:
        return None
    items = []
    for fact in facts:
        who = fact.data.get("who") or fact.quote
        conditions = fact.data.get("conditions") or []
        items.append(who + (f" ({'; '.join(conditions)})" if conditions else ""))
    head = "Đối tượng áp dụng" if applies else "Đối tượng không áp dụng"
    key = "|".join(sorted(plain(item) for item in items))
    return _found(index, asked, doc_id, f"{head}:\n" + "\n".join(f"- {item}" for item in items), facts,
                  "eligibility" if applies else "exclusion", key=key)


def _pairs(text: str) -> set[tuple[str, str]]:
    words = text.split()
    return set(zip(words, words[1:]))


# Verdicts that rest on an item naming the person's group; "not covered" and "possible" are left to the words of the
# text (a description in the asker's own words may miss a group the text names otherwise).
DEFINITE_CHECKS = ("applies", "excluded", "excluded_if")
CHECK_LEADS = {"applies": "Có", "possible": "Có thể", "excluded": "Không", "excluded_if": "Có thể không",
               "not_covered": "Không"}


def _check(index: KnowledgeIndex, asked: Asked, doc_id: str) -> Found | None:
    """Does the document apply to the person the question describes? The HR rule check's verdict (knowledge.check,
    as `python -m knowledge check` gives it) with its reason, else the eligibility item sharing most word pairs."""
    from . import check  # check.py builds on this module's citations

    try:
        person = check.person_from_input(asked.text)
    except (check.PersonInputError, TypeError, ValueError):
        person = None
    if person is not None and (person.role or person.job or person.workplace):
        verdict = check.check_document(index, doc_id, person)
        if verdict is not None and verdict.status in DEFINITE_CHECKS:
            facts = [f for f in _facts_of(index, "eligibility", [doc_id])
                     if any(c.quote == f.quote for c in verdict.citations)]
            if facts and all(f.data.get("basis") in INFERRED_BASES for f in facts) and _stated_by_a_copy(index, doc_id):
                # a group read from what a page is about: a copy saying whom it covers answers instead
                return _check_by_pairs(index, asked, doc_id)
            reason = _with_predicate(verdict.reason, [c.quote for c in verdict.citations])
            text = f"{CHECK_LEADS[verdict.status]}. Theo {display_label(index, doc_id, short=True)}: {reason}"
            found = _found(index, asked, doc_id, text, facts, "check",
                           citations=verdict.citations or _fact_citations(index, facts))
            # The person's own words (role, tier, workplace, job, age) were matched by the rule check; the rest of
            # the question must be in the evidence.
            described = set(plain(" ".join(str(v) for v in vars(person).values() if v not in (None, ""))).split())
            rest = [t for t in asked.terms if strip_diacritics(t) not in described]
            words = evidence_words(index, doc_id, "", *_fact_words(facts), text, accented=asked.accented)
            found.cover = coverage(index, rest, words, asked.accented, asked.pairs)
            # a body the person works at ("công chức Bộ Ngoại giao") was matched by the rule check, not named by it
            found.named = found.named or all(set(entity.split()) <= described for entity in asked.entities)
            return found
    return _check_by_pairs(index, asked, doc_id)


INFERRED_BASES = ("subject", "purpose")  # eligibility facts read from what a text is about, not stated as such


def _stated_by_a_copy(index: KnowledgeIndex, doc_id: str) -> bool:
    """Another copy of the same document (a page restating it) states whom it covers or not."""
    return any(_same_source(index, other, doc_id) and any(
        f.data.get("basis") not in INFERRED_BASES for f in _facts_of(index, "eligibility", [other]))
        for other in index.documents if other != doc_id)


_QUOTED_RE = re.compile(r"«([^«»]+)»")
PREDICATE_WORDS = 25  # the rest of an item's sentence shown with it, at most


def _with_predicate(reason: str, quotes: list[str]) -> str:
    """An item quoted without the rest of its sentence ("«giảng viên các trường Đại học, …»" of "… sẽ tham gia các
    khóa bồi dưỡng giảng viên trước khi …") is quoted to the sentence's end: what the group is in for, and any
    "trừ …" after it, are part of the answer."""
    def extend(match: re.Match) -> str:
        item = match.group(1)
        for quote in quotes:
            at = quote.find(item)
            if at < 0:
                continue
            tail = re.split(r"(?<=[.;!?])\s|;", quote[at + len(item):], maxsplit=1)[0]
            words = tail.split()
            if words and len(words) <= PREDICATE_WORDS and (tail[:1] == " " and words[0][:1].islower() or
                                                            tail.startswith(", ") and len(words) > 1):
                return f"«{item}{tail.rstrip('.;')}»"
        return match.group(0)
    return _QUOTED_RE.sub(extend, reason)


def _check_by_pairs(index: KnowledgeIndex, asked: Asked, doc_id: str) -> Found | None:
    """Applies or excluded: the eligibility item sharing most word pairs with the person described (an item the text
    states: not a group read from its subject or purpose, too loose to say yes on shared words)."""
    facts = [f for f in _facts_of(index, "eligibility", [doc_id]) if f.data.get("basis") not in INFERRED_BASES]
    asked_pairs = _pairs(asked.plain)
    scored = []
    for fact in facts:
        described = plain(" ".join([fact.data.get("who", ""), *fact.data.get("workplaces", [])]))
        scored.append((len(asked_pairs & _pairs(described)), not fact.data.get("applies"), fact))
    scored = [item for item in scored if item[0] >= 2]  # one shared pair ("ngoại ngữ") is not a description
    if not scored:
        return None
    _, excluded, best = max(scored, key=lambda item: (item[0], item[1]))
    label = display_label(index, best.doc_id)
    conditions = "; ".join(best.data.get("conditions") or [])
    who = best.data.get("who", "")
    if excluded:
        text = (f"Không. Theo {label}, {who}" + (f" ({conditions})" if conditions else "") +
                " thuộc đối tượng không áp dụng.")
        return _found(index, asked, doc_id, text, [best], "check")
    exclusions = [f for f in facts if not f.data.get("applies")]
    text = f"Có. Theo {label}, đối tượng áp dụng là: {who}" + (f" ({conditions})" if conditions else "") + "."
    if exclusions:
        text += " Trừ: " + "; ".join(f.data.get("who", "") for f in exclusions) + "."
    return _found(index, asked, doc_id, text, [best, *exclusions], "check")


# ---------------------------------------------------------------------------------------------- facts in the passages


def _in_hits(facts: list[Fact], hits: list[Hit], depth: int = 1) -> list[Fact]:
    """Facts inside the best retrieved passages: a cue word alone ("kinh phí") does not make a fact relevant."""
    for hit in hits[:depth]:
        chunk = hit.chunk
        inside = [f for f in facts if f.doc_id == chunk.doc_id and chunk.start <= f.start < chunk.end]
        if inside:
            return inside
    return []


def _held_by_best(index: KnowledgeIndex, kind: str, doc_id: str, hits: list[Hit]) -> list[Fact]:
    """Facts of `kind` of this document in the first of its three best passages that holds any."""
    own = [h for h in hits if h.chunk.doc_id == doc_id]
    return _in_hits(_facts_of(index, kind, [doc_id]), own, depth=3)


def _simple(index: KnowledgeIndex, asked: Asked, doc_id: str, hits: list[Hit], kind: str, head: str) -> Found | None:
    facts = _held_by_best(index, kind, doc_id, hits)
    if not facts:
        return None
    texts = [collapse_whitespace(f.data.get("text") or f.quote).lstrip("-+ ") for f in facts]
    return _found(index, asked, doc_id, f"{head}:\n" + "\n".join(f"- {t}" for t in texts), facts, kind)


# "… giai đoạn nào?": the period of something named. A programme's, a plan's or a project's period is written after
# its name ("Đề án “Chương trình … cho cán bộ, công chức, viên chức giai đoạn 2019 - 2030”").
PERIOD_ASKED_RE = re.compile(r"\b(giai doan nao|giai doan (tu )?nam nao|thoi ky nao|tu nam nao den nam nao)\b")
NAMED_PERIOD_RE = re.compile(r"(?:giai đoạn|thời kỳ)\s+(?:từ\s+(?:năm\s+)?)?((?:19|20)\d{2})\s*(?:[-–—]|đến(?:\s+năm)?)\s*"
                             r"((?:19|20)\d{2})", re.I)
NAME_SHARE = 0.85  # of the question's key terms, in the words just before the period


def _named_period(index: KnowledgeIndex, asked: Asked, doc_id: str, hits: list[Hit]) -> Found | None:
    """The period written after the name the question gives, in the document's best passages."""
    if not PERIOD_ASKED_RE.search(asked.plain) or not asked.terms:
        return None
    for hit in [h for h in hits if h.chunk.doc_id == doc_id][:PASSAGE_HITS]:
        for unit in brief.sentences(hit.chunk):
            for match in NAMED_PERIOD_RE.finditer(unit.text):
                before = unit.text[:match.start()].split()[-(2 * len(asked.terms) + 6):]
                name = " ".join(before)
                cover = coverage(index, asked.terms, words_of(name, accented=asked.accented), asked.accented,
                                 asked.pairs)
                if cover.share < NAME_SHARE:
                    continue
                label = display_label(index, doc_id, short=True)
                citation = _citation(index, doc_id, hit.chunk.section, hit.chunk.start, hit.chunk.end)
                shown = " ".join(before[-(len(asked.terms) + 4):])
                text = f"Theo {label}: giai đoạn {match.group(1)} - {match.group(2)} («… {shown} {match.group(0)}»)."
                return Found(doc_id, text, [citation], "roadmap", cover, [], 1.0,
                             named=_names_entities(index, asked, doc_id, [unit.text]))
    return None


def _links(index: KnowledgeIndex, asked: Asked, doc_id: str, hits: list[Hit]) -> Found | None:
    """The web addresses in the best passages, each with the site's name when the document gives it."""
    facts = _held_by_best(index, "link", doc_id, hits)
    if not facts:
        return None
    # "Xem toàn văn Đề án và Phụ lục ở đâu?": the question shares two word pairs with the sentence giving the address
    # (what is published there, or the site's name); its other words ("xem", "ở đâu") are in no passage.
    asked_pairs = _pairs(asked.plain)
    if not any(len(asked_pairs & _pairs(plain(f.quote))) >= 2 for f in facts):
        return None
    items = [f"{f.data['site']}: {f.data['url']}" if f.data.get("site") else f.data["url"] for f in facts]
    text = f"Theo {display_label(index, doc_id)}, xem tại:\n" + "\n".join(f"- {item}" for item in items)
    found = _found(index, asked, doc_id, text, facts, "link")
    found.cover = Coverage(1.0)
    return found


def _steps(index: KnowledgeIndex, asked: Asked, doc_id: str, hits: list[Hit]) -> Found | None:
    """First, last, next or "which" step of the procedure in the best passages, or all of its steps."""
    found_steps = _held_by_best(index, "step", doc_id, hits)
    if not found_steps:
        return None
    q = asked.plain
    steps = sorted((f for f in index.facts if f.kind == "step" and f.doc_id == doc_id
                    and f.data["procedure"] == found_steps[0].data["procedure"]), key=lambda f: f.data["order"])
    named = _named_step(q, steps)
    total = len(steps)
    listing = "\n".join(f"{f.data['order']}. {f.data['step']}" for f in steps)
    head = (f"Quy trình «{found_steps[0].data['procedure']}» ({display_label(index, doc_id)}) gồm {total} bước:\n"
            f"{listing}")
    cited = None
    if ALL_STEPS_RE.search(q):
        lead = ""
    elif FIRST_STEP_RE.search(q):
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
        lead = ""
    text = f"{lead}\n{head}" if lead else head
    facts = [cited] if cited else steps
    found = _found(index, asked, doc_id, text, facts, "step")
    # The step words of the question ("chiêu sinh xong") name a step; "tiếp theo", "cuối cùng" are no document's.
    found.cover = Coverage(1.0) if named is not None or lead == "" else found.cover
    return found


def _named_step(q: str, steps: list[Fact]) -> Fact | None:
    """The step the question names: the one sharing most content syllables with it (none if no word is shared)."""
    stops = stop_syllables()
    words = {w for w in q.split() if w not in stops and len(w) > 1}
    best, best_shared = None, 0
    for step in steps:
        shared = len(words & set(plain(step.data["step"]).split()))
        if shared > best_shared:
            best, best_shared = step, shared
    return best


# ---------------------------------------------------------------------------------------------------------- documents


# A legal site's metadata table names the signer ("Người ký: Nguyễn Tiến Dĩnh") where the copy's signature block
# holds only the title.
_SITE_SIGNER_RE = re.compile(r"Người ký\s*:\s*\|?\s*([A-ZĐ][a-zà-ỹđ]+(?:[ \t]+[A-ZĐ][a-zà-ỹđ]+){1,4})")


def _site_signer(source: str) -> str:
    match = _SITE_SIGNER_RE.search(source[:SITE_TABLE_CHARS])
    return match.group(1) if match else ""


SITE_TABLE_CHARS = 1500
_ASKS_WHO_RE = re.compile(r"\b(ai|nguoi nao|ten gi|ho ten|thu tuong nao|bo truong nao|chu tich nao)\b")


# Parts of a document that are one docinfo field (of the same name), said in one sentence.
ONE_FIELD_PARTS = {
    "proposer": "{label} được ban hành theo đề nghị của {value}.",
    "consulted": "{label} được ban hành sau khi thống nhất với {value}.",
    "effective": "{label} có hiệu lực {value}.",
}


BASIS_MARGIN = 0.05  # bases whose words answer nearly as well as the best one are given too


def _cited_date(index: KnowledgeIndex, asked: Asked, doc_id: str) -> tuple[str, tuple[int, int]] | None:
    """The date a document gives for another it cites, when the question names that one by number: "số
    942/QĐ-TTg ngày 15/6/2021" → ("Quyết định 942/QĐ-TTg ngày 15/6/2021 (theo …)", its span)."""
    own = profiles(index)[doc_id].own
    source = index.documents[doc_id].source or ""
    for number in asked.focus.named.numbers:
        if number in own:
            continue
        m = re.search(rf"(?<![\d/])(?P<ref>{re.escape(number)}/[\w.\-/]+)\s*,?\s*ngày\s+(?P<date>\d{{1,2}}\s*/\s*\d{{1,2}}"
                      rf"\s*/\s*\d{{4}}|\d{{1,2}}\s+tháng\s+\d{{1,2}}\s+năm\s+\d{{4}})", source)
        if m:
            kind = re.search(r"(Quyết định|Nghị định|Nghị quyết|Thông tư|Kế hoạch|Công văn|Chỉ thị|Kết luận)\s+"
                             r"(?:số\s*)?$", source[max(0, m.start() - 40):m.start()], re.I)
            name = f"{kind.group(1)} {m.group('ref')}" if kind else m.group("ref")
            return (f"{name} ngày {collapse_whitespace(m.group('date'))} (theo {display_label(index, doc_id)}).",
                    (m.start(), m.end()))
    return None


def _date_text(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"ngày {day}/{month}/{year}"


def _document(index: KnowledgeIndex, asked: Asked, doc_id: str) -> Found | None:
    """The part of the document's own metadata the question asks for, from docinfo (the header fact cited)."""
    doc = index.documents[doc_id]
    info = doc.info
    about = next((f for f in index.facts if f.kind == "document" and f.doc_id == doc_id), None)
    if info is None or about is None or not (info.number or (info.doc_type and info.issuer and info.date)):
        return None  # a page restating another document: its sentences answer, not its (missing) header
    # (a header whose number line a copy lost still says its kind, issuer, date, signer and bases)
    if asked.years and not asked.years & profiles(index)[doc_id].years:
        return None  # "đề án … 2017-2020 số mấy": not a document of other years
    label = display_label(index, doc_id)
    part = asked.part
    citations = [_fact_citation(index, about)]
    if part == "signer":
        signer = info.signer or _site_signer(doc.source)
        if not (signer or info.signer_title):
            return None
        text = f"{label} do {' '.join(p for p in (info.signer_title, signer) if p)} ký."
        if not signer and _ASKS_WHO_RE.search(asked.plain):
            text += " Bản này không ghi họ tên người ký."
        signature = signature_span(doc.source, info.signer or info.signer_title)
        if signature:
            citations.insert(0, _citation(index, doc_id, f"{label}{PATH_SEPARATOR}Phần kết", *signature))
    elif part == "date":
        cited = _cited_date(index, asked, doc_id)
        if cited:  # "Quyết định 942/QĐ-TTg được dẫn trong QĐ 1698 ban hành ngày nào?"
            text, span = cited
            citations.insert(0, _citation(index, doc_id, f"{label}{PATH_SEPARATOR}Phần mở đầu", *span))
        elif not info.date or asked.focus.by_reference or set(asked.focus.named.numbers) - profiles(index)[doc_id].own:
            return None  # another document's date was asked: not this one's
        else:
            text = f"{label} ban hành {_date_text(info.date)}."
    elif part == "issuer":
        if not info.issuer:
            return None
        text = f"{label} do {info.issuer} ban hành."
    elif part == "number":
        if not info.number:
            return None
        text = f"Số hiệu: {label}."
    elif part == "subject":
        subject = getattr(info, "action_object", "") and f"{info.action} {info.action_object}" or info.subject
        if not subject:
            return None
        text = f"{label}: {subject}."
    elif part in ONE_FIELD_PARTS:
        value = getattr(info, part, "")
        if not value:
            return None
        text = ONE_FIELD_PARTS[part].format(label=label, value=value)
    elif part == "legal_basis":
        records = [b for b in getattr(info, "legal_bases", []) or [] if b.get("document") or b.get("text")]
        # "căn cứ thông tư nào": the bases of that kind, when the document has some
        kinds = [w.split(":", 1)[1] for w in asked.wants if w.startswith("cited:")]
        of_kind = [b for b in records if any(plain(b.get("document") or b.get("text", "")).startswith(k) for k in kinds)]
        records = of_kind or records
        # The words that describe the basis asked for are those that do not describe the document itself ("công văn
        # hướng dẫn năm 2024 của Bộ Nội vụ căn cứ nghị định nào về chức năng của Bộ Ngoại giao").
        identity = identity_words(index, doc_id, asked.accented)
        describing = [t for t in asked.terms if t not in identity]
        if describing and records:
            # "căn cứ nghị định nào về đào tạo, bồi dưỡng": the bases whose own words answer best
            shares = [coverage(index, describing, words_of(b.get("text") or b.get("document", ""),
                                                           accented=asked.accented), asked.accented).share
                      for b in records]
            best = max(shares)
            records = [b for b, share in zip(records, shares) if share >= max(0.5, best - BASIS_MARGIN)] \
                or ([] if not of_kind else records)
        bases = [b.get("document") or b.get("text", "") for b in records]
        if not bases and not describing:
            bases = list(info.references)
        if not bases:
            return None  # its "Căn cứ …" sentences may say it
        text = f"{label} căn cứ/thực hiện: " + "; ".join(bases) + "."
    elif part in ("recipient", "attached"):
        return None  # the sentences of its header or closing say it
    else:
        parts = [label]
        if info.issuer:
            parts.append(f"do {info.issuer} ban hành")
        if info.date:
            parts.append(_date_text(info.date))
        text = " ".join(parts)
        if info.subject:
            text += f", về việc: {info.subject}"
        if info.signer or info.signer_title:
            text += f". Người ký: {' '.join(p for p in (info.signer_title, info.signer) if p)}"
        text += "."
    # The evidence is what the answer says and the header it quotes: a term of the question only the preamble's
    # other clauses hold ("căn cứ kết luận nào của Thành ủy") is asked of a sentence, not of the metadata.
    return _found(index, asked, doc_id, text, [about], "document", citations=citations)


# ------------------------------------------------------------------------------------------------------------ passages


def _passage(index: KnowledgeIndex, asked: Asked, prepared: PreparedQuery, hits: list[Hit], docs: list[str],
             use_dense: bool) -> list[Found]:
    """The sentences that answer, from the best passages of the candidate documents, each document at most once.
    A sentence scores by the key terms it holds (with its section path and its document's identity), by meaning
    (its e5 cosine with the question, stretched over all candidate sentences) and by its passage's retrieval score."""
    wanted = set(docs)
    picked: list[Hit] = []
    for hit in hits:
        if hit.chunk.doc_id in wanted and all(hit.chunk is not h.chunk for h in picked):
            picked.append(hit)
        if len(picked) >= PASSAGE_HITS:
            break
    # A part of a named document asked for ("gửi tới những nơi nào", "xét đề nghị của ai"): the passages that say
    # such a part ("Nơi nhận:", "Xét đề nghị …") are read too, wherever they ranked.
    cues = [PART_SENTENCES[p] for p in asked.parts if p in PART_SENTENCES]
    if cues:
        low = min((h.score for h in picked), default=0.0)
        named = set(asked.focus.docs or docs[:2])
        for chunk in index.chunks:
            if chunk.doc_id in named and all(chunk is not h.chunk for h in picked) and any(
                    cue.search(line.strip()) for cue in cues for line in chunk.text.split("\n")):
                picked.append(Hit(chunk, low, 0.0, 0.0))
    if not picked:
        return []
    rows: list[tuple[Hit, list[brief.Sentence], int]] = []
    for hit in picked:
        units = brief.sentences(hit.chunk)
        for i in range(len(units)):
            rows.append((hit, units, i))
    if not rows:
        return []
    lexical = []
    for hit, units, i in rows:
        # Ranked by its own words and its heading's: the document's identity is the same for all its sentences.
        heading = hit.chunk.section_path[-1] if hit.chunk.section_path else ""
        # A sentence announcing a list ("… căn cứ trên:") answers with its items: it holds their words too.
        items = [u.text for u in brief.announced(units, i)]
        lexical.append(coverage(index, asked.terms, words_of(units[i].text, heading, *items, accented=asked.accented),
                                asked.accented, asked.pairs).share)
    top_score = max(h.score for h in picked) or 1.0
    dense = np.zeros(len(rows), dtype=np.float32)
    meaning = index.settings.sentence_meaning_weight
    if use_dense and meaning > 0 and len(rows) > 1:
        # Meaning decides among the sentences words already rank best: only those are embedded (cached by text).
        prelim = [SENTENCE_WORDS * lexical[r] + SENTENCE_PASSAGE * rows[r][0].score / top_score for r in range(len(rows))]
        best = sorted(range(len(rows)), key=lambda r: -prelim[r])[:MEANING_CANDIDATES]
        query_vector = prepared.vector if prepared.vector is not None else index.embedder.query(prepared.dense_text)
        cosines = brief.sentence_vectors(index, [rows[r][1][rows[r][2]].text for r in best]) @ query_vector
        low, high = float(cosines.min()), float(cosines.max())
        stretched = (cosines - low) / (high - low) if high > low else np.ones_like(cosines)
        for r, value in zip(best, stretched):
            dense[r] = value
    part_cues = [PART_SENTENCES[p] for p in asked.parts or [asked.part or ""] if p in PART_SENTENCES]
    # An agency's duties asked by name: a sentence answers only where the agency does something.
    agency_keys = _agency_keys(index, asked) if asked.kind == "duty" else []
    strict_cues = any(p in STRICT_PARTS for p in asked.parts or [asked.part or ""])
    kind_focus = KIND_FOCUS.get(asked.kind or "")
    narrowing = _roles(asked.plain) & NARROWING_ROLES
    # "Gửi tới những nơi nào?": only a sentence saying such a part answers, when the passages have one.
    cued = [row for row, (hit, units, i) in enumerate(rows) if any(cue.search(units[i].text) for cue in part_cues)]
    scored = []
    for row, (hit, units, i) in enumerate(rows):
        text = units[i].text
        if strict_cues and row not in cued:  # "theo đề nghị của ai?": only a sentence saying so answers
            continue
        heading = hit.chunk.section_path[-1] if hit.chunk.section_path else ""
        if asked.wants and not all(holds(w, f"{heading}: {text}" if w == "agency" else text) for w in asked.wants
                                   if w in _SENTENCE_VALUES or w.startswith("cited:")):
            continue  # (a body may be named by the sentence's heading: "1. Sở Nội vụ:" over its duties)
        if asked.kind == "target" and not narrowing <= _roles(plain(text)):
            continue  # "cấp xã" asked: a sentence on cấp tỉnh, cấp huyện does not answer
        if asked.kind == "target" and asked.years and not any(
                str(y) in _YEAR_SPAN_RE.sub(" ", f"{text} {hit.chunk.section}") for y in asked.years):
            continue  # "năm 2030" asked: the 2025 targets (or a scheme "giai đoạn 2019-2030") do not answer
        # "năm 2027 có bao nhiêu lớp": a sentence on 2026 does not answer; one naming no year ("Địa điểm: Tại …")
        # answers for the year its passage is about
        year_context = f"{text} {hit.chunk.section} {_identity(index, hit.chunk.doc_id)}"
        if not YEAR_RE.search(text):
            year_context += f" {hit.chunk.text}"
        if asked.years and not any(str(y) in year_context for y in asked.years):
            continue
        needed = KIND_EVIDENCE.get(asked.kind or "")
        if needed and not needed.search(plain_text(f"{text} {heading}")):
            continue
        if not brief.complete(units, i):
            continue  # "Nhiệm vụ cụ thể của Bộ … như sau:" with nothing after it
        if asked.kind == "contact" and " | " in text:
            continue  # a site's table ("Điện thoại: | (028) …"): the site's own contact, not the document's
        score = (SENTENCE_WORDS * lexical[row] + meaning * float(dense[row])
                 + SENTENCE_PASSAGE * hit.score / top_score
                 + HEADING_BONUS * _names_heading(asked, hit.chunk.section_path[-1] if hit.chunk.section_path else ""))
        score += PART_BONUS * sum(bool(cue.search(text)) for cue in part_cues)
        if kind_focus and kind_focus.search(plain_text(text)):
            score += KIND_BONUS
        scored.append((score, row))
    out: list[Found] = []
    seen: set[str] = set()
    # An e-mail or a phone asked: a sentence holding one is chosen by the value (the passage must still cover the
    # question), "gửi về hộp thư …" under "Bộ Nội vụ đề nghị … như sau:".
    valued = bool(asked.wants & VALUED_WANTS)
    order = sorted(scored, key=lambda item: -item[0])
    # A section the question names ("những yêu cầu gì" → "2. Yêu cầu") answers first, with its items: a passage
    # beginning with its heading, or a heading inside a passage ("I. MỤC ĐÍCH, YÊU CẦU" holding "2. Yêu cầu"); the
    # heading the question names most of first.
    named_sections = sorted(((score, row) for score, row in order if _section_row(index, asked, rows[row])),
                            key=lambda item: (-_heading_share(asked, _row_heading(rows[item[1]])), -item[0]))
    if named_sections and order and order[0][1] != named_sections[0][1] and DETAIL_ASKED_RE.search(asked.plain) \
            and _under(rows[order[0][1]], rows[named_sections[0][1]]):
        named_sections = []  # "trách nhiệm … thuộc về ai theo yêu cầu …": one item of the section named answers
    preferred = {row for _, row in named_sections[:1]}
    for score, row in named_sections[:1] + order:
        hit, units, i = rows[row]
        chunk = hit.chunk
        if chunk.doc_id in seen or (lexical[row] < SENTENCE_MIN and row not in preferred and row not in cued
                                    and not valued):
            continue
        if agency_keys and not _agency_acts(agency_keys, units[i].text):
            continue  # "nhiệm vụ cho các Bộ: Bộ Nội vụ, Bộ Tài chính, …" names the agency, not what it does
        seen.add(chunk.doc_id)
        ranked = [rows[r][2] for _, r in sorted(scored, key=lambda item: -item[0]) if rows[r][0] is hit]
        heading = chunk.section_path[-1] if chunk.section_path else ""
        # the question names the passage's section and its heading is the best of it (not a detail inside it)
        outline = i == 0 and bool(units) and brief.starts_section(units, heading) and _asks_section(index, asked, chunk)
        if row in preferred and not outline:
            ranked = [i] + [r for r in ranked if r != i]  # a heading inside the passage: its items answer
        if outline:
            # the question names the section: its items answer, also those of its next passages
            ranked = [0] + [r for r in ranked if r != 0]
            units = units + [u for later in _continuations(index, chunk) for u in brief.sentences(later)]
        chosen = brief.pick(units, ranked, outline=outline)
        # The cited passage is the evidence: its words, its section path, its document's identity.
        cover = coverage(index, asked.terms, evidence_words(index, chunk.doc_id, chunk.section, chunk.text,
                                                            accented=asked.accented), asked.accented, asked.pairs)
        label = display_label(index, chunk.doc_id, short=True)
        body = brief.trim(" ".join(collapse_whitespace(u.text) for u in chosen), brief.LIST_WORDS)
        heading = _short_heading(chunk, chosen)
        citation = _citation(index, chunk.doc_id, chunk.section, chunk.start, chunk.end)
        out.append(Found(chunk.doc_id, f"Theo {label}{heading}: {body}", [citation], "passage", cover, [], score,
                         named=_names_entities(index, asked, chunk.doc_id, [chunk.section, chunk.text])))
    return out


HEADING_WORDS = 10  # a section heading this short names the answer's section ("mục 2. Sở Giáo dục và Đào tạo")


def _short_heading(chunk: Chunk, chosen: list[brief.Sentence]) -> str:
    """", mục 2. Sở Giáo dục và Đào tạo": the innermost heading of the sentences, when short and not repeated by
    them — it often says whom or what they are about."""
    if not chunk.section_path:
        return ""
    heading = chunk.section_path[-1]
    if heading in (PREAMBLE_LABEL, CLOSING_LABEL) or len(heading.split()) > HEADING_WORDS or heading.endswith("…"):
        return ""
    if plain(heading) in plain(" ".join(s.text for s in chosen)):
        return ""
    return f", mục {heading.rstrip(':')}"


# What a sentence must say to answer a question asking for a kind of fact, when no fact of that kind answered it
# (diacritic-free): a funding question needs a word of funding, a target one a share or a level.
KIND_EVIDENCE = {
    "target": re.compile(r"\d\s*%|phan tram|\bbac \d|\bty le"),
    "funding": re.compile(r"\b(kinh phi|ngan sach|chi phi|du toan|tai tro|nguon von|nguon tai chinh|dong gop|chi tra|"
                          r"hoc phi)\b"),
    "roadmap": re.compile(r"\b(19|20)\d{2}\b|\b(lo trinh|giai doan|thoi gian|thoi han|tien do)\b"),
    "eligibility": re.compile(r"\b(doi tuong|ap dung|danh cho|tham gia|gom|doi voi|can bo|cong chuc|vien chuc|"
                             r"giang vien|giao vien|chuyen gia|nguoi lao dong)\b"),
    "exclusion": re.compile(r"\b(khong ap dung|tru|mien|khong thuoc|khong bao gom)\b"),
    "contact": re.compile(r"@|(?<!\d)0\d{8,10}(?!\d)|\(\d{2,4}\)\s*\d"),
    "link": re.compile(r"https?://|www\.|\.(vn|com|org|net)\b"),
    "duty": re.compile(r"\b(nhiem vu|trach nhiem|chu tri|phoi hop|tham muu|to chuc|huong dan|bao cao|theo doi|"
                       r"xay dung|trien khai|thuc hien|dam bao|bo tri|de nghi|giao)\b"),
}


# A sentence shown as the answer holds at least this share of the key terms (with its heading).
SENTENCE_MIN = 0.35
CONTACT_VALUES = {"email", "phone"}
# A question that names a section's heading ("Mục đích của kế hoạch là gì?", "những yêu cầu gì") asks for the
# section: its items answer it. Share of the heading's words the question must hold (all of a short heading's).
OUTLINE_SHARE = 0.6


def _heading_words(heading: str) -> list[str]:
    """A heading's content words, diacritic-free, without its number ("3. Yêu cầu" → yeu cau)."""
    words = plain(brief.strip_marker(heading.rstrip("…"))).split()
    return [w for w in words if w not in stop_syllables() or w in ("muc", "tieu", "dich", "yeu", "cau")]


def _names_heading(asked: Asked, heading: str) -> bool:
    """The question names the heading: most of its words, all of a short one's, or four of them in a row."""
    if heading in (PREAMBLE_LABEL, CLOSING_LABEL):
        return False  # the parts before the first heading and after the last: no heading of the document's
    heading_words = plain(brief.strip_marker(heading.rstrip("…"))).split()
    words = _heading_words(heading)
    if not words:
        return False
    if _heading_share(asked, heading) >= (1.0 if len(words) <= 3 else OUTLINE_SHARE):
        return True
    stops = stop_syllables()
    return any(" ".join(run) in asked.plain and sum(w not in stops for w in run) >= RUN_WORDS
               for run in (heading_words[i:i + RUN_WORDS] for i in range(len(heading_words) - RUN_WORDS + 1)))


# Who, how many, when, where: a detail is asked, not a whole section ("mục đích … là gì").
DETAIL_ASKED_RE = re.compile(r"\b(ai|bao nhieu|khi nao|luc nao|bao gio|o dau|may)\b")
RUN_WORDS = 4  # content words of a heading in a row that name it ("tuyên truyền, nâng cao nhận thức")
SECTION_SHARE = 0.3  # share of the question's key terms its heading must hold for the question to be about it


def _heading(chunk: Chunk) -> str:
    return chunk.section_path[-1] if chunk.section_path else ""


def _row_heading(row) -> str:
    hit, units, i = row
    return _heading(hit.chunk) if i == 0 and brief.starts_section(units, _heading(hit.chunk)) else units[i].text


def _section_row(index: KnowledgeIndex, asked: Asked, row) -> bool:
    """The sentence is a heading the question asks about: the passage's own (its first sentence) or one inside it."""
    hit, units, i = row
    if i == 0 and brief.starts_section(units, _heading(hit.chunk)):
        return _asks_section(index, asked, hit.chunk)
    return brief.is_heading_unit(units[i].text) and _asks_section(index, asked, hit.chunk, units[i].text)


def _under(row, section_row) -> bool:
    """The sentence is inside the section (a passage's own section, or a heading inside the passage)."""
    hit, units, i = row
    section_hit, section_units, j = section_row
    if j == 0 and brief.starts_section(section_units, _heading(section_hit.chunk)):
        return hit.chunk.section_path == section_hit.chunk.section_path
    last = max((k for k in range(i + 1) if brief.is_heading_unit(units[k].text)), default=-1)
    return hit.chunk is section_hit.chunk and last == j


def _heading_share(asked: Asked, heading: str) -> float:
    words = _heading_words(heading)
    asked_words = set(asked.plain.split())
    return sum(w in asked_words for w in words) / len(words) if words else 0.0


def _asks_section(index: KnowledgeIndex, asked: Asked, chunk: Chunk, heading: str | None = None) -> bool:
    """The question is about a whole section (names its heading, and the heading holds much of what it asks), not
    about a detail inside it."""
    heading = _heading(chunk) if heading is None else heading
    if not heading or not _names_heading(asked, heading):
        return False
    # What the document says of itself is said of all its sections ("việc đào tạo ngoại ngữ cho công chức … ở thành
    # phố" of the city's plan on foreign-language training): the rest of the question is the heading's to hold.
    evidence = evidence_words(index, chunk.doc_id, "", heading, accented=asked.accented)
    return coverage(index, asked.terms, evidence, asked.accented).share >= SECTION_SHARE


def _continuations(index: KnowledgeIndex, chunk: Chunk) -> list[Chunk]:
    """The passages that continue a section cut into several (same section path, next in the document)."""
    position = index.memo.get("chunk_position")
    if position is None:
        position = index.memo["chunk_position"] = {c.chunk_id: i for i, c in enumerate(index.chunks)}
    out = []
    for row in range(position[chunk.chunk_id] + 1, len(index.chunks)):
        later = index.chunks[row]
        if later.doc_id != chunk.doc_id or later.section_path != chunk.section_path:
            break
        out.append(later)
    return out


# Weights of a sentence's score: the question's key terms it holds and its passage's retrieval score, beside its
# meaning (settings.sentence_meaning_weight, 0.25).
SENTENCE_WORDS, SENTENCE_PASSAGE = 0.45, 0.30
MEANING_CANDIDATES = 8  # sentences embedded to be compared by meaning, the best by words and rank
# Sentences that say the part of a document asked for ("Nơi nhận:", "Xét đề nghị của …", "Căn cứ …").
PART_SENTENCES = {
    "recipient": re.compile(r"^(Nơi nhận|Kính gửi)", re.I),
    "proposer": re.compile(r"đề nghị của|tờ trình", re.I),
    "legal_basis": re.compile(r"^(Căn cứ|Thực hiện)|^(Kế hoạch|Nghị định|Nghị quyết|Quyết định|Thông tư|Kết luận|"
                              r"Chỉ thị|Công văn) số", re.I),
    "effective": re.compile(r"hiệu lực", re.I),
    "consulted": re.compile(r"thống nhất với|thỏa thuận với", re.I),
    "attached": re.compile(r"kèm theo", re.I),
    "signer": re.compile(r"(?<!đăng )(?<!Đăng )\bký\b", re.I),
    "subject": re.compile(r"\b(phê duyệt|ban hành|về việc|V/v)\b", re.I),
    "date": re.compile(r"ngày\s+\d{1,2}\s+tháng|\d{1,2}/\d{1,2}/\d{4}", re.I),
}
# A duty is a verb after the agency ("Tổng LĐLĐ Việt Nam sẽ tổ chức rà soát", "giao Sở Nội vụ tham mưu").
_DUTY_VERB_RE = re.compile(r"^[\s,:]*(?:\([^)]*\)\s*)?(?:\S+\s+){0,3}?(?:sẽ|có nhiệm vụ|có trách nhiệm|chịu trách nhiệm|"
                           r"chủ trì|phối hợp|tham mưu|tổ chức|hướng dẫn|thực hiện|xây dựng|theo dõi|báo cáo|bố trí|"
                           r"đảm bảo|bảo đảm|rà soát|tổng hợp|làm đầu mối|là đầu mối|xem xét|triển khai|cân đối|"
                           r"phân bổ|thẩm định|kiểm tra|đôn đốc|tuyên truyền|lập|cử|giám sát|cung cấp|nghiên cứu)\b",
                           re.I)


_YEAR_SPAN_RE = re.compile(r"\b(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}\b")  # a period, not a year's target


def _identity(index: KnowledgeIndex, doc_id: str) -> str:
    profile = profiles(index).get(doc_id)
    return profile.identity if profile else ""


def _agency_keys(index: KnowledgeIndex, asked: Asked) -> list[str]:
    """The names (diacritic-free) of the agencies the question names: as its duty facts call them, and as the
    national bodies' list writes them."""
    keys = set()
    for fact in facts_naming_agency([f for f in index.facts if f.kind == "duty"], asked.plain):
        keys |= {re.sub(r"^(cac|nhung) ", "", plain(n)) for n in [fact.data.get("agency", ""),
                                                                   *fact.data.get("agencies", [])] if n}
    for agency in agencies():
        names = [plain(agency.name), *(plain(a) for a in agency.aliases)]
        if any(re.search(rf"\b{re.escape(n)}\b", asked.plain) for n in names if len(n.split()) > 1):
            keys |= set(names)
    units, assigning = named_units(asked.plain)
    keys = (keys | set(units)) - set(assigning)  # "Sở Y tế", "Vụ Tổ chức cán bộ": units no list holds
    return sorted((k for k in keys if k and re.search(rf"\b{re.escape(k)}\b", asked.plain)), key=len,
                  reverse=True) or sorted(keys, key=len, reverse=True)


def _agency_acts(keys: list[str], sentence: str) -> bool:
    sentence = canonical_agencies(sentence)  # "Tổng LĐLĐ Việt Nam sẽ …" as the question's "Tổng Liên đoàn …"
    text = plain(sentence)
    for key in keys:
        for match in re.finditer(rf"\b{re.escape(key)}\b", text):
            after = plain_after(sentence, text, match.end())
            if _DUTY_VERB_RE.match(after):
                return True
    return False


def plain_after(sentence: str, plain_text: str, end: int) -> str:
    """The sentence after a position of its diacritic-free form, with its diacritics (same word count)."""
    words_before = len(plain_text[:end].split())
    return " ".join(syllables(sentence)[words_before:])


PART_BONUS = 0.3
# Words that say a sentence is about the kind of fact asked ("Đối tượng áp dụng của đề án gồm: …").
KIND_FOCUS = {
    "eligibility": re.compile(r"\bdoi tuong\b|\bap dung (cho|doi voi|voi)\b"),
    "exclusion": re.compile(r"\bkhong ap dung\b|\bngoai tru\b"),
    "target": re.compile(r"\d\s*%"),
    "funding": re.compile(r"\b(kinh phi|ngan sach)\b"),
    "roadmap": re.compile(r"\b(lo trinh|giai doan|thoi gian thuc hien)\b"),
    "duty": re.compile(r"\b(nhiem vu|trach nhiem)\b"),
    "contact": re.compile(r"\blien he\b"),
}
KIND_BONUS = 0.15
STRICT_PARTS = {"recipient", "proposer", "consulted", "effective", "attached"}  # only their own sentences answer
HEADING_BONUS = 0.2  # the sentences of a section whose heading the question names


# Values that choose a passage's sentence even when it holds few of the question's words: a phone or an e-mail, where
# a course is held, a period, when a text takes effect, a count.
VALUED_WANTS = CONTACT_VALUES | {"venue", "period", "effective", "count"}
# Values a sentence can be checked for (a contact's parts are checked on contact facts).
_SENTENCE_VALUES = {"amount", "percent", "date", "phone", "email", "address", "frequency", "person", "article",
                    "deadline", "agency", "venue", "docnumber", "period", "effective", "count"}


# --------------------------------------------------------------------------------------------------------- confidence


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
    return syllable_idf(index, ("passage", accented), lambda chunk: _chunk_words(chunk, accented))


def passage_coverage(index: KnowledgeIndex, question_words: list[str], chunk: Chunk,
                     accented: bool) -> tuple[float, float]:
    """IDF-weighted share of the question's content syllables found in the chunk (with its section path), and
    the share of its syllable pairs."""
    words = _content_syllables(question_words)
    if not words:
        return 0.0, 0.0
    weights_of, unseen = _idf(index, accented)
    haystack_words = _chunk_words(chunk, accented)
    haystack = set(haystack_words)
    weights = [weights_of.get(w, unseen) for w in words]
    unigram = sum(wt for w, wt in zip(words, weights) if w in haystack) / sum(weights)
    pairs = set(zip(haystack_words, haystack_words[1:]))
    stops = stop_syllables()
    kept = [w for w in question_words if strip_diacritics(w) not in stops or w.isdigit()]
    q_pairs = list(zip(kept, kept[1:]))
    bigram = sum(p in pairs for p in q_pairs) / len(q_pairs) if q_pairs else unigram
    return unigram, bigram


def confidence_of(index: KnowledgeIndex, prepared: PreparedQuery, hits: list[Hit]) -> float:
    """How well the best passage matches the question, in [0, 1] (calibrated on our question set against off-topic
    questions, bench/own_questions.py --calibrate). Reported with every answer; the decision to answer is the
    evidence's (evidence.py)."""
    accented = has_diacritics(prepared.text)
    words = syllables(prepared.dense_text)
    words = words if accented else [strip_diacritics(w) for w in words]
    best = 0.0
    for hit in hits[:3]:
        unigram, bigram = passage_coverage(index, words, hit.chunk, accented)
        dense = min(max((hit.dense - 0.80) / 0.10, 0.0), 1.0)
        best = max(best, 0.45 * unigram + 0.35 * bigram + 0.20 * dense)
    return round(best, 3)


# ------------------------------------------------------------------------------------------------------------ answers


NOT_COVERED = "Xin lỗi, các tài liệu hiện có không đề cập rõ đến câu hỏi này nên tôi không thể trả lời chính xác."


def not_covered(hits: list[Hit], confidence: float, lead: str = "") -> Answer:
    topics: list[str] = []
    for hit in hits:
        label = hit.chunk.section
        if label not in topics:
            topics.append(label)
    text = (lead + " " if lead else "") + NOT_COVERED
    if topics:
        text += " Các nội dung gần nhất:\n" + "\n".join(f"- {t}" for t in topics[:3])
    return Answer(text, False, confidence, [], "none", topics[:3])


def _candidate_docs(index: KnowledgeIndex, asked: Asked, hits: list[Hit]) -> list[str]:
    """The documents an answer may come from, best first: those the question names (ordered by their best
    passage), else those of the retrieved passages."""
    order: list[str] = []
    for hit in hits:
        if hit.chunk.doc_id not in order:
            order.append(hit.chunk.doc_id)
    if asked.focus.docs:
        named = [d for d in order if d in asked.focus.docs]
        return named + [d for d in asked.focus.docs if d not in named]
    return order


def _per_document(index: KnowledgeIndex, asked: Asked, docs: list[str], hits: list[Hit]) -> list[Found]:
    """Each candidate document's fact answer of the kind asked, if it has one."""
    kind = asked.kind
    out = []
    for doc_id in docs:
        if kind == "target":
            found = _targets(index, asked, doc_id)
        elif kind == "contact":
            found = _contacts(index, asked, doc_id)
        elif kind == "duty":
            found = _duties(index, asked, doc_id)
        elif kind in ("eligibility", "exclusion"):
            found = _eligibility(index, asked, doc_id, applies=kind == "eligibility")
        elif kind == "check":
            found = _check(index, asked, doc_id)
        elif kind == "roadmap":
            found = _named_period(index, asked, doc_id, hits) or _simple(
                index, asked, doc_id, hits, "roadmap", "Lộ trình, thời gian thực hiện")
        elif kind == "funding":
            found = _simple(index, asked, doc_id, hits, "funding", "Kinh phí")
        elif kind == "step":
            found = _steps(index, asked, doc_id, hits)
        elif kind == "link":
            found = _links(index, asked, doc_id, hits)
        elif kind == "document" and (not asked.focus.by_reference or set(asked.parts) == {"date"}):
            found = _document(index, asked, doc_id)  # a document cited by this one: the date this one gives it
        else:
            found = None
        if found is not None:
            out.append(found)
    return out


def _acceptable(found: Found, asked: Asked) -> bool:
    if not found.named:
        return False
    if found.kind == "check":
        # A person described in their own words ("viên chức bệnh viện") matches the text's groups through the rule
        # check; what else the question says ("trên 50 tuổi", "hợp đồng", "được miễn") must be in the evidence.
        return found.cover.share >= CHECK_COVERAGE
    if not found.cover.enough:
        return False
    if asked.groups:  # "đối tượng 3" asked: a text on "đối tượng 1" only does not answer
        numbered = numbered_groups(plain_text(found.text))
        if numbered and not numbered & asked.groups:
            return False
    # A fact of the kind asked holds its own value; a name is checked on sentences only (a document's signer may be
    # known by title alone, and the answer says so).
    wants = asked.wants & FACT_VALUES if found.kind not in ("contact", "passage") else asked.wants & _SENTENCE_VALUES
    return all(holds(w, found.text) for w in wants)


FACT_VALUES = {"amount", "percent", "date", "frequency", "article", "deadline"}
CHECK_COVERAGE = 0.4


def _same_source(index: KnowledgeIndex, a: str, b: str) -> bool:
    """Two copies of one document (pages restating the same decision) are one source."""
    pa, pb = profiles(index).get(a), profiles(index).get(b)
    return bool(pa and pb and pa.own & pb.own)


def _combine(index: KnowledgeIndex, asked: Asked, found: list[Found]) -> list[Found]:
    """The answers to give: one document's, every named document's when the question names several, or two
    documents' side by side when they differ and the question names none."""
    first = found[0]
    if asked.focus.docs:
        named_groups = _named_groups(index, asked)
        if len(named_groups) > 1:
            chosen = []
            for group in named_groups:
                match = next((f for f in found if f.doc_id in group), None)
                if match and match not in chosen:
                    chosen.append(match)
            return chosen or [first]
        if len(asked.focus.docs) == 1 or asked.focus.named.numbers:
            return [first]
        if first.kind == "document":  # "Kế hoạch của Lạng Sơn ký ngày nào?" where Lạng Sơn has two: each one's
            return [f for i, f in enumerate(found) if f.kind == "document"
                    and all(g.doc_id != f.doc_id for g in found[:i])][:COMPARED_DOCUMENTS]
        # … and the other kinds of fact side by side when they differ
    if first.kind == "passage" or not first.key:
        return [first]
    chosen = [first]
    for other in found[1:]:
        if len(chosen) >= COMPARED_DOCUMENTS:
            break
        if other.score < first.score or any(_same_source(index, other.doc_id, c.doc_id) for c in chosen):
            continue
        if other.key and other.key != first.key and other.kind == first.kind:
            chosen.append(other)
    return chosen


def _named_groups(index: KnowledgeIndex, asked: Asked) -> list[set[str]]:
    """Documents the question names one by one ("của Hải Phòng và của TP.HCM", "206 và 642"): one set per name."""
    focus, docs = asked.focus, profiles(index)
    if len(focus.named.places) > 1:
        return [{d for d in focus.docs if place in docs[d].places} for place in focus.named.places]
    if len(focus.named.numbers) > 1:
        groups = [{d for d in focus.docs if number in docs[d].own} for number in focus.named.numbers]
        return [g for g in groups if g] or [set(focus.docs)]
    return [set(focus.docs)]


def _to_answer(index: KnowledgeIndex, chosen: list[Found], confidence: float) -> Answer:
    threshold = index.settings.confidence_threshold
    if len(chosen) == 1:
        found = chosen[0]
        return Answer(found.text, True, max(confidence, threshold), found.citations, found.kind, facts=found.facts)
    lines = ["Các văn bản nêu khác nhau:"] if chosen[0].kind not in ("passage", "document") else []
    citations: list[Citation] = []
    facts: list[Fact] = []
    for found in chosen:
        text = found.text if found.text.startswith("Theo ") or found.kind == "document" else \
            f"Theo {display_label(index, found.doc_id, short=True)}: {found.text}"
        lines.append(text)
        citations += found.citations
        facts += found.facts
    return Answer("\n".join(lines), True, max(confidence, threshold), citations, chosen[0].kind, facts=facts)


def _refusal_lead(index: KnowledgeIndex, asked: Asked) -> str:
    focus = asked.focus
    if focus.unknown and not focus.docs:
        return "Các tài liệu hiện có không có văn bản về " + ", ".join(focus.unknown) + "."
    if focus.docs and len(focus.docs) <= 2:
        return " và ".join(display_label(index, d) for d in focus.docs) + " không nêu nội dung này."
    return ""


def answer(index: KnowledgeIndex, question: str, use_dense: bool = True, kind_hint: str | None = None,
           context_docs: list[str] | None = None) -> Answer:
    """Answer a question from the indexed documents, or say honestly that they do not say. `kind_hint`: the kind
    of fact a front end's intent classifier read (used only when the question has no cue word of its own).
    `context_docs`: the documents a conversation is about, used when the question names none itself."""
    question = question or ""
    prepared = prepare_query(index, question)
    if not prepared.text.strip():
        return Answer("Bạn hãy nhập câu hỏi về các văn bản hướng dẫn (ví dụ: đối tượng áp dụng, chỉ tiêu năm 2025).",
                      False, 0.0, [], "none")
    asked = analyse(index, prepared.text, prepared.dense_text, kind_hint)
    focus = asked.focus
    if not focus.docs and not focus.unknown and context_docs:
        focus.docs = [d for d in context_docs if d in index.documents]
    if not asked.terms and not asked.kind and not focus.docs:
        return not_covered([], 0.0)  # "?!", "🙂": nothing is asked
    if focus.unknown and not focus.docs:
        hits = search(index, prepared, top_k=3, use_dense=use_dense)
        return not_covered(hits, 0.0, _refusal_lead(index, asked))
    # Embedded once: search and the choice of a passage answer's sentences share it.
    vector = index.embedder.query(prepared.dense_text) if use_dense and index.settings.dense_weight > 0 else None
    prepared = dataclasses.replace(prepared, vector=vector)
    hits = search(index, prepared, top_k=TOP_K_HITS, use_dense=use_dense, within=set(focus.docs) or None,
                  query_vector=vector)
    if not hits:
        return not_covered([], 0.0)
    confidence = confidence_of(index, prepared, hits)
    docs = _candidate_docs(index, asked, hits)
    if asked.groups:  # "đối tượng 3": a document that never names that group does not answer for it
        docs = [d for d in docs if asked.groups & _numbered_groups(index, d)]
    if asked.kind == "contact" and not focus.docs and _asks_contacts_in_general(asked.plain):
        docs = docs + [d for d in index.documents if d not in docs]
        docs = [d for d in docs if _facts_of(index, "contact", [d])]

    tried = _per_document(index, asked, docs, hits)
    found = [f for f in tried if _acceptable(f, asked)]
    if found and found[0].kind in ("funding", "roadmap") and found[0].cover.share < LOOSE_FACT:
        # A funding or timeline passage picked by its kind, matching the question less well than a sentence does
        passages = [f for f in _passage(index, asked, prepared, hits, docs, use_dense) if _acceptable(f, asked)]
        if passages and passages[0].cover.share >= found[0].cover.share + BETTER_BY:
            found = passages
    if not found and not _fact_only(index, asked):
        passages = _passage(index, asked, prepared, hits, docs, use_dense)
        tried += passages
        found = [f for f in passages if _acceptable(f, asked)]
    elif found and asked.focus.docs:
        # "… của Hải Phòng và của TP.HCM": a document named beside one that has the fact answers from its sentences
        for group in _named_groups(index, asked):
            if len(_named_groups(index, asked)) > 1 and not any(f.doc_id in group for f in found):
                found += [f for f in _passage(index, asked, prepared, hits, sorted(group), use_dense)
                          if _acceptable(f, asked)][:1]
    if not found:
        best = max([f.cover.share for f in tried] or [0.0])
        return not_covered(hits, min(confidence, best * index.settings.confidence_threshold),
                           _refusal_lead(index, asked))
    # the best match first (a target's group, then how much of the question its evidence holds); stable otherwise
    found.sort(key=lambda f: (-round(f.score, 2), -round(f.cover.share, 2)))
    chosen = _combine(index, asked, found)
    if "person" in asked.wants and chosen[0].kind == "document" and not holds("person", chosen[0].text):
        chosen[0] = _named_by_a_copy(index, asked, prepared, hits, chosen[0], use_dense)
        if len(chosen) == 1 and not holds("person", chosen[0].text):
            # "Ai ký?" where the text gives a title only ("KT. Bộ trưởng"): who signed is not said; the title is
            # told, as what the document does say, with its citation
            return Answer(chosen[0].text, False,
                          min(confidence, index.settings.confidence_threshold * 0.99), chosen[0].citations, "none")
    return _to_answer(index, chosen, confidence)


def _named_by_a_copy(index: KnowledgeIndex, asked: Asked, prepared: PreparedQuery, hits: list[Hit], found: Found,
                     use_dense: bool) -> Found:
    """"Ai ký?" of a copy giving the signer's title only: a page restating the same document may name the person
    ("do Thủ tướng Nguyễn Xuân Phúc trực tiếp ký"); its sentence follows, cited."""
    copies = sorted(d for d in asked.focus.docs if d != found.doc_id and _same_source(index, d, found.doc_id))
    named = [f for f in _passage(index, asked, prepared, hits, copies, use_dense)
             if _acceptable(f, asked) and holds("person", f.text)] if copies else []
    if not named:
        return found
    return dataclasses.replace(found, text=f"{found.text}\n{named[0].text}", citations=found.citations + named[0].citations)


def _numbered_groups(index: KnowledgeIndex, doc_id: str) -> set[str]:
    cache = index.memo.setdefault("numbered_groups", {})
    if doc_id not in cache:
        cache[doc_id] = numbered_groups(plain_text(index.documents[doc_id].source))
    return cache[doc_id]


def _fact_only(index: KnowledgeIndex, asked: Asked) -> bool:
    """Questions only a fact answers: where to read something ("… ở đâu?") is a published address's sentence sharing
    the question's words (_links), not any passage with a web address. (A part of a contact asked alone may be in a
    letter's sentence, "gửi về hộp thư …"; a site's footer table is kept out of passage answers.)"""
    return asked.kind == "link"


TOP_K_HITS = TOP_HITS
