// The portal page: questions by text or voice, answers with their citations and follow-up buttons.
// Everything that comes from the server or the user is written with textContent, never parsed as HTML.
import { Resampler, peakOf, toPcm16 } from "./resampler.js";

const TARGET_RATE = 16000;
const CHUNK_SAMPLES = 1600; // 100 ms of 16-kHz audio per WebSocket message
const FINAL_WAIT_MS = 15000; // after "stop": how long to wait for the recogniser's final result

const MESSAGES = {
  busy: "Hệ thống đang bận, vui lòng thử lại sau.",
  offline: "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.",
  empty: "Bạn chưa nhập câu hỏi.",
  thinking: "Đang tìm câu trả lời…",
  noAnswer: "Xin lỗi, trợ lý chưa có câu trả lời cho câu hỏi này.",
  listening: "Đang nghe… Bấm lại nút micrô để dừng và gửi ngay.",
  recognising: "Đang nhận dạng giọng nói…",
  noSpeech: "Không nghe rõ câu hỏi. Bạn hãy bấm micrô và nói lại rõ ràng, không quá nhanh.",
  capped: (s) => `Đã đủ ${s} giây: câu hỏi được gửi tự động.`,
  editHint: "Bạn có thể sửa câu hỏi trong ô rồi nhấn Enter để hỏi lại.",
  micDenied: "Trình duyệt chưa cho phép dùng micrô. Hãy cho phép truy cập micrô (biểu tượng ổ khoá cạnh địa chỉ "
    + "trang) rồi thử lại, hoặc gõ câu hỏi.",
  micMissing: "Không tìm thấy micrô trên máy này. Bạn vẫn có thể gõ câu hỏi.",
  micBusy: "Micrô đang được ứng dụng khác sử dụng hoặc không mở được. Bạn vẫn có thể gõ câu hỏi.",
  micUnsupported: "Trình duyệt này không hỗ trợ ghi âm (cần HTTPS hoặc trình duyệt mới hơn). Bạn vẫn có thể gõ "
    + "câu hỏi.",
  streamLost: "Mất kết nối với dịch vụ nhận dạng giọng nói. Vui lòng thử lại hoặc gõ câu hỏi.",
  speechOff: "Chức năng hỏi bằng giọng nói hiện chưa sẵn sàng. Bạn vẫn có thể gõ câu hỏi.",
  feedbackThanks: "Cảm ơn bạn đã góp ý.",
  feedbackSending: "Đang gửi góp ý…",
};
const ANSWER_ID = /^[0-9a-f]{32}$/;
const MAX_COMMENT_CHARS = 500;

const $ = (id) => document.getElementById(id);
const form = $("ask-form");
const input = $("question");
const mic = $("mic");
const countdown = $("countdown");
const countdownValue = $("countdown-value");
const statusLine = $("status");
const speechNote = $("speech-note");
const results = $("results");

let config = { speech: { available: false, message: null, max_seconds: 10 }, max_message_chars: 1000 };

// --- small DOM helpers (text only) ---------------------------------------------------------------

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function setStatus(text, kind = "info") {
  statusLine.textContent = text || "";
  statusLine.dataset.kind = kind;
}

// --- asking ----------------------------------------------------------------------------------------

async function ask(message, { shownAs = message, voice = null } = {}) {
  const card = element("article", "exchange");
  card.setAttribute("aria-busy", "true");
  const question = element("p", "question");
  question.append(element("span", "who", voice ? "🎤 Bạn hỏi: " : "Bạn hỏi: "), element("span", "question-text", shownAs));
  if (voice && voice.truncated) question.append(element("span", "badge", `cắt ở ${config.speech.max_seconds} giây`));
  const answer = element("div", "answer");
  const waiting = element("p", "thinking", MESSAGES.thinking);
  answer.append(waiting);
  card.append(question, answer);
  results.prepend(card);

  let data = {};
  let ok = false;
  try {
    const response = await fetch("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message }),
      credentials: "same-origin",
    });
    data = await response.json().catch(() => ({}));
    ok = response.ok;
    if (!ok && !data.message) data.message = MESSAGES.busy;
  } catch {
    data = { message: MESSAGES.offline };
  }
  waiting.remove();
  if (ok) renderReplies(answer, data.messages || []);
  else answer.append(element("p", "error", data.message));
  card.dataset.state = ok ? "answered" : "error";
  card.removeAttribute("aria-busy");
  return card;
}

