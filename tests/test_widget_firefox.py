"""The voice-search widget in Firefox: Debian's firefox-esr, headless, driven over WebDriver BiDi (tests/bidi.py),
the demo host page from another origin (http://localhost:D) than the widget's portal (http://127.0.0.1:P), as in
test_widget_browser.py (Chromium). Firefox's fake microphone plays a tone, not speech: the Korean Vosk model hears
little or nothing, so the tests assert what the server's final result implies — its transcript in the box (and the
form submitted), or the widget's "no speech" message when it is empty.

What went over the page's WebSocket is reported by a preload script through a BiDi channel (it survives the results
page's navigation). Screenshots go to each test's tmp folder; PORTAL_SCREENSHOTS=<folder> copies them there too.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bidi import FIREFOX, Firefox, Page, deserialize
from test_widget_browser import Site, widget_site
from actions.launch import free_port

pytestmark = pytest.mark.skipif(FIREFOX is None, reason="firefox-esr is not installed (make system installs it)")

ESCAPE = "\ue00c"
SPEAK_NOW = "Mời bạn bắt đầu nói"
TIP = "Để tăng độ chính xác bạn hãy nói không quá nhanh, rõ ràng"
NO_SPEECH = "Không nghe rõ lời nói. Bạn hãy bấm micrô và nói lại rõ ràng, không quá nhanh."
MIC_DENIED = "chưa cho phép trang này dùng micrô"
BYTES_PER_SECOND = 16000 * 2  # 16-kHz 16-bit mono PCM

# Wraps the page's WebSocket before any script of the page runs; reports opens, binary bytes sent, replies, closes.
SPEECH_LOG = """(report) => {
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            report({event: "open", url: this.url});
            this.addEventListener("message", (event) => report({event: "reply", data: String(event.data)}));
            this.addEventListener("close", () => report({event: "close", url: this.url}));
        }
        send(data) {
            if (typeof data === "string") report({event: "text", data});
            else report({event: "binary", bytes: data.byteLength});
            return super.send(data);
        }
    };
}"""

DIALOG = "document.querySelector('ccvc-voice-dialog').shadowRoot.querySelector('dialog')"
HOST = "document.querySelector('ccvc-voice-dialog')"


def mic_of(box: str) -> str:
    return f"document.querySelector('{box} + ccvc-voice-mic').shadowRoot.querySelector('button')"


@dataclass
class Speech:
    """What went over the page's WebSockets, as the preload script reported it."""
    sockets: list[str] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)
    binary_bytes: int = 0
    replies: list[dict] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    def record(self, params: dict) -> None:
        if params.get("channel") != "speech":
            return
        entry = deserialize(params["data"])
        if entry["event"] == "open":
            self.sockets.append(entry["url"])
        elif entry["event"] == "text":
            self.texts.append(json.loads(entry["data"]))
        elif entry["event"] == "binary":
            self.binary_bytes += entry["bytes"]
        elif entry["event"] == "reply":
            self.replies.append(json.loads(entry["data"]))
        elif entry["event"] == "close":
            self.closed.append(entry["url"])

    @property
    def finals(self) -> list[dict]:
        return [reply for reply in self.replies if "text" in reply]


@dataclass
class Browser:
    page: Page
    speech: Speech
    errors: list[str]


@pytest.fixture(scope="module")
def site(speech):
    """The portal without Rasa behind it: the widget's search mode only needs speech."""
    with widget_site(f"http://127.0.0.1:{free_port()}", speech) as running:
        yield running


def page_error(entry: dict) -> bool:
    """An error of the page's scripts. Firefox also logs its own notices at level "error": the portal's session
    cookie (SameSite=Strict) refused on the cross-site widget requests is one, harmless to the widget, which
    sends no credentials."""
    text = entry.get("text", "")
    return entry.get("type") == "javascript" and entry.get("level") == "error" and not text.startswith("Cookie “")


