"""👍 / 👎 on an answer of the portal: `POST /api/feedback`.

    {"answer_id": "<32 hex, from the answer's custom payload>", "rating": "up" | "down", "comment": "…" (optional)}
    → {"messages": [...]} (Rasa's thanks, as /api/ask returns messages)

Same session cookie (the feedback joins the browser's conversation), the same rate limit and the same error shape as
/api/ask. The feedback goes to Rasa as `/feedback{json}`, which Rasa reads as the `feedback` intent with its entities
and keeps in the tracker store, where the report (nlu/report.py) finds it.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .json_api import problem, read_json
from .rasa import BUSY, RasaUnavailable

log = logging.getLogger(__name__)
router = APIRouter()

ANSWER_ID = re.compile(r"[0-9a-f]{32}")
RATINGS = {"up", "down"}
MAX_COMMENT_CHARS = 500
MAX_FEEDBACK_BYTES = 8 * 1024
BAD_FEEDBACK = ('Dữ liệu góp ý không hợp lệ: cần JSON dạng {"answer_id": "…", "rating": "up" hoặc "down", '
                '"comment": "…"}.')
COMMENT_TOO_LONG = "Góp ý quá dài (tối đa {limit} ký tự). Bạn hãy viết ngắn gọn hơn."


def clean_comment(text: str) -> str:
    """NFC, control characters dropped, whitespace collapsed to single spaces."""
    text = unicodedata.normalize("NFC", text)
    return " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text).split())


def rasa_message(rating: str, answer_id: str, comment: str = "") -> str:
    entities = {"rating": rating, "answer_id": answer_id, **({"comment": comment} if comment else {})}
    return "/feedback" + json.dumps(entities, ensure_ascii=False)


def parse_feedback(data: Any) -> tuple[str, str, str] | str:
    """(rating, answer_id, comment), or the Vietnamese message saying what is wrong."""
    if not isinstance(data, dict):
        return BAD_FEEDBACK
    rating, answer_id, comment = data.get("rating"), data.get("answer_id"), data.get("comment") or ""
    if rating not in RATINGS or not isinstance(answer_id, str) or not ANSWER_ID.fullmatch(answer_id) \
            or not isinstance(comment, str):
        return BAD_FEEDBACK
    comment = clean_comment(comment)
    if len(comment) > MAX_COMMENT_CHARS:
        return COMMENT_TOO_LONG.format(limit=MAX_COMMENT_CHARS)
    return rating, answer_id, comment


@router.post("/api/feedback")
async def record_feedback(request: Request) -> Response:
    if limited := request.app.state.rate_limited(request):
        return limited
    data = await read_json(request, MAX_FEEDBACK_BYTES, BAD_FEEDBACK)
    if isinstance(data, Response):
        return data
    parsed = parse_feedback(data)
    if isinstance(parsed, str):
        return problem(422, "bad_feedback", parsed)
    rating, answer_id, comment = parsed
    try:
        replies = await request.app.state.rasa.ask(request.app.state.sender(request),
                                                   rasa_message(rating, answer_id, comment))
    except RasaUnavailable:
        return problem(503, "busy", BUSY)
    log.info("feedback %s on answer %s%s", rating, answer_id, " with a comment" if comment else "")
    return JSONResponse({"messages": replies})
