"""The voice-search widget's server side over real HTTP and WebSocket: its scripts, CORS for the configured host
portals only (preflights included), the speech stream from another origin (real Vosk code path, Korean model:
the transcripts are gibberish, so the tests check that something was heard and the cap, not words), the rate
limit, the setting, and the demo host page's server. No Rasa here: the widget's search mode never asks it, and
/api/ask is checked for its CORS and limits (it answers 503 "busy" without Rasa, as it would in production).
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from actions.launch import free_port
from portal import PortalSettings
from portal.demo import DEFAULT_ENDPOINT, DemoServer
from test_portal import (VIETNAMESE, Clips, RunningPortal, portal_settings, stream,
                         wav_pcm)

HOST_PORTAL = "http://localhost:8000"  # a host portal allowed to embed the widget
OTHER_PORTAL = "https://evil.example"
CSP = "default-src 'self'; script-src 'self'"
WIDGET_SCRIPTS = ("/widget/voice-search.js", "/widget/pcm-worklet.js", "/widget/resampler.js")


def no_rasa() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there: /api/ask answers "busy"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips.make(tmp_path_factory.mktemp("widget-clips"))


@pytest.fixture(scope="module")
def portal(speech):
    settings = portal_settings(no_rasa(), portal_widget_origins=f"{HOST_PORTAL}, https://cong.bomau.gov.vn/")
    with RunningPortal(settings, speech) as running:
        yield running


@pytest.fixture
def client(portal: RunningPortal):
    with httpx.Client(base_url=portal.url, timeout=30) as http:
        yield http


def preflight(client: httpx.Client, path: str, origin: str, method: str = "POST",
              headers: str | None = "content-type") -> httpx.Response:
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=request_headers)


# --- the scripts -------------------------------------------------------------------------------------------

def test_widget_scripts_are_plain_local_javascript(client: httpx.Client):
    for path in WIDGET_SCRIPTS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/javascript"), path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"  # hosts with COEP may embed it
        assert "access-control-allow-origin" not in response.headers  # no Origin, no CORS
        text = re.sub(r'"http://www\.w3\.org/2000/svg"', "", response.text)  # a namespace, not a fetch
        text = re.sub(r"(?m)^\s*//.*$", "", text)  # comments (the usage example names a portal)
        # Nothing fetched from elsewhere (no CDN), and no HTML built from strings.
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), path
        for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert unsafe not in text, (path, unsafe)
    widget = client.get("/widget/voice-search.js").text
    assert "Để tăng độ chính xác bạn hãy nói không quá nhanh, rõ ràng." in widget
    assert "attachShadow" in widget and "MutationObserver" in widget and "requestSubmit" in widget
    assert client.get("/widget/app.py").status_code == 404
    assert client.get("/widget/../app.py").status_code == 404


def test_widget_scripts_and_endpoints_answer_allowed_origins_only(client: httpx.Client):
    for path in (*WIDGET_SCRIPTS, "/api/config"):
        allowed = client.get(path, headers={"Origin": HOST_PORTAL})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == HOST_PORTAL, path
        assert "origin" in allowed.headers["vary"].lower()
        assert "access-control-allow-credentials" not in allowed.headers  # the widget sends no cookies
        refused = client.get(path, headers={"Origin": OTHER_PORTAL})
        assert "access-control-allow-origin" not in refused.headers, path
        assert "origin" in refused.headers["vary"].lower()
    # The setting is normalised the way browsers write an Origin (lower case, no default port, no slash).
    assert client.get("/api/config", headers={"Origin": "https://cong.bomau.gov.vn"}).headers[
        "access-control-allow-origin"] == "https://cong.bomau.gov.vn"
    assert client.get("/api/config", headers={"Origin": "http://localhost:8001"}).headers.get(
        "access-control-allow-origin") is None  # another port is another origin
    # Only the widget's endpoints: not the portal's page, its other APIs or its health check.
    for path in ("/", "/healthz", "/static/portal.js", "/api/feedback"):
        response = client.get(path, headers={"Origin": HOST_PORTAL})
        assert "access-control-allow-origin" not in response.headers, path


def test_preflights_pass_for_allowed_origins_and_the_widgets_requests_only(client: httpx.Client):
    allowed = preflight(client, "/api/ask", HOST_PORTAL)
    assert allowed.status_code == 204 and not allowed.content
    assert allowed.headers["access-control-allow-origin"] == HOST_PORTAL
    assert set(allowed.headers["access-control-allow-methods"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert allowed.headers["access-control-allow-headers"].lower() == "content-type"
    assert int(allowed.headers["access-control-max-age"]) > 0
    assert allowed.headers["x-content-type-options"] == "nosniff"  # the portal's security headers as everywhere
    assert preflight(client, "/api/config", HOST_PORTAL, "GET", None).status_code == 204
    refusals = [
        preflight(client, "/api/ask", OTHER_PORTAL),  # not a configured origin
        preflight(client, "/api/ask", "null"),  # a sandboxed frame or a file
        preflight(client, "/api/ask", HOST_PORTAL, "DELETE"),  # not a method the widget uses
        preflight(client, "/api/ask", HOST_PORTAL, "POST", "content-type, authorization"),  # nor a header
    ]
    for response in refusals:
        assert response.status_code == 403, response.request.headers
        assert "access-control-allow-origin" not in response.headers
        assert response.json()["error"] == "origin_not_allowed" and VIETNAMESE.search(response.json()["message"])
        assert response.headers["content-security-policy"].startswith(CSP)
    for path in ("/api/voice", "/api/feedback", "/admin/report"):  # not the widget's: no CORS answer at all
        response = preflight(client, path, HOST_PORTAL)
        assert response.status_code != 204 and "access-control-allow-origin" not in response.headers, path


def test_the_portals_own_page_keeps_its_strict_headers(client: httpx.Client):
    page = client.get("/", headers={"Origin": HOST_PORTAL})
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith(CSP)
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "cross-origin-resource-policy" not in page.headers


def test_errors_reach_the_widget_readable_and_rate_limited(speech):
    """A 503 or a 429 must carry the CORS header too, or the widget could not show its message. The limit is the
    portal's per-IP bucket, shared by /api/ask and /ws/speech."""
    settings = portal_settings(no_rasa(), portal_rate_per_minute=1, portal_rate_burst=2,
                               portal_widget_origins=HOST_PORTAL)
    with RunningPortal(settings, speech) as portal, httpx.Client(base_url=portal.url, timeout=30) as client:
        headers = {"Origin": HOST_PORTAL}
        for _ in range(2):
            busy = client.post("/api/ask", json={"message": "chỉ tiêu năm 2025"}, headers=headers)
            assert busy.status_code == 503 and busy.json()["error"] == "busy"  # no Rasa behind this portal
            assert busy.headers["access-control-allow-origin"] == HOST_PORTAL
        limited = client.post("/api/ask", json={"message": "chỉ tiêu năm 2025"}, headers=headers)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.headers["access-control-allow-origin"] == HOST_PORTAL
        assert VIETNAMESE.search(limited.json()["message"])
        with connect(portal.ws_url, additional_headers=headers, open_timeout=10) as ws:
            error = json.loads(ws.recv(timeout=10))
        assert error["error"] == "rate_limited" and VIETNAMESE.search(error["message"])


