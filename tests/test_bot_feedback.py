"""👍 / 👎 in the Telegram bot for real: python-telegram-bot's Application polling the fake Bot API
(tests/fake_telegram.py), the session's real Rasa + action servers, the feedback read back from their tracker store.
"""

from __future__ import annotations

import secrets

import pytest

from bot.handlers import EXPIRED_BUTTON
from bot.feedback import CommentPrompts, callback_data, clean_comment, parse_callback, rasa_message
from bot.render import ButtonStore, Button, render
from bot.settings import BotSettings
from fake_telegram import FakeTelegram, RunningBot
from nlu.conversations import Feedback, iter_turns, open_store

TOKEN = f"{secrets.randbelow(10**9) + 10**9}:AAH{secrets.token_urlsafe(24)}"
USER = 301
THANKS = "Cảm ơn bạn đã góp ý."
ANSWER_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def telegram(assistant, index_dir, tmp_path_factory):
    from speech import SpeechService, SpeechSettings

    no_voice = SpeechService.from_settings(SpeechSettings(speech_engine="vosk",
                                                                  vosk_model_path=tmp_path_factory.mktemp("x") / "none"))
    with FakeTelegram(TOKEN) as fake:
        settings = BotSettings(telegram_bot_token=TOKEN, telegram_api_url=fake.api_url,
                               telegram_file_url=fake.file_url, telegram_allowed_ids="*",
                               rasa_url=assistant.rasa_url, action_server_url=assistant.action_url, bot_rate_limit=1000)
        with RunningBot(fake, settings, index_dir=index_dir, speech=no_voice):
            yield fake


def ask(fake: FakeTelegram, chat: int, text: str, **extra):
    before = len(fake.messages_to(chat))
    fake.push(fake.text_update(chat, chat, text, **extra))
    return fake.wait_messages(chat, before + 1)[-1]


def feedback_row(message) -> dict[str, dict]:
    return {b["text"]: b for b in message.buttons if b["callback_data"].startswith("f:")}


def stored_feedback(assistant, answer_id: str) -> list[Feedback]:
    return [r for r in iter_turns(open_store(assistant.tracker_store_url))
            if isinstance(r, Feedback) and r.answer_id == answer_id]


def test_thumbs_up_is_recorded_thanked_and_the_follow_up_keeps_its_context(telegram, assistant):
    chat = USER
    answer = ask(telegram, chat, "Chỉ tiêu năm 2025 đối với cán bộ, công chức là bao nhiêu?")
    row = feedback_row(answer)
    assert set(row) == {"👍", "👎"}
    assert "Còn năm 2030 thì sao?" in [b["text"] for b in answer.buttons]  # the next questions stay
    rating, answer_id = parse_callback(row["👍"]["callback_data"])
    assert rating == "up"
    telegram.push(telegram.callback_update(answer, chat, row["👍"]))
    toast = telegram.wait_for(lambda calls: [c for c in calls if c.method == "answerCallbackQuery"
                                             and c.params.get("text") == THANKS])
    assert toast
    edited = telegram.wait_for(lambda calls: [c for c in calls if c.method == "editMessageReplyMarkup"
                                              and int(c.params["message_id"]) == answer.params["_message_id"]])[-1]
    remaining = [b["text"] for row in (edited.params.get("reply_markup") or {}).get("inline_keyboard", [])
                 for b in row]
    assert "👍" not in remaining and "Còn năm 2030 thì sao?" in remaining
    assert [(f.rating, f.comment) for f in stored_feedback(assistant, answer_id)] == [("up", None)]
    assert "35%" in ask(telegram, chat, "còn năm 2030 thì sao?").text  # the context survived the 👍


