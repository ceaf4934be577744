"""step: the numbered items of a procedure, each with its order ("bước tiếp theo" needs them).

Data: procedure, order, total, step.
"""

from __future__ import annotations

import re

from ..model import PATH_SEPARATOR, Fact
from .common import Context, clean_end, is_heading_line, strip_marker, trim_span
from .registry import fact_kind

# A list is a procedure when its section, an ancestor's heading or the line introducing it says so.
_PROCEDURE_RE = re.compile(r"quy trình|trình tự|các bước|thủ tục", re.I)
MIN_STEPS = 3


@fact_kind("step", "steps", "Các bước", ("procedure", "order", "total", "step"))
def extract_steps(ctx: Context) -> list[Fact]:
    """The numbered items ((i), a), 1.) of a procedure, each a step with its order: "bước tiếp theo" needs them."""
    sections = {id(section): section for _, section in ctx.owners}.values()
    heading_line = {section.start: line for line, section in ctx.owners if is_heading_line(line, section)}
    facts = []
    for section in sections:
        items = [child for child in section.children if child.marker and child.start in heading_line]
        if len(items) < MIN_STEPS or len({child.rank for child in items}) != 1:
            continue
        intro = ctx.source[section.start:items[0].start]
        ancestors, current = [], section
        while current is not None:
            ancestors.append(current.heading)
            current = ctx.parent(current)
        if not (_PROCEDURE_RE.search(intro) or any(_PROCEDURE_RE.search(h) for h in ancestors)):
            continue
        for order, item in enumerate(items, 1):
            line = heading_line[item.start]
            data = {"procedure": section.label, "order": order, "total": len(items), "step": clean_end(item.heading)}
            start, end = trim_span(ctx.source, strip_marker(ctx.source, line.start, line.end), line.end)
            if end > start:  # cited under the step's own item, not its procedure (ctx.fact would climb)
                section_path = PATH_SEPARATOR.join([ctx.label, *item.path])
                facts.append(Fact(kind="step", doc_id=ctx.doc.doc_id, section=section_path, quote=ctx.source[start:end],
                                  start=start, end=end, data=data))
    return facts