function renderReplies(container, replies) {
  if (!replies.length) {
    container.append(element("p", "answer-text", MESSAGES.noAnswer));
    return;
  }
  for (const reply of replies) {
    const block = element("div", "reply");
    const custom = reply.custom && typeof reply.custom === "object" ? reply.custom : null;
    // The custom payload has the answer without the "Nguồn:" lines, which are shown as citations below.
    const text = custom && typeof custom.answer === "string" ? custom.answer : reply.text;
    if (text) block.append(element("p", "answer-text", text));
    const citations = custom && Array.isArray(custom.citations) ? custom.citations : [];
    if (citations.length) block.append(renderCitations(citations));
    if (Array.isArray(reply.buttons) && reply.buttons.length) block.append(renderButtons(reply.buttons));
    if (custom && typeof custom.answer_id === "string" && ANSWER_ID.test(custom.answer_id)) {
      block.append(renderFeedback(custom.answer_id));
    }
    container.append(block);
  }
}

function renderCitations(citations) {
  const section = element("section", "citations");
  section.setAttribute("aria-label", "Nguồn trích dẫn");
  section.append(element("h3", "citations-title", "Nguồn"));
  const list = element("ol", "citation-list");
  for (const citation of citations) {
    const item = element("li", "citation");
    const doc = String(citation.doc || "");
    item.append(element("p", "cite-doc", `📄 ${doc}`));
    if (citation.title) item.append(element("p", "cite-title", citation.title));
    let sectionPath = String(citation.section || "");
    if (doc && sectionPath.startsWith(doc)) sectionPath = sectionPath.slice(doc.length).replace(/^\s*›\s*/, "");
    if (sectionPath) item.append(element("p", "cite-section", sectionPath));
    if (citation.quote) item.append(element("blockquote", "cite-quote", `“${citation.quote}”`));
    list.append(item);
  }
  section.append(list);
  return section;
}

function renderButtons(buttons) {
  const group = element("div", "followups");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Câu hỏi tiếp theo");
  for (const button of buttons) {
    const node = element("button", "followup", button.title || button.payload);
    node.type = "button";
    node.addEventListener("click", () => ask(button.payload || button.title, { shownAs: button.title || button.payload }));
    group.append(node);
  }
  return group;
}

// --- feedback: 👍 / 👎 under each answer; 👎 opens a small comment box (optional) --------------------

