"""All targets of all indexed documents side by side, for HR staff: one row per document, group, field and level,
one column per target year, with the conditions and the citation; as text, JSON, CSV (UTF-8 with BOM, for
Excel) and XLSX.

Everything comes from the target facts extracted at build time (the facts package): years, groups and levels are those
the documents state, nothing is known in advance. Accepts a KnowledgeIndex or a FactBase (factbase.py).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .model import Fact
from .spreadsheet import excel_csv

__all__ = ["TargetRow", "TargetTable", "target_table", "format_percent", "csv_bytes", "xlsx_bytes", "write_csv",
           "write_xlsx"]

COLUMN_TITLES = {"document": "Văn bản", "group": "Nhóm đối tượng", "subject": "Lĩnh vực", "level": "Trình độ (bậc)",
                 "conditions": "Điều kiện", "section": "Mục trích dẫn", "quote": "Nguyên văn"}
SHEET_TITLE = "Chỉ tiêu"


def format_percent(value: int | float | None) -> str:
    """25 → '25%', 12.5 → '12,5%' (Vietnamese decimal comma); None → ''."""
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",") + "%"


@dataclass
class TargetRow:
    doc_id: str
    document: str  # "Kế hoạch 206/KH-UBND"
    title: str  # the document's subject line
    group: str  # the document's own wording: "viên chức giữ chức vụ lãnh đạo, quản lý"
    subject: str  # "ngoại ngữ"
    level: Any  # 4, "B1", None
    level_text: str  # "bậc 4 trở lên"
    percents: dict[int, int | float] = field(default_factory=dict)  # year → percentage
    conditions: list[str] = field(default_factory=list)  # "(năm 2025)" marks one that holds only in some years
    sections: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    order: int = field(default=0, repr=False)  # where the first of its facts starts in the document

    @property
    def level_label(self) -> str:
        return self.level_text or ("" if self.level is None else str(self.level))

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "document": self.document, "title": self.title, "group": self.group,
                "subject": self.subject, "level": self.level, "level_text": self.level_text,
                "percents": {str(year): value for year, value in sorted(self.percents.items())},
                "conditions": self.conditions, "sections": self.sections, "quotes": self.quotes}


@dataclass
class TargetTable:
    years: list[int]  # every target year found, ascending: the year columns
    rows: list[TargetRow]
    documents_without_targets: list[str]  # labels of indexed documents that state no target

    def header(self) -> list[str]:
        return [COLUMN_TITLES["document"], COLUMN_TITLES["group"], COLUMN_TITLES["subject"], COLUMN_TITLES["level"],
                *(str(year) for year in self.years), COLUMN_TITLES["conditions"], COLUMN_TITLES["section"],
                COLUMN_TITLES["quote"]]

    def cells(self, row: TargetRow) -> list[Any]:
        """One spreadsheet row: text cells, and the year cells as numbers (None where the year has no target)."""
        return [row.document, row.group, row.subject, row.level_label, *(row.percents.get(y) for y in self.years),
                "; ".join(row.conditions), "\n".join(row.sections), "\n".join(row.quotes)]

    def to_dict(self) -> dict:
        return {"years": self.years, "rows": [row.to_dict() for row in self.rows],
                "documents_without_targets": self.documents_without_targets}

    def to_text(self, width: int = 100) -> str:
        """A readable table per document: group, field and level, one column per year; conditions and sources
        below each row."""
        if not self.rows:
            return "Chưa có văn bản nào trong chỉ mục nêu chỉ tiêu."
        year_width = max(6, *(len(format_percent(v)) + 1 for row in self.rows for v in row.percents.values()))
        first = max(20, width - 2 - len(self.years) * year_width)
        lines: list[str] = []
        for doc_id in dict.fromkeys(row.doc_id for row in self.rows):
            rows = [row for row in self.rows if row.doc_id == doc_id]
            if lines:
                lines.append("")
            lines.append(f"{rows[0].document} — {rows[0].title}" if rows[0].title else rows[0].document)
            lines.append("  " + "Nhóm đối tượng · lĩnh vực, trình độ".ljust(first)
                         + "".join(str(y).rjust(year_width) for y in self.years))
            for row in rows:
                what = row.group + " · " + " ".join(p for p in (row.subject, row.level_label) if p)
                wrapped = textwrap.wrap(what, first - 1) or [""]
                lines.append("  " + wrapped[0].ljust(first)
                             + "".join((format_percent(row.percents.get(y)) or "—").rjust(year_width)
                                       for y in self.years))
                lines += ["    " + more for more in wrapped[1:]]
                for condition in row.conditions:
                    lines += textwrap.wrap(f"điều kiện: {condition}", width - 6, initial_indent="    ",
                                           subsequent_indent="      ")
            for section in dict.fromkeys(s for row in rows for s in row.sections):
                lines.append(f"  📄 {section}")
        if self.documents_without_targets:
            lines += ["", "Văn bản không nêu chỉ tiêu: " + "; ".join(self.documents_without_targets) + "."]
        return "\n".join(lines)


def target_table(index) -> TargetTable:
    """The table of every target fact of every indexed document (index: KnowledgeIndex or FactBase)."""
    rows: list[TargetRow] = []
    facts_of_row: list[list[Fact]] = []
    open_rows: dict[tuple, int] = {}  # row key → position of the row still taking years
    doc_order = {doc_id: i for i, doc_id in enumerate(index.documents)}
    targets = sorted((f for f in index.facts if f.kind == "target" and f.data.get("year") is not None),
                     key=lambda f: (doc_order.get(f.doc_id, len(doc_order)), f.start))
    for fact in targets:
        data = fact.data
        key = (fact.doc_id, data.get("group_key") or data.get("group", ""), data.get("subject", ""),
               str(data.get("level")), data.get("level_text", ""))
        at = open_rows.get(key)
        if at is None or data["year"] in rows[at].percents:  # the same year twice: a row of its own
            doc = index.documents[fact.doc_id]
            rows.append(TargetRow(fact.doc_id, index.doc_label(fact.doc_id), doc.info.subject if doc.info else doc.title,
                                  data.get("group", ""), data.get("subject", ""), data.get("level"),
                                  data.get("level_text", ""), order=fact.start))
            facts_of_row.append([])
            at = open_rows[key] = len(rows) - 1
        rows[at].percents[data["year"]] = data.get("percent")
        facts_of_row[at].append(fact)
    for row, facts in zip(rows, facts_of_row):
        row.percents = dict(sorted(row.percents.items()))
        row.conditions = _conditions(facts)
        row.sections = list(dict.fromkeys(f.section for f in facts))
        row.quotes = list(dict.fromkeys(" ".join(index.quote(f.doc_id, f.start, f.end).split()) for f in facts))
    rows.sort(key=lambda r: (doc_order.get(r.doc_id, len(doc_order)), r.order))
    with_targets = {row.doc_id for row in rows}
    return TargetTable(sorted({year for row in rows for year in row.percents}), rows,
                       [index.doc_label(doc_id) for doc_id in index.documents if doc_id not in with_targets])


def _conditions(facts: list[Fact]) -> list[str]:
    """Conditions of a row's facts; one that not every year states says which years it belongs to."""
    years_of: dict[str, list[int]] = {}
    for fact in facts:
        for condition in fact.data.get("conditions", []):
            years_of.setdefault(condition, []).append(fact.data["year"])
    all_years = {f.data["year"] for f in facts}
    return [condition if set(years) == all_years else f"{condition} (năm {', '.join(map(str, sorted(set(years))))})"
            for condition, years in years_of.items()]


