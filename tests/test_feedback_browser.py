"""👍 / 👎 on the portal page in a real browser (Debian's Chromium through Playwright), by keyboard, in front of the
session's real Rasa + action servers; the feedback is then read back from their tracker store.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from nlu.conversations import Feedback, iter_turns, open_store
from portal.app import SpeechState
from test_portal import QUESTION, RunningPortal, portal_settings

CHROMIUM = "/usr/bin/chromium"
THANKS = "Cảm ơn bạn đã góp ý."


@pytest.fixture(scope="module")
def portal(assistant):
    with RunningPortal(portal_settings(assistant.rasa_url), SpeechState(None, 10.0, 1024)) as running:
        yield running


def test_thumbs_down_and_a_comment_by_keyboard(portal, assistant, tmp_path: Path):
    errors: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900}, locale="vi-VN")
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(portal.url + "/")
            page.wait_for_selector("body[data-ready=true]")
            page.locator("#question").fill(QUESTION)
            page.keyboard.press("Enter")
            card = page.locator(".exchange").first
            expect(card).to_have_attribute("data-state", "answered", timeout=60_000)
            box = card.locator(".feedback").first
            group = box.locator(".feedback-buttons")
            expect(group).to_have_attribute("role", "group")
            up, down = group.get_by_role("button", name="Câu trả lời hữu ích"), \
                group.get_by_role("button", name="Câu trả lời chưa tốt")
            expect(up).to_have_text("👍")
            expect(down).to_have_attribute("aria-pressed", "false")
            answer_id = box.get_attribute("data-answer-id")

            up.focus()
            page.keyboard.press("Tab")  # from 👍 to 👎 by keyboard
            expect(down).to_be_focused()
            page.keyboard.press("Enter")
            expect(down).to_have_attribute("aria-pressed", "true")
            comment = box.get_by_label("Góp ý ngắn (không bắt buộc)")
            expect(comment).to_be_visible()
            expect(comment).to_be_focused()  # the box opens ready to type
            expect(box.locator(".feedback-status")).to_contain_text(THANKS)
            expect(up).to_have_attribute("aria-disabled", "true")
            shot = tmp_path / "feedback-comment.png"
            page.screenshot(path=str(shot), full_page=True)
            if copies := os.environ.get("PORTAL_SCREENSHOTS"):  # as in test_portal_browser.py
                Path(copies).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(copies) / shot.name)
            page.keyboard.type("Thiếu chỉ tiêu <cấp xã>")
            page.keyboard.press("Enter")
            expect(box).to_have_attribute("data-commented", "true")
            expect(comment).to_be_hidden()
            expect(box.locator(".feedback-status")).to_have_text(THANKS)
            expect(down).to_be_focused()  # focus goes back where it was
        finally:
            browser.close()
    assert not errors, errors
    stored = [r for r in iter_turns(open_store(assistant.tracker_store_url))
              if isinstance(r, Feedback) and r.answer_id == answer_id]
    assert [(f.rating, f.comment) for f in stored] == [("down", None), ("down", "Thiếu chỉ tiêu <cấp xã>")]
