"""The document library on the portal (portal/library_admin.py, portal/admin.py) and the running action servers that
follow it: who may reach the admin pages and API (named tokens, a login cookie, CSRF, never from the public pages),
the JSON API for scripts (upload → preview → publish → remove → rollback, hostile uploads refused), and two real
action servers on one index folder that both switch to a new version on their next question, with no question
failing or half-answered while they do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from actions.launch import free_port, stop, wait_until_up
from conftest import DOC_642, ROOT
from knowledge.library import Library
from library_docs import LABEL, NUMBER, QUESTION, exe_bytes, pdf_pages, plan_docx, zip_bomb
from portal import create_app
from portal.app import SpeechState
from portal.settings import PortalSettings, parse_named_tokens

LAN, MINH = "lan-" + uuid.uuid4().hex, "minh-" + uuid.uuid4().hex
TOKENS = f"lan:{LAN},minh:{MINH}"
NO_SPEECH = SpeechState(None, 10.0, 10 * 1024 * 1024)
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
NAME = "Kế hoạch 27 Quảng Trị.docx"


def portal_app(**overrides):
    values = {"rasa_url": "http://127.0.0.1:9", "portal_rate_per_minute": 6000, "portal_rate_burst": 1000,
              "portal_admin_tokens": TOKENS, **overrides}
    return create_app(PortalSettings(_env_file=None, **values), NO_SPEECH)


@pytest.fixture
def private_index(index_copy, monkeypatch) -> Path:
    """A copy of the session index that the portal (and the commands it runs) use."""
    target = index_copy()
    monkeypatch.setenv("CCVC_INDEX_DIR", str(target))
    return target


@pytest.fixture
def client(private_index) -> Iterator[TestClient]:
    with TestClient(portal_app(), base_url="http://testserver") as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, token: str = LAN) -> str:
    """Log in through the form; the CSRF token of the library page."""
    response = client.post("/admin/dang-nhap", data={"token": token, "tiep": "/admin/tai-lieu"})
    assert response.status_code == 200 and response.url.path == "/admin/tai-lieu", response.text[:500]
    return re.search(r'name="csrf" value="([^"]+)"', response.text).group(1)


# ---------------------------------------------------------------------------------------------
# Who may reach the admin pages


def test_admin_pages_are_off_without_tokens(private_index) -> None:
    with TestClient(portal_app(portal_admin_tokens=None)) as client:
        for path in ("/admin/tai-lieu", "/admin/dang-nhap", "/admin/api/documents", "/admin/api/audit"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 404 and "PORTAL_ADMIN_TOKEN" in response.json()["message"]


def test_without_a_token_browsers_go_to_the_login_and_scripts_get_401(client, private_index) -> None:
    page = client.get("/admin/tai-lieu", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/admin/dang-nhap?tiep=%2Fadmin%2Ftai-lieu"
    for method, path in [("GET", "/admin/api/documents"), ("POST", "/admin/api/previews"),
                         ("DELETE", f"/admin/api/documents/{DOC_642}"), ("GET", "/admin/api/versions"),
                         ("POST", "/admin/api/versions/rollback"), ("GET", "/admin/api/audit")]:
        response = client.request(method, path)
        assert response.status_code == 401 and "Bearer" in response.json()["message"], (method, path)
        assert client.request(method, path, headers=bearer("sai-" + LAN)).status_code == 401
    assert client.post("/admin/tai-lieu/tai-len", files={"tep": ("a.docx", plan_docx())},
                       follow_redirects=False).status_code == 303  # to the login, nothing staged
    assert not (private_index / ".uploads").exists()


def test_login_with_a_wrong_token_is_refused_and_a_right_one_names_the_admin(client) -> None:
    wrong = client.post("/admin/dang-nhap", data={"token": "sai"})
    assert wrong.status_code == 401 and "Mã quản trị không đúng" in wrong.text
    assert "ccvc_admin" not in wrong.headers.get("set-cookie", "")
    response = client.post("/admin/dang-nhap", data={"token": MINH, "tiep": "https://ke-gian.example/"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/tai-lieu"  # never another site
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie and MINH not in cookie
    page = client.get("/admin/tai-lieu")
    assert page.status_code == 200 and "Đăng nhập: <strong>minh</strong>" in page.text
    assert page.headers["cache-control"] == "no-store" and "noindex" in page.headers["x-robots-tag"]
    client.post("/admin/dang-xuat")
    assert client.get("/admin/tai-lieu", follow_redirects=False).status_code == 303


def test_a_forged_or_stale_cookie_is_worth_nothing(client, private_index) -> None:
    login(client)
    good = client.cookies.get("ccvc_admin")
    payload, signature = good.split(".")
    client.cookies.clear()
    client.cookies.set("ccvc_admin", f"{payload}.{signature[:-2]}xx", path="/admin")
    assert client.get("/admin/tai-lieu", follow_redirects=False).status_code == 303
    # The same cookie, once the token behind it changed, is refused too.
    with TestClient(portal_app(portal_admin_tokens=f"lan:{MINH}x,minh:{LAN}x")) as other:
        other.cookies.set("ccvc_admin", good, path="/admin")
        assert other.get("/admin/tai-lieu", follow_redirects=False).status_code == 303


def test_forms_need_the_csrf_token_and_this_origin(client, private_index) -> None:
    csrf = login(client)
    files = {"tep": (NAME, plan_docx(), "application/octet-stream")}
    no_csrf = client.post("/admin/tai-lieu/tai-len", files=files)
    assert no_csrf.status_code == 403 and "Biểu mẫu đã hết hạn" in no_csrf.text
    elsewhere = client.post("/admin/tai-lieu/tai-len", data={"csrf": csrf}, files=files,
                            headers={"Origin": "https://ke-gian.example"})
    assert elsewhere.status_code == 403 and "trang khác" in elsewhere.text
    rollback = client.post("/admin/tai-lieu/phien-ban", data={"phien-ban": "v-x"})
    assert rollback.status_code == 403
    assert not (private_index / ".uploads").exists() and Library.open(private_index).audit() == []  # nothing done


def test_the_public_pages_never_lead_to_the_admin_pages(client) -> None:
    for path in ("/", "/kiem-tra", "/chi-tieu", "/static/portal.js", "/static/index.html"):
        response = client.get(path)
        assert response.status_code == 200 and "/admin" not in response.text, path


def test_named_tokens_are_checked_when_the_portal_starts() -> None:
    assert parse_named_tokens(f" lan:{LAN} , minh:{MINH} ") == {"lan": LAN, "minh": MINH}
    for bad, words in [("lan", "name:token"), ("lan:short", "16"), (f"lan:{LAN},lan:{MINH}", "twice"),
                       (f"la n:{LAN}", "name:token")]:
        with pytest.raises(ValueError, match=words):
            parse_named_tokens(bad)
    with pytest.raises(ValueError) as info:
        PortalSettings(_env_file=None, portal_admin_tokens=f"lan:{LAN},minh:short")
    assert LAN not in str(info.value)
    both = PortalSettings(_env_file=None, portal_admin_token="only-" + LAN, portal_admin_tokens=f"minh:{MINH}")
    assert both.admin_tokens == {"minh": MINH, "admin": "only-" + LAN}


# ---------------------------------------------------------------------------------------------
# The JSON API


def test_the_api_for_scripts(client, private_index) -> None:
    headers = bearer(LAN)
    created = client.post("/admin/api/previews", params={"name": NAME}, content=plan_docx(40),
                          headers={**headers, "Content-Type": "application/octet-stream"})
    assert created.status_code == 201, created.text
    preview = created.json()["preview"]
    assert preview["analysis"]["info"]["number"] == NUMBER and preview["by"] == "lan" and not preview["replaces"]
    assert client.get(f"/admin/api/previews/{preview['id']}", headers=headers).json()["preview"]["id"] == preview["id"]

    published = client.post(f"/admin/api/previews/{preview['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    version = published.json()["version"]
    documents = client.get("/admin/api/documents", headers=headers).json()
    assert documents["version"] == version
    row = next(d for d in documents["documents"] if d["label"] == LABEL)
    assert row["added_by"] == "lan" and row["origin"] == "library"
    page = client.get("/admin/tai-lieu", headers=headers).text
    assert re.search(r'class="hr-card notice lookups-note">[^<]*' + re.escape(NUMBER), page)  # said, not silent

    second = client.post("/admin/api/previews", files={"tep": ("sua-doi.docx", plan_docx(55))},
                         headers=bearer(MINH)).json()["preview"]
    assert second["replaces"] == row["doc_id"]
    replaced = client.post(f"/admin/api/previews/{second['id']}/publish", json={"replace": second["replaces"]},
                           headers=bearer(MINH))
    assert replaced.status_code == 200 and replaced.json()["change"]["action"] == "replace"

    gone = client.delete(f"/admin/api/documents/{row['doc_id']}", headers=headers)
    assert gone.status_code == 200 and gone.json()["change"]["action"] == "remove"
    again = client.delete(f"/admin/api/documents/{row['doc_id']}", headers=headers)
    assert again.status_code == 409 and "Không có tài liệu" in again.json()["message"]
    back = client.post("/admin/api/versions/rollback", json={"version": version}, headers=headers)
    assert back.status_code == 200 and back.json()["version"] == version
    versions = client.get("/admin/api/versions", headers=headers).json()["versions"]
    assert next(v for v in versions if v["live"])["name"] == version

    audit = client.get("/admin/api/audit", params={"limit": 20}, headers=headers).json()["entries"]
    assert [(e["action"], e["by"]) for e in audit[:4]] == [("rollback", "lan"), ("remove", "lan"),
                                                           ("replace", "minh"), ("upload", "minh")]


@pytest.mark.parametrize("data, name, status, code, words", [
    (exe_bytes(), "ke-hoach.docx", 422, "not_a_document", ["chương trình"]),
    (zip_bomb(150), "ke-hoach.docx", 422, "archive_bomb", ["giải nén"]),
    (pdf_pages(5000), "ke-hoach.pdf", 422, "too_many_pages", ["5.000 trang"]),
    (plan_docx(), "../../var/index/CURRENT", 422, "bad_name", ["Tên tệp không hợp lệ"]),
    (b"x" * (21 * 1024 * 1024), "to.txt", 413, "too_large", ["quá lớn"]),
])
def test_hostile_uploads_through_the_api(client, private_index, data, name, status, code, words) -> None:
    response = client.post("/admin/api/previews", params={"name": name}, content=data,
                           headers={**bearer(LAN), "Content-Type": "application/octet-stream"})
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and all(word in body["message"] for word in words), body
    assert not (private_index / ".uploads").exists() or not list((private_index / ".uploads").iterdir())
    assert not (private_index.parent / "CURRENT").exists() and not list(private_index.parent.glob("*.docx"))


def test_bad_api_requests_get_clear_messages(client) -> None:
    headers = bearer(LAN)
    assert client.post("/admin/api/previews", content=b"abc", headers=headers).json()["error"] == "no_name"
    assert client.get("/admin/api/previews/" + "0" * 32, headers=headers).status_code == 404
    assert client.get("/admin/api/previews/..%2F..%2FCURRENT", headers=headers).status_code == 404
    bad = client.post("/admin/api/previews/" + "0" * 32 + "/publish", json={"replace": 3}, headers=headers)
    assert bad.status_code == 422 and "replace" in bad.json()["message"]
    assert client.post("/admin/api/versions/rollback", json={"version": "v-khong-co"},
                       headers=headers).status_code == 409
    assert client.get("/admin/api/audit", params={"limit": "nhieu"}, headers=headers).status_code == 422


# ---------------------------------------------------------------------------------------------
# Running action servers follow the index folder they share


def action_request(text: str) -> dict:
    slots = {name: None for name in DOMAIN["slots"]}
    tracker = {"sender_id": "admin-test", "slots": slots, "events": [], "paused": False, "followup_action": None,
               "active_loop": {}, "latest_action_name": "action_listen",
               "latest_message": {"text": text, "intent": {"name": "ask_target", "confidence": 0.9}, "entities": []}}
    return {"next_action": "action_answer_question", "sender_id": "admin-test", "tracker": tracker,
            "domain": DOMAIN, "version": "3.6.21"}


def ask_action_server(url: str, text: str = QUESTION) -> dict:
    """The answer of action_answer_question (its json_message) from an action server, as Rasa would get it."""
    response = httpx.post(f"{url}/webhook", json=action_request(text), timeout=120)
    response.raise_for_status()
    return next(r["custom"] for r in response.json()["responses"] if r.get("custom"))


@contextmanager
def action_servers(count: int, index_dir: Path, logs: Path) -> Iterator[list[str]]:
    with ExitStack() as stack:
        urls = []
        for number in range(count):
            port = free_port()
            log = stack.enter_context((logs / f"actions-{number}.log").open("w"))
            process = subprocess.Popen([sys.executable, "-m", "actions"], cwd=ROOT, stdout=log,
                                       stderr=subprocess.STDOUT,
                                       env={**os.environ, "ACTION_SERVER_PORT": str(port),
                                            "CCVC_INDEX_DIR": str(index_dir)})
            stack.callback(stop, process)
            urls.append((f"http://127.0.0.1:{port}", process))
        for url, process in urls:
            wait_until_up(f"{url}/health", process, 600)
        yield [url for url, _ in urls]



def test_two_action_servers_on_one_index_folder_both_switch(index_copy, settings, tmp_path) -> None:
    index_dir = index_copy()
    library = Library(index_dir, settings)
    with action_servers(2, index_dir, tmp_path) as urls:
        for url in urls:
            assert ask_action_server(url)["answered"] is False  # not in the documents yet: the honest refusal

        # Questions keep coming to both servers while the new version is built and switched to.
        answers: list[dict] = []
        failures: list[str] = []
        stop = threading.Event()

        def keep_asking(url: str) -> None:
            while not stop.is_set():
                try:
                    answers.append(ask_action_server(url))
                except Exception as exc:  # noqa: BLE001 - any failure fails the test below
                    failures.append(f"{url}: {type(exc).__name__}: {exc}")

        askers = [threading.Thread(target=keep_asking, args=(url,)) for url in urls]
        for asker in askers:
            asker.start()
        try:
            library.publish(library.stage(plan_docx(40), NAME, "lan").id, "lan")
            for url in urls:  # the next question after the build: the new document, cited
                custom = ask_action_server(url)
                assert custom["answered"] is True and "40%" in custom["answer"], custom
                assert custom["citations"][0]["doc"] == LABEL
            library.remove(library.versions()[0].change["doc_id"], "lan")
            for url in urls:
                assert ask_action_server(url)["answered"] is False
        finally:
            stop.set()
            for asker in askers:
                asker.join()
        assert not failures, failures[:3]
        # Every answer meanwhile was whole: either the refusal, or the cited answer from the new version.
        assert answers and all(a["answered"] is False or ("40%" in a["answer"] and a["citations"][0]["doc"] == LABEL)
                               for a in answers)
    for number in range(2):
        log = (tmp_path / f"actions-{number}.log").read_text()
        assert log.count("index switched from") == 2, log[-3000:]


def test_admin_pages_keep_the_portals_security_headers(client) -> None:
    from portal.app import SECURITY_HEADERS

    csrf = login(client)
    responses = [client.get("/admin/dang-nhap"), client.get("/admin/tai-lieu"),
                 client.post("/admin/tai-lieu/tai-len", data={"csrf": csrf}, files={"tep": ("a.docx", exe_bytes())}),
                 client.get("/admin/api/documents", headers=bearer(LAN))]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            # Referrer-Policy: same-origin, so that the pages' own form POSTs carry their Origin.
            expected = "same-origin" if name == "Referrer-Policy" else value
            assert response.headers.get(name) == expected, (response.url, name)
        assert response.headers["cache-control"] == "no-store"
    assert "style=" not in responses[1].text and "<script" not in responses[1].text  # the strict CSP holds
