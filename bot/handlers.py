"""One small async handler per kind of update. Everything they share lives in `Services` (application.bot_data)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from functools import cache
from dataclasses import dataclass, field
from html import escape
from typing import Any

from telegram import (Bot, CallbackQuery, ForceReply, InlineKeyboardButton, Message, MessageEntity, ReplyParameters,
                      Update)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from . import feedback
from .access import AccessList, RateLimiter, SenderLocks
from .catalog import CatalogReader
from .rasa import BUSY, RasaClient, RasaUnavailable, typed_question
from .render import ButtonStore, render, without_feedback
from .settings import BotSettings

log = logging.getLogger(__name__)

SERVICES = "services"
# /start asks Rasa for its greeting (with the example questions as buttons) by intent, whatever the NLU says.
GREET = "/greet"

REFUSED = ("Xin lỗi, bạn chưa được cấp quyền sử dụng trợ lý này. Hãy gửi mã <code>{user_id}</code> cho quản trị "
           "viên để được cấp quyền.")
TOO_FAST = "Bạn gửi tin nhắn hơi nhanh. Vui lòng đợi khoảng {seconds} giây rồi hỏi tiếp."
UNSUPPORTED = ("Xin lỗi, tôi chỉ đọc được tin nhắn chữ và nghe được tin nhắn thoại. Bạn vui lòng gõ câu hỏi "
               "hoặc gửi tin nhắn thoại.")
EDITED = "Tôi không đọc lại tin nhắn đã sửa. Bạn vui lòng gửi câu hỏi thành một tin nhắn mới."
UNKNOWN_COMMAND = "Tôi không có lệnh này. Các lệnh: /start, /help, /tailieu, /lienhe — hoặc bạn cứ gõ câu hỏi."
EMPTY_QUESTION = "Bạn muốn hỏi gì về các văn bản hướng dẫn?"
EXPIRED_BUTTON = "Nút này đã cũ. Bạn vui lòng gõ lại câu hỏi."
VOICE_OFF = ("Xin lỗi, tính năng hỏi bằng giọng nói hiện chưa sẵn sàng. Bạn vui lòng gõ câu hỏi bằng chữ "
             "(có dấu hoặc không dấu đều được).")
VOICE_TOO_LARGE = "Tệp âm thanh quá lớn (tối đa {megabytes:g} MB). Bạn vui lòng gửi tin nhắn thoại ngắn hơn."
VOICE_DOWNLOAD_FAILED = "Tôi chưa tải được tin nhắn thoại này. Bạn vui lòng gửi lại hoặc gõ câu hỏi."
VOICE_NOTHING_HEARD = "Tôi chưa nghe rõ câu hỏi. Bạn vui lòng nói lại rõ hơn hoặc gõ câu hỏi."
HEARD = "🎙 Bạn hỏi: {text}"
ONLY_FIRST_SECONDS = "(Tin nhắn thoại dài {duration:.0f} giây; tôi chỉ nghe {cap:g} giây đầu.)"
ERROR = "Xin lỗi, đã có lỗi xảy ra. Bạn vui lòng thử lại."
CATALOG_MISSING = "(Danh sách văn bản tạm thời chưa đọc được.)"
FEEDBACK_THANKS = "Cảm ơn bạn đã góp ý."  # when Rasa's own thanks has no text
COMMENT_PLACEHOLDER = "Góp ý ngắn (không bắt buộc)"


@dataclass
class Services:
    """What the handlers share: created when the application is built, speech loaded in post_init."""

    settings: BotSettings
    rasa: RasaClient
    access: AccessList
    limiter: RateLimiter
    locks: SenderLocks
    buttons: ButtonStore
    catalog: CatalogReader | None
    speech: Any = None  # speech.SpeechService (imported lazily); None until loaded or when speech/ is missing
    speech_max_seconds: float = 10.0
    speech_max_bytes: int = 10 * 1024 * 1024
    speech_owned: bool = False  # loaded by the bot (closed at shutdown), not handed in
    comment_prompts: feedback.CommentPrompts = field(default_factory=feedback.CommentPrompts)

    @property
    def voice_ready(self) -> bool:
        return self.speech is not None and bool(getattr(self.speech, "available", False))


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[SERVICES]


def sender_id(update: Update) -> str:
    """The Rasa conversation of this update: the private chat, or one person within a group. Named by a keyed hash
    of the Telegram ids, so that no Telegram id reaches Rasa's conversation store."""
    chat, user = update.effective_chat, update.effective_user
    if chat.type == ChatType.PRIVATE or user is None:
        return conversation_id(chat.id)
    return conversation_id(chat.id, user.id)


