"""The bot's pure parts: rendering Rasa replies for Telegram (escaping, quote blocks, splitting), the button store, the
rate limiter, the allow-list, per-conversation ordering, settings and the token-redacting log formatter."""

from __future__ import annotations

import asyncio
import html
import io
import logging
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from pydantic import ValidationError

from bot.access import AccessList, RateLimiter, SenderLocks
from bot.logs import REDACTED, RedactingFormatter, configure_logging
from bot.render import CALLBACK_LIMIT, MESSAGE_LIMIT, Button, ButtonStore, render, split_text, utf16_len
from bot.settings import BotSettings

# Tags Telegram's HTML parse mode accepts that we use.
TELEGRAM_TAGS = {"b", "i", "code", "blockquote"}

ANSWER = "- Đến năm 2025: 25% cán bộ, công chức đạt trình độ ngoại ngữ bậc 4 trở lên"
SECTION = "Kế hoạch 206/KH-UBND › III. NỘI DUNG › 2. Hoàn thiện quy định"
QUOTE = "Đến năm 2025: 25% cán bộ, công chức (tập trung vào …) đạt trình độ ngoại ngữ bậc 4 trở lên"


def rasa_answer(answer: str = ANSWER, section: str = SECTION, quote_text: str = QUOTE) -> list[dict]:
    """What our action sends through Rasa's REST channel: the text with its sources, then the custom payload."""
    return [
        {"recipient_id": "u", "text": f"{answer}\n\nNguồn:\n📄 {section}",
         "buttons": [{"title": "Còn năm 2030 thì sao?", "payload": "Còn năm 2030 thì sao?"}]},
        {"recipient_id": "u", "custom": {"answer": answer, "answered": True, "citations": [
            {"doc": "Kế hoạch 206/KH-UBND", "doc_id": "206.txt", "title": "…", "section": section,
             "quote": quote_text}]}},
    ]


