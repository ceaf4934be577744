"""The document library's speed: preview time, and publish → first cited answer of the running assistant.

On a private copy of the index (var/index, else one built from knowledge/docs) with the assistant running on it
(the action server and, when a trained model exists, Rasa: actions/launch.py), for a generated province plan of
--pages pages as a real .docx:

- preview: `Library.stage` as the admin page runs it (type checks, the child process that reads the .docx under
  limits, the analysis: metadata, sections, facts), for each size in --preview-pages;
- publish → first cited answer: `python -m knowledge publish` as the admin page runs it (a new process: Python and
  the embedding model load, the new chunks are embedded, the version is written and switched to), while a client
  asks a question about the new document every --poll seconds through Rasa's REST webhook (or the action server's
  webhook with --via actions); the clock stops at the first answer that cites the new document. Each run publishes
  a document of new text (nothing reused) on the base version (rolled back to between runs);
- the per-question cost of following the index (LiveCache.get() on an unchanged index: one stat of CURRENT).

Prints medians over --runs runs (the machine is shared: compare with a baseline run beside it, same hour).

    python bench/library_publish.py [--pages 10] [--preview-pages 10,50] [--runs 3] [--via rest|actions]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from actions.launch import free_port, latest_model, running_servers, wait_until_up  # noqa: E402
from knowledge.index import build_from_paths, live_version, load_index  # noqa: E402
from knowledge.library import Library  # noqa: E402
from knowledge.live import LiveCache  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402

QUESTION = "Đến năm 2026 bao nhiêu phần trăm viên chức trạm y tế tỉnh {province} phải có chứng chỉ tiếng dân tộc?"
PROVINCES = ["Quảng Trị", "Kon Tum", "Sơn La", "Lai Châu", "Điện Biên", "Hà Giang", "Gia Lai", "Đắk Nông"]
CHARS_PER_PAGE = 3000  # a typed A4 page of a Vietnamese administrative document


def plan_lines(pages: int, number: int, province: str) -> list[str]:
    """A plan of about `pages` pages: header, who is covered and excluded, targets, then numbered duties."""
    lines = [
        f"ỦY BAN NHÂN DÂN TỈNH {province.upper()}", f"Số: {number}/KH-UBND", f"{province}, ngày 05 tháng 6 năm 2023",
        "KẾ HOẠCH", f"Bồi dưỡng tiếng dân tộc thiểu số cho cán bộ, công chức, viên chức tỉnh {province} giai đoạn "
        "2023 - 2028",
        "I. ĐỐI TƯỢNG", "1. Đối tượng áp dụng", "a) Cán bộ, công chức cấp xã trên địa bàn tỉnh.",
        "b) Viên chức làm việc tại các trạm y tế.", "2. Đối tượng không áp dụng",
        "a) Giáo viên dạy môn tiếng dân tộc thiểu số.",
        "II. MỤC TIÊU",
        f"- Đến năm 2026: {40 + number % 50}% viên chức làm việc tại các trạm y tế tỉnh {province} đạt chứng chỉ tiếng "
        "dân tộc thiểu số trình độ A.",
        "III. NHIỆM VỤ VÀ GIẢI PHÁP",
    ]
    section = 0
    while sum(len(line) + 1 for line in lines) < pages * CHARS_PER_PAGE:
        section += 1
        lines.append(f"{section}. Nhiệm vụ đợt {section} tại tỉnh {province} (kế hoạch số {number})")
        for item in "abcdef":
            lines.append(f"{item}) Sở Nội vụ chủ trì, phối hợp với Ủy ban nhân dân huyện thứ {section} rà soát nhu cầu "
                         f"bồi dưỡng tiếng dân tộc thiểu số của cán bộ, công chức, viên chức (đợt {section}{item}, kế "
                         f"hoạch {number}); tổng hợp danh sách, dự toán kinh phí và báo cáo Ủy ban nhân dân tỉnh trước "
                         f"ngày {1 + section % 28} tháng {1 + section % 12} hằng năm.")
    lines += ["IV. TỔ CHỨC THỰC HIỆN", "Mọi vướng mắc liên hệ bà Hoàng Thị Mai, Ban Dân tộc tỉnh, điện thoại: "
              "0233 3852 123.", "Nơi nhận:", "- Các sở, ban, ngành;", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Văn Hùng"]
    return lines


def docx_bytes(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def base_index(work: Path, settings: KnowledgeSettings) -> Path:
    target = work / "index"
    if (settings.index_dir / "CURRENT").is_file():
        shutil.copytree(settings.index_dir, target, ignore=shutil.ignore_patterns(".uploads", "audit.jsonl"))
    else:
        build_from_paths(settings.doc_paths, target, settings, progress=False)
    return target


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "—"


# ---------------------------------------------------------------- asking


class Asker:
    """Asks about the newest document every `poll` seconds; records when the first answer citing it came."""

    def __init__(self, ask, poll: float) -> None:
        self.ask, self.poll = ask, poll
        self.errors: list[str] = []
        self.latencies: list[float] = []

    def until_cited(self, label: str, question: str, started: float, timeout: float = 900) -> float:
        while time.perf_counter() - started < timeout:
            sent = time.perf_counter()
            try:
                citations = self.ask(question)
                self.latencies.append(time.perf_counter() - sent)
                if label in citations:
                    return time.perf_counter() - started
            except Exception as exc:  # noqa: BLE001 - counted and printed: a failed question is a finding
                self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(max(0.0, self.poll - (time.perf_counter() - sent)))
        raise TimeoutError(f"no answer cited {label} within {timeout:.0f} s")


def rest_asker(rasa_url: str):
    def ask(question: str) -> list[str]:
        response = httpx.post(f"{rasa_url}/webhooks/rest/webhook", timeout=60,
                              json={"sender": f"bench-{uuid.uuid4().hex[:8]}", "message": question})
        response.raise_for_status()
        return [c.get("doc", "") for r in response.json() if isinstance(r.get("custom"), dict)
                for c in r["custom"].get("citations") or []]
    return ask


def action_asker(action_url: str):
    import yaml

    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))

    def ask(question: str) -> list[str]:
        tracker = {"sender_id": "bench", "slots": {name: None for name in domain["slots"]}, "events": [],
                   "latest_message": {"text": question, "intent": {"name": "ask_target", "confidence": 0.9},
                                      "entities": []}, "active_loop": {}, "latest_action_name": "action_listen"}
        response = httpx.post(f"{action_url}/webhook", timeout=60, json={
            "next_action": "action_answer_question", "sender_id": "bench", "tracker": tracker, "domain": domain})
        response.raise_for_status()
        return [c.get("doc", "") for r in response.json()["responses"] if isinstance(r.get("custom"), dict)
                for c in r["custom"].get("citations") or []]
    return ask


# ---------------------------------------------------------------- measurements


def measure_previews(library: Library, sizes: list[int], runs: int) -> dict[int, list[float]]:
    times: dict[int, list[float]] = {}
    for pages in sizes:
        for run in range(runs):
            data = docx_bytes(plan_lines(pages, 900 + run, PROVINCES[run % len(PROVINCES)]))
            started = time.perf_counter()
            staged = library.stage(data, f"ke-hoach-{pages}-trang.docx", "bench")
            times.setdefault(pages, []).append(time.perf_counter() - started)
            library.discard(staged.id, "bench")
        print(f"preview {pages} pages ({staged.analysis['chars']:,} characters, {staged.analysis['chunks']} chunks, "
              f"{len(staged.analysis['facts'])} facts): {', '.join(f'{t:.2f}' for t in times[pages])} s", flush=True)
    return times


def measure_publish(library: Library, asker: Asker, pages: int, runs: int) -> list[dict[str, float]]:
    base = live_version(library.index_dir).name
    results = []
    for run in range(runs):
        number, province = 100 + run + int(time.time()) % 100 * 10, PROVINCES[run % len(PROVINCES)]
        staged = library.stage(docx_bytes(plan_lines(pages, number, province)), f"ke-hoach-{number}.docx", "bench")
        label = staged.analysis["label"]
        question = QUESTION.format(province=province)
        started = time.perf_counter()
        command = subprocess.Popen([sys.executable, "-m", "knowledge", "publish", "--new", "--index",
                                    str(library.index_dir), "--by", "bench", "--json", "--", staged.id], cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first: dict[str, float] = {}
        watcher = threading.Thread(target=lambda: first.setdefault("answer", asker.until_cited(label, question,
                                                                                                started)))
        watcher.start()
        out, err = command.communicate()
        published = time.perf_counter() - started
        if command.returncode != 0:
            raise RuntimeError(f"publish failed: {err[-2000:]}")
        watcher.join()
        manifest = json.loads(out)
        results.append({"publish": published, "answer": first["answer"], "build": manifest["build_seconds"],
                        "chunks": manifest["counts"]["embedded_chunks"]})
        print(f"run {run + 1}: {label}, {manifest['counts']['embedded_chunks']} chunks embedded; publish command "
              f"{published:.1f} s (build {manifest['build_seconds']:.1f} s), first cited answer {first['answer']:.1f} s",
              flush=True)
        library.rollback(base, "bench")  # the next run starts from the same documents and embeds all its text
    return results


def measure_follow_cost(index_dir: Path, calls: int = 200_000) -> tuple[float, float]:
    """µs per LiveCache.get() on an unchanged index, and per read of CURRENT (what a check without stat costs)."""
    cache = LiveCache(index_dir, lambda folder: _Folder(live_version(folder)))  # the check alone, nothing loaded
    cache.get()
    started = time.perf_counter()
    for _ in range(calls):
        cache.get()
    per_get = (time.perf_counter() - started) / calls * 1e6
    started = time.perf_counter()
    for _ in range(calls // 10):
        (index_dir / "CURRENT").read_text(encoding="utf-8")
    per_read = (time.perf_counter() - started) / (calls // 10) * 1e6
    return per_get, per_read


class _Folder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10, help="pages of the published document")
    parser.add_argument("--preview-pages", default="10,50", help="sizes whose preview is timed")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between questions while publishing")
    parser.add_argument("--via", choices=("rest", "actions"), default="rest")
    args = parser.parse_args()
    settings = KnowledgeSettings()
    print(f"machine: {os.cpu_count()} cores, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="ccvc-bench-library-") as folder:
        index_dir = base_index(Path(folder), settings)
        library = Library(index_dir, settings)
        per_get, per_read = measure_follow_cost(index_dir)
        print(f"following the index: LiveCache.get() {per_get:.2f} µs a question (one stat of CURRENT); "
              f"reading CURRENT instead would cost {per_read:.2f} µs")
        previews = measure_previews(library, [int(p) for p in args.preview_pages.split(",") if p], args.runs)

        via = args.via
        try:
            model = latest_model()
        except FileNotFoundError:
            via = "actions"
        environment = {"CCVC_INDEX_DIR": str(index_dir)}
        if via == "rest":
            with running_servers(model, logs=Path(folder) / "logs", timeout=1200, **environment) as servers:
                asker = Asker(rest_asker(servers.rasa_url), args.poll)
                publishes = measure_publish(library, asker, args.pages, args.runs)
        else:
            port = free_port()
            process = subprocess.Popen([sys.executable, "-m", "actions"], cwd=REPO, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.STDOUT,
                                       env={**os.environ, **environment, "ACTION_SERVER_PORT": str(port)})
            try:
                wait_until_up(f"http://127.0.0.1:{port}/health", process, 600)
                asker = Asker(action_asker(f"http://127.0.0.1:{port}"), args.poll)
                publishes = measure_publish(library, asker, args.pages, args.runs)
            finally:
                process.terminate()
                process.wait(timeout=60)
        load_index(index_dir)  # the index is whole after all that

    print("\n| measure | median (s) | runs |\n|---|---|---|")
    for pages, times in previews.items():
        print(f"| preview of a {pages}-page .docx (read in the child process + analysis) | {median(times)} | "
              f"{len(times)} |")
    print(f"| publish command, {args.pages}-page .docx (new process, model load, embedding, switch) | "
          f"{median([r['publish'] for r in publishes])} | {len(publishes)} |")
    print(f"| … of which build (analysis, embedding {publishes[0]['chunks']} chunks, writing) | "
          f"{median([r['build'] for r in publishes])} | {len(publishes)} |")
    print(f"| publish → first answer citing it ({via}; goal ≤ 30 s) | {median([r['answer'] for r in publishes])} | "
          f"{len(publishes)} |")
    latencies = sorted(asker.latencies)
    print(f"\nquestions asked meanwhile: {len(latencies)}, failed: {len(asker.errors)}"
          + (f" ({asker.errors[0]})" if asker.errors else "")
          + (f"; latency p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
             if latencies else ""))


if __name__ == "__main__":
    main()