def conversation_id(chat_id: int, user_id: int | None = None) -> str:
    """`telegram-` + HMAC-SHA256 (SENDER_ID_SECRET) of the chat id, or of chat and user in a group: the same person
    keeps their conversation, and without the secret the id cannot be traced back (Telegram ids are guessable)."""
    key = str(chat_id) if user_id is None else f"{chat_id}:{user_id}"
    return "telegram-" + hmac.new(_sender_secret(), key.encode(), hashlib.sha256).hexdigest()[:32]


@cache
def _sender_secret() -> bytes:
    return BotSettings().sender_secret()  # once per process: every conversation id must use the same key


# --- who gets through ----------------------------------------------------------------------------------------


def addressed(message: Message | None, bot: Bot) -> bool:
    """In a group, a message is for the bot when it mentions the bot, replies to it, or is a command for it."""
    if message is None:
        return False
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    username = (bot.username or "").lower()
    entities: dict[MessageEntity, str] = {}
    if message.text:
        entities.update(message.parse_entities())
    if message.caption:
        entities.update(message.parse_caption_entities())
    for entity, text in entities.items():
        if entity.type == MessageEntity.MENTION and text.lower() == f"@{username}":
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot.id:
            return True
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            target = text.partition("@")[2].lower()
            if not target or target == username:
                return True
    return False


