"""The webhook endpoint (production option): Telegram posts each update here; it goes to the Application's queue."""

from __future__ import annotations

import hmac
import logging
from http import HTTPStatus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"


def webhook_app(application: Application, path: str, secret: str) -> Starlette:
    async def receive(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            log.warning("webhook call without the right secret token from %s: refused",
                        request.client.host if request.client else "?")
            return Response(status_code=HTTPStatus.FORBIDDEN)
        try:
            body = await request.json()
        except ValueError as exc:  # not JSON: Telegram never sends that
            log.warning("webhook call with a body that is not JSON: %s", exc)
            return Response(status_code=HTTPStatus.BAD_REQUEST)
        try:
            update = Update.de_json(body, application.bot)
        except Exception as exc:  # noqa: BLE001 - an update this library cannot read, or not an update at all
            if isinstance(body, dict) and isinstance(body.get("update_id"), int):
                # Telegram would send it again and again: taken (200) and skipped, like polling does (TolerantBot).
                log.error("Telegram update %s cannot be read by this python-telegram-bot: skipped (%s: %s)",
                          body["update_id"], type(exc).__name__, exc)
                return Response()
            log.warning("webhook call with a body that is not an update: %s", exc)
            return Response(status_code=HTTPStatus.BAD_REQUEST)
        await application.update_queue.put(update)
        return Response()

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(path, receive, methods=["POST"]), Route(HEALTH_PATH, health, methods=["GET"])])
