"""The bad-input corpus (tests/bad_input/*.yaml) through every entrance, against the real services: the session's
Rasa and action servers (`assistant`), the real portal app served by uvicorn, the real speech service (Vosk, the
Korean model: the only one installable here), the real Telegram bot polling the fake Bot API, and the knowledge
library and CLI on the session index.

Every case must get a clear Vietnamese reply (a message with Vietnamese letters, or one of the known messages) or the
expected HTTP error with a Vietnamese `message`; no handler may crash (the logs are watched for unhandled errors);
and after each batch the services still serve (health check and one real question answered).

    .venv/bin/pytest -q tests/test_bad_input.py           # `-s` shows the count of cases per entrance

The fast entrances (the portal's /api/ask and /api/check, Rasa's webhook, knowledge.answer(), the speech service, the
portal's raw /api/voice) take every case; the slow ones (a Telegram round trip, the CLI's subprocess, the check form,
feedback through Rasa, multipart uploads) take a subset chosen to span every kind of case (TEXT_SAMPLE, AUDIO_SAMPLE).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

import bot.handlers as bot_handlers
from bad_input.generators import MAX_UPLOAD, make_audio, signal
from conftest import ROOT
from fake_telegram import FakeTelegram, RunningBot
from portal.app import speech_state
from test_portal import VIETNAMESE, RunningPortal, korean_model, portal_settings

CORPUS = Path(__file__).resolve().parent / "bad_input"
QUESTION = "Kế hoạch 206 do ai ký?"  # the real question asked after each batch
SIGNER = "Nguyễn Xuân Bình"
KOREAN_WORDS = ["안녕", "하세요", "네", "이름"]  # a word list the Korean lexicon has: recognition stays cheap
BOT_TOKEN = "7000000001:AAbad-input-" + uuid.uuid4().hex
CHAT_BASE = 710_000  # each Telegram case talks in a chat (and as a user) of its own: CHAT_BASE + case number
GROUP_BASE = -1_009_000_000


def load(name: str) -> list[dict]:
    return yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))


def text_of(case: dict) -> str:
    text = case["text"] * case.get("repeat", 1)
    return text[: case["cut"]] if "cut" in case else text


TEXT = load("text.yaml")
AUDIO = load("audio.yaml")
HTTP = load("http.yaml")
WEBSOCKET = load("websocket.yaml")
TELEGRAM = load("telegram.yaml")
# One case of each kind (blank, long, emoji, scripts, NFD, controls, markup, injections, Rasa syntax) for the slow
# entrances. The lone surrogate cannot come from Telegram (its updates are valid UTF-8): not sent to the bot.
TEXT_SAMPLE = ["empty", "whitespace-mix", "long-10000", "long-emoji", "emoji-in-question", "mixed-scripts", "nfd",
               "control-chars", "nul-byte", "lone-surrogate", "script-tag", "telegram-html", "sql-injection",
               "jinja-template", "rasa-intent-injection", "rasa-restart"]
TELEGRAM_TEXT_SAMPLE = [name for name in TEXT_SAMPLE if name != "lone-surrogate"]
AUDIO_SAMPLE = ["empty", "silence-opus", "too-short", "speech-wav-16k", "speech-ogg-opus", "speech-webm-opus",
                "one-hour-speech-opus", "wav-size-lies-huge", "opus-cut-in-half", "png-named-ogg", "hls-playlist-http",
                "random-bytes", "zeros-over-the-limit"]
TELEGRAM_WAIT = 30.0  # seconds a Telegram case may take (a safety net: a stuck bot fails fast, not after minutes)


def sample(cases: list[dict], names: list[str]) -> list[dict]:
    chosen = [case for case in cases if case["name"] in names]
    assert len(chosen) == len(names), sorted(set(names) - {case["name"] for case in chosen})
    return chosen


TEXT_FEW, TELEGRAM_TEXT, AUDIO_FEW = sample(TEXT, TEXT_SAMPLE), sample(TEXT, TELEGRAM_TEXT_SAMPLE), \
    sample(AUDIO, AUDIO_SAMPLE)
TEXT_ENTRANCES = {"portal-ask": TEXT, "rasa-webhook": TEXT, "knowledge-answer": TEXT, "hr-check-api": TEXT,
                  "knowledge-cli": TEXT_FEW, "hr-check-form": TEXT_FEW, "portal-feedback-comment": TEXT_FEW,
                  "telegram-text": TELEGRAM_TEXT}
AUDIO_ENTRANCES = {"speech-service": AUDIO, "portal-voice-raw": AUDIO, "portal-voice-multipart": AUDIO_FEW,
                   "telegram-voice": AUDIO_FEW}


def ids(cases: list[dict]) -> list[str]:
    return [case["name"] for case in cases]


def numbered(cases: list[dict]) -> list:
    """(number in TEXT or AUDIO, case) params: the number gives each Telegram case a chat of its own."""
    return [pytest.param(next(n for n, c in enumerate(every) if c is case), case, id=case["name"])
            for every in (TEXT, AUDIO) for case in cases if any(c is case for c in every)]


def vietnamese(text: str | None) -> bool:
    return bool(text and VIETNAMESE.search(text))


def json_body(value: Any) -> bytes:
    """JSON as a browser's JSON.stringify sends it (a lone surrogate escaped as \\ud800)."""
    return json.dumps(value, ensure_ascii=True).encode()


