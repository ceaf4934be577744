"""document: the document's own metadata, read by docinfo.extract_info: number, issuer, date, subject, signer,
documents cited, and from its preamble what it does, on whose proposal and on what legal bases (preamble.py).

The index keeps one fact per document (document_fact), quoting the header block, its data the fields of
model.DocInfo. document_parts gives the preamble's parts as facts of their own, each quoting its exact span.
"""

from __future__ import annotations

from dataclasses import fields

from ..model import PATH_SEPARATOR, DocInfo, Document, Fact, Section
from ..structure import PREAMBLE, Line, clean_lines, parse_sections
from .registry import FactKind, register

HEADER_LINES = 6
HEADER_LINE_MAX = 250

register(FactKind("document", "document", "Văn bản", tuple(f.name for f in fields(DocInfo)), None))


def document_fact(doc: Document, doc_label: str, lines: list[Line], owners: list[tuple[Line, Section]]) -> Fact | None:
    """The document's own metadata as a fact.

    Its quote is the header block: the preamble's short lines before the first long paragraph, where
    Vietnamese documents put the number, place and date, type and subject.
    """
    info = doc.info
    if info is None or not (info.number or info.date or info.issuer):
        return None
    header = [line for line, section in owners if section.path[:1] == [PREAMBLE]] or lines[:1]
    if not header:
        return None
    short = []
    for line in header[:HEADER_LINES]:
        if short and len(line.text) > HEADER_LINE_MAX:
            break
        short.append(line)
    start, end = short[0].start, short[-1].end
    section = PATH_SEPARATOR.join([doc_label, *next((s.path for l, s in owners if l is short[0]), [])])
    data = {key: value for key, value in vars(info).items()}
    return Fact("document", doc.doc_id, section, doc.source[start:end], start, end, data)


# The parts of a document's metadata read from its preamble that a question may ask about on their own.
PARTS = ("subject", "action", "proposer", "consulted", "effective", "legal_basis")


def document_parts(doc: Document, doc_label: str, parts: tuple[str, ...] = PARTS,
                   owners: list[tuple[Line, Section]] | None = None) -> list[Fact]:
    """Citable facts (kind "document") for the parts of `doc.info` read from the document's preamble, each quoting
    the exact span it was read from and naming its section, in source order. Built on demand from the stored
    DocInfo (the index keeps one "document" fact per document, document_fact's).

    data["part"] says which: "subject" {subject}; "action" {action, object, implements}; "proposer" {proposer,
    agencies, proposal}; "consulted" {consulted}; "effective" {effective}; "legal_basis" {cue, text, document, kind,
    number, date, issuer} — one per cited document.
    """
    info = doc.info
    if info is None or not doc.source:
        return []
    if owners is None:
        _, owners = parse_sections(clean_lines(doc.source), len(doc.source))
    found: list[tuple[int, int, dict]] = []
    spans = info.spans or {}
    if "subject" in parts and info.subject and "subject" in spans:
        found.append((*spans["subject"], {"part": "subject", "subject": info.subject}))
    if "action" in parts and info.action and "action" in spans:
        found.append((*spans["action"], {"part": "action", "action": info.action, "object": info.action_object,
                                         "implements": list(info.implements)}))
    if "proposer" in parts and info.proposer and "proposer" in spans:
        found.append((*spans["proposer"], {"part": "proposer", "proposer": info.proposer,
                                           "agencies": list(info.proposer_agencies), "proposal": info.proposal}))
    for name in ("consulted", "effective"):
        if name in parts and getattr(info, name, "") and name in spans:
            found.append((*spans[name], {"part": name, name: getattr(info, name)}))
    if "legal_basis" in parts:
        for basis in info.legal_bases:
            data = {key: value for key, value in basis.items() if key not in ("start", "end")}
            found.append((basis["start"], basis["end"], {"part": "legal_basis", **data}))
    facts = []
    for start, end, data in sorted(found, key=lambda item: (item[0], item[1])):
        if not (0 <= start < end <= len(doc.source)):
            continue  # metadata of another version of the text: nothing to quote
        line_section = next(((line, section) for line, section in owners if line.start <= start < line.end + 1), None)
        path = line_section[1].path if line_section else []
        facts.append(Fact("document", doc.doc_id, PATH_SEPARATOR.join([doc_label, *path]), doc.source[start:end],
                          start, end, data))
    return facts
