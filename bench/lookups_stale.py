"""Are Rasa's generated lookup tables needed to answer questions about a newly published document?

nlu/lookups.yml (agencies and document numbers, generated from the indexed documents by `python -m actions.lookups`)
goes into the Rasa model at training time. A document published from the admin page changes the index at once but
not the model. This measures what that costs, on two documents no model has seen (another province's plan and a
Sở Y tế letter, with agencies and numbers absent from the lookup tables):

1. the running Rasa server with the model trained before they existed: questions about them through the REST
   webhook (answered, citing the expected document?), with the intent and entities Rasa found (/model/parse);
2. the lookup tables regenerated from the new index, a model trained on them in the background (a temporary copy of
   nlu/, nothing in the checkout changes), loaded into the same running server through Rasa's HTTP API
   (PUT /model) while a client keeps asking (failed requests and the slowest answer during the swap), then the same
   questions again.

    python bench/lookups_stale.py [--skip-retrain]
"""

from __future__ import annotations

import argparse
import os
import shutil
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

from actions.launch import RASA, latest_model, running_servers  # noqa: E402
from actions.lookups import render  # noqa: E402
from knowledge.index import load_index  # noqa: E402
from knowledge.library import Library  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402

PLAN = """ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Số: 27/KH-UBND
Quảng Trị, ngày 05 tháng 6 năm 2023
KẾ HOẠCH
Bồi dưỡng tiếng dân tộc thiểu số cho cán bộ, công chức, viên chức giai đoạn 2023 - 2028
I. ĐỐI TƯỢNG
1. Đối tượng áp dụng
a) Cán bộ, công chức cấp xã trên địa bàn tỉnh.
b) Viên chức làm việc tại các trạm y tế.
2. Đối tượng không áp dụng
a) Công chức công tác tại Ban Dân tộc (đối với vị trí việc làm yêu cầu bằng cử nhân ngôn ngữ dân tộc).
b) Giáo viên dạy môn tiếng dân tộc thiểu số.
II. MỤC TIÊU
- Đến năm 2026: 40% viên chức làm việc tại các trạm y tế đạt chứng chỉ tiếng dân tộc thiểu số trình độ A.
- Đến năm 2028: 75% cán bộ, công chức cấp xã đạt chứng chỉ tiếng dân tộc thiểu số trình độ B.
III. KINH PHÍ
Kinh phí bồi dưỡng tiếng dân tộc thiểu số do ngân sách tỉnh bảo đảm.
IV. TỔ CHỨC THỰC HIỆN
1. Ban Dân tộc tỉnh chủ trì, phối hợp với Sở Nội vụ tổ chức các lớp bồi dưỡng.
2. Trường Chính trị Lê Duẩn biên soạn tài liệu và bố trí giảng viên.
3. Mọi vướng mắc liên hệ bà Hoàng Thị Mai, Ban Dân tộc tỉnh, điện thoại: 0233 3852 123.
Nơi nhận:
- Các sở, ban, ngành;
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Lê Văn Hùng
"""
LETTER = """SỞ Y TẾ TỈNH KON TUM
Số: 1523/SYT-TCCB
Kon Tum, ngày 12 tháng 9 năm 2024
V/v cử viên chức tham gia lớp bồi dưỡng kỹ năng giao tiếp bằng tiếng Ba Na
Kính gửi: Các đơn vị trực thuộc Sở Y tế.
1. Đối tượng
Viên chức là điều dưỡng, hộ sinh đang công tác tại các trạm y tế xã vùng đồng bào dân tộc thiểu số.
2. Thời gian học
Lớp học kéo dài 3 tháng, từ tháng 10 năm 2024 đến tháng 12 năm 2024.
3. Trách nhiệm
a) Trung tâm Kiểm soát bệnh tật tỉnh tổng hợp danh sách học viên trước ngày 30/9/2024.
b) Trung tâm Y tế huyện Đăk Hà bố trí phòng học và theo dõi chuyên cần của học viên.
4. Liên hệ
Mọi vướng mắc liên hệ ông Nguyễn Văn Toàn, Phòng Tổ chức cán bộ, điện thoại 0260 3862 456.
Nơi nhận:
- Như trên;
GIÁM ĐỐC
Y Nhơn
"""
LABEL_PLAN, LABEL_LETTER = "Kế hoạch 27/KH-UBND", "Công văn 1523/SYT-TCCB"
# (question, the document its answer must cite). Written from the documents, never tuned against the models.
QUESTIONS = [
    ("Đến năm 2026 bao nhiêu phần trăm viên chức trạm y tế phải có chứng chỉ tiếng dân tộc thiểu số?", LABEL_PLAN),
    ("Kế hoạch 27/KH-UBND do ai ký?", LABEL_PLAN),
    ("Kế hoạch 27 ban hành ngày nào?", LABEL_PLAN),
    ("Giáo viên dạy môn tiếng dân tộc thiểu số có thuộc đối tượng của kế hoạch 27 không?", LABEL_PLAN),
    ("Ban Dân tộc tỉnh có nhiệm vụ gì?", LABEL_PLAN),
    ("Trường Chính trị Lê Duẩn làm gì trong kế hoạch bồi dưỡng tiếng dân tộc?", LABEL_PLAN),
    ("Kinh phí bồi dưỡng tiếng dân tộc thiểu số lấy từ đâu?", LABEL_PLAN),
    ("ke hoach 27 KH-UBND ap dung cho ai", LABEL_PLAN),
    ("Công văn 1523/SYT-TCCB về việc gì?", LABEL_LETTER),
    ("Trung tâm Kiểm soát bệnh tật tỉnh phải làm gì?", LABEL_LETTER),
    ("Trung tâm Y tế huyện Đăk Hà có trách nhiệm gì?", LABEL_LETTER),
    ("Lớp bồi dưỡng tiếng Ba Na kéo dài bao lâu?", LABEL_LETTER),
    ("Ai phụ trách lớp tiếng Ba Na, số điện thoại là gì?", LABEL_LETTER),
    ("cong van 1523 do ai ky", LABEL_LETTER),
]


