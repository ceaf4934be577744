"""HR pages of the portal: the rule check for one person and the targets table (from the indexed facts).

Not a conversation, so these read knowledge/ directly (the design allows it for the rule check and HR tables),
and only the facts: the index's documents.jsonl and facts.jsonl, loaded once on first use and again when a
build switches the index (knowledge.factbase.FactCache), never the embedding model. The index is the one
CCVC_INDEX_DIR names (knowledge settings), read when the first HR request comes.

    GET  /kiem-tra        the check form (works without JavaScript: a plain form, the result rendered here)
    POST /kiem-tra        the form submitted → the same page with the result (POST keeps descriptions of
                          people out of URLs, histories and access logs)
    POST /api/check       JSON {"description"?, "role"?, "tier"?, "leader"?, "age"?, "workplace"?, "job"?}
                          → knowledge.check.CheckResult.to_dict()
    GET  /chi-tieu        all targets of all documents side by side
    GET  /chi-tieu.csv    the same table as CSV (UTF-8 with BOM, for Excel)
    GET  /chi-tieu.xlsx   the same table as an Excel workbook
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from knowledge.check import (FIELD_LABELS, INPUT_FIELDS, INPUT_TITLES, ROLES, STATUS_LABELS, TIERS, CheckResult,
                             PersonInputError, check_person, person_from_input)
from knowledge.factbase import FactBase, FactCache
from knowledge.index import IndexLoadError
from knowledge.settings import KnowledgeSettings
from knowledge.targets import TargetTable, csv_bytes, format_percent, target_table, xlsx_bytes

from .json_api import BODY_TOO_LARGE, BodyTooLarge, media_type, problem, read_body, read_json

log = logging.getLogger(__name__)

router = APIRouter()

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_BODY_BYTES = 16 * 1024  # a person's description and six fields; nothing legitimate comes near this
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NO_INDEX = ("Chưa có dữ liệu văn bản trên máy chủ (chỉ mục chưa được xây dựng hoặc bị hỏng). Quản trị viên hãy "
            "chạy: make index (hoặc python -m knowledge build).")
BAD_JSON = ('Dữ liệu gửi lên không hợp lệ: cần JSON dạng {"role": "công chức", "tier": "tỉnh", "leader": true, '
            '"age": 35, "workplace": "…", "job": "…"} hoặc {"description": "…"}.')
NEED_FORM = "Định dạng yêu cầu không được hỗ trợ: hãy gửi biểu mẫu trên trang này."
UNKNOWN_FIELDS = "Trường không được hỗ trợ: {names}. Các trường hợp lệ: " + ", ".join(INPUT_FIELDS) + "."

_templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)
_templates.filters["percent"] = format_percent


def _sources(check) -> list:
    """A document check's citations, the eligibility facts first, then its targets', each quote once."""
    unique = {}
    for citation in [*check.citations, *(t.citation for t in check.targets)]:
        unique.setdefault(citation.quote, citation)
    return list(unique.values())


def _by_document(rows: list) -> list[list]:
    """Rows of the targets table in runs of one document (the table's order), for one <tbody> each."""
    runs: list[list] = []
    for row in rows:
        if runs and runs[-1][0].doc_id == row.doc_id:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


_templates.globals.update(sources=_sources, by_document=_by_document)


def live_facts(request: Request) -> FactBase:
    """The facts of the live index (IndexLoadError when there is none): one cache per app, made on first use."""
    cache = getattr(request.app.state, "hr_facts", None)
    if cache is None:
        cache = request.app.state.hr_facts = FactCache(KnowledgeSettings().index_dir)
    return cache.get()


def _rate_limited(request: Request) -> Response | None:
    """The app's per-client rate limit (set by create_app), when there is one."""
    check = getattr(request.app.state, "rate_limited", None)
    return check(request) if check else None


async def _check(request: Request, values: dict[str, Any]) -> CheckResult:
    """Person from the inputs (PersonInputError) and the check over the facts (IndexLoadError), off the loop."""
    person = person_from_input(**values)
    facts = await run_in_threadpool(live_facts, request)
    return await run_in_threadpool(check_person, facts, person)


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _templates.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------------------------------------
# The check: JSON API and form page
# ---------------------------------------------------------------------------------------------


@router.post("/api/check")
async def api_check(request: Request) -> Response:
    if limited := _rate_limited(request):
        return limited
    data = await read_json(request, MAX_BODY_BYTES, BAD_JSON)
    if isinstance(data, Response):
        return data
    if not isinstance(data, dict):
        return problem(422, "not_an_object", BAD_JSON)
    unknown = [name for name in data if name not in INPUT_FIELDS]
    if unknown:
        return problem(422, "unknown_field", UNKNOWN_FIELDS.format(names=", ".join(map(str, unknown[:10]))))
    try:
        result = await _check(request, data)
    except PersonInputError as exc:
        return problem(422, "invalid_person" if exc.field else "empty_person", exc.message(), field=exc.field)
    except IndexLoadError as exc:
        log.error("rule check unavailable: %s", exc)
        return problem(503, "no_index", NO_INDEX)
    return JSONResponse(result.to_dict())


def _form_context(values: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"values": values, "roles": ROLES, "tiers": TIERS, "titles": INPUT_TITLES, "labels": STATUS_LABELS,
            "field_labels": FIELD_LABELS, "current": "kiem-tra", **extra}


@router.get("/kiem-tra", include_in_schema=False)
async def check_page() -> HTMLResponse:
    return _page("hr_check.html", **_form_context({}))


@router.post("/kiem-tra", include_in_schema=False)
async def check_form(request: Request) -> Response:
    if limited := _rate_limited(request):
        return limited
    if media_type(request) != "application/x-www-form-urlencoded":
        return _page("hr_check.html", 415, **_form_context({}, errors=[(None, NEED_FORM)]))
    try:
        body = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        return _page("hr_check.html", 413, **_form_context({}, errors=[(None, BODY_TOO_LARGE)]))
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=len(INPUT_FIELDS) + 4)
    except (UnicodeDecodeError, ValueError):
        return _page("hr_check.html", 400, **_form_context({}, errors=[(None, NEED_FORM)]))
    # What the person typed, shown again in the form; a blank field or "chưa rõ" is "not given".
    values = {name: fields[name][0] for name in INPUT_FIELDS if fields.get(name)}
    given = {name: value for name, value in values.items() if value.strip()}
    try:
        result = await _check(request, given)
    except PersonInputError as exc:
        return _page("hr_check.html", 422, **_form_context(values, errors=[(exc.field, exc.message())]))
    except IndexLoadError as exc:
        log.error("rule check unavailable: %s", exc)
        return _page("hr_check.html", 503, **_form_context(values, errors=[(None, NO_INDEX)]))
    return _page("hr_check.html", **_form_context(values, result=result))