@pytest.fixture
def firefox(tmp_path):
    """firefox(microphone=True) → a fresh headless Firefox whose fake microphone is granted (or denied).
    Uncaught page errors fail the test."""
    running: list[Firefox] = []
    errors: list[str] = []

    def start(microphone: bool = True) -> Browser:
        prefs = {"media.navigator.streams.fake": True, "media.navigator.permission.disabled": microphone,
                 # No sound card here (nor on CI): without Firefox's mock audio backend an AudioContext never
                 # leaves "suspended", since its clock is the output device's.
                 "media.cubeb.force_mock_context": True}
        if not microphone:
            prefs["permissions.default.microphone"] = 2  # blocked, as if the user had said no
        browser = Firefox(tmp_path / f"profile-{len(running)}", prefs)
        running.append(browser.__enter__())
        session = browser.session
        page = Page(session)
        page.set_viewport(1200, 820)
        speech_log = Speech()
        session.on("script.message", speech_log.record)
        session.on("log.entryAdded", lambda entry: errors.append(entry.get("text", "")) if page_error(entry) else None)
        session.on("browsingContext.userPromptOpened", lambda prompt: errors.append(f"dialog: {prompt}"))
        page.add_preload_script(SPEECH_LOG, channel="speech")
        return Browser(page, speech_log, errors)

    yield start
    for browser in running:
        browser.__exit__(None, None, None)
    assert not errors, errors


def open_demo(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for("document.body.dataset.latePanel === 'ready'")
    page.wait_for("document.querySelectorAll('ccvc-voice-mic').length === 3", message="three mics")


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    path = page.screenshot(tmp_path / f"{name}.png")
    if copies := os.environ.get("PORTAL_SCREENSHOTS"):
        Path(copies).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(copies) / path.name)
    return path


# --- tests ---------------------------------------------------------------------------------------------------

def test_every_search_box_gets_a_mic_inside_it_in_firefox(firefox, site: Site, tmp_path):
    browser = firefox()
    page = browser.page
    open_demo(page, site.page_url)
    assert "Firefox/" in page.evaluate("navigator.userAgent")
    for box, label in (("#q", "Tìm kiếm bằng giọng nói"), ("#tu-khoa", "Tìm kiếm bằng giọng nói"),
                       ("#hoi", "Hỏi Trợ lý CCVC bằng giọng nói")):  # type=search, data-voice-search, added later
        found = page.wait_for(f"""(() => {{
            const inside = document.querySelector('{box}').getBoundingClientRect();
            const mic = {mic_of(box)};
            const outside = mic.getBoundingClientRect();
            return outside.width >= 20 && {{label: mic.getAttribute('aria-label'),
                popup: mic.getAttribute('aria-haspopup'),
                inside: [inside.left, inside.top, inside.right, inside.bottom],
                outside: [outside.left, outside.top, outside.right, outside.bottom]}};
        }})()""", message=box)
        assert found["label"] == label and found["popup"] == "dialog", (box, found)
        (left, top, right, bottom), (mic_left, mic_top, mic_right, mic_bottom) = found["inside"], found["outside"]
        assert mic_bottom - mic_top >= 20, (box, found)
        assert left < mic_left and mic_right <= right and top <= mic_top and mic_bottom <= bottom, (box, found)
    assert page.evaluate("getComputedStyle(document.querySelector('#tu-khoa')).fontFamily").startswith("Arial")
    screenshot(page, tmp_path, "firefox-widget-demo-page")
    assert not browser.speech.sockets  # nothing goes to the speech service before a click


