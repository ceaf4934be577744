"""The plain data the knowledge engine passes around (documents, sections, chunks, facts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PATH_SEPARATOR = " › "


@dataclass
class Document:
    """One source document. `source` is the text exactly as extracted; every span points into it."""

    doc_id: str  # file name, or the JSONL record's id
    source: str
    title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # JSONL meta, file format, path
    info: "DocInfo | None" = None


@dataclass
class DocInfo:
    """Administrative metadata read from the document itself."""

    doc_type: str = ""  # Công văn, Kế hoạch, Quyết định, …
    number: str = ""  # 642/BNG-HVNG
    issuer: str = ""  # Bộ Ngoại giao
    place: str = ""  # Hà Nội
    date: str = ""  # ISO 2016-03-08
    subject: str = ""  # trích yếu
    signer: str = ""  # Nguyễn Xuân Bình
    signer_title: str = ""  # KT. Chủ tịch, Phó Chủ tịch
    references: list[str] = field(default_factory=list)  # căn cứ: 1659/QĐ-TTg, …
    # From the preamble (preamble.py): what the document does, on whose proposal, on what legal bases.
    action: str = ""  # Phê duyệt, Ban hành, Triển khai thực hiện (its subject's or Điều 1's first verb)
    action_object: str = ""  # what it approves, issues or carries out: Đề án “Chương trình quốc gia …”
    implements: list[str] = field(default_factory=list)  # documents it carries out: Quyết định 1659/QĐ-TTg
    proposer: str = ""  # on whose proposal (xét/theo đề nghị của): Bộ trưởng Bộ Nội vụ
    proposer_agencies: list[str] = field(default_factory=list)  # the bodies that proposed it: Bộ Nội vụ
    proposal: str = ""  # the submission cited with it: Tờ trình 45/TTr-SNV
    consulted: str = ""  # whom it was agreed with (sau khi thống nhất với …)
    effective: str = ""  # when it takes effect, as it says: "từ ngày ký", "kể từ ngày 01 tháng 7 năm 2021"
    # One per document cited by a "Căn cứ …" or "Thực hiện …" clause: cue, text, document ("Nghị định
    # 101/2017/NĐ-CP", "Luật Tổ chức Chính phủ"), kind, number, date (ISO), issuer, start, end (source span).
    legal_bases: list[dict[str, Any]] = field(default_factory=list)
    attached_to: str = ""  # the decision a plan or rule was issued with ("Kèm theo Quyết định số …")
    # source [start, end] of: subject, action, proposer, consulted, effective
    spans: dict[str, list[int]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """'Kế hoạch 206/KH-UBND' — how citations name the document."""
        return " ".join(part for part in (self.doc_type, self.number) if part)


@dataclass
class Section:
    """A numbered part of a document (I., 1., 1.1., a), (i)) with its span in the source."""

    marker: str  # "II." / "1.2.1." / "a)" / "(ii)"
    heading: str  # text after the marker on its line
    rank: int  # nesting rank of the marker kind: smaller is outer
    start: int
    end: int  # grows to cover the section's whole body
    path: list[str] = field(default_factory=list)  # labels of the ancestors and itself
    children: list["Section"] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.marker} {self.heading}".strip()


@dataclass
class Chunk:
    chunk_id: str  # "{doc_id}#{n}"
    doc_id: str
    doc_label: str  # "Kế hoạch 206/KH-UBND" (or the title when the document has no number)
    section_path: list[str]  # section labels below the document
    start: int  # span in Document.source
    end: int
    text: str  # normalised text of the span, for display and indexing

    @property
    def section(self) -> str:
        return PATH_SEPARATOR.join([self.doc_label, *self.section_path])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Fact:
    """A fact extracted at index time, with the exact quote it rests on."""

    kind: str  # contact | target | eligibility | duty | roadmap | funding | step | link | document
    doc_id: str
    section: str  # full section path, document label first
    quote: str  # exact source text of the span
    start: int
    end: int
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def facts_of(base, doc_id: str) -> list[Fact]:
    """One document's facts, grouped once per loaded version of an index (a KnowledgeIndex or a FactBase: anything
    with `facts` and a `memo` dict)."""
    by_doc = base.memo.get("facts_by_doc")
    if by_doc is None:
        by_doc = base.memo["facts_by_doc"] = {}
        for fact in base.facts:
            by_doc.setdefault(fact.doc_id, []).append(fact)
    return by_doc.get(doc_id, [])
