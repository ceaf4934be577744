"""Admin pages of the portal, behind the admin tokens: who may see them, the login, and the report of questions to
review (nlu/report.py). The document library's pages are portal/library_admin.py.

    GET  /admin/report[?since=YYYY-MM-DD]       the report as a web page
    GET  /admin/report.csv[?since=YYYY-MM-DD]   the same as CSV (UTF-8 with BOM, for Excel)
    GET  /admin/report.css                      its stylesheet (public: the strict CSP refuses inline styles)
    GET  /admin/dang-nhap, POST /admin/dang-nhap   the login form: a token typed in → a session cookie
    POST /admin/dang-xuat                       log out

A token (PORTAL_ADMIN_TOKEN, or one of the named PORTAL_ADMIN_TOKENS) is sent as "Authorization: Bearer <token>", as
?token=<token> (for a link opened in a browser), or typed into the login page, which sets a signed session cookie
(portal/admin_session.py); tokens are compared in constant time. Without any token the pages are off (404); a missing
or wrong token gets 401. Requests count against the portal's rate limit (guessing tokens is slow). The public pages
never link here. The conversations are read from TRACKER_STORE_URL.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from nlu.conversations import open_store, safe_url
from nlu.report import REPORT_CSS, build_report, to_csv, to_html

from . import admin_session
from .json_api import BodyTooLarge, media_type, problem, read_body

log = logging.getLogger(__name__)
router = APIRouter()

ADMIN_OFF = "Trang quản trị chưa được bật (đặt PORTAL_ADMIN_TOKEN để bật)."
NEED_TOKEN = "Cần mã quản trị hợp lệ (Authorization: Bearer … hoặc ?token=…)."
BAD_SINCE = "Tham số since phải là ngày dạng YYYY-MM-DD."
STORE_FAILED = "Không đọc được kho hội thoại. Vui lòng thử lại sau hoặc báo quản trị hệ thống."
NO_STORE = {"Cache-Control": "no-store"}
# same-origin, not the portal's no-referrer: with no-referrer, browsers send "Origin: null" on a page's own form
# POSTs, and the origin check below could not tell them from another site's.
ADMIN_HEADERS = {**NO_STORE, "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "same-origin"}
WRONG_TOKEN = "Mã quản trị không đúng."
OTHER_ORIGIN = "Yêu cầu đến từ trang khác: bị từ chối (hãy thao tác trên chính trang quản trị)."
BAD_FORM = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang rồi thử lại."
LOGIN_PATH = "/admin/dang-nhap"
HOME_PATH = "/admin/tai-lieu"
MAX_LOGIN_BODY = 4096

TEMPLATES = Path(__file__).resolve().parent / "templates"
templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)


def _when(text: str) -> str:
    """'2026-12-07T15:33:02+0700' → '07/12/2026 15:33' (as written, in the server's time zone); '' stays ''."""
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
    except (TypeError, ValueError):
        return text or ""
    return f"{moment:%d/%m/%Y %H:%M}"


def _day(text: str) -> str:
    """'2020-08-14' → '14/08/2020', how Vietnamese documents write dates."""
    try:
        return f"{date.fromisoformat(text):%d/%m/%Y}"
    except (TypeError, ValueError):
        return text or ""


templates.filters.update(when=_when, day=_day)


def admin_page(name: str, status: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status, headers=ADMIN_HEADERS)


def _tokens(request: Request) -> dict[str, str]:
    return request.app.state.settings.admin_tokens


def _secret(request: Request) -> str:
    return request.app.state.settings.portal_cookie_secret.get_secret_value()


def admin_identity(request: Request) -> str | None:
    """The name of the admin token behind this request (header, ?token= or the login cookie), else None. A token
    presented and wrong is not rescued by a cookie. The login session, if any, lands in request.state."""
    tokens = _tokens(request)
    token, _ = presented_token(request)
    request.state.admin_session = None
    if token:
        return admin_session.token_name(token, tokens)
    session = admin_session.verify(request.cookies.get(admin_session.COOKIE_NAME), tokens, _secret(request))
    request.state.admin_session = session
    return session.name if session else None


def same_origin(request: Request) -> bool:
    """A browser's POST comes from a page of this portal (Origin, else Referer, names this host; "null" does not), or
    from a program that sends neither."""
    source = request.headers.get("origin") or request.headers.get("referer")
    return not source or urlsplit(source).netloc == request.headers.get("host")


def form_refusal(request: Request, fields: dict[str, list[str]]) -> str | None:
    """Why a form POST of a logged-in administrator is refused (another origin, no or a wrong CSRF token), or None."""
    if not same_origin(request):
        return OTHER_ORIGIN
    session = getattr(request.state, "admin_session", None)
    sent = (fields.get("csrf") or [""])[0]
    if session is None or not hmac.compare_digest(sent.encode(), session.csrf(_secret(request)).encode()):
        return BAD_FORM
    return None


def csrf_token(request: Request) -> str:
    session = getattr(request.state, "admin_session", None)
    return session.csrf(_secret(request)) if session else ""


def presented_token(request: Request) -> tuple[str, bool]:
    """(token, came in the query string)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    return request.query_params.get("token", ""), True


def refusal(request: Request, login_page: bool = False) -> Response | None:
    """None when the request may see the admin pages (request.state.admin_name then says who), else the response
    that says why not; `login_page`: a browser without a session is sent to the login form instead of a 401."""
    if limited := request.app.state.rate_limited(request):
        return limited
    if not _tokens(request):
        return problem(404, "admin_off", ADMIN_OFF)
    name = admin_identity(request)
    request.state.admin_name = name
    if name is None:
        token, _ = presented_token(request)
        if login_page and not token:
            return RedirectResponse(f"{LOGIN_PATH}?{urlencode({'tiep': request.url.path})}", status_code=303,
                                    headers=ADMIN_HEADERS)
        log.warning("admin page refused: %s token", "missing" if not token else "wrong")
        return problem(401, "unauthorized", NEED_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    return None


def _next_page(value: str | None) -> str:
    """Where to go after logging in: an admin page of this portal, never another site."""
    if value and value.startswith("/admin/") and "//" not in value and "\\" not in value:
        return value
    return HOME_PATH


@router.get(LOGIN_PATH, include_in_schema=False)
async def login_page(request: Request) -> Response:
    if not _tokens(request):
        return problem(404, "admin_off", ADMIN_OFF)
    return admin_page("admin_login.html", next=_next_page(request.query_params.get("tiep")))


@router.post(LOGIN_PATH, include_in_schema=False)
async def login(request: Request) -> Response:
    if limited := request.app.state.rate_limited(request):
        return limited
    tokens = _tokens(request)
    if not tokens:
        return problem(404, "admin_off", ADMIN_OFF)
    if not same_origin(request):
        return admin_page("admin_login.html", 403, error=OTHER_ORIGIN, next=HOME_PATH)
    if media_type(request) != "application/x-www-form-urlencoded":
        return admin_page("admin_login.html", 415, error=BAD_FORM, next=HOME_PATH)
    try:
        fields = parse_qs((await read_body(request, MAX_LOGIN_BODY)).decode("utf-8"), max_num_fields=5)
    except (BodyTooLarge, UnicodeDecodeError, ValueError):
        return admin_page("admin_login.html", 400, error=BAD_FORM, next=HOME_PATH)
    next_page = _next_page((fields.get("tiep") or [""])[0])
    name = admin_session.token_name((fields.get("token") or [""])[0].strip(), tokens)
    if name is None:
        log.warning("admin login refused: wrong token")
        return admin_page("admin_login.html", 401, error=WRONG_TOKEN, next=next_page)
    settings = request.app.state.settings
    session = admin_session.new_session(name, settings.portal_admin_session_hours)
    log.info("admin login: %s", name)
    response = RedirectResponse(next_page, status_code=303, headers=ADMIN_HEADERS)
    response.set_cookie(admin_session.COOKIE_NAME, admin_session.sign(session, tokens[name], _secret(request)),
                        max_age=int(settings.portal_admin_session_hours * 3600), path=admin_session.COOKIE_PATH,
                        httponly=True, samesite="strict", secure=settings.portal_cookie_secure)
    return response


@router.post("/admin/dang-xuat", include_in_schema=False)
async def logout(request: Request) -> Response:
    if not same_origin(request):
        return problem(403, "other_origin", OTHER_ORIGIN)
    name = admin_identity(request) if _tokens(request) else None
    if name:
        log.info("admin logout: %s", name)
    response = RedirectResponse(LOGIN_PATH, status_code=303, headers=ADMIN_HEADERS)
    response.delete_cookie(admin_session.COOKIE_NAME, path=admin_session.COOKIE_PATH)
    return response


def _engine(request: Request):
    """One engine on the tracker store per app, opened at the first report."""
    engine = getattr(request.app.state, "report_engine", None)
    if engine is None:
        engine = request.app.state.report_engine = open_store()
    return engine


async def _report(request: Request):
    """The report, or the response that refuses it (no or wrong token, a bad date, the store down)."""

    if refused := refusal(request):
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
    token, in_query = presented_token(request)
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
