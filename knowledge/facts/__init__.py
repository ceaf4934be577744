"""Rule-based fact extraction from Vietnamese guidance documents (hướng dẫn, kế hoạch, đề án, quyết định).

Every fact quotes the smallest exact span of `Document.source` it rests on (a sentence, a ";"-clause or a list
item), and names the innermost section holding it (common.py says how spans are cut). One module per kind of
fact, each registering its extractor in registry.KINDS; the rules of a kind and the keys of its data are in its
module's docstring:

    contact      contacts.py     person, role, position, unit, agency, mobile, phone, ext, fax, email
    target       targets.py      year, percent, group, group_key, level, level_text, subject, conditions, max_age
    eligibility  eligibility.py  applies, who, conditions, roles, workplaces (basis)
    duty         duties.py       agency, agencies, agency_key, duty, rule
    roadmap      roadmap.py      start_year, end_year, text
    funding      funding.py      text, sources, source_keys, groups, conditions
    step         steps.py        procedure, order, total, step
    link         links.py        url, site
    document     document.py     the fields of model.DocInfo (from docinfo.py, not from the body)

Shared helpers: common.py (spans, sentences, clauses, roles, the Context a document is read through) and
agencies.py (agency names). A new kind is one module, imported below.
"""

from __future__ import annotations

# The order of these imports is the order kinds are registered, run and listed in.
from .contacts import extract_contacts
from .targets import extract_targets
from .eligibility import extract_eligibility
from .duties import extract_duties
from .roadmap import extract_roadmap
from .funding import extract_funding
from .steps import extract_steps
from .links import extract_links
from .document import HEADER_LINE_MAX, HEADER_LINES, PARTS as DOCUMENT_PARTS, document_fact, document_parts
from .common import ITEM_RANK, ROLES, Context
from .registry import KINDS, FactKind, extract_facts, extractors

EXTRACTORS = extractors()

__all__ = ["document_fact", "document_parts", "DOCUMENT_PARTS", "extract_facts", "KINDS", "FactKind", "ROLES", "ITEM_RANK", "EXTRACTORS", "Context",
           "HEADER_LINES", "HEADER_LINE_MAX", "extract_contacts", "extract_targets", "extract_eligibility",
           "extract_duties", "extract_roadmap", "extract_funding", "extract_steps", "extract_links"]
