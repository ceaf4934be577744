"""What every endpoint of the portal shares: errors as {"error", "message"} (a code for programs, a Vietnamese
message for people) and request bodies read with a bound (never held whole when too big)."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from fastapi import Request, WebSocket
from starlette.datastructures import FormData
from fastapi.responses import JSONResponse

NEED_JSON = "Định dạng yêu cầu không được hỗ trợ: hãy gửi JSON (Content-Type: application/json)."
BODY_TOO_LARGE = "Dữ liệu gửi lên quá lớn."


def problem(status: int, code: str, message: str, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (BodyTooLarge) as soon as it grows beyond `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request | WebSocket) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_json(request: Request, limit: int, bad_json: str) -> Any:
    """The JSON body, or the problem to answer with: 415 when not JSON, 413 too large, 400 malformed (`bad_json`
    says what is expected)."""
    if media_type(request) != "application/json":
        return problem(415, "unsupported_media_type", NEED_JSON)
    try:
        return json.loads(await read_body(request, limit))
    except BodyTooLarge:
        return problem(413, "too_large", BODY_TOO_LARGE)
    except (ValueError, RecursionError):  # malformed JSON, not UTF-8, or nested too deep for the parser
        return problem(400, "bad_json", bad_json)


@asynccontextmanager
async def multipart_form(request: Request, body: bytes, max_fields: int) -> AsyncIterator[FormData]:
    """The multipart form in `body`, a request body the caller has already read (and so size-checked), at most one
    file; its files are closed on exit."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form(max_files=1, max_fields=max_fields)
    try:
        yield form
    finally:
        await form.close()
