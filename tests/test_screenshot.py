"""`make screenshot` (docs/screenshot.py): the script run for real into a temporary folder, against the session's Rasa
and action servers, makes a PNG of the portal showing the answer to its question with the citation."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

from conftest import ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_screenshot_shows_the_portal_answering_with_its_citation(assistant, tmp_path):
    picture = tmp_path / "docs" / "portal.png"
    run = subprocess.run([sys.executable, "docs/screenshot.py", "--out", str(picture), "--rasa-url", assistant.rasa_url],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    shown = json.loads(run.stdout.strip().splitlines()[-1])

    assert shown["question"] == "Đến năm 2025 bao nhiêu % viên chức phải đạt bậc 4?"
    assert "2025" in shown["answer"] and "bậc 4" in shown["answer"]
    assert "206/KH-UBND" in shown["citation"]["doc"]
    assert shown["citation"]["section"].strip()
    assert "bậc 4" in shown["citation"]["quote"]
    assert shown["answer_in_picture"] and shown["citation_in_picture"]

    data = picture.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk: the picture's size
    assert [width, height] == shown["size"]
    assert width >= 600 and height >= 600