async function sendFeedback(answerId, rating, comment = "") {
  try {
    const response = await fetch("/api/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ answer_id: answerId, rating, comment }),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) return { ok: false, text: data.message || MESSAGES.busy };
    const texts = (data.messages || []).map((m) => m.text).filter(Boolean);
    return { ok: true, text: texts.join(" ") || MESSAGES.feedbackThanks };
  } catch {
    return { ok: false, text: MESSAGES.offline };
  }
}

function renderFeedback(answerId) {
  const box = element("div", "feedback");
  box.dataset.answerId = answerId;
  const group = element("div", "feedback-buttons");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Đánh giá câu trả lời này");
  const up = element("button", "rate rate-up", "👍");
  const down = element("button", "rate rate-down", "👎");
  up.setAttribute("aria-label", "Câu trả lời hữu ích");
  down.setAttribute("aria-label", "Câu trả lời chưa tốt");
  const status = element("p", "feedback-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const commentForm = element("form", "feedback-comment");
  commentForm.hidden = true;
  const commentId = `comment-${answerId}`;
  const label = element("label", "feedback-label", "Góp ý ngắn (không bắt buộc)");
  label.htmlFor = commentId;
  const comment = element("textarea", "feedback-text");
  Object.assign(comment, { id: commentId, rows: 2, maxLength: MAX_COMMENT_CHARS });
  const submit = element("button", "feedback-send", "Gửi góp ý");
  submit.type = "submit";
  const skip = element("button", "feedback-skip", "Bỏ qua");
  skip.type = "button";
  const actions = element("div", "feedback-actions");
  actions.append(submit, skip);
  commentForm.append(label, comment, actions);

  let busy = false;
  for (const [button, rating] of [[up, "up"], [down, "down"]]) {
    button.type = "button";
    button.dataset.rating = rating;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", async () => {
      if (busy || box.dataset.rated) return; // one rating per answer
      busy = true;
      status.textContent = MESSAGES.feedbackSending;
      const result = await sendFeedback(answerId, rating);
      busy = false;
      status.textContent = result.text;
      status.dataset.kind = result.ok ? "info" : "error";
      if (!result.ok) return;
      // aria-disabled, not disabled: the buttons stay focusable, so keyboard focus is never lost
      up.setAttribute("aria-disabled", "true");
      down.setAttribute("aria-disabled", "true");
      button.setAttribute("aria-pressed", "true");
      box.dataset.rated = rating;
      if (rating === "down") {
        commentForm.hidden = false;
        comment.focus();
      }
    });
  }
  const closeComment = () => {
    commentForm.hidden = true;
    down.focus();
  };
  skip.addEventListener("click", closeComment);
  comment.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeComment();
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      commentForm.requestSubmit();
    }
  });
  commentForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = comment.value.trim();
    if (!text) {
      closeComment();
      return;
    }
    submit.disabled = true;
    status.textContent = MESSAGES.feedbackSending;
    const result = await sendFeedback(answerId, "down", text);
    status.textContent = result.text;
    status.dataset.kind = result.ok ? "info" : "error";
    submit.disabled = false;
    if (result.ok) {
      commentForm.hidden = true;
      box.dataset.commented = "true";
      down.focus();
    }
  });
  group.append(up, down);
  box.append(group, status, commentForm);
  return box;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (voice.state !== "idle") return;
  const message = input.value.trim();
  if (!message) {
    setStatus(MESSAGES.empty, "error");
    input.focus();
    return;
  }
  setStatus("");
  input.value = "";
  ask(message);
});

for (const example of document.querySelectorAll(".example")) {
  example.addEventListener("click", () => ask(example.textContent.trim()));
}

// --- voice -----------------------------------------------------------------------------------------

const voice = {
  state: "idle", // idle → starting → listening → finishing → idle
  socket: null,
  context: null,
  stream: null,
  node: null,
  queue: [], // PCM captured before the socket opened
  samplesSent: 0,
  maxSamples: 0,
  stoppedBy: null, // "user" | "limit" | "server"
  peak: 0,
  finalTimer: null,
};

function setVoiceState(state) {
  voice.state = state;
  form.dataset.voiceState = state;
  const listening = state === "listening" || state === "starting";
  mic.setAttribute("aria-pressed", String(listening));
  mic.classList.toggle("listening", listening);
  mic.classList.toggle("finishing", state === "finishing");
  mic.title = listening ? "Bấm để dừng và gửi ngay" : `Hỏi bằng giọng nói (tối đa ${config.speech.max_seconds} giây)`;
  input.readOnly = state !== "idle";
  countdown.hidden = !listening;
  if (state === "idle") {
    mic.style.removeProperty("--level");
    input.classList.remove("partial");
  }
}

function updateCountdown() {
  const left = Math.max(0, config.speech.max_seconds - voice.samplesSent / TARGET_RATE);
  countdownValue.textContent = String(Math.ceil(left - 1e-6));
}

function micErrorMessage(error) {
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return MESSAGES.micDenied;
    case "NotFoundError":
    case "OverconstrainedError":
      return MESSAGES.micMissing;
    default:
      return MESSAGES.micBusy;
  }
}

function sendPcm(pcm) {
  // Never more than the cap: the last chunk is cut at exactly max_seconds of audio.
  const room = voice.maxSamples - voice.samplesSent;
  if (room <= 0) return;
  const chunk = pcm.length > room ? pcm.subarray(0, room) : pcm;
  if (voice.socket && voice.socket.readyState === WebSocket.OPEN && voice.configured) {
    voice.socket.send(chunk);
  } else {
    voice.queue.push(chunk);
  }
  voice.samplesSent += chunk.length;
  updateCountdown();
  if (voice.samplesSent >= voice.maxSamples && voice.state === "listening") stopListening("limit");
}

