"""document: the document's own metadata (number, issuer, date, subject, signer, documents cited), read by
docinfo.extract_info, as one fact quoting the header block.

Data: the fields of model.DocInfo.
"""

from __future__ import annotations

from dataclasses import fields

from ..model import PATH_SEPARATOR, DocInfo, Document, Fact, Section
from ..structure import PREAMBLE, Line
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
