"""Admin pages of the portal, behind PORTAL_ADMIN_TOKEN: the report of questions to review (nlu/report.py).

    GET /admin/report[?since=YYYY-MM-DD]       the report as a web page
    GET /admin/report.csv[?since=YYYY-MM-DD]   the same as CSV (UTF-8 with BOM, for Excel)
    GET /admin/report.css                      its stylesheet (public: the strict CSP refuses inline styles)

The token is sent as "Authorization: Bearer <token>" or as ?token=<token> (for a link opened in a browser), compared
in constant time. Without PORTAL_ADMIN_TOKEN the pages are off (404); a missing or wrong token gets 401. Requests
count against the portal's rate limit (guessing tokens is slow). The conversations are read from TRACKER_STORE_URL.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from nlu.conversations import open_store, safe_url
from nlu.report import REPORT_CSS, build_report, to_csv, to_html

from .json_api import problem

log = logging.getLogger(__name__)
router = APIRouter()

ADMIN_OFF = "Trang quản trị chưa được bật (đặt PORTAL_ADMIN_TOKEN để bật)."
NEED_TOKEN = "Cần mã quản trị hợp lệ (Authorization: Bearer … hoặc ?token=…)."
BAD_SINCE = "Tham số since phải là ngày dạng YYYY-MM-DD."
STORE_FAILED = "Không đọc được kho hội thoại. Vui lòng thử lại sau hoặc báo quản trị hệ thống."
NO_STORE = {"Cache-Control": "no-store"}


def _presented_token(request: Request) -> tuple[str, bool]:
    """(token, came in the query string)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    return request.query_params.get("token", ""), True


def _refusal(request: Request) -> Response | None:
    """None when the request may see the admin pages, else the response that says why not."""
    if limited := request.app.state.rate_limited(request):
        return limited
    expected = request.app.state.settings.portal_admin_token
    if expected is None or not expected.get_secret_value():
        return problem(404, "admin_off", ADMIN_OFF)
    token, _ = _presented_token(request)
    if not hmac.compare_digest(token.encode(), expected.get_secret_value().encode()):
        log.warning("admin page refused: %s token", "missing" if not token else "wrong")
        return problem(401, "unauthorized", NEED_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    return None


def _engine(request: Request):
    """One engine on the tracker store per app, opened at the first report."""
    engine = getattr(request.app.state, "report_engine", None)
    if engine is None:
        engine = request.app.state.report_engine = open_store()
    return engine


async def _report(request: Request):
    """The report, or the response that refuses it (no or wrong token, a bad date, the store down)."""

    if refused := _refusal(request):
        return refused
    since_text = request.query_params.get("since") or ""
    try:
        since = date.fromisoformat(since_text) if since_text else None
    except ValueError:
        return problem(422, "bad_since", BAD_SINCE)
    try:
        engine = _engine(request)
        return await asyncio.to_thread(build_report, engine, since)
    except Exception as exc:  # noqa: BLE001 - a bad URL, a server down: the log says what, the page says sorry
        url = getattr(getattr(request.app.state, "report_engine", None), "url", None)
        log.error("report failed on the tracker store %s: %s: %s", safe_url(url), type(exc).__name__,
                  getattr(exc, "orig", None) or exc)
        return problem(503, "store_unavailable", STORE_FAILED)


@router.get("/admin/report.css", include_in_schema=False)
async def report_css() -> Response:
    return Response(REPORT_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/admin/report", include_in_schema=False)
async def report_page(request: Request) -> Response:
    report = await _report(request)
    if isinstance(report, Response):
        return report
    query = {k: v for k, v in (("since", request.query_params.get("since")),) if v}
    token, in_query = _presented_token(request)
    if in_query:  # opened as a link: the download link needs the token too (Referrer-Policy keeps it on this site)
        query["token"] = token
    csv_href = "/admin/report.csv" + (f"?{urlencode(query)}" if query else "")
    return HTMLResponse(to_html(report, stylesheet="/admin/report.css", csv_href=csv_href), headers=NO_STORE)


@router.get("/admin/report.csv", include_in_schema=False)
async def report_csv(request: Request) -> Response:
    report = await _report(request)
    if isinstance(report, Response):
        return report
    name = f"bao-cao-cau-hoi-{report.local(report.made_at):%Y-%m-%d}.csv"
    return Response(to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})