# --- the services under test ---------------------------------------------------------------------------------------


class CrashLog(logging.Handler):
    """Log records that mean a handler crashed: the portal's "unhandled error", the bot's "error while handling an
    update", and any record carrying a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info or "unhandled error" in message or "error while handling an update" in message:
            self.records.append(record)

    def lines(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records]


@pytest.fixture(scope="module")
def crashes():
    handler = CrashLog()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture(autouse=True)
def no_crash(crashes: CrashLog):
    before = len(crashes.records)
    yield
    new = crashes.lines()[before:]
    assert not new, f"handlers crashed: {new}"


@pytest.fixture(scope="module")
def speech_service():
    from speech import SpeechService, SpeechSettings

    settings = SpeechSettings(_env_file=None, speech_engine="vosk", vosk_model_path=korean_model(),
                              speech_words_file=None,
                              speech_max_upload_bytes=MAX_UPLOAD, speech_workers=1)
    service = SpeechService(settings, words=KOREAN_WORDS, max_waiting=64)
    assert service.available, service.unavailable_reason
    yield service
    service.close()


@pytest.fixture(scope="module")
def portal(assistant, index_dir, speech_service):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CCVC_INDEX_DIR", str(index_dir))  # the HR pages read the session index
        state = speech_state(speech_service, speech_service.settings)
        with RunningPortal(portal_settings(assistant.rasa_url), state) as running:
            yield running


@pytest.fixture(scope="module")
def client(portal):
    with httpx.Client(base_url=portal.url, timeout=120) as http:
        yield http


@pytest.fixture(scope="module")
def telegram(assistant, index_dir, speech_service):
    from bot.settings import BotSettings

    allowed = ",".join(str(CHAT_BASE + n) for n in range(len(TELEGRAM) + len(TEXT) + len(AUDIO) + 10))
    allowed += "," + ",".join(str(GROUP_BASE - n) for n in range(len(TELEGRAM)))
    with FakeTelegram(BOT_TOKEN) as fake:
        settings = BotSettings(_env_file=None, telegram_bot_token=BOT_TOKEN, telegram_api_url=fake.api_url,
                               telegram_file_url=fake.file_url, telegram_allowed_ids=allowed,
                               rasa_url=assistant.rasa_url, action_server_url=assistant.action_url, bot_rate_limit=1000, bot_rasa_timeout=25)
        with RunningBot(fake, settings, index_dir=index_dir, speech=speech_service) as running:
            fake.bot_under_test = running
            yield fake


def bot_messages(fake: FakeTelegram, chat: int, count: int, timeout: float = TELEGRAM_WAIT) -> list:
    """The first `count` messages the bot sent to `chat`; fails at once when the bot's thread has stopped, and
    within `timeout` seconds when it does not answer (after which the remaining Telegram cases fail at once)."""
    running = fake.bot_under_test
    if getattr(fake, "stuck", None):
        pytest.fail(f"the bot stopped answering earlier ({fake.stuck})")
    deadline = time.monotonic() + timeout
    while True:
        if not running._thread.is_alive():
            fake.stuck = f"its thread ended: {running._error!r}"
            pytest.fail(f"the bot stopped: {running._error!r}")
        try:
            return fake.wait_messages(chat, count, timeout=min(1.0, max(deadline - time.monotonic(), 0.01)))
        except AssertionError:
            if time.monotonic() >= deadline:
                fake.stuck = f"no answer in chat {chat} within {timeout:g} s"
                raise


def assert_still_serving(client: httpx.Client, assistant) -> None:
    """The health check passes and a real question gets its real answer, through the portal and Rasa."""
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["rasa"] == "ok", health.text
    answer = client.post("/api/ask", json={"message": QUESTION})
    assert answer.status_code == 200 and SIGNER in answer.text, answer.text
    direct = httpx.post(f"{assistant.rasa_url}/webhooks/rest/webhook",
                        json={"sender": f"bad-input-{uuid.uuid4().hex[:8]}", "message": QUESTION}, timeout=60)
    assert direct.status_code == 200 and any(SIGNER in (reply.get("text") or "") for reply in direct.json())


def test_the_corpus_has_at_least_200_cases_and_says_how_many_per_entrance():
    counts = {**{entrance: len(cases) for entrance, cases in TEXT_ENTRANCES.items()},
              **{entrance: len(cases) for entrance, cases in AUDIO_ENTRANCES.items()},
              "portal-http": len(HTTP), "portal-websocket": len(WEBSOCKET), "telegram-updates": len(TELEGRAM)}
    print("\nbad-input cases per entrance:")
    for entrance, count in counts.items():
        print(f"  {entrance:26} {count}")
    print(f"  {'total':26} {sum(counts.values())}")
    assert sum(counts.values()) >= 200
    for cases in (TEXT, AUDIO, HTTP, WEBSOCKET, TELEGRAM):
        assert len(set(ids(cases))) == len(cases), "case names must be unique"
        assert all(case.get("why") or case.get("expect") or case.get("status") for case in cases)


# --- text ---------------------------------------------------------------------------------------------------------


def assert_clear_portal_reply(response: httpx.Response, allowed: tuple[int, ...] = (200, 413, 422)) -> None:
    assert response.status_code in allowed, (response.status_code, response.text[:500])
    body = response.json()
    if response.status_code == 200:
        assert body["messages"], body
        assert all(vietnamese(m["text"]) for m in body["messages"] if m["text"]), body
        assert any(vietnamese(m["text"]) for m in body["messages"]), body
    else:
        assert vietnamese(body["message"]), body


@pytest.mark.parametrize("case", TEXT, ids=ids(TEXT))
def test_text_portal_ask(client: httpx.Client, case: dict):
    response = client.post("/api/ask", content=json_body({"message": text_of(case)}),
                           headers={"Content-Type": "application/json"})
    assert_clear_portal_reply(response)


@pytest.mark.parametrize("case", TEXT, ids=ids(TEXT))
def test_text_rasa_webhook(assistant, case: dict):
    """Rasa's REST channel itself (what the portal and the bot call): every message gets a Vietnamese reply, but for
    Rasa's own commands (`rasa_builtin`: /restart, /session_start), which it obeys silently by design: the portal and
    the bot take the slash off a typed one."""
    response = httpx.post(f"{assistant.rasa_url}/webhooks/rest/webhook", timeout=120,
                          content=json_body({"sender": f"bad-{uuid.uuid4().hex[:10]}", "message": text_of(case)}),
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:500]
    replies = response.json()
    if case.get("rasa_builtin"):
        assert isinstance(replies, list), replies
        return
    assert any(vietnamese(r.get("text")) for r in replies), replies


@pytest.mark.parametrize("case", TEXT, ids=ids(TEXT))
def test_text_knowledge_answer(kb, case: dict):
    from knowledge.answer import answer

    result = answer(kb, text_of(case))
    assert vietnamese(result.answer), result
    json.dumps(result.to_dict(), ensure_ascii=False)  # what the action server sends on must serialise


def one_line(text: str) -> str:
    """The CLI's batch mode reads one question a line: a case's line breaks become spaces."""
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


@pytest.fixture(scope="module")
def cli_rows(index_dir) -> dict[str, dict]:
    """`python -m knowledge ask --json` once, every text case a line of stdin (UTF-8 as sent: a lone surrogate
    arrives as the invalid bytes a broken client would send); each non-blank line answers with one JSON line."""
    lines = [one_line(text_of(case)) for case in TEXT_FEW]
    stdin = "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogatepass")
    result = subprocess.run([sys.executable, "-m", "knowledge", "ask", "--index", str(index_dir), "--json"],
                            input=stdin, capture_output=True, cwd=ROOT, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in result.stderr
    # JSON Lines: split at "\n" only (a question's U+2028 or U+0085 is echoed raw inside its JSON string)
    rows = [json.loads(line) for line in result.stdout.decode("utf-8", "surrogateescape").split("\n") if line.strip()]
    answered = [case["name"] for case, line in zip(TEXT_FEW, lines) if line.strip()]
    assert len(rows) == len(answered), (len(rows), len(answered))
    return dict(zip(answered, rows))


@pytest.mark.parametrize("case", TEXT_FEW, ids=ids(TEXT_FEW))
def test_text_knowledge_cli(cli_rows: dict[str, dict], case: dict):
    if not one_line(text_of(case)).strip():
        assert case["name"] not in cli_rows  # a blank line is no question: skipped, as documented
        return
    row = cli_rows[case["name"]]
    assert vietnamese(row["answer"]) and isinstance(row["answered"], bool), row


@pytest.mark.parametrize("case", TEXT, ids=ids(TEXT))
def test_text_hr_check_api(client: httpx.Client, case: dict):
    response = client.post("/api/check", content=json_body({"description": text_of(case)}),
                           headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 413, 422), response.text[:500]
    body = response.json()
    if response.status_code == 200:
        from knowledge.check import STATUSES

        assert body["documents"] and all(d["status"] in STATUSES for d in body["documents"]), body
        assert vietnamese(body["text"]), body
    else:
        assert vietnamese(body["message"]), body


@pytest.mark.parametrize("case", TEXT_FEW, ids=ids(TEXT_FEW))
def test_text_hr_check_form(client: httpx.Client, case: dict):
    from urllib.parse import quote

    body = "description=" + quote(text_of(case).encode("utf-8", "surrogatepass"), safe="")
    response = client.post("/kiem-tra", content=body.encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (200, 400, 413, 422), response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "Kiểm tra đối tượng" in response.text
    assert "<script>alert" not in response.text and "<img src=x" not in response.text  # shown as text, escaped


@pytest.fixture(scope="module")
def answer_id(client: httpx.Client) -> str:
    messages = client.post("/api/ask", json={"message": QUESTION}).json()["messages"]
    return next(m["custom"]["answer_id"] for m in messages if m.get("custom"))


@pytest.mark.parametrize("case", TEXT_FEW, ids=ids(TEXT_FEW))
def test_text_portal_feedback_comment(client: httpx.Client, answer_id: str, case: dict):
    response = client.post("/api/feedback", headers={"Content-Type": "application/json"},
                           content=json_body({"answer_id": answer_id, "rating": "down", "comment": text_of(case)}))
    assert_clear_portal_reply(response)


KNOWN_BOT_MESSAGES = {name: getattr(bot_handlers, name) for name in dir(bot_handlers) if name.isupper()
                      and isinstance(getattr(bot_handlers, name), str)}


def bot_reply_is_clear(text: str) -> bool:
    return vietnamese(text) and text != bot_handlers.ERROR and not text.startswith(bot_handlers.BUSY)


@pytest.mark.parametrize("number, case", numbered(TELEGRAM_TEXT))
def test_text_telegram(telegram: FakeTelegram, number: int, case: dict):
    chat = CHAT_BASE + number
    telegram.push(telegram.text_update(chat, chat, text_of(case)))
    reply = bot_messages(telegram, chat, 1)[0].text
    assert bot_reply_is_clear(reply), reply


def test_still_serving_after_the_text_cases(client: httpx.Client, assistant):
    assert_still_serving(client, assistant)


# --- audio --------------------------------------------------------------------------------------------------------


class Listener:
    """A loopback socket that counts connections: a playlist in an upload must never make FFmpeg fetch a URL."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