# ---------------------------------------------------------------------------------------------
# CSV and XLSX
# ---------------------------------------------------------------------------------------------

def csv_bytes(table: TargetTable) -> bytes:
    """The table as CSV for Excel (knowledge.spreadsheet); percentages as '25%'."""
    year_columns = range(4, 4 + len(table.years))
    return excel_csv(table.header(), ([format_percent(cell) if i in year_columns else cell or ""
                                       for i, cell in enumerate(table.cells(row))] for row in table.rows))


def write_csv(table: TargetTable, path: Path) -> None:
    Path(path).write_bytes(csv_bytes(table))


def write_xlsx(table: TargetTable, target: Path | BinaryIO) -> None:
    """The table as an Excel workbook: one sheet, bold frozen header with filters, percentages as numbers shown
    as percentages (0.25 → 25%), long texts wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    book.properties.title = "Chỉ tiêu bồi dưỡng theo văn bản"
    sheet.append(table.header())
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B4A8B")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    first_year = 5  # columns are 1-based: document, group, subject, level, then the years
    for row in table.rows:
        sheet.append([None] * len(table.header()))
        for column, value in enumerate(table.cells(row), 1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            if first_year <= column < first_year + len(table.years):
                if value is not None:
                    cell.value = value / 100
                    cell.number_format = "0%" if float(value).is_integer() else "0.0%"
            else:
                cell.value = value or None
                cell.data_type = "s" if value else cell.data_type  # text, never a formula
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [24, 36, 14, 16, *([9] * len(table.years)), 40, 48, 60]
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(target)


def xlsx_bytes(table: TargetTable) -> bytes:
    out = io.BytesIO()
    write_xlsx(table, out)
    return out.getvalue()