function onAudio(pcm, peak) {
  if (voice.state !== "listening" && voice.state !== "starting" && voice.state !== "finishing") return;
  voice.peak = Math.max(voice.peak, peak);
  mic.dataset.peak = voice.peak.toFixed(4);
  mic.style.setProperty("--level", Math.min(1, peak * 4).toFixed(2));
  sendPcm(pcm);
}

// Loaded before the microphone opens: whatever the microphone gives before the page can take it is lost.
async function loadWorklet(context) {
  if (!context.audioWorklet || typeof AudioWorkletNode !== "function") return false;
  try {
    await context.audioWorklet.addModule("/static/pcm-worklet.js");
    return true;
  } catch (error) {
    console.warn("AudioWorklet unavailable, using ScriptProcessor", error);
    return false;
  }
}

async function startAudio(context, stream, worklet) {
  const source = context.createMediaStreamSource(stream);
  const mute = context.createGain(); // keeps the graph pulling audio without playing it back
  mute.gain.value = 0;
  mute.connect(context.destination);
  if (worklet) {
    try {
      const node = new AudioWorkletNode(context, "pcm-capture", {
        numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: "explicit",
        processorOptions: { targetRate: TARGET_RATE, chunkSamples: CHUNK_SAMPLES },
      });
      node.port.onmessage = (event) => {
        if (event.data.pcm) onAudio(new Int16Array(event.data.pcm), event.data.peak);
        if (event.data.done) voice.flushed && voice.flushed();
      };
      source.connect(node);
      node.connect(mute);
      form.dataset.capture = "worklet";
      return { source, node, flush: () => node.port.postMessage("flush") };
    } catch (error) {
      console.warn("AudioWorklet unavailable, using ScriptProcessor", error);
    }
  }
  // Fallback for browsers without AudioWorklet: the same resampler on the main thread.
  const resampler = new Resampler(context.sampleRate, TARGET_RATE);
  const node = context.createScriptProcessor(4096, 1, 1);
  node.onaudioprocess = (event) => {
    const samples = resampler.process(event.inputBuffer.getChannelData(0));
    if (samples.length) onAudio(toPcm16(samples), peakOf(samples));
  };
  source.connect(node);
  node.connect(mute);
  form.dataset.capture = "script-processor";
  return {
    source, node, flush: () => {
      const samples = resampler.flush();
      if (samples.length) onAudio(toPcm16(samples), peakOf(samples));
      voice.flushed && voice.flushed();
    },
  };
}