class TagChecker(HTMLParser):
    """Tags balanced and all of them ones Telegram accepts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in TELEGRAM_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data):
        self.text.append(data)


def visible(message: str) -> str:
    checker = TagChecker()
    checker.feed(message)
    checker.close()
    assert not checker.stack, f"unclosed {checker.stack}"
    return "".join(checker.text)


def test_an_answer_is_rendered_with_its_citation_in_a_quote_block():
    [reply] = render(rasa_answer())
    assert reply.html == (f"{html.escape(ANSWER)}\n\n<b>Nguồn:</b>\n<blockquote>📄 <b>Kế hoạch 206/KH-UBND</b> › "
                          f"III. NỘI DUNG › 2. Hoàn thiện quy định\n<i>“{html.escape(QUOTE)}”</i></blockquote>")
    assert reply.buttons == [Button("Còn năm 2030 thì sao?", "Còn năm 2030 thì sao?")]
    visible(reply.html)


def test_every_piece_of_text_is_escaped():
    evil = "<script>alert(1)</script> & <b>đậm</b>"
    [reply] = render(rasa_answer(answer=evil, section=f"Văn bản <x> › Mục & {evil}", quote_text=evil))
    assert "<script>" not in reply.html and "<x>" not in reply.html and "<b>đậm</b>" not in reply.html
    text = visible(reply.html)
    assert evil in text and "Mục & " in text


def test_sources_without_a_custom_payload_still_get_quote_blocks():
    replies = [{"text": "Kết quả kiểm tra\n📄 Kế hoạch 206/KH-UBND › II. ĐỐI TƯỢNG\n📄 Công văn 642/BNG-HVNG › I. MỤC TIÊU"
                        "\nThông tin còn thiếu: nơi công tác."}]
    [reply] = render(replies)
    assert reply.html.count("<blockquote>📄 <b>") == 2
    assert reply.html.endswith("\nThông tin còn thiếu: nơi công tác.")
    visible(reply.html)


def test_buttons_without_text_hang_from_a_short_message_and_empty_replies_vanish():
    replies = [{"buttons": [{"title": "Có", "payload": "Có"}]}, {"text": "   "}, {"custom": {"x": 1}}]
    rendered = render(replies)
    assert [(r.html, [b.title for b in r.buttons]) for r in rendered] == [("👇", ["Có"])]


def test_long_answers_are_split_at_the_limit_with_nothing_lost():
    paragraph = "Cán bộ, công chức <cấp xã> & viên chức 📄 phải đạt bậc 3. " * 40  # one long line, emoji included
    answer = "\n".join([paragraph] * 6)
    replies = rasa_answer(answer=answer, quote_text="“Trích” " * 900)  # and a quote longer than a message
    rendered = render(replies)
    assert len(rendered) > 3
    assert all(utf16_len(r.html) <= MESSAGE_LIMIT for r in rendered)
    assert all(not r.buttons for r in rendered[:-1]) and rendered[-1].buttons  # buttons under the last one
    shown = "".join(visible(r.html) for r in rendered)
    assert shown.replace("\n", "").replace(" ", "") .count("phảiđạtbậc3") == 6 * 40
    assert shown.count("“Trích”") == 900


def test_split_text_cuts_at_lines_then_words_then_anywhere():
    assert split_text("một\nhai\nba", 7) == ["một\nhai", "ba"]
    assert split_text("một hai ba bốn", 7) == ["một hai", "ba bốn"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert all(utf16_len(html.escape(p)) <= 10 for p in split_text("&<>" * 20, 10))  # escaped length counts


def test_utf16_length_is_what_telegram_counts():
    assert utf16_len("📄") == 2 and utf16_len("ệ") == 1


def test_button_store_keeps_short_payloads_in_the_button_and_long_ones_whole():
    store = ButtonStore(capacity=2)
    assert store.callback_data("Có") == "t:Có"
    long = "Tôi là công chức Sở Ngoại vụ ở vị trí yêu cầu trình độ đại học ngoại ngữ"
    data = store.callback_data(long)
    assert data.startswith("k:") and len(data.encode()) <= CALLBACK_LIMIT
    assert store.payload(data) == long and store.payload("t:Có") == "Có"
    assert store.callback_data(long) == data  # same payload, same key
    store.callback_data(long + " 1")
    store.callback_data(long + " 2")  # capacity 2: the oldest is forgotten
    assert store.payload(data) is None
    assert store.payload("k:unknown") is None and store.payload("rubbish") is None
    exact = "x" * (CALLBACK_LIMIT - 2)
    assert store.callback_data(exact) == "t:" + exact and store.callback_data(exact + "x").startswith("k:")
    keyboard = store.keyboard([Button("A", "a"), Button("B", long)])
    assert [[b.text for b in row] for row in keyboard.inline_keyboard] == [["A"], ["B"]]
    assert store.keyboard([]) is None


def test_rate_limiter_slides_a_60_second_window_and_warns_once():
    now = [1000.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.hit(7) for _ in range(3)] == [0, 0, 0]
    wait = limiter.hit(7)
    assert 0 < wait <= 60
    assert limiter.first_refusal(7) and not limiter.first_refusal(7)
    assert limiter.hit(8) == 0  # other users are not affected
    now[0] += 59.0
    assert limiter.hit(7) > 0
    now[0] += 1.0  # the first three are a minute old
    assert limiter.hit(7) == 0 and limiter.first_refusal(7)  # allowed again, and told again next time
    assert RateLimiter(0).hit(7) == 0  # 0 = no limit


def test_rate_limiter_forgets_idle_users():
    now = [0.0]
    limiter = RateLimiter(5, clock=lambda: now[0], max_users=10)
    for user in range(11):
        limiter.hit(user)
    now[0] = 100.0
    limiter.hit(99)
    limiter.hit(100)
    assert len(limiter._recent) <= 2


def test_allow_list_accepts_a_listed_user_or_chat():
    assert AccessList(None).allows(1, 2)
    access = AccessList(frozenset({5, -100}))
    assert access.allows(5, 999) and access.allows(6, -100) and not access.allows(6, 7)
    assert not AccessList(frozenset()).allows(5, 5)


def test_one_conversation_is_answered_in_order_and_its_lock_then_dropped():
    locks = SenderLocks()
    order: list[str] = []

    async def step(sender: str, name: str, delay: float) -> None:
        async with locks.hold(sender):
            order.append(f"{name}+")
            await asyncio.sleep(delay)
            order.append(f"{name}-")

    async def main() -> None:
        await asyncio.gather(step("a", "a1", 0.05), step("a", "a2", 0), step("b", "b1", 0))

    asyncio.run(main())
    assert order.index("a1-") < order.index("a2+")  # a2 waited for a1
    assert order.index("b1+") < order.index("a1-")  # b did not wait for a
    assert len(locks) == 0


def test_settings_parse_ids_and_compose_the_rasa_url(monkeypatch):
    for name in ("TELEGRAM_ALLOWED_IDS", "RASA_URL", "RASA_HOST", "RASA_PORT", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RASA_HOST", "10.0.0.5")
    monkeypatch.setenv("RASA_PORT", "5099")
    settings = BotSettings(_env_file=None)
    assert settings.rasa_base_url == "http://10.0.0.5:5099"
    assert settings.allowed_ids == frozenset() and settings.token is None
    monkeypatch.setenv("RASA_URL", "http://rasa.internal:5005/")
    monkeypatch.setenv("TELEGRAM_ALLOWED_IDS", " 101, -1001234567890 ,7 ")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:AAHprivate")
    settings = BotSettings(_env_file=None)
    assert settings.rasa_base_url == "http://rasa.internal:5005"
    assert settings.allowed_ids == frozenset({101, -1001234567890, 7})
    assert settings.token == "123:AAHprivate" and "AAHprivate" not in repr(settings)
    assert BotSettings(_env_file=None, telegram_allowed_ids="*").allowed_ids is None
    assert BotSettings(_env_file=None, telegram_bot_token="  ").token is None
    with pytest.raises(ValidationError, match="TELEGRAM_ALLOWED_IDS"):
        BotSettings(_env_file=None, telegram_allowed_ids="101,abc")
    with pytest.raises(ValidationError):
        BotSettings(_env_file=None, bot_rasa_timeout=0)


def test_the_log_formatter_redacts_the_token_in_messages_arguments_and_tracebacks():
    token = "123456789:AAHsecret-Part_xyz"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter([token]))
    logger = logging.getLogger("test_bot_render.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        logger.debug("POST https://api.telegram.org/bot%s/getMe", token)
        logger.info(f"quoted https://api.telegram.org/file/bot{quote(token, safe='')}/voice/1.oga")
        try:
            raise RuntimeError(f"failed https://api.telegram.org/bot{token}/sendMessage")
        except RuntimeError:
            logger.exception("send failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert token not in text and quote(token, safe="") not in text and "AAHsecret" not in text
    assert text.count(REDACTED) == 3  # the argument, the quoted URL, the exception in the traceback


def test_configure_logging_quiets_httpx_and_redacts(monkeypatch):
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("httpx").level
    stream = io.StringIO()
    try:
        configure_logging("DEBUG", secrets=["tok:en"], stream=stream)
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bottok:en/getUpdates")
        logging.getLogger("bot.test").debug("token tok:en here")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("httpx").setLevel(saved[2])
    text = stream.getvalue()
    assert "getUpdates" not in text  # httpx INFO lines are off
    assert "token <TOKEN> here" in text and "tok:en" not in text
