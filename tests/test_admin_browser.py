"""The document library end to end in Debian's real Chromium (Playwright): an administrator logs in, uploads a .docx
made here, reads its facts in the preview, publishes it, and the running assistant answers about it with a citation,
on the portal page and through Rasa's REST webhook; then a new version whose target changed, a rollback, and a
removal after which the assistant honestly says the documents do not cover the question. No process is restarted:
one action server and one Rasa server (the model trained before the document existed) serve the whole module, on a
private copy of the session index.

Screenshots go to each test's tmp folder; set PORTAL_SCREENSHOTS=<folder> to get a copy of them there too.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from library_docs import LABEL, QUESTION, exe_bytes, plan_docx
from portal.app import SpeechState
from test_portal import RunningPortal, portal_settings
from test_portal_browser import CHROMIUM, QUIET, screenshot

TOKEN = "lan-" + uuid.uuid4().hex
REFUSAL = "không đề cập"


@pytest.fixture(scope="module")
def library_index(index_dir, tmp_path_factory) -> Path:
    import shutil

    target = tmp_path_factory.mktemp("admin-browser") / "index"
    shutil.copytree(index_dir, target)
    return target


@pytest.fixture(scope="module")
def servers(model, library_index, tmp_path_factory):
    """Rasa and the action server on the private index, started once for the module."""
    from actions.launch import running_servers

    with running_servers(model, logs=tmp_path_factory.mktemp("admin-servers"), timeout=1200,
                         CCVC_INDEX_DIR=str(library_index)) as running:
        yield running


@pytest.fixture(scope="module")
def portal(servers, library_index):
    saved = os.environ.get("CCVC_INDEX_DIR")
    os.environ["CCVC_INDEX_DIR"] = str(library_index)  # the portal reads the knowledge settings per request
    try:
        settings = portal_settings(servers.rasa_url, portal_admin_tokens=f"lan:{TOKEN}")
        with RunningPortal(settings, SpeechState(None, 10.0, 10 * 1024 * 1024)) as running:
            yield running
    finally:
        if saved is None:
            os.environ.pop("CCVC_INDEX_DIR", None)
        else:
            os.environ["CCVC_INDEX_DIR"] = saved


@pytest.fixture(scope="module")
def page(portal):
    errors: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        tab = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="vi-VN")
        tab.on("pageerror", lambda error: errors.append(str(error)))
        yield tab
        browser.close()
    assert not errors, errors


def upload(page: Page, portal: RunningPortal, data: bytes, name: str) -> None:
    page.goto(f"{portal.url}/admin/tai-lieu")
    page.set_input_files("#tep", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])
    page.get_by_role("button", name="Tải lên và xem trước").click()


def wait_until_done(page: Page, message: str) -> None:
    """The change runs in the background; its page reloads itself (no JavaScript) until the list says it is done."""
    expect(page.locator("#thong-bao")).to_contain_text(message, timeout=600_000)
    expect(page.locator("#thong-bao")).to_have_class(re.compile(r"notice-ok"))


def ask_portal(page: Page, portal: RunningPortal) -> str:
    """A question on the portal's own page, as an official would ask it; the answer card's text."""
    page.goto(portal.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#question", QUESTION)
    page.keyboard.press("Enter")
    card = page.locator(".exchange").first
    expect(card).to_have_attribute("data-state", "answered", timeout=120_000)
    return card.inner_text()


def ask_rest(servers) -> dict:
    """The same question through Rasa's REST webhook: the answer's structured part (text, citations)."""
    response = httpx.post(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=180,
                          json={"sender": f"admin-{uuid.uuid4().hex[:8]}", "message": QUESTION})
    response.raise_for_status()
    replies = response.json()
    custom = next(r["custom"] for r in replies if isinstance(r.get("custom"), dict) and "answered" in r["custom"])
    return {"text": "\n".join(r.get("text") or "" for r in replies), **custom}


def test_login_upload_preview_publish_replace_rollback_remove(page, portal, servers, library_index, tmp_path):
    pids = (servers.actions.pid, servers.rasa.pid)
    before = ask_rest(servers)
    assert before["answered"] is False and REFUSAL in before["text"]

    # Log in: the library page sends a browser without a session to the login form.
    page.goto(f"{portal.url}/admin/tai-lieu")
    expect(page).to_have_url(re.compile(r"/admin/dang-nhap"))
    page.fill("#token", "sai-ma")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".admin-error")).to_contain_text("Mã quản trị không đúng")
    page.fill("#token", TOKEN)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/admin/tai-lieu$"))
    expect(page.locator(".logout")).to_contain_text("lan")
    expect(page.locator(".library-table tbody tr")).to_have_count(2)

    # A program named .docx is refused in plain Vietnamese, nothing staged.
    upload(page, portal, exe_bytes(), "ke-hoach.docx")
    expect(page.locator("#loi-tai-len")).to_contain_text("chương trình")

    # The real .docx: the preview says what was understood before anything is published.
    upload(page, portal, plan_docx(40), "Kế hoạch 27 Quảng Trị.docx")
    expect(page).to_have_url(re.compile(r"/admin/tai-lieu/xem-truoc/[0-9a-f]{32}$"))
    expect(page.locator("h1")).to_contain_text(LABEL)
    expect(page.locator("#so-hieu")).to_have_text("27/KH-UBND")
    expect(page.locator(".doc-info")).to_contain_text("Ủy ban nhân dân tỉnh Quảng Trị")
    exclusions = page.locator('.fact-group[data-group="exclusion"] .fact-summary')
    expect(exclusions).to_have_count(2)
    expect(exclusions.nth(1)).to_have_text("Giáo viên dạy môn tiếng dân tộc thiểu số")
    targets = page.locator('.fact-group[data-group="target"]')
    expect(targets).to_contain_text("40%")
    expect(targets.locator(".cite-quote").first).to_contain_text("Đến năm 2026: 40% viên chức")
    expect(page.locator('.fact-group[data-group="contact"]')).to_contain_text("Hoàng Thị Mai")
    expect(page.locator(".section-tree").first).to_contain_text("II. MỤC TIÊU")
    expect(page.locator('input[name="cach"][value="moi"]')).to_be_checked()
    screenshot(page, tmp_path, "admin-preview")
    page.get_by_role("button", name="Xuất bản").click()
    wait_until_done(page, f"Đã xuất bản: {LABEL}")
    expect(page.locator(".library-table")).to_contain_text("27/KH-UBND")
    screenshot(page, tmp_path, "admin-library")

    # The running assistant answers from it at once: on the portal page and through Rasa's REST webhook.
    card = ask_portal(page, portal)
    assert "40%" in card and "27/KH-UBND" in card, card
    rest = ask_rest(servers)
    assert rest["answered"] is True and "40%" in rest["text"] and rest["citations"][0]["doc"] == LABEL, rest
    screenshot(page, tmp_path, "admin-portal-answer")

    # A new version whose target changed replaces it (proposed because it has the same number).
    upload(page, portal, plan_docx(55), "Kế hoạch 27 sửa đổi.docx")
    expect(page.locator('input[name="cach"][value="thay"]')).to_be_checked()
    expect(page.locator('.fact-group[data-group="target"]')).to_contain_text("55%")
    page.get_by_role("button", name="Xuất bản").click()
    wait_until_done(page, f"Đã thay thế: {LABEL}")
    assert "55%" in ask_portal(page, portal)
    assert "55%" in ask_rest(servers)["text"]

    # One click back to the version of the first publish.
    page.goto(f"{portal.url}/admin/tai-lieu")
    first = page.locator(".versions-table tbody tr").filter(has_text="Xuất bản").first
    first.get_by_role("button", name="Quay lại phiên bản này").click()
    wait_until_done(page, "Đã quay lại phiên bản")
    expect(page.locator(".versions-table tr.live")).to_contain_text("Xuất bản")
    rest = ask_rest(servers)
    assert "40%" in rest["text"] and "55%" not in rest["text"]

    # Removed: the honest refusal.
    row = page.locator(".library-table tbody tr").filter(has_text="27/KH-UBND")
    row.get_by_role("link", name="Gỡ…").click()
    expect(page.locator("h1")).to_contain_text(LABEL)
    page.get_by_role("button", name="Gỡ văn bản này").click()
    wait_until_done(page, f"Đã gỡ: {LABEL}")
    expect(page.locator(".library-table tbody tr")).to_have_count(2)
    card = ask_portal(page, portal)
    assert REFUSAL in card and "27/KH-UBND" not in card, card
    assert REFUSAL in ask_rest(servers)["text"]

    # Who did what, in the audit log on the page; and nothing was restarted to get here.
    page.goto(f"{portal.url}/admin/tai-lieu")
    actions = page.locator(".audit-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert actions == ["remove", "rollback", "replace", "upload", "publish", "upload", "refuse"], actions
    expect(page.locator(".audit-table tbody tr").first).to_contain_text("lan")
    screenshot(page, tmp_path, "admin-audit")
    assert (servers.actions.pid, servers.rasa.pid) == pids
    assert servers.actions.poll() is None and servers.rasa.poll() is None