@pytest.fixture(scope="module")
def listener():
    listening = Listener()
    yield listening
    listening.server.close()


def audio_of(case: dict, listener: Listener) -> bytes:
    return make_audio(case, port=str(listener.port))


def check_speech_outcome(case: dict, outcome: str, message: str | None, listener: Listener) -> None:
    assert outcome in case["expect"], (outcome, message)
    if outcome != "ok":
        assert vietnamese(message), message
    assert listener.connections == 0, "FFmpeg followed a URL inside an upload"


@pytest.mark.parametrize("case", AUDIO, ids=ids(AUDIO))
def test_audio_speech_service(speech_service, listener: Listener, case: dict):
    from speech import SpeechError

    try:
        transcript = asyncio.run(speech_service.transcribe(audio_of(case, listener)))
    except SpeechError as exc:
        check_speech_outcome(case, exc.code, exc.message, listener)
        return
    outcome = "ok" if transcript.text.strip() else "silent"  # nothing heard: the adapters say so
    check_speech_outcome(case, outcome, None if outcome == "ok" else "Không nhận ra lời nói", listener)
    if case["name"].startswith("one-hour"):
        assert transcript.truncated and transcript.duration_s == pytest.approx(3600, abs=1)


def voice_outcome(response: httpx.Response) -> tuple[str, str | None]:
    body = response.json()
    if response.status_code == 200:
        assert body["transcript"]["text"].strip() and body["messages"], body
        assert any(vietnamese(m["text"]) for m in body["messages"]), body
        return "ok", None
    assert response.status_code in (413, 422), (response.status_code, body)
    return body["error"], body["message"]