# --- the speech stream from a host portal -------------------------------------------------------------------

def test_speech_stream_from_an_allowed_origin_is_recognised_and_capped(portal: RunningPortal, clips: Clips):
    replies, final = stream(portal.ws_url, wav_pcm(clips.question), origin=HOST_PORTAL)
    assert any(r["partial"].strip() for r in replies)  # speech was heard
    assert final["text"].strip() and final["truncated"] is False
    # The 10-s cap holds for host portals as well: 14 s sent without an end, the server stops at 10 s.
    replies, final = stream(portal.ws_url, wav_pcm(clips.long), eof=False, origin=HOST_PORTAL)
    assert final is not None and final["truncated"] is True and 9.9 <= final["duration_s"] <= 10.5, final


def test_speech_stream_from_another_origin_is_refused(portal: RunningPortal, clips: Clips):
    pcm = wav_pcm(clips.question)[:3200]
    for origin in (OTHER_PORTAL, "http://localhost:8001", "null"):
        with pytest.raises(InvalidStatus) as refused:  # closed (1008) before the handshake completes: HTTP 403
            stream(portal.ws_url, pcm, origin=origin)
        assert refused.value.response.status_code == 403
    _, final = stream(portal.ws_url, pcm, origin=portal.url)  # the portal's own page still may
    assert final is not None and "text" in final


def test_without_the_setting_no_other_site_may_use_the_widget(speech, clips: Clips):
    settings = PortalSettings(_env_file=None, rasa_url=no_rasa())
    assert settings.widget_origins == frozenset()
    with RunningPortal(settings, speech) as portal, httpx.Client(base_url=portal.url, timeout=30) as client:
        assert client.get("/widget/voice-search.js").status_code == 200  # the script itself is public
        assert preflight(client, "/api/ask", HOST_PORTAL).status_code == 403
        assert "access-control-allow-origin" not in client.get("/api/config", headers={"Origin": HOST_PORTAL}).headers
        with pytest.raises(InvalidStatus):
            stream(portal.ws_url, wav_pcm(clips.question)[:3200], origin=HOST_PORTAL)


# --- the setting and the demo page ----------------------------------------------------------------------------

def test_widget_origins_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PORTAL_WIDGET_ORIGINS", " https://Cong.BoMau.gov.vn:443/ ,http://localhost:8000,, ")
    settings = PortalSettings(_env_file=None)
    assert settings.widget_origins == {"https://cong.bomau.gov.vn", "http://localhost:8000"}
    for bad in ("*", "cong.bomau.gov.vn", "https://cong.bomau.gov.vn/tim-kiem", "ftp://files.example",
                "https://user@cong.bomau.gov.vn"):
        monkeypatch.setenv("PORTAL_WIDGET_ORIGINS", bad)
        with pytest.raises(ValueError, match="not a web origin"):
            PortalSettings(_env_file=None)


def test_demo_page_names_the_widget_and_its_server_serves_only_the_pages():
    with DemoServer("http://127.0.0.1:9999/") as demo, httpx.Client(base_url=f"http://127.0.0.1:{demo.port}") as http:
        page = http.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert ('<script src="http://127.0.0.1:9999/widget/voice-search.js" data-endpoint="http://127.0.0.1:9999" '
                'defer></script>') in page.text
        assert DEFAULT_ENDPOINT not in page.text
        assert page.text.count('type="search"') == 1 and page.text.count("data-voice-search") == 1
        assert page.text.count("<form") == 2
        assert "http://127.0.0.1:9999/widget/voice-search.js" in http.get("/ket-qua.html").text
        assert http.get("/demo.js").headers["content-type"].startswith("text/javascript")
        for path in ("/__init__.py", "/../widget.py", "/nope.html"):
            assert http.get(path).status_code == 404, path
