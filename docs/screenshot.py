"""docs/portal.png: the real portal answering a real question with its citation, in Debian's Chromium (`make screenshot`).

    .venv/bin/python docs/screenshot.py [--out docs/portal.png] [--rasa-url URL] [--question "…"]

Without --rasa-url it starts the action server and the Rasa server on free loopback ports (actions.launch: the index
of CCVC_INDEX_DIR and the latest trained model, as `make train` leaves them); with it, it uses that Rasa server. The
portal is served in a thread on a free port in front of it (speech as `make run` has it). The question is typed into
the page and sent with Enter, as a user would; the script waits for the answer and its citation on the page (no fixed
sleep) and takes the picture: the page's column, from its header down to the end of the answer card (a
browser window 1280 px wide). It prints, as one JSON line, what the picture shows: the question, the
answer text, the first citation and whether both were inside the picture.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the checkout's packages
    sys.path.insert(0, str(ROOT))

QUESTION = "Đến năm 2025 bao nhiêu % viên chức phải đạt bậc 4?"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 900}
MARGIN = 32  # pixels of background kept around the page's column
ANSWER_TIMEOUT_MS = 120_000  # a bound against a hang on a busy machine, not a measure
QUIET = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
# The newest answer card, once answered, and the parts of it the picture is about.
CARD = ".exchange[data-state=answered]"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_portal(rasa_url: str) -> Iterator[str]:
    """The portal app (portal.create_app) served by uvicorn in a thread on a free loopback port; its URL."""
    import uvicorn

    from portal import PortalSettings, create_app
    from portal.server import uvicorn_config

    port = free_port()
    settings = PortalSettings(rasa_url=rasa_url, portal_host="127.0.0.1", portal_port=port)
    server = uvicorn.Server(uvicorn_config(create_app(settings), settings, log_level="warning"))
    thread = threading.Thread(target=server.run, name="portal", daemon=True)
    thread.start()
    try:
        while not server.started:  # set once the app's start-up (speech loaded) is done
            if not thread.is_alive():
                raise RuntimeError("the portal did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def capture(portal_url: str, out: Path, question: str) -> dict:
    """Ask `question` on the page, wait for the answer and its citation, save the picture; what it shows."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        try:
            page = browser.new_page(viewport=VIEWPORT, locale="vi-VN", device_scale_factor=1)
            page.goto(portal_url + "/")
            page.wait_for_selector("body[data-ready=true]")
            page.fill("#question", question)
            page.press("#question", "Enter")
            card = page.locator(CARD).first
            card.locator(".citation .cite-quote").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
            citation = card.locator(".citation").first
            # No focus ring in the picture, and the page at its top: element boxes are then page coordinates.
            page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
            # The page's column (header, search box, examples) down to the end of the answer card, with a margin.
            column, whole_card = page.locator("main.wrap").bounding_box(), card.bounding_box()
            clip = {"x": max(column["x"] - MARGIN, 0), "y": 0,
                    "width": min(column["width"] + 2 * MARGIN, VIEWPORT["width"]),
                    "height": whole_card["y"] + whole_card["height"] + MARGIN}
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True, clip=clip)
            shown = {
                "question": card.locator(".question-text").inner_text(),
                "answer": card.locator(".answer-text").first.inner_text(),
                "citation": {part: citation.locator(f".cite-{part}").inner_text() for part in ("doc", "section", "quote")},
                "answer_in_picture": inside(card.locator(".answer-text").first.bounding_box(), clip),
                "citation_in_picture": inside(citation.bounding_box(), clip),
                "picture": str(out),
                "size": [round(clip["width"]), round(clip["height"])],
            }
        finally:
            browser.close()
    return shown


def inside(box: dict | None, clip: dict) -> bool:
    """Whether an element's box (viewport coordinates, the page scrolled to its top) lies inside the picture."""
    return bool(box) and box["x"] >= clip["x"] and box["y"] >= clip["y"] \
        and box["x"] + box["width"] <= clip["x"] + clip["width"] and box["y"] + box["height"] <= clip["y"] + clip["height"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "portal.png", help="the PNG to write")
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start one, with its action server)")
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        rasa_url = args.rasa_url
        if not rasa_url:
            from actions.launch import running_servers

            rasa_url = stack.enter_context(running_servers()).rasa_url
        portal_url = stack.enter_context(running_portal(rasa_url))
        shown = capture(portal_url, args.out, args.question)
    print(json.dumps(shown, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