def without_mention(text: str, bot: Bot) -> str:
    if bot.username:
        text = re.sub(rf"@{re.escape(bot.username)}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: drops group chatter not meant for the bot, refuses users outside the allow-list
    and users over the rate limit. Nothing of a stopped update reaches Rasa."""
    s = services(context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        raise ApplicationHandlerStop
    if update.callback_query is None and chat.type != ChatType.PRIVATE and not addressed(update.effective_message,
                                                                                          context.bot):
        raise ApplicationHandlerStop
    if not s.access.allows(user.id, chat.id):
        log.warning("refused user %s in chat %s: not in TELEGRAM_ALLOWED_IDS", user.id, chat.id)
        await _answer_query(update)
        await tell(update, REFUSED.format(user_id=user.id))
        raise ApplicationHandlerStop
    wait = s.limiter.hit(user.id)
    if wait:
        log.info("user %s is over the rate limit (%d messages a minute)", user.id, s.settings.bot_rate_limit)
        await _answer_query(update)
        if s.limiter.first_refusal(user.id):
            await tell(update, TOO_FAST.format(seconds=int(wait)))
        raise ApplicationHandlerStop


async def _answer_query(update: Update) -> None:
    """A button press must be acknowledged (once), or the client shows a spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer()


# --- talking to Rasa -----------------------------------------------------------------------------------------


async def tell(update: Update, html: str) -> None:
    """A short message of the bot's own (not from Rasa) to the chat of `update`."""
    await update.effective_chat.send_message(html, parse_mode=ParseMode.HTML, reply_parameters=_quote_in_groups(update))


def _quote_in_groups(update: Update) -> ReplyParameters | None:
    """In a group the answer quotes the question it answers; in a private chat that is only noise."""
    message = update.message or update.edited_message
    if update.effective_chat.type == ChatType.PRIVATE or message is None:
        return None
    return ReplyParameters(message.message_id, allow_sending_without_reply=True)


async def _typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    except TelegramError as exc:  # only a courtesy: never let it stop the answer
        log.debug("send_chat_action failed: %s", exc)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Send `text` to Rasa as this conversation's next message and render the replies. The caller holds the
    conversation's lock."""
    s = services(context)
    sender = sender_id(update)
    await _typing(update, context)
    try:
        replies = await s.rasa.send(sender, text)
    except RasaUnavailable as exc:
        log.error("Rasa unavailable, told %s the system is busy: %s", sender, exc)
        await tell(update, BUSY)
        return
    quote = _quote_in_groups(update)
    for reply in render(replies):
        await update.effective_chat.send_message(reply.html, parse_mode=ParseMode.HTML,
                                                 reply_markup=s.buttons.keyboard(reply.buttons, reply.answer_id),
                                                 reply_parameters=quote)
        quote = None


async def converse(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    async with services(context).locks.hold(sender_id(update)):
        await answer(update, context, text)


# --- handlers --------------------------------------------------------------------------------------------------


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await converse(update, context, GREET)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = services(context)
    documents = await _catalog_html(s, "documents_html")
    if s.voice_ready:
        cap = f"{s.speech_max_seconds:g}"
        voice = f"• Hoặc gửi tin nhắn thoại, tối đa {cap} giây (phần sau {cap} giây đầu không được nghe)."
    else:
        voice = "• Hỏi bằng tin nhắn thoại hiện chưa sẵn sàng; bạn vui lòng gõ câu hỏi."
    username = escape(context.bot.username or "")
    text = (
        "<b>Trợ lý CCVC</b> trả lời câu hỏi về các văn bản hướng dẫn đào tạo, bồi dưỡng cán bộ, công chức, viên "
        "chức, luôn kèm nguồn: số văn bản, mục và nguyên văn trích dẫn.\n\n"
        f"<b>Văn bản tôi đang dùng</b>\n{documents}\n\n"
        "<b>Cách hỏi</b>\n"
        "• Gõ câu hỏi, có dấu hoặc không dấu, ví dụ: “Đến năm 2025 bao nhiêu % viên chức phải đạt bậc 4?”\n"
        f"{voice}\n"
        "• Bấm các nút gợi ý dưới câu trả lời để hỏi tiếp; hỏi tiếp ngắn gọn cũng được (“còn năm 2030 thì sao?”).\n"
        f"• Trong nhóm: nhắc @{username} hoặc trả lời tin nhắn của tôi.\n\n"
        "<b>Lệnh</b>\n/start — lời chào và câu hỏi mẫu\n/tailieu — danh sách văn bản\n/lienhe — thông tin liên hệ\n"
        "/help — hướng dẫn này"
    )
    await tell(update, text)


async def on_documents(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    documents = await _catalog_html(services(context), "documents_html")
    await tell(update, f"<b>Văn bản tôi đang dùng để trả lời</b>\n{documents}")


async def on_contacts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    contacts = await _catalog_html(services(context), "contacts_html")
    await tell(update, f"<b>Thông tin liên hệ trong các văn bản</b>\n\n{contacts}")


async def _catalog_html(s: Services, part: str) -> str:
    if s.catalog is None:
        return CATALOG_MISSING
    try:
        catalog = await asyncio.to_thread(s.catalog.read)
    except Exception as exc:  # a missing or damaged index must not take the command down
        log.error("cannot read the documents of the index %s: %s", s.catalog.index_dir, exc)
        return CATALOG_MISSING
    return getattr(catalog, part)()


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = without_mention(update.message.text, context.bot)
    if not text:
        await tell(update, EMPTY_QUESTION)
        return
    s = services(context)
    replied = update.message.reply_to_message
    # The conversation's lock is held by the 👎 turn until its comment prompt is remembered (on_feedback): a reply
    # to that prompt, however fast, is read after it.
    async with s.locks.hold(sender_id(update)):
        answer_id = s.comment_prompts.take(update.effective_chat.id, replied.message_id) if replied else None
        if answer_id:  # the reply to "a short comment?" after a 👎
            await send_feedback(update, context, "down", answer_id, feedback.clean_comment(text))
        else:
            await answer(update, context, typed_question(text))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on a button under an answer continues the conversation with the button's payload."""
    query = update.callback_query
    s = services(context)
    rated = feedback.parse_callback(query.data or "")
    if rated is not None:
        await on_feedback(update, context, *rated)
        return
    button = _pressed(query)
    payload = s.buttons.payload(query.data or "")
    if payload is None and button is not None:
        payload = button.text  # a key forgotten (or from before a restart): the title is the question asked
    await query.answer((button.text if button else payload or "")[:200] or None)
    if not payload:
        await tell(update, EXPIRED_BUTTON)
        return
    await converse(update, context, payload)


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, rating: str, answer_id: str) -> None:
    """👍 / 👎 under an answer: recorded through Rasa, thanked in a toast, the two buttons taken off that answer;
    after a 👎 the bot also asks for an optional short comment (a reply to that prompt is the comment).

    The conversation is held until the prompt is remembered: the prompt's message id is known only once Telegram
    has answered sendMessage, and the user may reply before that answer reaches us."""
    query = update.callback_query
    s = services(context)
    async with s.locks.hold(sender_id(update)):
        replies = await send_feedback(update, context, rating, answer_id)
        if replies is None:
            return
        text, payload = replies
        await query.answer(text[:200])
        message = query.message
        if isinstance(message, Message):
            try:
                await message.edit_reply_markup(without_feedback(message.reply_markup))
            except TelegramError as exc:  # an old message may no longer be editable: the vote still counts
                log.info("could not take the feedback buttons off message %s: %s", message.message_id, exc)
        if payload.get("comment_invited"):
            html = escape(text)
            if update.effective_chat.type != ChatType.PRIVATE:  # in a group the prompt is for the one who pressed 👎:
                html = f'<a href="tg://user?id={update.effective_user.id}">👤</a> {html}'  # mentioned, name not shown
            prompt = await update.effective_chat.send_message(
                html, parse_mode=ParseMode.HTML,
                reply_markup=ForceReply(selective=True, input_field_placeholder=COMMENT_PLACEHOLDER),
                reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True)
                if isinstance(message, Message) else None)
            s.comment_prompts.remember(update.effective_chat.id, prompt.message_id, answer_id)


async def send_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, rating: str, answer_id: str,
                        comment: str = "") -> tuple[str, dict] | None:
    """Feedback to Rasa. A comment is answered here (Rasa's thanks as a message); a button press gets back (thanks
    text, custom payload) for the caller, or None when Rasa is busy (told). The caller holds the conversation's
    lock."""
    s = services(context)
    sender = sender_id(update)
    try:
        replies = await s.rasa.send(sender, feedback.rasa_message(rating, answer_id, comment))
    except RasaUnavailable as exc:
        log.error("Rasa unavailable, feedback from %s not recorded: %s", sender, exc)
        if update.callback_query is not None:
            await update.callback_query.answer(BUSY)
        else:
            await tell(update, BUSY)
        return None
    text = "\n".join(r["text"] for r in replies if isinstance(r.get("text"), str) and r["text"].strip())
    text = text or FEEDBACK_THANKS
    payload = next((r["custom"] for r in replies if isinstance(r.get("custom"), dict)), {})
    log.info("feedback %s on answer %s%s recorded", rating, answer_id, " with a comment" if comment else "")
    if update.callback_query is None:
        await tell(update, escape(text))
    return text, payload