@pytest.mark.parametrize("case", AUDIO, ids=ids(AUDIO))
def test_audio_portal_voice_raw(client: httpx.Client, listener: Listener, case: dict):
    response = client.post("/api/voice", content=audio_of(case, listener),
                           headers={"Content-Type": case.get("content_type", "application/octet-stream")})
    check_speech_outcome(case, *voice_outcome(response), listener)


@pytest.mark.parametrize("case", AUDIO_FEW, ids=ids(AUDIO_FEW))
def test_audio_portal_voice_multipart(client: httpx.Client, listener: Listener, case: dict):
    files = {"audio": (case.get("filename", "cau-hoi.ogg"), audio_of(case, listener), "audio/ogg")}
    response = client.post("/api/voice", files=files)
    check_speech_outcome(case, *voice_outcome(response), listener)


SPEECH_REPLY_STARTS = [bot_handlers.HEARD.split("{")[0], bot_handlers.VOICE_NOTHING_HEARD,
                       bot_handlers.VOICE_TOO_LARGE.split("(")[0]]


@pytest.mark.parametrize("number, case", numbered(AUDIO_FEW))
def test_audio_telegram_voice(telegram: FakeTelegram, listener: Listener, number: int, case: dict):
    from speech.errors import MESSAGES

    chat = CHAT_BASE + len(TEXT) + number
    telegram.push(telegram.voice_update(chat, chat, audio_of(case, listener), 3))
    reply = bot_messages(telegram, chat, 1)[0].text
    assert bot_reply_is_clear(reply), reply
    assert reply in MESSAGES.values() or any(reply.startswith(start) for start in SPEECH_REPLY_STARTS), reply
    if "ok" in case["expect"] and case["expect"] == ["ok"]:
        assert reply.startswith(SPEECH_REPLY_STARTS[0]), reply
        bot_messages(telegram, chat, 2)  # and the answer follows
    assert listener.connections == 0


