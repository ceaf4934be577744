"""The portal page in a real browser: Debian's Chromium driven by Playwright, a fake microphone playing espeak-ng
clips, the portal in a background thread in front of the session's real Rasa + action servers and the real Vosk
code path (Korean model: the transcripts of Vietnamese speech are gibberish, so the tests check what the page
does and that the recording was not silent: the peak level the page measured, the partials and the duration the
server saw). The last tests play natural Vietnamese clips (../shared/speech/vi-clips) to viet-asr, the engine of
a fresh machine, and check the words the page shows.

Screenshots go to each test's tmp folder; set PORTAL_SCREENSHOTS=<folder> to get a copy of them there too.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.clips import (clips_missing_reason, joined, joined_reference, load_clips, stretch_error_rate, wav_bytes,
                         word_error_rate)

from test_portal import (QUESTION, Clips, RunningPortal, load_speech, portal_settings,
                         wav_seconds)

CHROMIUM = "/usr/bin/chromium"
QUIET = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
INJECTION = "<img src=x onerror=alert(1)>"
# A recording louder than this was not the silence a broken fake-audio file gives (espeak peaks near 1.0).
NOT_SILENT = 0.1


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips.make(tmp_path_factory.mktemp("browser-clips"))


@pytest.fixture(scope="module")
def portal(assistant, speech):
    with RunningPortal(portal_settings(assistant.rasa_url), speech) as running:
        yield running


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as driver:
        yield driver


@contextmanager
def chromium_pages(playwright, viewport: dict[str, int], *extra_args: str) -> Iterator[Callable[..., Page]]:
    """start(clip=None, microphone=True) → a page of a fresh Chromium with a fake microphone; the clip plays once as
    the microphone, `microphone=False` denies it. Page errors and alerts fail the test at the end."""
    browsers: list[Browser] = []
    errors: list[str] = []

    def start(clip: Path | None = None, microphone: bool = True) -> Page:
        args = [*QUIET, "--use-fake-device-for-media-stream", *extra_args]
        if microphone:
            args.append("--use-fake-ui-for-media-stream")  # grants the microphone (without it: denied)
        if clip is not None:
            args.append(f"--use-file-for-fake-audio-capture={clip}%noloop")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        browsers.append(browser)
        page = browser.new_page(viewport=viewport, locale="vi-VN")
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        return page

    yield start
    for browser in browsers:
        browser.close()
    assert not errors, errors


@pytest.fixture
def launch(playwright):
    with chromium_pages(playwright, {"width": 1100, "height": 900}) as start:
        yield start


def open_portal(page: Page, portal: RunningPortal) -> Page:
    page.goto(portal.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    return page


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if copies := os.environ.get("PORTAL_SCREENSHOTS"):
        Path(copies).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(copies) / path.name)
    return path


def voice_result(page: Page) -> dict:
    return page.evaluate("""() => {
        const form = document.getElementById('ask-form');
        return {state: form.dataset.voiceState, stoppedBy: form.dataset.stoppedBy,
                duration: parseFloat(form.dataset.lastDuration), partialSeen: form.dataset.partialSeen === 'true',
                peak: parseFloat(document.getElementById('mic').dataset.peak || '0'),
                transcript: document.getElementById('question').value,
                status: document.getElementById('status').textContent};
    }""")


def test_text_question_with_citations_and_follow_ups_by_keyboard(launch, portal, tmp_path):
    page = open_portal(launch(), portal)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    expect(page.locator("#question")).to_be_focused()
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    card = page.locator(".exchange").first
    expect(card).to_have_attribute("data-state", "answered", timeout=60_000)
    expect(card.locator(".question-text")).to_have_text(QUESTION)
    expect(card.locator(".answer-text").first).to_contain_text("2025")
    citation = card.locator(".citation").first
    expect(citation.locator(".cite-doc")).to_contain_text("206/KH-UBND")
    expect(citation.locator(".cite-section")).not_to_be_empty()
    expect(citation.locator(".cite-quote")).to_contain_text("bậc 4")
    follow_ups = card.locator(".followup")
    assert follow_ups.count() >= 1
    title = follow_ups.first.text_content()
    follow_ups.first.focus()
    page.keyboard.press("Enter")  # sends the button's payload
    newest = page.locator(".exchange").first
    expect(newest.locator(".question-text")).to_have_text(title)
    expect(newest).to_have_attribute("data-state", "answered", timeout=60_000)
    assert page.locator(".exchange").count() == 2
    screenshot(page, tmp_path, "portal-text-question")


def test_html_in_a_question_is_shown_as_text(launch, portal, tmp_path):
    page = open_portal(launch(), portal)
    page.fill("#question", INJECTION)
    page.click("button.send")
    card = page.locator(".exchange").first
    expect(card).to_have_attribute("data-state", "answered", timeout=60_000)
    expect(card.locator(".question-text")).to_have_text(INJECTION)
    assert page.locator("#results img").count() == 0  # the launch fixture also fails on any alert dialog
    screenshot(page, tmp_path, "portal-injection")


def test_resampler_is_exact_and_does_not_alias(launch, portal):
    """44.1 kHz → 16 kHz (ratio 2.75625): the length is exact, a 1-kHz tone keeps its level, a 10-kHz tone (above
    the new Nyquist frequency) does not fold back to 6 kHz, and small blocks give the same samples as one block."""
    page = open_portal(launch(), portal)
    result = page.evaluate("""async () => {
        const { Resampler } = await import('/static/resampler.js');
        const rate = 44100, n = 44100;
        const tone = (f) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(2 * Math.PI * f * i / rate));
        const run = (x, block) => {
            const r = new Resampler(rate, 16000), parts = [];
            for (let i = 0; i < x.length; i += block) parts.push(r.process(x.subarray(i, i + block)));
            parts.push(r.flush());
            return Float32Array.from(parts.flatMap((p) => Array.from(p)));
        };
        const level = (y, f) => {
            let re = 0, im = 0, m = 0;
            for (let i = 800; i < y.length - 800; i++) {
                re += y[i] * Math.cos(2 * Math.PI * f * i / 16000);
                im += y[i] * Math.sin(2 * Math.PI * f * i / 16000);
                m++;
            }
            return 2 * Math.hypot(re, im) / m;
        };
        const blocks = run(tone(1000), 128), whole = run(tone(1000), n), high = run(tone(10000), 128);
        let diff = 0;
        for (let i = 0; i < whole.length; i++) diff = Math.max(diff, Math.abs(whole[i] - blocks[i]));
        return { length: blocks.length, lengthWhole: whole.length, level1k: level(blocks, 1000),
                 alias6k: level(high, 6000), diff };
    }""")
    assert result["length"] == result["lengthWhole"] == 16000
    assert result["level1k"] == pytest.approx(0.5, abs=0.01)
    assert result["alias6k"] < 0.005  # < -40 dB of the tone's level
    assert result["diff"] < 1e-6


@pytest.mark.parametrize("capture", ["worklet", "script-processor"])
def test_voice_question_stopped_early_by_clicking_the_spinning_mic(launch, portal, clips, tmp_path, capture):
    page = launch(clips.question)
    if capture == "script-processor":  # a browser without AudioWorklet: the fallback path
        page.add_init_script("delete window.AudioWorkletNode;")
    open_portal(page, portal)
    mic = page.locator("#mic")
    expect(mic).to_have_attribute("aria-pressed", "false")
    mic.click()
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(mic).to_have_class(re.compile(r"\blistening\b"))
    expect(page.locator("#countdown")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Đang nghe")
    page.wait_for_selector("#ask-form[data-partial-seen=true]", timeout=20_000)  # a live partial transcript
    expect(page.locator("#question")).not_to_have_value("")
    expect(page.locator("#ask-form")).to_have_attribute("data-capture", capture)
    screenshot(page, tmp_path, f"portal-voice-listening-{capture}")
    mic.click()  # stop early and submit at once
    page.wait_for_selector("#ask-form[data-voice-state=idle]", timeout=30_000)
    result = voice_result(page)
    assert result["stoppedBy"] == "user", result
    assert result["peak"] > NOT_SILENT, result
    assert 0.5 < result["duration"] < 9.5, result  # stopped before the cap
    assert result["transcript"].strip(), result  # the transcript stays in the box, editable
    expect(mic).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#countdown")).to_be_hidden()
    card = page.locator(".exchange").first
    expect(card.locator(".question-text")).to_have_text(result["transcript"])
    expect(card.locator(".who")).to_contain_text("🎤")
    expect(card).to_have_attribute("data-state", "answered", timeout=60_000)
    assert card.locator(".answer-text").count() >= 1
    screenshot(page, tmp_path, f"portal-voice-answered-{capture}")


def test_voice_question_stops_by_itself_at_ten_seconds(launch, portal, clips, tmp_path):
    assert wav_seconds(clips.long) == pytest.approx(14.0)
    page = open_portal(launch(clips.long), portal)
    page.click("#mic")
    expect(page.locator("#mic")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#countdown-value")).to_have_text("2", timeout=20_000)
    screenshot(page, tmp_path, "portal-voice-countdown")
    page.wait_for_selector("#ask-form[data-voice-state=idle]", timeout=30_000)
    result = voice_result(page)
    assert result["stoppedBy"] == "limit", result
    assert result["duration"] == pytest.approx(10.0, abs=0.05), result  # what the server heard
    assert result["peak"] > NOT_SILENT and result["partialSeen"] and result["transcript"].strip(), result
    assert "Đã đủ 10 giây" in result["status"]
    card = page.locator(".exchange").first
    expect(card.locator(".badge")).to_have_text("cắt ở 10 giây")
    expect(card).to_have_attribute("data-state", "answered", timeout=60_000)
    screenshot(page, tmp_path, "portal-voice-capped")


def test_speech_unavailable_says_so_and_text_still_works(launch, assistant, tmp_path):
    with RunningPortal(portal_settings(assistant.rasa_url), load_speech(tmp_path / "no-model")) as portal:
        page = open_portal(launch(), portal)
        mic = page.locator("#mic")
        expect(mic).to_have_attribute("aria-disabled", "true")
        note = page.locator("#speech-note")
        expect(note).to_be_visible()
        message = note.text_content().removeprefix("🔇 ")
        assert "giọng nói" in message
        mic.focus()  # aria-disabled, not disabled: it can still be reached and pressed, and says why it is off
        page.keyboard.press("Enter")
        expect(page.locator("#status")).to_have_text(message)
        expect(page.locator("#ask-form")).to_have_attribute("data-voice-state", "idle")
        page.fill("#question", QUESTION)
        page.keyboard.press("Enter")
        expect(page.locator(".exchange").first).to_have_attribute("data-state", "answered", timeout=60_000)
        screenshot(page, tmp_path, "portal-speech-unavailable")


def test_microphone_denied_gives_a_clear_message(launch, portal, clips):
    page = open_portal(launch(clips.question, microphone=False), portal)  # no permission: Chromium denies
    page.click("#mic")
    expect(page.locator("#status")).to_contain_text("chưa cho phép dùng micrô", timeout=15_000)
    expect(page.locator("#status")).to_have_attribute("data-kind", "error")
    expect(page.locator("#ask-form")).to_have_attribute("data-voice-state", "idle")
    expect(page.locator("#mic")).to_have_attribute("aria-pressed", "false")


# --- real Vietnamese voices (../shared/speech/vi-clips) through viet-asr, the engine of a fresh machine ------------

CLIPS_MISSING = clips_missing_reason()
needs_clips = pytest.mark.skipif(CLIPS_MISSING is not None, reason=CLIPS_MISSING or "")
MEAN_WER = 0.2  # the bound of tests/test_speech_vietasr.py


@pytest.fixture(scope="module")
def vi_portal(assistant, vietnamese_speech):
    with RunningPortal(portal_settings(assistant.rasa_url), vietnamese_speech) as running:
        yield running


@needs_clips
def test_a_real_voice_stopped_early_shows_its_words(launch, vi_portal, tmp_path):
    """vi-06 (6.1 s) as the microphone: once the live transcript has reached the last words, the user clicks the
    spinning mic; the page shows what was said and asks it."""
    clip = load_clips()[5]
    page = open_portal(launch(clip.path), vi_portal)  # the shared WAV itself (16 kHz mono 16-bit) plays once
    page.click("#mic")
    expect(page.locator("#mic")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => document.getElementById('question').value.includes('cha mẹ')", timeout=30_000)
    page.click("#mic")  # stop early: the rest of the 10 s is not waited for
    page.wait_for_selector("#ask-form[data-voice-state=idle]", timeout=30_000)
    result = voice_result(page)
    assert result["stoppedBy"] == "user" and result["peak"] > NOT_SILENT, result
    assert clip.seconds - 0.5 < result["duration"] < 9.5, result
    assert word_error_rate(clip.reference, result["transcript"]) <= MEAN_WER, result
    card = page.locator(".exchange").first
    expect(card.locator(".question-text")).to_have_text(result["transcript"])
    expect(card).to_have_attribute("data-state", "answered", timeout=60_000)
    screenshot(page, tmp_path, "portal-real-voice-stopped")


@needs_clips
def test_a_real_voice_past_ten_seconds_stops_by_itself(launch, vi_portal, tmp_path):
    """vi-01, vi-02, vi-03 … joined into 14 s: the page stops at 10 s and shows what was said in those 10 s (Chromium's
    fake microphone starts its file when the device opens, a moment before the page listens: which 10 s varies, the
    words in them do not)."""
    clips = load_clips()
    long = tmp_path / "joined-14s.wav"
    long.write_bytes(wav_bytes(joined(clips, 14.0)))
    page = open_portal(launch(long), vi_portal)
    page.click("#mic")
    page.wait_for_selector("#ask-form[data-voice-state=idle]", timeout=40_000)
    result = voice_result(page)
    assert result["stoppedBy"] == "limit" and result["peak"] > NOT_SILENT and result["partialSeen"], result
    assert result["duration"] == pytest.approx(10.0, abs=0.05), result
    heard = result["transcript"].split()
    assert len(heard) >= 15, result  # ≈ 25 words are said in 10 s
    assert stretch_error_rate(joined_reference(clips, 14.0), result["transcript"]) <= MEAN_WER, result
    expect(page.locator(".exchange").first.locator(".badge")).to_have_text("cắt ở 10 giây")
    expect(page.locator(".exchange").first).to_have_attribute("data-state", "answered", timeout=60_000)
    screenshot(page, tmp_path, "portal-real-voice-capped")
