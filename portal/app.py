"""The portal: a web page to ask the assistant by text or voice, and the JSON/WebSocket endpoints behind it.

A thin adapter: questions go to Rasa's REST channel (which asks knowledge/ through the action server), voice
becomes text in speech/. Nothing here answers by itself.

    GET  /            the page (static files under /static: plain JS and CSS, no build step, no CDN)
    POST /api/ask     {"message": "…"} → {"messages": [{"text", "buttons": [{"title", "payload"}], "custom"}]}
    POST /api/voice   audio (multipart file or raw body) → {"transcript": {...}, "messages": [...]}
    WS   /ws/speech   vosk-server's protocol: {"config": {"sample_rate": N}}, binary 16-bit PCM, {"eof": 1}
    GET  /api/config  what the page needs: speech availability, the cap in seconds, the longest question
    GET  /healthz     the portal, Rasa and speech status (503 while Rasa does not answer)
    GET  /widget/*    the voice-search widget other portals embed (portal/widget.py: CORS for PORTAL_WIDGET_ORIGINS)
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.websockets import WebSocketDisconnect, WebSocketState

from . import admin, feedback, hr, library_admin, session, widget
from .json_api import BodyTooLarge, media_type, multipart_form, problem, read_body, read_json
from .limits import RateLimiter
from .rasa import BUSY, RasaClient, RasaUnavailable, typed_question
from .settings import PortalSettings

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
STREAM_SAMPLE_RATE = 16000  # what the page sends; other rates are accepted from other clients
STREAM_RATES = range(8000, 48001)
# A stream may take this long beyond the cap (wall clock) before the server finishes it with what it got.
STREAM_SLACK_S = 5.0
MAX_JSON_BYTES = 64 * 1024
MULTIPART_OVERHEAD = 64 * 1024
DEFAULT_MAX_SECONDS = 10.0  # used only when the speech package is missing
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024

RATE_LIMITED = "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi một lát rồi thử lại."
BAD_JSON = 'Dữ liệu gửi lên không hợp lệ: cần JSON dạng {"message": "câu hỏi"}.'
NEED_AUDIO = ("Định dạng yêu cầu không được hỗ trợ: hãy gửi tệp âm thanh (multipart/form-data hoặc audio/*, "
              "application/octet-stream).")
NO_MESSAGE = "Bạn chưa nhập câu hỏi."
TOO_LONG = "Câu hỏi quá dài (tối đa {limit} ký tự). Bạn hãy hỏi ngắn gọn hơn."
AUDIO_TOO_LARGE = "Tệp âm thanh quá lớn (tối đa {mib:g} MB)."
NO_AUDIO_FILE = "Không tìm thấy tệp âm thanh trong yêu cầu."
BAD_MULTIPART = "Không đọc được dữ liệu tải lên (multipart/form-data hỏng)."
NO_SPEECH = "Không nhận ra lời nói trong đoạn ghi âm. Bạn hãy nói lại rõ ràng, không quá nhanh."
SPEECH_OFF = "Chức năng nhận dạng giọng nói hiện chưa sẵn sàng. Bạn vẫn có thể gõ câu hỏi."
SPEECH_MISSING = "Chức năng nhận dạng giọng nói chưa được cài đặt trên máy chủ. Bạn vẫn có thể gõ câu hỏi."
BAD_STREAM = "Dữ liệu luồng âm thanh không hợp lệ."
SERVER_ERROR = "Đã có lỗi xảy ra ở máy chủ. Vui lòng thử lại sau."
HTTP_MESSAGES = {404: "Không tìm thấy địa chỉ này.", 405: "Phương thức này không được hỗ trợ ở địa chỉ này."}
# SpeechError.code → HTTP status of /api/voice.
SPEECH_STATUS = {"empty": 422, "silent": 422, "corrupt": 422, "too_large": 413, "unavailable": 503, "busy": 503}

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; "
                                "frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def client_ip(connection: Request | WebSocket) -> str:
    return connection.client.host if connection.client else "unknown"


@dataclass
class SpeechState:
    service: Any | None  # speech.SpeechService, or None when the speech package is missing
    max_seconds: float
    max_upload_bytes: int

    @property
    def available(self) -> bool:
        return self.service is not None and bool(self.service.available)

    @property
    def message(self) -> str | None:
        if self.service is None:
            return SPEECH_MISSING
        if not self.service.available:  # speech/'s own Vietnamese reason, written for users
            return self.service.unavailable_reason or SPEECH_OFF
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"available": self.available, "message": self.message, "max_seconds": self.max_seconds,
                "sample_rate": STREAM_SAMPLE_RATE, "model": getattr(self.service, "model_name", None)}


def load_speech(speech_settings: Any | None = None) -> SpeechState:
    """The speech service, loaded once (the model stays in memory); never raises: without the package or a model
    the portal serves text only and says why."""
    try:
        from speech import SpeechService, SpeechSettings
    except ImportError as exc:
        log.error("speech package not importable (%s): voice questions are off", exc)
        return SpeechState(None, DEFAULT_MAX_SECONDS, DEFAULT_MAX_UPLOAD)
    speech_settings = speech_settings or SpeechSettings()
    service = SpeechService.from_settings(speech_settings)
    return speech_state(service, speech_settings)


def speech_state(service: Any, speech_settings: Any) -> SpeechState:
    return SpeechState(service, float(speech_settings.speech_max_seconds), int(speech_settings.speech_max_upload_bytes))


def create_app(settings: PortalSettings | None = None, speech: SpeechState | None = None) -> FastAPI:
    """The ASGI app. `speech` lets several apps share one loaded model (tests); by default the lifespan loads it."""
    settings = settings or PortalSettings()
    secret = settings.portal_cookie_secret.get_secret_value()
    limiter = RateLimiter(settings.portal_rate_per_minute, settings.portal_rate_burst)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.rasa = RasaClient(settings.rasa_url, settings.portal_rasa_timeout)
        app.state.speech = speech or load_speech()
        owns_speech = speech is None  # a service handed in belongs to the caller
        log.info("portal on http://%s:%s, Rasa at %s, speech %s", settings.portal_host, settings.portal_port,
                 settings.rasa_url, "available" if app.state.speech.available else "unavailable")
        try:
            yield
        finally:
            await app.state.rasa.close()
            if owns_speech and app.state.speech.service is not None:
                app.state.speech.service.close()  # its worker threads

    app = FastAPI(title="Trợ lý CCVC", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # /widget/*, and CORS for the host portals in PORTAL_WIDGET_ORIGINS (inside the security headers below).
    widget.install(app, settings)

    @app.middleware("http")
    async def headers_and_session(request: Request, call_next):
        session_id = session.verify(request.cookies.get(session.COOKIE_NAME), secret)
        fresh = session_id is None
        request.state.session_id = session_id or session.new_session_id()
        try:
            response = await call_next(request)
        except Exception:  # noqa: BLE001 - the log gets the trace, the user a clear message
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            response = problem(500, "server_error", SERVER_ERROR)
        for name, value in SECURITY_HEADERS.items():  # a route may set its own (the admin pages: Referrer-Policy)
            response.headers.setdefault(name, value)
        origin = request.headers.get("origin")
        cross_site = bool(origin) and urlsplit(origin).netloc != request.headers.get("host")
        if fresh and not cross_site:  # a host portal's page (the widget) gets no session: browsers refuse it anyway
            response.set_cookie(session.COOKIE_NAME, session.sign(request.state.session_id, secret), httponly=True,
                                samesite="strict", secure=settings.portal_cookie_secure, path="/")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = HTTP_MESSAGES.get(exc.status_code, "Yêu cầu không hợp lệ." if exc.status_code < 500 else SERVER_ERROR)
        return problem(exc.status_code, "http_error", message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "invalid", "Dữ liệu gửi lên không hợp lệ.")

    def rate_limited(request: Request) -> JSONResponse | None:
        wait = limiter.allow(client_ip(request))
        if wait:
            log.warning("rate limit: %s must wait %.1f s", client_ip(request), wait)
            return problem(429, "rate_limited", RATE_LIMITED, headers={"Retry-After": str(max(1, round(wait)))})
        return None

    def sender(request: Request) -> str:
        return f"web-{request.state.session_id}"

    async def answer(request: Request, message: str) -> list[dict[str, Any]]:
        return await request.app.state.rasa.ask(sender(request), message)

    # The routers of other modules share this app's rate limit and conversation per session.
    app.state.rate_limited, app.state.sender, app.state.settings = rate_limited, sender, settings
    app.include_router(feedback.router)
    app.include_router(admin.router)
    app.include_router(library_admin.router)
    app.include_router(hr.router)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/api/config")
    async def config(request: Request) -> dict[str, Any]:
        return {"speech": request.app.state.speech.to_dict(), "max_message_chars": settings.portal_max_message_chars}

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        rasa_up = await request.app.state.rasa.is_up()
        body = {"status": "ok" if rasa_up else "degraded", "portal": "ok", "rasa": "ok" if rasa_up else "unavailable",
                "speech": request.app.state.speech.to_dict()}
        return JSONResponse(body, status_code=200 if rasa_up else 503)

    @app.post("/api/ask")
    async def ask(request: Request) -> Response:
        if limited := rate_limited(request):
            return limited
        data = await read_json(request, MAX_JSON_BYTES, BAD_JSON)
        if isinstance(data, Response):
            return data
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, str):
            return problem(422, "no_message", BAD_JSON)
        message = typed_question(message)
        if not message:
            return problem(422, "empty_message", NO_MESSAGE)
        if len(message) > settings.portal_max_message_chars:
            return problem(422, "too_long", TOO_LONG.format(limit=settings.portal_max_message_chars))
        try:
            replies = await answer(request, message)
        except RasaUnavailable:
            return problem(503, "busy", BUSY)
        return JSONResponse({"messages": replies})

    @app.post("/api/voice")
    async def voice(request: Request) -> Response:
        if limited := rate_limited(request):
            return limited
        speech: SpeechState = request.app.state.speech
        kind = media_type(request)
        raw = kind.startswith("audio/") or kind in {"video/webm", "video/ogg", "video/mp4", "application/ogg",
                                                     "application/octet-stream"}
        if kind != "multipart/form-data" and not raw:
            return problem(415, "unsupported_media_type", NEED_AUDIO)
        too_large = problem(413, "too_large", AUDIO_TOO_LARGE.format(mib=speech.max_upload_bytes / 1024 / 1024))
        try:
            body = await read_body(request, speech.max_upload_bytes + (0 if raw else MULTIPART_OVERHEAD))
        except BodyTooLarge:
            return too_large
        if raw:
            audio = body
        else:
            try:
                audio = await uploaded_file(request, body, speech.max_upload_bytes)
            except MultiPartException:
                return problem(400, "bad_multipart", BAD_MULTIPART)
            if audio is None:
                return problem(422, "no_file", NO_AUDIO_FILE)
        if len(audio) > speech.max_upload_bytes:
            return too_large
        if not speech.available:
            return problem(503, "unavailable", speech.message)
        from speech import SpeechError

        try:
            transcript = await speech.service.transcribe(audio)
        except SpeechError as exc:
            return problem(SPEECH_STATUS.get(exc.code, 422), exc.code, exc.message)
        if not transcript.text.strip():
            return problem(422, "silent", NO_SPEECH, transcript=transcript.to_dict())
        try:
            replies = await answer(request, transcript.text)
        except RasaUnavailable:
            return problem(503, "busy", BUSY, transcript=transcript.to_dict())
        return JSONResponse({"transcript": transcript.to_dict(), "messages": replies})

    @app.websocket("/ws/speech")
    async def speech_stream(websocket: WebSocket) -> None:
        origin = websocket.headers.get("origin")
        if origin and urlsplit(origin).netloc != websocket.headers.get("host") \
                and not widget.origin_allowed(origin, settings):
            await websocket.close(code=1008)  # another site's page may not use this user's microphone stream
            return
        await websocket.accept()
        try:
            await stream_recognition(websocket, limiter, websocket.app.state.speech)
            if websocket.application_state == WebSocketState.CONNECTED:
                await websocket.close()
        except WebSocketDisconnect:
            log.info("speech stream: the client went away before the end")  # nothing left to answer

    return app


async def uploaded_file(request: Request, body: bytes, limit: int) -> bytes | None:
    """The first file of a multipart body already read (size-checked) by the caller."""
    async with multipart_form(request, body, max_fields=10) as form:
        for value in form.values():
            if isinstance(value, UploadFile):
                return await value.read(limit + 1)
        return None


async def send_error(websocket: WebSocket, code: str, message: str, close_code: int = 1000) -> None:
    await websocket.send_json({"error": code, "message": message})
    await websocket.close(code=close_code)


async def stream_recognition(websocket: WebSocket, limiter: RateLimiter, speech: SpeechState) -> None:
    """vosk-server's protocol over StreamSession: a reply to every audio chunk ({"partial"}), then the final
    {"text", "duration_s", "truncated", "model"} at {"eof": 1}, at the cap, or when the client is too slow."""
    if limiter.allow(client_ip(websocket)):
        return await send_error(websocket, "rate_limited", RATE_LIMITED, 1008)
    if not speech.available:
        return await send_error(websocket, "unavailable", speech.message or SPEECH_MISSING, 1013)
    from speech import SpeechError

    loop = asyncio.get_running_loop()
    deadline = loop.time() + speech.max_seconds + STREAM_SLACK_S
    stream = None
    try:
        while (remaining := deadline - loop.time()) > 0:
            try:
                message = await asyncio.wait_for(websocket.receive(), remaining)
            except TimeoutError:
                log.warning("speech stream from %s too slow: finished after %.0f s", client_ip(websocket),
                            speech.max_seconds + STREAM_SLACK_S)
                break
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                try:
                    command = json.loads(message["text"])
                except ValueError:
                    return await send_error(websocket, "bad_request", BAD_STREAM, 1003)
                if not isinstance(command, dict):
                    return await send_error(websocket, "bad_request", BAD_STREAM, 1003)
                if command.get("eof"):
                    break
                if "config" in command and stream is None:
                    rate = (command["config"] or {}).get("sample_rate", STREAM_SAMPLE_RATE) \
                        if isinstance(command["config"], dict) else None
                    if not isinstance(rate, (int, float)) or int(rate) != rate or int(rate) not in STREAM_RATES:
                        return await send_error(websocket, "bad_request", BAD_STREAM, 1003)
                    stream = speech.service.stream(sample_rate=int(rate))
                continue
            pcm = message.get("bytes") or b""  # StreamSession keeps a sample split across two messages
            if stream is None:  # audio without a config: vosk-server's default rate
                stream = speech.service.stream(sample_rate=STREAM_SAMPLE_RATE)
            if not pcm:
                continue
            reply = await stream.accept(pcm)
            await websocket.send_json(reply)
            if stream.done:  # the cap: `reply` was the final result
                log.info("speech stream capped at %.1f s", reply.get("duration_s") or 0)
                return await websocket.close()
        if stream is None:
            final = {"text": "", "duration_s": 0.0, "truncated": False, "model": speech.service.model_name}
        else:
            final = await stream.finish()
        log.info("speech stream: %.1f s of audio", final.get("duration_s") or 0)
        await websocket.send_json(final)
        await websocket.close()
    except SpeechError as exc:
        log.warning("speech stream failed: %s (%s)", exc.code, exc.message)
        await send_error(websocket, exc.code, exc.message, 1011 if exc.code not in {"busy", "unavailable"} else 1013)