def test_thumbs_down_asks_for_a_comment_and_the_reply_is_recorded_as_it(telegram, assistant):
    chat = USER + 1
    answer = ask(telegram, chat, "Sở Tài chính có trách nhiệm gì trong kế hoạch?")
    row = feedback_row(answer)
    _, answer_id = parse_callback(row["👎"]["callback_data"])
    before = len(telegram.messages_to(chat))
    # Telegram is slow to confirm the prompt: the user's reply reaches the bot before the prompt's message id does.
    telegram.hold_answers("sendMessage")
    try:
        telegram.push(telegram.callback_update(answer, chat, row["👎"]))
        prompt = telegram.wait_messages(chat, before + 1)[-1]
        assert prompt.text.startswith(THANKS) and "góp ý ngắn" in prompt.text
        assert prompt.params["reply_markup"]["force_reply"] is True
        reply_to_prompt = {"message_id": prompt.params["_message_id"], "date": 1, "text": prompt.text,
                           "chat": telegram.chat(chat), "from": telegram.bot_user}
        reply = telegram.push(telegram.text_update(chat, chat, "Thiếu phần kinh phí <cụ thể>",
                                                   reply_to_message=reply_to_prompt))
        telegram.wait_fetched(reply)
    finally:
        telegram.release_answers("sendMessage")
    thanks = telegram.wait_messages(chat, before + 2)[-1]
    assert thanks.text == THANKS
    stored = stored_feedback(assistant, answer_id)
    assert [(f.rating, f.comment) for f in stored] == [("down", None), ("down", "Thiếu phần kinh phí <cụ thể>")]
    # a second reply to the same prompt is a question again, not a second comment
    again = ask(telegram, chat, "Kế hoạch 206 do ai ký?", reply_to_message=reply_to_prompt)
    assert "Nguyễn Xuân Bình" in again.text


def test_a_forged_feedback_button_is_not_sent_anywhere(telegram):
    chat = USER + 2
    answer = ask(telegram, chat, "Kế hoạch 206 ban hành ngày nào?")
    forged = {"text": "👎", "callback_data": "f:down:not-an-id"}
    before = len(telegram.messages_to(chat))
    telegram.push(telegram.callback_update(answer, chat, forged))
    # not feedback, and no button of that message: the user is asked to type the question again
    assert telegram.wait_messages(chat, before + 1)[-1].text == EXPIRED_BUTTON
    assert "14/08/2020" in ask(telegram, chat, "Kế hoạch 206 ban hành ngày nào?").text


# --- the pieces --------------------------------------------------------------------------------------------------


def test_feedback_buttons_hang_under_answers_with_an_id_only():
    replies = [{"text": "Câu trả lời", "buttons": [{"title": "Tiếp", "payload": "Tiếp"}]},
               {"custom": {"answer": "Câu trả lời", "answer_id": ANSWER_ID}},
               {"text": "Xin chào"}, {"text": "Giả", "custom": {"answer_id": "<script>"}}]
    rendered = render(replies)
    assert [r.answer_id for r in rendered] == [ANSWER_ID, None, None]
    keyboard = ButtonStore().keyboard([Button("Tiếp", "Tiếp")], ANSWER_ID).inline_keyboard
    assert [b.text for b in keyboard[-1]] == ["👍", "👎"]
    assert all(len(b.callback_data.encode()) <= 64 for row in keyboard for b in row)
    assert ButtonStore().keyboard([], None) is None


def test_callback_data_and_message_round_trip():
    assert parse_callback(callback_data("down", ANSWER_ID)) == ("down", ANSWER_ID)
    assert parse_callback("t:f:down:" + ANSWER_ID) is None and parse_callback("f:meh:" + ANSWER_ID) is None
    assert rasa_message("down", ANSWER_ID, 'sai "số" {x}') == \
        '/feedback{"rating": "down", "answer_id": "%s", "comment": "sai \\"số\\" {x}"}' % ANSWER_ID
    assert clean_comment("  a\tb\n\x00c  ") == "a b c" and len(clean_comment("x" * 900)) == 500
    prompts = CommentPrompts(capacity=2)
    for n in range(3):
        prompts.remember(1, n, f"{n:032x}")
    assert prompts.take(1, 0) is None and prompts.take(1, 2) == f"{2:032x}" and prompts.take(1, 2) is None
