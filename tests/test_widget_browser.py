"""The voice-search widget on the demo host page in a real browser: Debian's Chromium driven by Playwright, a fake
microphone playing espeak-ng clips, the demo page served from another origin (http://localhost:D) than the
widget's portal (http://127.0.0.1:P), the real Vosk code path (Korean model: transcripts of Vietnamese speech are
gibberish, so the tests compare what lands in the box with the final result the server sent over the WebSocket,
and check the recording was not silent). The assistant mode asks the session's real Rasa + action servers.

Screenshots go to each test's tmp folder; set PORTAL_SCREENSHOTS=<folder> to get a copy of them there too.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, WebSocket, expect, sync_playwright

from actions.launch import free_port
from portal.demo import DemoServer
from test_portal import QUESTION, Clips, RunningPortal, load_speech, portal_settings, wav_seconds
from test_portal_browser import NOT_SILENT, chromium_pages, screenshot

INSECURE_HOST = "demo.test"  # resolved to 127.0.0.1 by Chromium's host rules: a plain-HTTP page, not localhost


@dataclass
class Site:
    portal: RunningPortal
    demo: DemoServer

    @property
    def page_url(self) -> str:  # an allowed origin (localhost), not the widget's (127.0.0.1, another port)
        return f"http://localhost:{self.demo.port}/"

    @property
    def other_url(self) -> str:  # the same page from an origin not in PORTAL_WIDGET_ORIGINS
        return f"http://127.0.0.1:{self.demo.port}/"

    @property
    def insecure_url(self) -> str:
        return f"http://{INSECURE_HOST}:{self.demo.port}/"


@contextmanager
def widget_site(rasa_url: str, speech):
    demo_port = free_port()
    settings = portal_settings(rasa_url, portal_widget_origins=f"http://localhost:{demo_port}")
    with RunningPortal(settings, speech) as portal, DemoServer(portal.url, "127.0.0.1", demo_port) as demo:
        yield Site(portal, demo)


@dataclass
class Speech:
    """What went over the page's WebSockets to the portal: the server's replies, as JSON."""
    sockets: list[str] = field(default_factory=list)
    replies: list[dict] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> "Speech":
        def opened(ws: WebSocket) -> None:
            self.sockets.append(ws.url)
            ws.on("framereceived", lambda payload: self.replies.append(json.loads(payload)))
            ws.on("close", lambda ws: self.closed.append(ws.url))
        page.on("websocket", opened)
        return self

    @property
    def final(self) -> dict:
        finals = [reply for reply in self.replies if "text" in reply]
        assert len(finals) == 1, self.replies[-3:]
        return finals[0]

    @property
    def heard_speech(self) -> bool:
        return any(reply.get("partial", "").strip() for reply in self.replies)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips.make(tmp_path_factory.mktemp("widget-browser-clips"))


@pytest.fixture(scope="module")
def site(speech):
    """The portal without Rasa behind it: the widget's search mode only needs speech."""
    with widget_site(f"http://127.0.0.1:{free_port()}", speech) as running:
        yield running


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def launch(playwright):
    with chromium_pages(playwright, {"width": 1200, "height": 820},
                        f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1") as start:
        yield start


def open_demo(page: Page, url: str, boxes: int = 3) -> Page:
    page.goto(url)
    page.wait_for_selector("body[data-late-panel=ready]")
    expect(page.locator("ccvc-voice-mic")).to_have_count(boxes)
    return page


def mic_of(page: Page, box: str):
    return page.locator(f"{box} + ccvc-voice-mic").locator("button")


def dialog(page: Page):
    return page.locator("ccvc-voice-dialog dialog")


def speak_a_while(page: Page) -> None:
    """Until 4 s of the clip (≈ 5 s of speech) were captured; then the recording cannot have been silent."""
    expect(dialog(page).locator(".seconds")).to_have_text(re.compile(r"^[0-6]$"), timeout=20_000)
    assert float(page.get_attribute("ccvc-voice-dialog", "data-peak")) > NOT_SILENT


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# --- tests ---------------------------------------------------------------------------------------------------

def test_every_search_box_gets_a_mic_inside_it_even_one_added_later(launch, site: Site, tmp_path):
    page = open_demo(launch(), site.page_url)
    for box, label in (("#q", "Tìm kiếm bằng giọng nói"), ("#tu-khoa", "Tìm kiếm bằng giọng nói"),
                       ("#hoi", "Hỏi Trợ lý CCVC bằng giọng nói")):  # type=search, data-voice-search, added later
        mic = mic_of(page, box)
        expect(mic).to_have_attribute("aria-label", label)
        expect(mic).to_have_attribute("aria-haspopup", "dialog")
        inside, outside = page.locator(box).bounding_box(), mic.bounding_box()
        assert outside["width"] >= 20 and outside["height"] >= 20, (box, outside)
        assert inside["x"] < outside["x"] and outside["x"] + outside["width"] <= inside["x"] + inside["width"], box
        assert inside["y"] <= outside["y"] and outside["y"] + outside["height"] <= inside["y"] + inside["height"], box
    # The host page's own styles do not reach into the widget, nor its into the page.
    assert page.evaluate("getComputedStyle(document.querySelector('#tu-khoa')).fontFamily").startswith("Arial")
    screenshot(page, tmp_path, "widget-demo-page")


def test_stopping_early_fills_the_right_box_and_submits_its_form(launch, site: Site, clips: Clips, tmp_path):
    page = launch(clips.question)
    speech = Speech().watch(page)
    open_demo(page, site.page_url)
    page.fill("#q", "không liên quan")  # the other box keeps its text
    mic_of(page, "#tu-khoa").click()
    box = dialog(page)
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-state", "listening", timeout=15_000)
    expect(box.locator(".prompt")).to_have_text("Mời bạn bắt đầu nói")
    expect(box.locator(".countdown")).to_be_visible()
    expect(box.locator(".tip")).to_contain_text("Để tăng độ chính xác bạn hãy nói không quá nhanh, rõ ràng")
    expect(box.locator(".big-mic")).to_have_attribute("aria-label", "Dừng và gửi ngay")
    speak_a_while(page)
    assert page.get_attribute("ccvc-voice-dialog", "data-capture") == "worklet"  # loaded from the widget's origin
    screenshot(page, tmp_path, "widget-listening")
    box.locator(".big-mic").click()  # the spinning mic: stop and send at once
    page.wait_for_url(re.compile(r"/ket-qua\.html\?"), timeout=30_000)
    final = speech.final
    assert speech.heard_speech and final["text"].strip(), speech.replies[-3:]
    assert 0.5 < final["duration_s"] < 9.5, final  # stopped before the cap
    sent = query_of(page.url)
    assert sent["tu-khoa"] == final["text"].strip()  # the transcript the server returned, in the right box
    assert sent["nguon"] == "van-ban" and sent["xu-ly"] == "co"  # that box's form, through its own submit handler
    assert "q" not in sent
    expect(page.locator("#result-query")).to_have_text(final["text"].strip())
    expect(page.locator("#result-source")).to_have_text("Tra cứu văn bản")
    screenshot(page, tmp_path, "widget-results-page")


def test_keyboard_only_and_the_ten_second_stop(launch, site: Site, clips: Clips, tmp_path):
    assert wav_seconds(clips.long) == pytest.approx(14.0)
    page = launch(clips.long)
    speech = Speech().watch(page)
    open_demo(page, site.page_url)
    page.focus("#q")
    page.keyboard.press("Tab")  # the mic comes right after its box in the tab order
    assert page.evaluate("document.activeElement.localName") == "ccvc-voice-mic"
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.getAttribute('aria-label')") \
        == "Tìm kiếm bằng giọng nói"
    page.keyboard.press("Space")
    box = dialog(page)
    expect(box).to_have_attribute("data-state", "listening", timeout=15_000)
    expect(box.locator(".big-mic")).to_be_focused()  # Enter or Space would stop it now
    expect(box.locator(".seconds")).to_have_text("2", timeout=20_000)  # the visible countdown
    screenshot(page, tmp_path, "widget-countdown")
    page.wait_for_url(re.compile(r"/ket-qua\.html\?"), timeout=30_000)  # stopped by itself and submitted
    final = speech.final
    assert final["duration_s"] == pytest.approx(10.0, abs=0.05), final  # what the server heard: exactly the cap
    assert speech.heard_speech and final["text"].strip()
    sent = query_of(page.url)
    assert sent["q"] == final["text"].strip() and sent["nguon"] == "cong-thong-tin" and sent["xu-ly"] == "co"
    expect(page.locator("#q")).to_have_value(final["text"].strip())  # the results page's own box
    screenshot(page, tmp_path, "widget-after-ten-seconds")


def test_opting_out_of_the_submit_and_a_browser_without_audio_worklet(launch, site: Site, clips: Clips):
    page = launch(clips.question)
    page.add_init_script("delete window.AudioWorkletNode;")  # the ScriptProcessor fallback, resampler imported
    speech = Speech().watch(page)
    open_demo(page, site.page_url)
    page.evaluate("""() => {
        const box = document.querySelector('#tu-khoa');
        box.dataset.autosubmit = 'false';  // the host's opt-out
        box.addEventListener('ccvc-voice-result', (event) => { window.voiceResult = event.detail; });
    }""")
    mic_of(page, "#tu-khoa").click()
    speak_a_while(page)
    assert page.get_attribute("ccvc-voice-dialog", "data-capture") == "script-processor"
    dialog(page).locator(".big-mic").click()
    expect(dialog(page)).to_be_hidden(timeout=30_000)
    final = speech.final
    assert final["text"].strip() and 0.5 < final["duration_s"] < 9.5, final
    expect(page.locator("#tu-khoa")).to_have_value(final["text"].strip())
    expect(page.locator("#tu-khoa")).to_be_focused()  # ready to correct and submit by hand
    assert page.evaluate("window.voiceResult.transcript") == final["text"].strip()
    page.wait_for_timeout(500)
    assert urlsplit(page.url).path == "/"  # not submitted


def test_escape_cancels_and_leaves_the_box_as_it_was(launch, site: Site, clips: Clips):
    page = launch(clips.question)
    speech = Speech().watch(page)
    open_demo(page, site.page_url)
    page.fill("#tu-khoa", "kế hoạch 206")
    page.focus("#tu-khoa")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    box = dialog(page)
    expect(box).to_have_attribute("data-state", "listening", timeout=15_000)
    page.keyboard.press("Escape")
    expect(box).to_be_hidden()
    expect(page.locator("#tu-khoa")).to_have_value("kế hoạch 206")
    expect(page.locator("#tu-khoa")).to_be_focused()
    expect(page.locator("#tu-khoa + ccvc-voice-mic")).to_have_attribute("data-state", "idle")
    page.wait_for_timeout(500)  # nothing submitted in the meantime
    assert urlsplit(page.url).path == "/" and speech.sockets and speech.closed == speech.sockets


def test_assistant_mode_answers_with_citations(launch, assistant, speech, clips: Clips, tmp_path):
    with widget_site(assistant.rasa_url, speech) as assistant_site:
        page = launch(clips.question)
        voice = Speech().watch(page)
        open_demo(page, assistant_site.page_url)
        # Typed: Enter in an assistant box asks the assistant (keyboard, no voice).
        page.fill("#hoi", QUESTION)
        page.press("#hoi", "Enter")
        box = dialog(page)
        answer = box.locator(".answer")
        expect(answer).to_have_attribute("data-state", "answered", timeout=60_000)
        expect(answer.locator(".question-text")).to_have_text(QUESTION)
        expect(answer.locator(".answer-text").first).to_contain_text("2025")
        citation = answer.locator(".citation").first
        expect(citation.locator(".cite-doc")).to_contain_text("206/KH-UBND")
        expect(citation.locator(".cite-section")).not_to_be_empty()
        expect(citation.locator(".cite-quote")).to_contain_text("bậc 4")
        expect(box.locator(".close")).to_be_focused()
        assert urlsplit(page.url).path == "/"  # the host page stays
        screenshot(page, tmp_path, "widget-assistant-typed")
        page.keyboard.press("Escape")
        expect(box).to_be_hidden()
        # Spoken: the transcript lands in the box and is asked.
        mic_of(page, "#hoi").click()
        expect(box).to_have_attribute("data-state", "listening", timeout=15_000)
        expect(box.locator("h2")).to_have_text("Hỏi Trợ lý CCVC")
        speak_a_while(page)
        box.locator(".big-mic").click()
        expect(answer).to_have_attribute("data-state", re.compile("answered|error"), timeout=60_000)
        final = voice.final
        expect(page.locator("#hoi")).to_have_value(final["text"].strip())
        expect(answer.locator(".question-text")).to_have_text(final["text"].strip())
        expect(answer).to_have_attribute("data-state", "answered")
        assert answer.locator(".answer-text").count() >= 1
        assert page.locator("ccvc-voice-dialog img, ccvc-voice-dialog script").count() == 0
        screenshot(page, tmp_path, "widget-assistant-spoken")


def test_microphone_denied_gives_a_clear_message(launch, site: Site, clips: Clips, tmp_path):
    page = launch(clips.question, microphone=False)  # no permission: Chromium denies
    speech = Speech().watch(page)
    open_demo(page, site.page_url)
    mic_of(page, "#q").click()
    box = dialog(page)
    expect(box).to_have_attribute("data-state", "error", timeout=15_000)
    expect(box.locator(".prompt")).to_contain_text("chưa cho phép trang này dùng micrô")
    expect(box.locator(".big-mic")).to_have_attribute("aria-label", "Nói lại")
    screenshot(page, tmp_path, "widget-microphone-denied")
    page.keyboard.press("Escape")
    expect(box).to_be_hidden()
    assert not speech.sockets and urlsplit(page.url).path == "/"


def test_plain_http_page_gets_only_a_message(launch, site: Site, tmp_path):
    page = launch()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    speech = Speech().watch(page)
    open_demo(page, site.insecure_url)
    assert page.evaluate("window.isSecureContext") is False
    mic_of(page, "#tu-khoa").click()
    box = dialog(page)
    expect(box).to_have_attribute("data-state", "error")
    expect(box.locator(".prompt")).to_contain_text("không bảo mật (HTTP)")
    expect(box.locator(".big-mic")).to_be_hidden()  # trying again cannot help
    expect(box.locator(".close")).to_be_focused()
    screenshot(page, tmp_path, "widget-plain-http")
    to_portal = [url for url in requests if url.startswith(site.portal.url)]
    assert to_portal == [f"{site.portal.url}/widget/voice-search.js"] * len(to_portal), to_portal  # nothing else
    assert not speech.sockets


def test_a_page_of_another_origin_is_refused(launch, site: Site, clips: Clips, tmp_path):
    page = launch(clips.question)
    speech = Speech().watch(page)
    open_demo(page, site.other_url)  # the script tag itself loads anywhere: the endpoints refuse
    mic_of(page, "#q").click()
    box = dialog(page)
    expect(box).to_have_attribute("data-state", "error", timeout=15_000)
    expect(box.locator(".prompt")).to_contain_text("chưa được phép dùng dịch vụ")
    screenshot(page, tmp_path, "widget-origin-refused")
    page.keyboard.press("Escape")
    refused = page.evaluate("""async (endpoint) => {
        const attempt = (promise) => promise.then((r) => `HTTP ${r.status}`, (e) => e.name);
        const config = await attempt(fetch(`${endpoint}/api/config`));
        const ask = await attempt(fetch(`${endpoint}/api/ask`, {method: 'POST', body: '{"message": "x"}',
                                        headers: {'Content-Type': 'application/json'}}));
        const socket = await new Promise((resolve) => {
            const ws = new WebSocket(endpoint.replace('http', 'ws') + '/ws/speech');
            ws.onopen = () => resolve('open');
            ws.onclose = (event) => resolve(`closed ${event.code}`);
        });
        return {config, ask, socket};
    }""", site.portal.url)
    assert refused == {"config": "TypeError", "ask": "TypeError", "socket": "closed 1006"}, refused
    assert not speech.replies
    # The same page from the allowed origin may (sanity check of the test itself).
    page.goto(site.page_url)
    allowed = page.evaluate("(endpoint) => fetch(`${endpoint}/api/config`).then((r) => r.json())", site.portal.url)
    assert allowed["speech"]["available"] is True


def test_missing_speech_model_is_said_clearly(launch, tmp_path):
    speechless = load_speech(tmp_path / "no-model")
    assert not speechless.available
    with widget_site(f"http://127.0.0.1:{free_port()}", speechless) as speechless_site:
        page = launch()
        speech = Speech().watch(page)
        open_demo(page, speechless_site.page_url)
        mic_of(page, "#tu-khoa").click()
        box = dialog(page)
        expect(box).to_have_attribute("data-state", "error", timeout=15_000)
        expect(box.locator(".prompt")).to_have_text(speechless.message)
        expect(box.locator(".big-mic")).to_be_hidden()  # trying again cannot help
        screenshot(page, tmp_path, "widget-speech-unavailable")
        assert not speech.sockets
