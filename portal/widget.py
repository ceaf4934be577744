"""The embeddable voice-search widget: its scripts, and CORS for the host portals named in PORTAL_WIDGET_ORIGINS.

One tag on a host page (another site) gives its search boxes a microphone:

    <script src="https://assistant.example/widget/voice-search.js" data-endpoint="https://assistant.example" defer>

    GET /widget/voice-search.js   the widget (plain JavaScript, no dependencies)
    GET /widget/pcm-worklet.js    its AudioWorklet (the page's own file) and the resampler the worklet imports;
    GET /widget/resampler.js      worklet modules are fetched in CORS mode, so they need the CORS answer below

Cross-origin use is limited to what the widget needs: /widget/*, GET /api/config, POST /api/ask (CORS here) and
WS /ws/speech (its Origin check in app.py asks `origin_allowed`). The speech stream's 10-s cap and the per-IP rate
limit are the portal's own. Requests carry no cookies (the widget sends none), so no credentials are allowed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .json_api import problem
from .settings import PortalSettings

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
WIDGET_FILES = {
    "voice-search.js": STATIC / "widget" / "voice-search.js",
    "pcm-worklet.js": STATIC / "pcm-worklet.js",
    "resampler.js": STATIC / "resampler.js",
}
# The endpoints a host page's widget calls, besides /widget/* (and the WebSocket, checked in app.py).
CORS_PATHS = frozenset({"/api/config", "/api/ask"})
CORS_METHODS = "GET, POST"
CORS_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE = "600"
ORIGIN_REFUSED = "Trang web này chưa được phép dùng dịch vụ tìm kiếm bằng giọng nói của Trợ lý CCVC."
WIDGET_CACHE = "public, max-age=300"  # a new widget reaches host pages within minutes of a deploy

router = APIRouter()


@router.get("/widget/{name}", include_in_schema=False)
async def widget_file(name: str) -> FileResponse:
    path = WIDGET_FILES.get(name)
    if path is None:
        raise HTTPException(404)
    # Other sites' pages load these: Cross-Origin-Resource-Policy lets hosts that isolate themselves
    # (Cross-Origin-Embedder-Policy) still embed them; the CSP and framing headers of the portal's own
    # page do not apply to a script, and stay as they are.
    return FileResponse(path, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": WIDGET_CACHE, "Cross-Origin-Resource-Policy": "cross-origin"})


def origin_allowed(origin: str | None, settings: PortalSettings) -> bool:
    """Whether a page of `origin` (the Origin header, as browsers send it) may use the widget's endpoints."""
    return bool(origin) and origin.strip().lower() in settings.widget_origins


def is_widget_path(path: str) -> bool:
    return path in CORS_PATHS or path.startswith("/widget/")


class WidgetCors:
    """CORS for the widget's endpoints only, and only for the configured origins; other origins get no
    Access-Control-Allow-Origin (their preflight: 403 with a Vietnamese message). Every answer on these paths
    varies by Origin, so no cache hands one site's answer to another."""

    def __init__(self, app: ASGIApp, settings: PortalSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_widget_path(scope["path"]):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        allowed = origin_allowed(origin, self.settings)
        if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
            return await self.preflight(scope, receive, send, origin, allowed, headers)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.add_vary_header("Origin")
                if allowed:
                    response_headers["Access-Control-Allow-Origin"] = origin
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def preflight(self, scope: Scope, receive: Receive, send: Send, origin: str, allowed: bool,
                        headers: Headers) -> None:
        method = headers["access-control-request-method"].strip().upper()
        asked = {h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",") if h.strip()}
        if not allowed or method not in {"GET", "POST"} or not asked <= {"content-type"}:
            log.warning("widget: refused a preflight from %r (%s %s)", origin, method, scope["path"])
            response = problem(403, "origin_not_allowed", ORIGIN_REFUSED, headers={"Vary": "Origin"})
        else:
            response = Response(status_code=204, headers={
                "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": CORS_METHODS,
                "Access-Control-Allow-Headers": CORS_HEADERS, "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                "Vary": "Origin"})
        await response(scope, receive, send)


def install(app: FastAPI, settings: PortalSettings) -> None:
    """The widget's routes and its CORS layer. Called before the app's own middleware is added, so that one stays
    outermost: every answer, preflights included, carries the portal's security headers."""
    app.include_router(router)
    app.add_middleware(WidgetCors, settings=settings)
    if settings.widget_origins:
        log.info("voice-search widget allowed on %s", ", ".join(sorted(settings.widget_origins)))