# ---------------------------------------------------------------------------------------------
# The targets table
# ---------------------------------------------------------------------------------------------


async def _table(request: Request) -> TargetTable:
    return await run_in_threadpool(lambda: target_table(live_facts(request)))


@router.get("/chi-tieu", include_in_schema=False)
async def targets_page(request: Request) -> HTMLResponse:
    try:
        table = await _table(request)
    except IndexLoadError as exc:
        log.error("targets table unavailable: %s", exc)
        return _page("hr_targets.html", 503, current="chi-tieu", error=NO_INDEX)
    return _page("hr_targets.html", current="chi-tieu", table=table)


async def _download(request: Request, encode, name: str, media_type: str) -> Response:
    """The targets table as a file to save (encoded off the event loop), or 503 without an index."""
    try:
        data = await run_in_threadpool(encode, await _table(request))
    except IndexLoadError as exc:
        log.error("targets table unavailable: %s", exc)
        return problem(503, "no_index", NO_INDEX)
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/chi-tieu.csv", include_in_schema=False)
async def targets_csv(request: Request) -> Response:
    return await _download(request, csv_bytes, "chi-tieu.csv", "text/csv; charset=utf-8")


@router.get("/chi-tieu.xlsx", include_in_schema=False)
async def targets_xlsx(request: Request) -> Response:
    return await _download(request, xlsx_bytes, "chi-tieu.xlsx", XLSX_TYPE)