function openSocket() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/speech`);
  socket.binaryType = "arraybuffer";
  voice.configured = false;
  voice.final = null;
  socket.addEventListener("open", () => {
    socket.send(JSON.stringify({ config: { sample_rate: TARGET_RATE } }));
    voice.configured = true;
    for (const chunk of voice.queue) socket.send(chunk);
    voice.queue = [];
    if (voice.eofPending) socket.send(JSON.stringify({ eof: 1 }));
  });
  socket.addEventListener("message", (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (data.error) {
      voice.final = data;
      finishVoice({ error: data.message || MESSAGES.streamLost });
    } else if (typeof data.partial === "string") {
      if (voice.state === "listening" || voice.state === "finishing") {
        input.value = data.partial;
        input.classList.add("partial");
        if (data.partial) form.dataset.partialSeen = "true";
      }
    } else if (typeof data.text === "string") {
      voice.final = data;
      if (voice.state === "listening") stopListening("server"); // the server's cap came first
      finishVoice({ final: data });
    }
  });
  socket.addEventListener("close", () => {
    if (!voice.final && voice.state !== "idle") finishVoice({ error: MESSAGES.streamLost });
  });
  return socket;
}

async function startListening() {
  if (!config.speech.available) {
    setStatus(config.speech.message || MESSAGES.speechOff, "error");
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioContext) {
    setStatus(MESSAGES.micUnsupported, "error");
    return;
  }
  Object.assign(voice, { queue: [], samplesSent: 0, stoppedBy: null, peak: 0, eofPending: false, flushed: null });
  voice.maxSamples = Math.round(config.speech.max_seconds * TARGET_RATE);
  delete form.dataset.partialSeen;
  mic.dataset.peak = "0";
  updateCountdown();
  setVoiceState("starting");
  // Created inside the click so the browser lets it run (autoplay rules).
  const context = new AudioContext();
  voice.context = context;
  const worklet = await loadWorklet(context);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch (error) {
    context.close();
    voice.context = null;
    setVoiceState("idle");
    setStatus(micErrorMessage(error), "error");
    return;
  }
  voice.stream = stream;
  voice.socket = openSocket();
  try {
    await context.resume();
    voice.audio = await startAudio(context, stream, worklet);
  } catch (error) {
    console.error(error);
    finishVoice({ error: MESSAGES.micBusy });
    return;
  }
  if (voice.state !== "starting") { // the stream already failed (its message is shown)
    releaseAudio();
    return;
  }
  input.value = "";
  setVoiceState("listening");
  setStatus(MESSAGES.listening);
}

function releaseAudio() {
  if (voice.stream) voice.stream.getTracks().forEach((track) => track.stop());
  if (voice.audio) {
    voice.audio.source.disconnect();
    voice.audio.node.disconnect();
  }
  if (voice.context) voice.context.close();
  voice.stream = voice.audio = voice.context = null;
}

function stopListening(reason) {
  if (voice.state !== "listening") return;
  voice.stoppedBy = reason;
  form.dataset.stoppedBy = reason;
  setVoiceState("finishing");
  setStatus(MESSAGES.recognising);
  const sendEof = () => {
    releaseAudio();
    if (reason === "server") return; // the server already ended the stream
    if (voice.socket && voice.socket.readyState === WebSocket.OPEN && voice.configured) {
      voice.socket.send(JSON.stringify({ eof: 1 }));
    } else {
      voice.eofPending = true;
    }
  };
  if (voice.audio) {
    voice.flushed = sendEof; // the resampler's last samples first, then end of stream
    voice.audio.flush();
  } else {
    sendEof();
  }
  voice.finalTimer = setTimeout(() => finishVoice({ error: MESSAGES.streamLost }), FINAL_WAIT_MS);
}

function finishVoice({ final = null, error = null }) {
  if (voice.state === "idle") return;
  clearTimeout(voice.finalTimer);
  releaseAudio();
  if (voice.socket && voice.socket.readyState <= WebSocket.OPEN) voice.socket.close();
  voice.socket = null;
  setVoiceState("idle");
  if (error) {
    input.value = "";
    setStatus(error, "error");
    return;
  }
  form.dataset.lastDuration = String(final.duration_s);
  form.dataset.lastTruncated = String(Boolean(final.truncated));
  const text = (final.text || "").trim();
  if (!text) {
    input.value = "";
    setStatus(MESSAGES.noSpeech, "error");
    return;
  }
  input.value = text; // stays in the box: the user can correct it and ask again
  const capped = voice.stoppedBy === "limit" || voice.stoppedBy === "server" || final.truncated;
  setStatus(`${capped ? MESSAGES.capped(config.speech.max_seconds) + " " : ""}${MESSAGES.editHint}`);
  ask(text, { voice: { ...final, truncated: Boolean(final.truncated) || capped } });
  input.focus();
  input.select();
}

mic.addEventListener("click", () => {
  if (voice.state === "idle") startListening();
  else if (voice.state === "listening") stopListening("user");
});

// --- start -----------------------------------------------------------------------------------------

async function loadConfig() {
  try {
    const response = await fetch("/api/config", { credentials: "same-origin" });
    if (response.ok) config = await response.json();
  } catch {
    config.speech = { ...config.speech, available: false, message: MESSAGES.speechOff };
  }
  input.maxLength = config.max_message_chars;
  $("tip-seconds").textContent = String(config.speech.max_seconds);
  countdownValue.textContent = String(config.speech.max_seconds);
  if (!config.speech.available) {
    mic.classList.add("unavailable");
    mic.setAttribute("aria-disabled", "true");
    speechNote.textContent = `🔇 ${config.speech.message || MESSAGES.speechOff}`;
    speechNote.hidden = false;
  }
  setVoiceState("idle");
  document.body.dataset.ready = "true";
}

loadConfig();
