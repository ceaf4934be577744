"""👍 / 👎 under each answer: the buttons' callback data, the message sent to Rasa, and the comment prompts.

Each answer of our actions carries an `answer_id` in its custom payload. Its feedback buttons carry
"f:up:<answer_id>" / "f:down:<answer_id>" (at most 41 bytes: within Telegram's 64, so no store is needed). A press
goes to Rasa as `/feedback{"rating": …, "answer_id": …}`, which Rasa reads as the `feedback` intent with those
entities and keeps in its tracker store (the report reads it there). After a 👎 the bot asks for a short comment
with a ForceReply; the user's reply to that prompt goes to Rasa as the comment of the same answer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import OrderedDict

PREFIX = "f:"
RATINGS = ("up", "down")
ANSWER_ID = re.compile(r"[0-9a-f]{32}")
MAX_COMMENT_CHARS = 500
TITLES = {"up": "👍", "down": "👎"}


def valid_answer_id(value: object) -> str | None:
    return value if isinstance(value, str) and ANSWER_ID.fullmatch(value) else None


def callback_data(rating: str, answer_id: str) -> str:
    return f"{PREFIX}{rating}:{answer_id}"


def parse_callback(data: str) -> tuple[str, str] | None:
    """(rating, answer_id) of a feedback button's data, else None (not a feedback button, or forged)."""
    if not data.startswith(PREFIX):
        return None
    rating, _, answer_id = data.removeprefix(PREFIX).partition(":")
    if rating not in RATINGS or not valid_answer_id(answer_id):
        return None
    return rating, answer_id


def clean_comment(text: str) -> str:
    """NFC, one line of plain words, at most MAX_COMMENT_CHARS (control characters dropped)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_COMMENT_CHARS]


def rasa_message(rating: str, answer_id: str, comment: str = "") -> str:
    """What Rasa's REST channel receives: `/feedback{json}` (JSON escapes quotes, braces stay inside strings)."""
    entities = {"rating": rating, "answer_id": answer_id}
    if comment:
        entities["comment"] = comment
    return "/feedback" + json.dumps(entities, ensure_ascii=False)


class CommentPrompts:
    """Which answer each "comment?" prompt of the bot is about: (chat id, prompt message id) → answer id, bounded
    (the oldest forgotten first). A reply to a forgotten prompt is simply treated as a new question."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[tuple[int, int], str] = OrderedDict()

    def remember(self, chat_id: int, message_id: int, answer_id: str) -> None:
        self._answers[(chat_id, message_id)] = answer_id
        while len(self._answers) > self.capacity:
            self._answers.popitem(last=False)

    def take(self, chat_id: int, message_id: int) -> str | None:
        """The answer id a reply to this prompt comments on (once: a second reply is a new question)."""
        return self._answers.pop((chat_id, message_id), None)

    def __len__(self) -> int:
        return len(self._answers)
