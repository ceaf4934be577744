"""Downloading and verifying the Vietnamese Vosk model, against a local HTTP server (no internet needed):
blob ids as `git hash-object` computes them, a good archive put in place, and clear failures otherwise."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from speech.model_files import MODEL_BLOB_IDS, ModelFilesError, download_model, git_blob_id, verify_model

ROOT = Path(__file__).resolve().parents[1]
FAKE_FILES = {
    "am/final.mdl": b"acoustic model \x00\x01\x02" * 1000,
    "graph/Gr.fst": b"grammar",
    "graph/HCLr.fst": b"",
    "ivector/final.ie": os.urandom(70_000),
    "conf/model.conf": b"--beam=10.0\n",
}


def git_hash_object(path: Path) -> str:
    return subprocess.run(["git", "hash-object", str(path)], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture(scope="module")
def fake_model(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A model-shaped folder and the blob ids of its large files, as git computes them."""
    folder = tmp_path_factory.mktemp("fake") / "vosk-model-small-vn-0.4"
    for name, data in FAKE_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    expected = {name: git_hash_object(folder / name) for name in MODEL_BLOB_IDS}
    return folder, expected


def _zip_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(fake_model):
    """A loopback HTTP server: /model.zip (the fake model), /broken.zip (not a zip), anything else 404."""
    routes = {"/model.zip": _zip_of(fake_model[0]), "/broken.zip": b"<html>not a zip</html>"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/model.zip"


def test_blob_ids_match_git(fake_model):
    folder, expected = fake_model
    for name in MODEL_BLOB_IDS:
        assert git_blob_id(folder / name) == expected[name]
    # the empty blob has a well-known id
    assert expected["graph/HCLr.fst"] == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


def test_verify_reports_missing_and_changed_files(fake_model, tmp_path):
    folder, expected = fake_model
    assert verify_model(folder, expected) == []
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "graph" / "Gr.fst").write_bytes(b"grammar!")
    (copy / "ivector" / "final.ie").unlink()
    problems = verify_model(copy, expected)
    assert len(problems) == 2
    assert any(p.startswith("graph/Gr.fst: blob id") for p in problems)
    assert "ivector/final.ie: missing" in problems
    # the real ids do not match a fake model
    assert len(verify_model(folder)) == 4


def test_download_unpacks_verifies_and_keeps(server, fake_model, tmp_path):
    _, expected = fake_model
    target = download_model(tmp_path, f"{server}/model.zip", expected=expected, progress=False)
    assert target == tmp_path / "vosk-model-small-vn-0.4"
    assert verify_model(target, expected) == []
    assert (target / "conf" / "model.conf").read_bytes() == FAKE_FILES["conf/model.conf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vosk-model-small-vn-0.4"]  # no leftovers
    # a verified copy is kept without downloading again (the URL would fail)
    assert download_model(tmp_path, closed_port_url(), expected=expected, progress=False) == target


def test_download_that_does_not_verify_leaves_nothing(server, tmp_path):
    with pytest.raises(ModelFilesError, match="không khớp mã kiểm tra"):
        download_model(tmp_path, f"{server}/model.zip", progress=False)  # the real ids
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path, message", [
    ("/missing.zip", "Không tải được mô hình"),
    ("/broken.zip", "không phải tệp zip hợp lệ"),
])
def test_download_failures_are_clear(server, tmp_path, path, message):
    with pytest.raises(ModelFilesError, match=message):
        download_model(tmp_path, f"{server}{path}", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_cli_download_without_network_is_one_clear_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "speech", "download-model", "--dest", str(tmp_path), "--url", closed_port_url(),
         "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Lỗi: Không tải được mô hình" in result.stderr
    assert "ConnectError" in result.stderr


def test_cli_verify_model(fake_model, tmp_path):
    result = subprocess.run([sys.executable, "-m", "speech", "verify-model", str(fake_model[0])], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "am/final.mdl: blob id" in result.stderr
    missing = subprocess.run([sys.executable, "-m", "speech", "verify-model", str(tmp_path / "none")], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "make models" in missing.stderr