def test_recording_streams_audio_and_stopping_early_ends_with_the_servers_result(firefox, site: Site, tmp_path):
    browser = firefox()
    page, speech_log = browser.page, browser.speech
    open_demo(page, site.page_url)
    page.evaluate("document.querySelector('#q').value = 'không liên quan'")  # the other box keeps its text
    page.click(mic_of("#tu-khoa"))
    page.wait_for(f"{DIALOG}.open && {DIALOG}.dataset.state === 'listening'", timeout=30, message="listening")
    view = page.evaluate(f"""(() => {{
        const dialog = {DIALOG};
        const text = (selector) => dialog.querySelector(selector).textContent;
        const countdown = dialog.querySelector('.countdown');
        return {{prompt: text('.prompt'), tip: text('.tip'), seconds: text('.seconds'),
                 countdownShown: !countdown.hidden && countdown.getBoundingClientRect().height > 0,
                 stopLabel: dialog.querySelector('.big-mic').getAttribute('aria-label'),
                 capture: {HOST}.dataset.capture}};
    }})()""")
    assert view["prompt"] == SPEAK_NOW and TIP in view["tip"], view
    assert view["countdownShown"] and view["stopLabel"] == "Dừng và gửi ngay", view
    assert view["capture"] == "worklet", view  # Firefox runs the AudioWorklet loaded from the widget's origin
    # Two seconds of audio captured: the countdown went down and the frames went to the server.
    page.wait_for(f"Number({DIALOG}.querySelector('.seconds').textContent) <= 8", timeout=30, message="countdown")
    assert speech_log.sockets == [site.portal.ws_url], speech_log.sockets
    assert speech_log.texts[:1] == [{"config": {"sample_rate": 16000}}], speech_log.texts
    assert speech_log.binary_bytes >= 1.5 * BYTES_PER_SECOND, speech_log.binary_bytes
    assert float(page.evaluate(f"{HOST}.dataset.peak")) > 0  # the fake microphone's tone, not silence
    screenshot(page, tmp_path, "firefox-widget-listening")
    page.click(f"{DIALOG}.querySelector('.big-mic')")  # the spinning mic: stop and send at once
    final = _wait_for_final(speech_log)
    assert {"eof": 1} in speech_log.texts, speech_log.texts
    assert 1.5 < final["duration_s"] < 9.5, final  # stopped by the click, well before the ten-second cap
    # The server heard every frame the page sent, and nothing else (its duration is rounded to the millisecond).
    assert final["duration_s"] == pytest.approx(speech_log.binary_bytes / BYTES_PER_SECOND, abs=0.002), final
    transcript = final["text"].strip()
    if transcript:  # heard something: the box gets exactly that, and its own form is submitted
        page.wait_for("location.pathname === '/ket-qua.html'", timeout=30, message="results page")
        sent = {key: values[0] for key, values in parse_qs(urlsplit(page.evaluate("location.href")).query).items()}
        assert sent["tu-khoa"] == transcript and sent["nguon"] == "van-ban" and "q" not in sent, sent
        screenshot(page, tmp_path, "firefox-widget-results-page")
    else:  # heard nothing: the widget says so, and the box is left as it was
        page.wait_for(f"{DIALOG}.dataset.state === 'error'", timeout=30, message="no-speech message")
        prompt = page.evaluate(f"{DIALOG}.querySelector('.prompt').textContent")
        assert prompt == NO_SPEECH, prompt
        assert page.evaluate(f"{HOST}.dataset.stoppedBy") == "user"
        assert page.evaluate("document.querySelector('#tu-khoa').value") == ""
        assert page.evaluate("location.pathname") == "/"
        screenshot(page, tmp_path, "firefox-widget-no-speech")
        assert page.evaluate("document.querySelector('#q').value") == "không liên quan"
        page.press(ESCAPE)
        page.wait_for(f"!{DIALOG}.open", message="closed by Escape")
        page.wait_for("new Promise((done) => setTimeout(() => done(true), 300))")
        assert speech_log.closed == speech_log.sockets  # the socket was closed, not left open


def _wait_for_final(speech_log: Speech, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while not speech_log.finals and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(speech_log.finals) == 1, speech_log.replies[-3:]
    return speech_log.finals[0]


def test_microphone_denied_gives_a_clear_message_in_firefox(firefox, site: Site, tmp_path):
    browser = firefox(microphone=False)
    page = browser.page
    open_demo(page, site.page_url)
    page.click(mic_of("#q"))
    page.wait_for(f"{DIALOG}.open && {DIALOG}.dataset.state === 'error'", timeout=30, message="error state")
    prompt = page.evaluate(f"{DIALOG}.querySelector('.prompt').textContent")
    assert MIC_DENIED in prompt, prompt
    assert page.evaluate(f"{DIALOG}.querySelector('.big-mic').getAttribute('aria-label')") == "Nói lại"
    screenshot(page, tmp_path, "firefox-widget-microphone-denied")
    page.press(ESCAPE)
    page.wait_for(f"!{DIALOG}.open", message="closed by Escape")
    assert not browser.speech.sockets and page.evaluate("location.pathname") == "/"
