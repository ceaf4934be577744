// The demo portal's own script (it knows nothing about the voice-search widget): its forms' submit handler,
// the results page, and a "Hỏi đáp" panel added after loading, as a single-page app would.
"use strict";

const SOURCES = { "cong-thong-tin": "Tìm kiếm trên cổng thông tin", "van-ban": "Tra cứu văn bản" };

// The portal's own submit handler: it marks the request, so the results page shows the portal's code ran.
for (const form of document.querySelectorAll("form[action='ket-qua.html']")) {
  form.addEventListener("submit", () => {
    let mark = form.querySelector("input[name='xu-ly']");
    if (!mark) {
      mark = document.createElement("input");
      mark.type = "hidden";
      mark.name = "xu-ly";
      form.append(mark);
    }
    mark.value = "co";
  });
}

// The results page shows what was asked (as text).
const shown = document.getElementById("result-query");
if (shown) {
  const params = new URLSearchParams(location.search);
  const query = params.get("q") || params.get("tu-khoa") || "";
  shown.textContent = query || "(trống)";
  document.getElementById("result-source").textContent = SOURCES[params.get("nguon")] || "—";
  document.getElementById("result-handled").textContent =
    params.get("xu-ly") === "co" ? "đã qua xử lý gửi biểu mẫu của trang" : "không";
  const box = document.getElementById("q");
  if (box && params.get("nguon") === "cong-thong-tin") box.value = query;
}

// A panel added later: the widget finds its box by itself (data-voice-search, assistant mode).
const late = document.getElementById("late-panels");
if (late) {
  setTimeout(() => {
    const panel = document.createElement("section");
    panel.id = "hoi-dap";
    panel.className = "panel";
    panel.setAttribute("aria-labelledby", "ask-title");
    const title = document.createElement("h2");
    title.id = "ask-title";
    title.textContent = "Hỏi Trợ lý CCVC";
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = "Hỏi về bồi dưỡng cán bộ, công chức, viên chức: gõ rồi nhấn Enter, hoặc bấm micrô.";
    const label = document.createElement("label");
    label.htmlFor = "hoi";
    label.textContent = "Câu hỏi";
    const input = document.createElement("input");
    Object.assign(input, { id: "hoi", type: "text", autocomplete: "off",
      placeholder: "Ví dụ: chỉ tiêu năm 2025 của viên chức" });
    input.dataset.voiceSearch = "";
    input.dataset.mode = "assistant";
    panel.append(title, note, label, input);
    late.append(panel);
    document.body.dataset.latePanel = "ready";
  }, 600);
}
