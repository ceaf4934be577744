"""The registry of fact kinds: each kind's module registers its extractor with @fact_kind, and extract_facts runs
every registered extractor over a document.

A new kind of fact is one module: a function Context → list[Fact] under @fact_kind(...), imported once by the
package's __init__ (which fixes the order kinds are listed in).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from ..model import Document, Fact, Section
from ..structure import Line, clean_lines, parse_sections
from .common import Context

log = logging.getLogger("knowledge.facts")

Extractor = Callable[[Context], list[Fact]]


@dataclass(frozen=True)
class FactKind:
    """One kind of fact, as the index stores it (Fact.kind) and as listings name it."""

    name: str  # Fact.kind: "contact"
    option: str  # the value of `python -m knowledge facts --kind`: "contacts"
    title: str  # Vietnamese name for listings: "Liên hệ"
    keys: tuple[str, ...]  # the keys its facts' data may hold
    extract: Extractor | None  # None: not read from the body (the document's own metadata, see document.py)


KINDS: dict[str, FactKind] = {}


def register(kind: FactKind) -> FactKind:
    if kind.name in KINDS or any(k.option == kind.option for k in KINDS.values()):
        raise ValueError(f"fact kind {kind.name!r} ({kind.option!r}) is registered twice")
    KINDS[kind.name] = kind
    return kind


def fact_kind(name: str, option: str, title: str, keys: tuple[str, ...]) -> Callable[[Extractor], Extractor]:
    """Register the decorated function as the extractor of facts of kind `name`."""

    def decorate(extract: Extractor) -> Extractor:
        register(FactKind(name, option, title, keys, extract))
        return extract

    return decorate


def extractors() -> list[Extractor]:
    """The extractors of every registered kind read from the body, in registry order."""
    return [kind.extract for kind in KINDS.values() if kind.extract is not None]


def extract_facts(doc: Document, doc_label: str, lines: list[Line] | None = None,
                  owners: list[tuple[Line, Section]] | None = None, root: Section | None = None,
                  kinds: list[str] | None = None) -> list[Fact]:
    """All facts of a document (or of the given kinds only), in source order. lines/owners default to
    structure.parse_sections of its source."""
    if not doc.source or not doc.source.strip():
        return []
    if owners is None:
        lines = clean_lines(doc.source) if lines is None else lines
        _, owners = parse_sections(lines, len(doc.source))
    ctx = Context(doc=doc, label=doc_label, owners=owners)
    facts: list[Fact] = []
    seen: set[tuple] = set()
    for kind in KINDS.values():
        if kind.extract is None or (kinds is not None and kind.name not in kinds):
            continue
        try:
            found = kind.extract(ctx)
        except Exception:  # a rule that trips on odd input must not stop indexing
            log.exception("fact extractor %s failed on %s", kind.extract.__name__, doc.doc_id)
            continue
        for fact in found:
            key = (fact.kind, fact.start, fact.end, repr(sorted(fact.data.items())))
            if key not in seen:
                seen.add(key)
                facts.append(fact)
    facts.sort(key=lambda f: (f.start, f.end, f.kind))
    return facts