def _pressed(query: CallbackQuery) -> InlineKeyboardButton | None:
    """The button pressed, found in the keyboard of the message it hangs under (absent on very old messages)."""
    markup = getattr(query.message, "reply_markup", None)
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data:
                return button
    return None


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A voice note, audio file or video note: recognised (at most the first speech_max_seconds), echoed, answered."""
    s = services(context)
    message = update.message
    media = message.voice or message.audio or message.video_note
    if not s.voice_ready:
        await tell(update, VOICE_OFF)
        return
    if media.file_size and media.file_size > s.speech_max_bytes:
        await tell(update, VOICE_TOO_LARGE.format(megabytes=round(s.speech_max_bytes / 2**20, 1)))
        return
    from speech import SpeechError

    async with s.locks.hold(sender_id(update)):
        await _typing(update, context)
        try:
            file = await context.bot.get_file(media.file_id)
            data = bytes(await file.download_as_bytearray(read_timeout=30))
        except TelegramError as exc:
            log.error("could not download %s %s: %s", type(media).__name__, media.file_unique_id, exc)
            await tell(update, VOICE_DOWNLOAD_FAILED)
            return
        try:
            transcript = await s.speech.transcribe(data)
        except SpeechError as exc:
            log.info("voice note %s not recognised (%s): %s", media.file_unique_id, exc.code, exc)
            await tell(update, escape(exc.message))
            return
        text = transcript.text.strip()
        log.info("voice note %s: %.1f s%s, heard %d characters", media.file_unique_id, transcript.duration_s,
                 " (truncated)" if transcript.truncated else "", len(text))
        if not text:
            await tell(update, VOICE_NOTHING_HEARD)
            return
        heard = HEARD.format(text=escape(text))
        if transcript.truncated:
            note = ONLY_FIRST_SECONDS.format(duration=transcript.duration_s, cap=s.speech_max_seconds)
            heard += f"\n<i>{note}</i>"
        await tell(update, heard)
        await answer(update, context, text)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await tell(update, EDITED)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await tell(update, UNKNOWN_COMMAND)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, documents, locations, contacts, polls …: a short polite answer."""
    message = update.effective_message
    kind = next((k for k in ("sticker", "photo", "document", "location", "venue", "contact", "video", "animation",
                             "poll", "dice") if message is not None and getattr(message, k, None)), "other")
    log.info("unsupported message (%s) from user %s", kind, update.effective_user.id)
    await tell(update, UNSUPPORTED)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any exception in a handler: logged whole; the user gets a short apology; the bot keeps running."""
    log.error("error while handling an update: %s", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await update.effective_chat.send_message(ERROR)
        except TelegramError as exc:
            log.error("could not tell the user about the error either: %s", exc)
