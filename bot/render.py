"""Rasa's replies rendered for Telegram: HTML (every piece of text escaped), sources as quote blocks, buttons as an
inline keyboard, long answers split at Telegram's message limit.

Our actions send each answer as text ending in "Nguồn:" and one "📄 document › section" line per citation, then a
`custom` message holding the same answer with its citations (doc, section, exact quote). The text is what is shown;
the custom payload only adds each cited quote under its source line.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from . import feedback

MESSAGE_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CALLBACK_LIMIT = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64 bytes
SOURCE_MARK = "📄"
SOURCES_HEADING = "Nguồn:"
PATH_SEPARATOR = " › "
EXPANDABLE_FROM = 300  # quotes longer than this are folded (Telegram's expandable quote block)


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji such as 📄 counts 2)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass
class Block:
    """A piece of a message: plain text, a bold heading, or a source in a quote block."""

    kind: str  # "text" | "heading" | "source"
    text: str
    quote: str = ""  # for a source: the exact words cited

    def html(self) -> str:
        if self.kind == "heading":
            return f"<b>{escape(self.text)}</b>"
        if self.kind != "source":
            return escape(self.text)
        document, separator, section = self.text.partition(PATH_SEPARATOR)
        line = f"{SOURCE_MARK} <b>{escape(document)}</b>{escape(separator + section)}"
        if self.quote:
            line += f"\n<i>“{escape(self.quote)}”</i>"
        tag = "blockquote expandable" if len(self.quote) > EXPANDABLE_FROM else "blockquote"
        return f"<{tag}>{line}</{tag.split()[0]}>"

    def plain(self) -> str:
        if self.kind != "source":
            return self.text
        return f"{SOURCE_MARK} {self.text}" + (f"\n“{self.quote}”" if self.quote else "")


@dataclass
class Reply:
    """One Telegram message: HTML text and the buttons under it."""

    html: str
    buttons: list[Button] = field(default_factory=list)
    answer_id: str | None = None  # an answer of ours: 👍 / 👎 go under its last message


def render(replies: list[dict[str, Any]], limit: int = MESSAGE_LIMIT) -> list[Reply]:
    """Telegram messages for Rasa's replies, in order; a reply's buttons go under its last message."""
    rendered: list[Reply] = []
    for text, buttons, custom in _merge(replies):
        pieces = pack(blocks_of(text, citations_of(custom)), limit) if text.strip() else []
        if not pieces and buttons:
            pieces = ["👇"]  # buttons need a message to hang from
        rendered.extend(Reply(piece) for piece in pieces)
        if pieces:
            rendered[-1].buttons = buttons
            rendered[-1].answer_id = feedback.valid_answer_id((custom or {}).get("answer_id"))
    return rendered


def _merge(replies: list[dict[str, Any]]) -> list[tuple[str, list[Button], dict | None]]:
    """(text, buttons, custom) per reply: Rasa's REST channel sends a `custom` payload as a message of its own,
    right after the text it belongs to. Images and attachments are shown as their link."""
    merged: list[tuple[str, list[Button], dict | None]] = []
    for reply in replies:
        text = reply.get("text") if isinstance(reply.get("text"), str) else ""
        if isinstance(reply.get("image"), str):
            text = (text + "\n" + reply["image"]).strip()
        buttons = [Button(str(b.get("title") or b.get("payload")), str(b.get("payload") or b.get("title")))
                   for b in reply.get("buttons") or [] if isinstance(b, dict) and (b.get("title") or b.get("payload"))]
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else None
        if not text and not buttons and custom is not None and merged and merged[-1][2] is None:
            merged[-1] = (merged[-1][0], merged[-1][1], custom)
        elif text or buttons:
            merged.append((text, buttons, custom))
    return merged


def citations_of(custom: dict | None) -> dict[str, str]:
    """The quote of each cited section, keyed by the way the text names the source ("doc › section")."""
    quotes: dict[str, str] = {}
    for citation in (custom or {}).get("citations") or []:
        if not isinstance(citation, dict) or not citation.get("quote"):
            continue
        doc, section = str(citation.get("doc") or ""), str(citation.get("section") or "")
        name = section if section.startswith(doc) else f"{doc}{PATH_SEPARATOR}{section}"
        quotes.setdefault(name, str(citation["quote"]).strip())
    return quotes


def blocks_of(text: str, quotes: dict[str, str]) -> list[Block]:
    """The text cut into blocks: runs of ordinary lines, the "Nguồn:" heading, one source per "📄" line."""
    blocks: list[Block] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            blocks.append(Block("text", "\n".join(lines)))
            lines.clear()

    for line in text.strip().split("\n"):
        stripped = line.strip()
        if stripped.startswith(SOURCE_MARK):
            flush()
            name = stripped.removeprefix(SOURCE_MARK).strip()
            blocks.append(Block("source", name, quotes.get(name, "")))
        elif stripped == SOURCES_HEADING:
            flush()
            blocks.append(Block("heading", stripped))
        else:
            lines.append(line)
    flush()
    return blocks


def pack(blocks: list[Block], limit: int = MESSAGE_LIMIT) -> list[str]:
    """HTML messages of at most `limit` characters; a block is cut only when it alone is too long."""
    messages: list[str] = []
    current = ""
    for piece in (piece for block in blocks for piece in _pieces(block, limit)):
        candidate = f"{current}\n{piece}" if current else piece
        if utf16_len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return [message.strip("\n") for message in messages if message.strip()]


def _pieces(block: Block, limit: int) -> list[str]:
    html = block.html()
    if utf16_len(html) <= limit:
        return [html]
    # Too long for one message: cut its plain text at lines, then words, and render each part the same way
    # (a long source becomes several quote blocks).
    wrap = {"heading": ("<b>", "</b>"), "source": ("<blockquote>", "</blockquote>")}.get(block.kind, ("", ""))
    budget = limit - utf16_len("".join(wrap))
    return [f"{wrap[0]}{escape(part)}{wrap[1]}" for part in split_text(block.plain(), budget)]


def split_text(text: str, budget: int) -> list[str]:
    """`text` in parts whose HTML-escaped length is at most `budget`: cut at line breaks, else at spaces, else
    anywhere."""

    def size(part: str) -> int:
        return utf16_len(escape(part))

    if size(text) <= budget:
        return [text] if text.strip() else []
    separator = next((s for s in ("\n", " ") if s in text), "")
    parts: list[str] = []
    current = ""
    for unit in text.split(separator) if separator else list(text):
        candidate = f"{current}{separator}{unit}" if current else unit
        if size(candidate) <= budget:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = unit
        if size(unit) > budget:  # one line (or word) too long on its own: cut it more finely
            parts.extend(split_text(unit, budget))
            current = ""
    if current:
        parts.append(current)
    return [part for part in parts if part.strip()]


class ButtonStore:
    """Callback data for buttons. A payload that fits Telegram's 64 bytes travels in the button itself; a longer one
    gets a short key (a hash of the payload) kept in a bounded LRU map, so nothing is ever truncated."""

    TEXT, KEY = "t:", "k:"

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def callback_data(self, payload: str) -> str:
        data = self.TEXT + payload
        if len(data.encode()) <= CALLBACK_LIMIT:
            return data
        key = hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.capacity:
            self._payloads.popitem(last=False)
        return self.KEY + key

    def payload(self, data: str) -> str | None:
        """The payload of a pressed button, or None when its key is unknown (forgotten, or from before a restart)."""
        if data.startswith(self.TEXT):
            return data.removeprefix(self.TEXT)
        key = data.removeprefix(self.KEY)
        if data.startswith(self.KEY) and key in self._payloads:
            self._payloads.move_to_end(key)
            return self._payloads[key]
        return None

    def keyboard(self, buttons: list[Button], answer_id: str | None = None) -> InlineKeyboardMarkup | None:
        """One button per row: the titles are whole questions; then 👍 👎 side by side under an answer of ours."""
        rows = [[InlineKeyboardButton(b.title, callback_data=self.callback_data(b.payload))] for b in buttons]
        if answer_id:
            rows.append([InlineKeyboardButton(feedback.TITLES[rating],
                                              callback_data=feedback.callback_data(rating, answer_id))
                         for rating in feedback.RATINGS])
        return InlineKeyboardMarkup(rows) if rows else None


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The keyboard of a message once its answer was rated: the next questions stay, 👍 👎 go."""
    rows = [row for row in (markup.inline_keyboard if markup else ())
            if not any(feedback.parse_callback(button.callback_data or "") for button in row)]
    return InlineKeyboardMarkup(rows) if rows else None