def test_still_serving_after_the_audio_cases(client: httpx.Client, assistant, speech_service):
    assert_still_serving(client, assistant)
    speech = asyncio.run(speech_service.transcribe(make_audio({"generator": "audio", "params": {}})))
    assert speech.text.strip()


# --- portal requests ----------------------------------------------------------------------------------------------


def nested(depth: int) -> bytes:
    return b'{"message": ' + b"[" * depth + b"]" * depth + b"}"


def http_body(spec: dict) -> Any:
    name = spec["name"]
    if name == "huge_int":
        return b'{"message": ' + b"9" * 50_000 + b"}"
    if name == "nested":
        return nested(spec["depth"])
    if name == "nested_objects":
        return b'{"a":' * spec["depth"] + b"1" + b"}" * spec["depth"]
    if name == "json_message":
        return json_body({"message": "x" * spec["size"]})
    if name == "chunked":
        def chunks():
            sent = 0
            while sent < spec["size"]:
                yield b" " * 65536
                sent += 65536
        return chunks()
    if name == "two_files":
        part = b'--x\r\nContent-Disposition: form-data; name="audio"; filename="a.ogg"\r\n\r\nOggS\r\n'
        return part + part.replace(b'"audio"', b'"audio2"') + b"--x--\r\n"
    if name == "many_fields":
        return b"".join(b'--x\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n1\r\n' % n
                        for n in range(spec["count"])) + b"--x--\r\n"
    if name == "multipart_file":
        return (b'--x\r\nContent-Disposition: form-data; name="audio"; filename="a.ogg"\r\n\r\n'
                + b"\0" * spec["size"] + b"\r\n--x--\r\n")
    if name == "many_form_fields":
        return "&".join(f"f{n}=1" for n in range(spec["count"])).encode()
    if name == "form_description":
        return ("description=" + "a" * spec["size"]).encode()
    if name == "long_query":
        return "?" + "&".join(f"q{n}=x" for n in range(spec["size"] // 6))
    raise ValueError(name)


def raw_request(url: str, head: str, body: bytes) -> tuple[int, bytes]:
    """A request httpx would refuse to send (a Content-Length that lies): the status and the body."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode() + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        header, _, rest = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in header.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return int(header.split(b" ")[1]), rest


@pytest.mark.parametrize("case", HTTP, ids=ids(HTTP))
def test_portal_http(portal, client: httpx.Client, case: dict):
    headers = dict(case.get("headers") or {})
    lie = headers.pop("content-length-override", None)
    if case.get("content_type"):
        headers["Content-Type"] = case["content_type"]
    path = case["path"]
    content: Any = None
    if "body" in case:
        content = case["body"].encode()
    elif "body_hex" in case:
        content = bytes.fromhex(case["body_hex"])
    elif "body_generator" in case:
        content = http_body(case["body_generator"])
    if "query_generator" in case:
        path += http_body(case["query_generator"])
    if lie:
        head = (f"{case['method']} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {case['content_type']}\r\n"
                f"Content-Length: {lie}\r\nConnection: close\r\n\r\n")
        status, raw = raw_request(portal.url, head, content or b"")
        body = json.loads(raw)
        content_type = "application/json"
    else:
        response = client.request(case["method"], path, content=content, headers=headers)
        status, content_type = response.status_code, response.headers.get("content-type", "")
        body = response.json() if content_type.startswith("application/json") else response.text
    expected = case["status"] if isinstance(case["status"], list) else [case["status"]]
    assert status in expected, (status, str(body)[:500])
    if status >= 400:
        if isinstance(body, dict):
            assert vietnamese(body["message"]), body
            if case.get("error"):
                assert body["error"] == case["error"], body
        else:
            assert vietnamese(body), body[:500]  # an HTML page (the check form) says it in Vietnamese


def test_still_serving_after_the_portal_requests(client: httpx.Client, assistant):
    assert_still_serving(client, assistant)


# --- the speech stream --------------------------------------------------------------------------------------------


def pcm(spec: dict) -> bytes:
    rate = spec.get("rate", 16000)
    samples = signal(spec.get("signal", "speech"), spec.get("seconds", 1.0), rate)
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def ws_frames(frame: dict) -> list[str | bytes]:
    if "text" in frame:
        return [frame["text"]]
    if "json" in frame:
        return [json.dumps(frame["json"])]
    if "text_size" in frame:
        return ["x" * frame["text_size"]]
    if "bytes" in frame:
        return [b"\0" * frame["bytes"]]
    if "random" in frame:
        return [np.random.default_rng(3).integers(0, 256, frame["random"], dtype=np.uint8).tobytes()]
    if "pcm" in frame:
        data, chunk = pcm(frame["pcm"]), frame["pcm"].get("chunk", 3200)
        return [data[start:start + chunk] for start in range(0, len(data), chunk)]
    return []


@pytest.mark.parametrize("case", WEBSOCKET, ids=ids(WEBSOCKET))
def test_portal_websocket(portal, case: dict):
    """Each bad stream ends cleanly: an error (Vietnamese) or a final result, and the server closes."""
    received: list[dict] = []
    closed = False
    with connect(portal.ws_url, open_timeout=10, max_size=None) as ws:
        try:
            for frame in case["frames"]:
                if frame.get("wait"):
                    break
                for message in ws_frames(frame):
                    ws.send(message)
                    if isinstance(message, bytes) and message:  # vosk-server answers every audio chunk
                        reply = json.loads(ws.recv(timeout=60))
                        received.append(reply)
                        if "partial" not in reply:
                            raise StopIteration
        except (StopIteration, ConnectionClosed):
            pass
        try:
            while True:
                received.append(json.loads(ws.recv(timeout=60)))
        except ConnectionClosed:
            closed = True
    assert closed, received
    last = received[-1] if received else None
    if case["expect"] == "error":
        assert last and last.get("error") and vietnamese(last["message"]), received
    elif case["expect"] == "final":
        assert last and "text" in last and "duration_s" in last and "error" not in last, received[-3:]
    else:  # closed: a frame above the limit ends the connection (1009) without an answer
        assert not last or "error" in last, received[-3:]


def test_still_serving_after_the_websocket_cases(portal, client: httpx.Client, assistant):
    assert_still_serving(client, assistant)
    with connect(portal.ws_url, open_timeout=10) as ws:
        ws.send(json.dumps({"config": {"sample_rate": 16000}}))
        ws.send(pcm({"seconds": 1}))
        assert "partial" in json.loads(ws.recv(timeout=30))
        ws.send(json.dumps({"eof": 1}))
        assert "text" in json.loads(ws.recv(timeout=30))


# --- Telegram updates ---------------------------------------------------------------------------------------------


def fill(value: Any, chat: dict) -> Any:
    """Every `chat: {id: 0}` in a case is the case's own chat."""
    if isinstance(value, dict):
        filled = {key: fill(item, chat) for key, item in value.items()}
        if filled.get("chat", {}).get("id") == 0:
            filled["chat"] = chat
        return filled
    if isinstance(value, list):
        return [fill(item, chat) for item in value]
    return value


def build_update(fake: FakeTelegram, case: dict, chat_id: int, user_id: int) -> dict:
    kind, content = next(iter(case["update"].items()))
    chat = fake.chat(chat_id, "supergroup" if case.get("group") else "private")
    content = fill(content, chat)
    user = fake.user(user_id)
    if kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        base = {"message_id": int(time.time() * 1000) % 10**9, "date": int(time.time()), "chat": chat, "from": user}
        if kind.endswith("channel_post"):
            base.pop("from")
        update = {**base, **content}
    elif kind == "callback_query":
        message = {"message_id": 77, "date": int(time.time()), "chat": chat, "from": fake.bot_user, "text": "…"}
        update = {"id": f"cq-{uuid.uuid4().hex[:8]}", "from": user, "chat_instance": "ci", "message": message,
                  **content}
    elif kind in ("my_chat_member", "chat_member", "chat_join_request", "message_reaction"):
        member_user = {"user": user}
        update = {"chat": chat, "from": user, **{k: ({**v, **member_user} if isinstance(v, dict) and "status" in v
                                                     else v) for k, v in content.items()}}
        if kind == "message_reaction":
            update = {"chat": chat, "user": user, **content}
    elif kind == "poll_answer":
        update = {"user": user, **content}
    elif kind in ("inline_query", "chosen_inline_result", "shipping_query", "pre_checkout_query"):
        update = {"from": user, **content}
    else:
        update = content
    return {kind: {k: v for k, v in update.items() if v is not None}}


def test_every_telegram_case_is_an_update_the_bot_library_reads():
    """The cases must be what Telegram sends (the Bot API of the installed python-telegram-bot): an update the
    library cannot parse is skipped by the bot (bot.app.TolerantBot, tested in test_bot.py), so it would test
    nothing but the corpus."""
    from telegram import Update

    fake = FakeTelegram(BOT_TOKEN)  # only its update builders: not started
    for number, case in enumerate(TELEGRAM):
        update = build_update(fake, case, GROUP_BASE - number if case.get("group") else CHAT_BASE, CHAT_BASE)
        Update.de_json({"update_id": number + 1, **update}, None)


@pytest.mark.parametrize("number, case", list(enumerate(TELEGRAM)), ids=ids(TELEGRAM))
def test_telegram_update(telegram: FakeTelegram, number: int, case: dict):
    chat = (GROUP_BASE - number) if case.get("group") else CHAT_BASE + len(TEXT) + len(AUDIO) + number
    user = CHAT_BASE + len(TEXT) + len(AUDIO) + number
    expected = case["expect"] if isinstance(case["expect"], list) else [case["expect"]]
    telegram.push(build_update(telegram, case, chat, user))
    if expected == ["none"]:
        # Nothing to answer: the next real question in a fresh chat is still answered, and this chat got nothing.
        probe = CHAT_BASE + len(TEXT) + len(AUDIO) + len(TELEGRAM) + 1
        before = len(telegram.messages_to(probe))
        telegram.push(telegram.text_update(probe, probe, QUESTION))
        assert SIGNER in bot_messages(telegram, probe, before + 1)[-1].text
        assert not telegram.messages_to(chat) and not telegram.messages_to(user)
        return
    reply = bot_messages(telegram, chat, 1)[0].text
    assert bot_reply_is_clear(reply), reply
    known = {KNOWN_BOT_MESSAGES[name].split("{")[0] for name in expected if name in KNOWN_BOT_MESSAGES}
    if known and not {"answer", "help"} & set(expected):
        assert any(reply.startswith(start) for start in known), (reply, expected)


def test_still_serving_after_the_telegram_updates(telegram: FakeTelegram, client: httpx.Client, assistant):
    assert_still_serving(client, assistant)
    chat = CHAT_BASE + len(TEXT) + len(AUDIO) + len(TELEGRAM) + 2
    telegram.push(telegram.text_update(chat, chat, QUESTION))
    assert SIGNER in bot_messages(telegram, chat, 1)[0].text