def ask(rasa_url: str, token: str, question: str) -> dict:
    reply = httpx.post(f"{rasa_url}/webhooks/rest/webhook", timeout=120,
                       json={"sender": f"lookups-{uuid.uuid4().hex[:8]}", "message": question}).json()
    custom = next((r["custom"] for r in reply if isinstance(r.get("custom"), dict)), {})
    parsed = httpx.post(f"{rasa_url}/model/parse", params={"token": token}, json={"text": question}, timeout=60).json()
    return {"answered": bool(custom.get("answered")), "docs": [c.get("doc") for c in custom.get("citations") or []],
            "intent": (parsed.get("intent") or {}).get("name"),
            "entities": sorted({f"{e['entity']}={e.get('value')}" for e in parsed.get("entities") or []
                                if e["entity"] in {"agency", "document"}})}


def run_questions(rasa_url: str, token: str, title: str) -> dict[str, dict]:
    results = {}
    for question, label in QUESTIONS:
        result = ask(rasa_url, token, question)
        result["cites"] = bool(result["docs"]) and result["docs"][0] == label
        results[question] = result
    cited = sum(r["cites"] for r in results.values())
    print(f"\n{title}: {cited}/{len(QUESTIONS)} answers cite the new document first")
    return results


def train_with_fresh_lookups(index_dir: Path, work: Path) -> tuple[Path, float]:
    data = work / "nlu"
    shutil.copytree(REPO / "nlu", data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (data / "lookups.yml").write_text(render(load_index(index_dir)), encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([str(RASA), "train", "--data", str(data), "--config", "config.yml", "--domain", "domain.yml",
                    "--out", str(work / "models"), "--quiet"], cwd=REPO, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(REPO), "RASA_TELEMETRY_ENABLED": "false"})
    return next((work / "models").glob("*.tar.gz")), time.perf_counter() - started


def swap_model(rasa_url: str, token: str, model: Path) -> dict:
    """PUT /model while a client keeps asking: how long the call took, failures and the slowest answer meanwhile."""
    stop, latencies, failures = threading.Event(), [], []

    def keep_asking() -> None:
        while not stop.is_set():
            sent = time.perf_counter()
            try:
                response = httpx.post(f"{rasa_url}/webhooks/rest/webhook", timeout=60,
                                      json={"sender": f"swap-{uuid.uuid4().hex[:6]}", "message": QUESTIONS[0][0]})
                if response.status_code != 200 or not response.json():
                    failures.append(f"{response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            latencies.append(time.perf_counter() - sent)
            time.sleep(0.1)

    client = threading.Thread(target=keep_asking)
    client.start()
    time.sleep(1.0)
    started = time.perf_counter()
    response = httpx.put(f"{rasa_url}/model", params={"token": token}, json={"model_file": str(model)}, timeout=600)
    seconds = time.perf_counter() - started
    time.sleep(1.0)
    stop.set()
    client.join()
    return {"status": response.status_code, "seconds": seconds, "asked": len(latencies), "failures": failures,
            "slowest": max(latencies) if latencies else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-retrain", action="store_true", help="only the old model")
    args = parser.parse_args()
    settings = KnowledgeSettings()
    with tempfile.TemporaryDirectory(prefix="ccvc-bench-lookups-") as folder:
        work = Path(folder)
        index_dir = work / "index"
        shutil.copytree(settings.index_dir, index_dir, ignore=shutil.ignore_patterns(".uploads", "audit.jsonl"))
        library = Library(index_dir, settings)
        for text, name in ((PLAN, "ke-hoach-27.txt"), (LETTER, "cong-van-1523.txt")):
            library.publish(library.stage(text.encode("utf-8"), name, "bench").id, "bench")
        old_model = latest_model()
        with running_servers(old_model, logs=work / "logs", timeout=1200, CCVC_INDEX_DIR=str(index_dir)) as servers:
            before = run_questions(servers.rasa_url, servers.token, f"model trained before ({old_model.name})")
            after = {}
            if not args.skip_retrain:
                model, train_seconds = train_with_fresh_lookups(index_dir, work)
                print(f"\nretrained with regenerated lookups in {train_seconds:.0f} s")
                swap = swap_model(servers.rasa_url, servers.token, model)
                print(f"PUT /model: HTTP {swap['status']} in {swap['seconds']:.1f} s; {swap['asked']} questions meanwhile, "
                      f"{len(swap['failures'])} failed, slowest {swap['slowest']:.2f} s"
                      + (f" ({swap['failures'][0]})" if swap["failures"] else ""))
                after = run_questions(servers.rasa_url, servers.token, "model retrained with fresh lookups")
    print("\n| question | expected | old model: cites / intent / entities | retrained: cites / intent / entities |")
    print("|---|---|---|---|")
    for question, label in QUESTIONS:
        old = before[question]
        new = after.get(question)
        cell = lambda r: f"{'✓' if r['cites'] else '✗ ' + (r['docs'][0] if r['docs'] else 'refused')} / " \
                         f"{r['intent']} / {', '.join(r['entities']) or '—'}"  # noqa: E731
        print(f"| {question} | {label} | {cell(old)} | {cell(new) if new else '—'} |")


if __name__ == "__main__":
    main()
