// Trợ lý CCVC voice search: one <script> tag gives every search box of an existing portal a microphone.
//
//   <script src="https://assistant.example/widget/voice-search.js" data-endpoint="https://assistant.example" defer>
//
// Boxes: every input[type=search] and input[data-voice-search] (data-voice-search="off" leaves one out), also
// those a script adds later. Options, on a box or on the script tag (the box wins):
//   data-autosubmit="false"  fill the box with the transcript but do not submit its form
//   data-mode="assistant"    ask Trợ lý CCVC instead, and show its answer with citations (Enter asks too)
// Every box also receives a "ccvc-voice-result" event (bubbling, cancelable: preventDefault() stops the submit).
//
// Speech goes like on the portal's own page: AudioWorklet → 16-kHz PCM → WebSocket /ws/speech (vosk-server's
// protocol), at most max_seconds of audio (the server enforces the cap too). Nothing is needed from the host page:
// plain JavaScript, styles in shadow roots, text from the server written with textContent only.
(() => {
  "use strict";

  if (window.ccvcVoiceSearch) return; // the tag included twice
  const script = document.currentScript;
  const ENDPOINT = ((script && script.dataset.endpoint) || (script && script.src ? new URL(script.src).origin : ""))
    .replace(/\/+$/, "");
  const DEFAULTS = {
    autosubmit: !(script && script.dataset.autosubmit === "false"),
    mode: (script && script.dataset.mode) === "assistant" ? "assistant" : "search",
  };
  const SELECTOR = 'input[type="search"], input[data-voice-search]';
  const TARGET_RATE = 16000;
  const RESUME_LIMIT_MS = 5000; // the audio context must start within this, else the mic is reported unusable
  const CHUNK_SAMPLES = 1600; // 100 ms per WebSocket message
  const FINAL_WAIT_MS = 15000; // after "stop": how long to wait for the recogniser's final result
  const INSET = 4; // px between the mic and the box's right edge

  const TEXT = {
    micLabel: "Tìm kiếm bằng giọng nói",
    micLabelAssistant: "Hỏi Trợ lý CCVC bằng giọng nói",
    title: "Tìm kiếm bằng giọng nói",
    titleAssistant: "Hỏi Trợ lý CCVC",
    close: "Đóng (Esc)",
    preparing: "Đang chuẩn bị micrô…",
    speakNow: "Mời bạn bắt đầu nói",
    stopLabel: "Dừng và gửi ngay",
    retryLabel: "Nói lại",
    retryHint: "Bấm micrô để thử lại, hoặc Esc để đóng.",
    stopHint: (s) => `Hệ thống nghe tối đa ${s} giây. Bấm vào micrô đang xoay để dừng và gửi ngay; Esc để huỷ.`,
    secondsLeft: "giây",
    tip: "Để tăng độ chính xác bạn hãy nói không quá nhanh, rõ ràng.",
    recognising: "Đang nhận dạng giọng nói…",
    searching: "Đang tìm kiếm…",
    thinking: "Đang tìm câu trả lời…",
    youAsked: "Bạn hỏi: ",
    answerTitle: "Câu trả lời",
    sources: "Nguồn",
    capped: (s) => `Đã đủ ${s} giây.`,
    noSpeech: "Không nghe rõ lời nói. Bạn hãy bấm micrô và nói lại rõ ràng, không quá nhanh.",
    noAnswer: "Xin lỗi, trợ lý chưa có câu trả lời cho câu hỏi này.",
    insecure: "Trang này được mở qua kết nối không bảo mật (HTTP) nên trình duyệt không cho dùng micrô. Hãy mở "
      + "trang bằng địa chỉ https:// để tìm kiếm bằng giọng nói, hoặc gõ từ khoá vào ô tìm kiếm.",
    unsupported: "Trình duyệt này không hỗ trợ ghi âm. Hãy dùng phiên bản mới của Chrome, Edge hoặc Firefox, hoặc "
      + "gõ từ khoá vào ô tìm kiếm.",
    micDenied: "Trình duyệt chưa cho phép trang này dùng micrô. Hãy cho phép truy cập micrô (biểu tượng ổ khoá "
      + "cạnh địa chỉ trang) rồi thử lại, hoặc gõ từ khoá.",
    micMissing: "Không tìm thấy micrô trên máy này. Bạn vẫn có thể gõ từ khoá.",
    micBusy: "Micrô đang được ứng dụng khác sử dụng hoặc không mở được. Bạn vẫn có thể gõ từ khoá.",
    unreachable: "Không kết nối được dịch vụ nhận dạng giọng nói (máy chủ không phản hồi, hoặc trang này chưa được "
      + "phép dùng dịch vụ). Bạn vẫn có thể gõ từ khoá.",
    speechOff: "Chức năng nhận dạng giọng nói hiện chưa sẵn sàng. Bạn vẫn có thể gõ từ khoá.",
    streamLost: "Mất kết nối với dịch vụ nhận dạng giọng nói. Vui lòng thử lại hoặc gõ từ khoá.",
    busy: "Hệ thống đang bận, vui lòng thử lại sau.",
  };
  const MIC_PATH = "M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2z";

  // --- small helpers (text only, never HTML) --------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function micIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", MIC_PATH);
    svg.append(path);
    return svg;
  }

  // A shadow root's styles: a constructed sheet where supported (a host page's CSP does not govern it), else <style>.
  function styleShadow(shadow, css) {
    if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function") {
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        shadow.adoptedStyleSheets = [sheet];
        return;
      } catch { /* older engines: fall through */ }
    }
    shadow.append(element("style", null, css));
  }

  // Inline !important declarations on our host elements beat any rule of the host page's style sheets.
  function pin(node, declarations) {
    for (const [name, value] of Object.entries(declarations)) node.style.setProperty(name, value, "important");
  }

  function optionsOf(input) {
    const own = input.dataset;
    const mode = own.mode ? (own.mode === "assistant" ? "assistant" : "search") : DEFAULTS.mode;
    const autosubmit = own.autosubmit ? own.autosubmit !== "false" : DEFAULTS.autosubmit;
    return { mode, autosubmit };
  }

  // --- the mic in each box --------------------------------------------------------------------------------

  const MIC_CSS = `
    :host { all: initial; }
    button {
      box-sizing: border-box; width: 100%; height: 100%; margin: 0; padding: 0; border: 0; border-radius: 50%;
      background: transparent; color: var(--ccvc-voice-color, #0b4a8b); cursor: pointer;
      display: grid; place-items: center; transition: background .15s, color .15s;
    }
    button:hover { background: rgba(11, 74, 139, .12); }
    button:focus-visible { outline: 3px solid #f4b400; outline-offset: 1px; }
    svg { width: 64%; height: 64%; fill: currentColor; pointer-events: none; }
    :host([data-state="active"]) button { color: #fff; background: #c62828; }
  `;

  const boxes = new Map(); // input → {host, button}

  function attach(input) {
    if (boxes.has(input) || input.dataset.voiceSearch === "off" || input.type === "hidden") return;
    const host = document.createElement("ccvc-voice-mic");
    pin(host, { position: "absolute", display: "block", margin: "0", padding: "0", border: "0", "z-index": "2",
      width: "0", height: "0", left: "0", top: "0", overflow: "visible", background: "none" });
    host.dataset.state = "idle";
    const shadow = host.attachShadow({ mode: "open" });
    styleShadow(shadow, MIC_CSS);
    const button = element("button");
    button.type = "button";
    const options = optionsOf(input);
    button.setAttribute("aria-label", options.mode === "assistant" ? TEXT.micLabelAssistant : TEXT.micLabel);
    button.title = button.getAttribute("aria-label");
    button.setAttribute("aria-haspopup", "dialog");
    button.append(micIcon());
    button.addEventListener("click", (event) => {
      event.preventDefault(); // never the host form's default button
      event.stopPropagation();
      start(input);
    });
    shadow.append(button);
    input.after(host);
    // Room for the mic so typed text does not run under it (only where that leaves the box's width as it was).
    const style = getComputedStyle(input);
    if (style.boxSizing === "border-box") {
      const room = Math.round(micSize(input) + INSET * 2);
      if (parseFloat(style.paddingRight) < room) input.style.setProperty("padding-right", `${room}px`);
    }
    if (options.mode === "assistant") input.addEventListener("keydown", askTyped);
    boxes.set(input, { host, button });
    if (resizeObserver) resizeObserver.observe(input);
    place(input);
  }

  function detach(input) {
    const box = boxes.get(input);
    if (!box) return;
    box.host.remove();
    input.removeEventListener("keydown", askTyped);
    if (resizeObserver) resizeObserver.unobserve(input);
    boxes.delete(input);
  }

  function micSize(input) {
    return Math.max(20, Math.min(36, input.offsetHeight - 8));
  }

  // The mic sits inside the box's right end, whatever the host's layout: measured from where the host element
  // lands (its containing block is whatever the page makes it), so no assumption about positioned parents.
  function place(input) {
    const box = boxes.get(input);
    if (!box) return;
    const rect = input.getBoundingClientRect();
    if (!rect.width || !rect.height) {
      box.host.style.setProperty("visibility", "hidden", "important");
      return;
    }
    const size = micSize(input);
    pin(box.host, { left: "0", top: "0", width: `${size}px`, height: `${size}px`, visibility: "visible" });
    const origin = box.host.getBoundingClientRect();
    const left = rect.right - origin.left - size - INSET - (parseFloat(getComputedStyle(input).borderRightWidth) || 0);
    const top = rect.top - origin.top + (rect.height - size) / 2;
    pin(box.host, { left: `${Math.round(left)}px`, top: `${Math.round(top)}px` });
  }

  let placeQueued = false;
  function placeAll() {
    if (placeQueued) return;
    placeQueued = true;
    requestAnimationFrame(() => {
      placeQueued = false;
      for (const input of [...boxes.keys()]) {
        if (!input.isConnected) detach(input);
        else place(input);
      }
    });
  }

  function scan(root) {
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    if (root.matches(SELECTOR)) attach(root);
    for (const input of root.querySelectorAll(SELECTOR)) attach(input);
  }

  const resizeObserver = typeof ResizeObserver === "function" ? new ResizeObserver(placeAll) : null;

  function watch() {
    scan(document.documentElement);
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === "attributes") {
          const input = record.target;
          if (input.matches(SELECTOR) && input.dataset.voiceSearch !== "off") attach(input);
          else detach(input);
        } else {
          for (const node of record.addedNodes) {
            if (node.nodeType === Node.ELEMENT_NODE && node.localName !== "ccvc-voice-mic") scan(node);
          }
        }
      }
      placeAll();
    }).observe(document.documentElement, { childList: true, subtree: true, attributes: true,
      attributeFilter: ["type", "data-voice-search"] });
    if (resizeObserver) resizeObserver.observe(document.documentElement);
    window.addEventListener("resize", placeAll);
    window.addEventListener("load", placeAll);
  }

  // --- the dialog: "start speaking", countdown, tip, transcript, the assistant's answer -------------------

  const DIALOG_CSS = `
    :host { all: initial; }
    dialog {
      box-sizing: border-box; width: min(32rem, calc(100vw - 2rem)); max-height: calc(100vh - 2rem); overflow: auto;
      padding: 1.5rem 1.5rem 1.25rem; border: 0; border-radius: 16px; background: #fff; color: #1c2430;
      font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
      text-align: center; box-shadow: 0 12px 40px rgba(0, 0, 0, .3);
    }
    dialog::backdrop { background: rgba(8, 24, 48, .55); }
    button { font: inherit; }
    button:focus-visible { outline: 3px solid #f4b400; outline-offset: 2px; }
    .close {
      position: absolute; top: .5rem; right: .5rem; width: 2.5rem; height: 2.5rem; border: 0; border-radius: 50%;
      background: transparent; color: #5a6675; font-size: 1.6rem; line-height: 1; cursor: pointer;
    }
    .close:hover { background: #eef2f7; }
    h2 { margin: 0 2rem .25rem; font-size: 1.1rem; color: #0b4a8b; }
    .prompt { margin: .75rem 0 .25rem; min-height: 2rem; font-size: 1.35rem; font-weight: 600; }
    .transcript { margin: 0; min-height: 1.5em; color: #5a6675; font-style: italic; overflow-wrap: anywhere; }
    .big-mic {
      position: relative; display: grid; place-items: center; width: 6rem; height: 6rem; margin: 1.25rem auto .75rem;
      border: 0; border-radius: 50%; background: #0b4a8b; color: #fff; cursor: pointer;
    }
    .big-mic svg { width: 2.75rem; height: 2.75rem; fill: currentColor; }
    .ring { position: absolute; inset: -9px; border-radius: 50%; border: 5px solid transparent; pointer-events: none; }
    [data-state="listening"] .big-mic { background: #c62828; }
    [data-state="listening"] .ring {
      border-top-color: #c62828; border-right-color: rgba(198, 40, 40, .35); animation: spin 1s linear infinite;
    }
    [data-state="starting"] .ring, [data-state="finishing"] .ring, [data-state="answering"] .ring,
    [data-state="searching"] .ring { border-top-color: #0b4a8b; animation: spin 1.4s linear infinite; }
    [data-state="finishing"] .big-mic, [data-state="starting"] .big-mic { background: #5a7ca3; cursor: progress; }
    @keyframes spin { to { transform: rotate(360deg); } }
    @media (prefers-reduced-motion: reduce) { .ring { animation-duration: 4s !important; } }
    .countdown { margin: 0; font-size: 1.1rem; font-weight: 700; color: #c62828; font-variant-numeric: tabular-nums; }
    .countdown[hidden] { display: none; }
    .hint { margin: .25rem 0 0; color: #5a6675; font-size: .9rem; }
    .tip { margin: 1rem 0 0; padding: .6rem .8rem; border-radius: 8px; background: #fff8e1; color: #4d3b00;
      font-size: .95rem; }
    [data-state="error"] .prompt { color: #c62828; font-size: 1.05rem; font-weight: 500; }
    [data-state="error"] .transcript, [data-state="answering"] .transcript, [data-state="answered"] .transcript,
    [data-state="answered"] .prompt { display: none; }
    [data-state="answered"] .answer { margin-top: .5rem; padding-top: 0; border-top: 0; }
    .answer { margin-top: 1rem; text-align: left; border-top: 1px solid #d5dce5; padding-top: .75rem; }
    .answer[hidden], .big-mic[hidden], .hint[hidden], .tip[hidden] { display: none; }
    .answer h3 { margin: 0 0 .5rem; font-size: 1.05rem; color: #0b4a8b; }
    .question { margin: 0 0 .5rem; color: #5a6675; }
    .answer-text { margin: .25rem 0 .5rem; white-space: pre-line; }
    .citations h4 { margin: .75rem 0 .25rem; font-size: .95rem; }
    .citations ol { margin: 0; padding-left: 1.25rem; }
    .cite-doc { margin: .25rem 0 0; font-weight: 600; }
    .cite-section { margin: 0; color: #5a6675; font-size: .9rem; }
    .cite-quote { margin: .25rem 0 .5rem; padding-left: .75rem; border-left: 3px solid #d5dce5; font-size: .95rem; }
    .error { color: #c62828; }
  `;

  let ui = null; // built on first use

  function buildDialog() {
    const host = document.createElement("ccvc-voice-dialog");
    pin(host, { display: "block", position: "static", margin: "0", padding: "0", border: "0" });
    host.dataset.state = "idle";
    const shadow = host.attachShadow({ mode: "open" });
    styleShadow(shadow, DIALOG_CSS);
    const dialog = element("dialog");
    dialog.lang = "vi";
    dialog.setAttribute("aria-labelledby", "ccvc-title");
    dialog.setAttribute("aria-describedby", "ccvc-prompt ccvc-tip");
    const close = element("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", TEXT.close);
    const title = element("h2", null, TEXT.title);
    title.id = "ccvc-title";
    const prompt = element("p", "prompt");
    prompt.id = "ccvc-prompt";
    prompt.setAttribute("role", "status");
    prompt.setAttribute("aria-live", "polite");
    const transcript = element("p", "transcript");
    const mic = element("button", "big-mic");
    mic.type = "button";
    mic.append(element("span", "ring"), micIcon());
    const countdown = element("p", "countdown");
    const seconds = element("span", "seconds", "10");
    countdown.append(seconds, ` ${TEXT.secondsLeft}`);
    const hint = element("p", "hint");
    const tip = element("p", "tip", `🎙️ ${TEXT.tip}`);
    tip.id = "ccvc-tip";
    const answer = element("section", "answer");
    answer.hidden = true;
    answer.setAttribute("aria-live", "polite");
    dialog.append(close, title, prompt, transcript, mic, countdown, hint, tip, answer);
    shadow.append(dialog);
    (document.body || document.documentElement).append(host);

    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", onDialogClosed);
    mic.addEventListener("click", () => {
      if (!session) return;
      if (session.state === "listening") stop(session, "user");
      else if (session.state === "error") begin(session.input); // "Nói lại"
    });
    return { host, dialog, title, prompt, transcript, mic, countdown, seconds, hint, tip, answer };
  }

  function show(view) {
    ui = ui || buildDialog();
    const { state } = view;
    ui.host.dataset.state = state;
    ui.dialog.dataset.state = state;
    if (view.title !== undefined) ui.title.textContent = view.title;
    if (view.prompt !== undefined) ui.prompt.textContent = view.prompt;
    if (view.transcript !== undefined) ui.transcript.textContent = view.transcript;
    ui.countdown.hidden = state !== "listening";
    ui.mic.hidden = state === "answering" || state === "answered";
    ui.tip.hidden = state === "answering" || state === "answered";
    ui.mic.setAttribute("aria-label", state === "error" ? TEXT.retryLabel : TEXT.stopLabel);
    ui.mic.title = ui.mic.getAttribute("aria-label");
    ui.mic.setAttribute("aria-disabled", String(state !== "listening" && state !== "error"));
    if (view.hint !== undefined) ui.hint.textContent = view.hint;
    ui.hint.hidden = !ui.hint.textContent;
    if (!ui.host.isConnected) (document.body || document.documentElement).append(ui.host); // a page that rebuilt <body>
    if (!ui.dialog.open) {
      ui.answer.hidden = true;
      ui.answer.replaceChildren();
      delete ui.answer.dataset.state;
      ui.dialog.showModal();
      ui.mic.focus(); // Enter or Space on it stops and sends; Escape cancels
    }
  }

  // --- one recording at a time ---------------------------------------------------------------------------

  let session = null;
  let configPromise = null;

  function loadConfig() {
    if (!configPromise) {
      configPromise = fetch(`${ENDPOINT}/api/config`, { credentials: "omit", mode: "cors" })
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`))));
      configPromise.catch(() => { configPromise = null; }); // try again on the next click
    }
    return configPromise;
  }

  function micErrorMessage(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
        return TEXT.micDenied;
      case "NotFoundError":
      case "OverconstrainedError":
        return TEXT.micMissing;
      default:
        return TEXT.micBusy;
    }
  }

  function start(input) {
    if (session && session.state !== "error") return;
    begin(input);
  }

  // Everything up to "listening"; each await may find the session cancelled (Escape) and then cleans up.
  async function begin(input) {
    if (session) end(session);
    const options = optionsOf(input);
    const s = {
      input, options, previous: input.value, state: "starting", socket: null, context: null, stream: null,
      audio: null, queue: [], samplesSent: 0, maxSamples: 0, maxSeconds: 10, stoppedBy: null, peak: 0,
      configured: false, final: null, eofPending: false, flushed: null, finalTimer: null,
    };
    session = s;
    const box = boxes.get(input);
    if (box) box.host.dataset.state = "active";
    const title = options.mode === "assistant" ? TEXT.titleAssistant : TEXT.title;
    show({ state: "starting", title, prompt: TEXT.preparing, transcript: "", hint: "" });
    for (const name of ["peak", "partialSeen", "stoppedBy", "duration", "capture"]) delete ui.host.dataset[name];
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return fail(s, window.isSecureContext ? TEXT.unsupported : TEXT.insecure, { retry: false });
    }
    const AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!AudioContextClass) return fail(s, TEXT.unsupported, { retry: false });
    s.context = new AudioContextClass(); // inside the click, so the browser lets it run
    let config;
    try {
      config = await loadConfig();
    } catch (error) {
      console.warn("ccvc voice search: speech service unreachable", error);
      return fail(s, TEXT.unreachable);
    }
    if (session !== s) return;
    const speech = (config && config.speech) || {};
    if (!speech.available) return fail(s, speech.message || TEXT.speechOff, { retry: false });
    s.maxSeconds = Number(speech.max_seconds) || 10;
    s.maxSamples = Math.round(s.maxSeconds * TARGET_RATE);
    // Loaded before the microphone opens: whatever the microphone gives before the page can take it is lost.
    s.worklet = await loadWorklet(s.context);
    if (session !== s) return end(s);
    try {
      s.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (error) {
      return fail(s, micErrorMessage(error));
    }
    if (session !== s) return end(s);
    s.socket = openSocket(s);
    try {
      // A browser without an audio output device may never start the context (Firefox waits on the output clock):
      // the user is told instead of watching "preparing" for ever.
      await Promise.race([
        s.context.resume(),
        new Promise((_, reject) => setTimeout(() => reject(new Error("audio context did not start")), RESUME_LIMIT_MS)),
      ]);
      s.audio = await startAudio(s);
    } catch (error) {
      console.error("ccvc voice search: audio capture failed", error);
      return fail(s, TEXT.micBusy);
    }
    if (session !== s || s.state !== "starting") return end(s); // cancelled, or the stream already failed
    s.state = "listening";
    updateCountdown(s);
    show({ state: "listening", prompt: TEXT.speakNow, hint: TEXT.stopHint(s.maxSeconds) });
  }

  async function loadWorklet(context) {
    if (!context.audioWorklet || typeof AudioWorkletNode !== "function") return false;
    try {
      // Fetched in CORS mode (the portal answers allowed origins); it imports ./resampler.js beside it.
      await context.audioWorklet.addModule(`${ENDPOINT}/widget/pcm-worklet.js`);
      return true;
    } catch (error) {
      console.warn("ccvc voice search: AudioWorklet unavailable, using ScriptProcessor", error);
      return false;
    }
  }

  async function startAudio(s) {
    const { context } = s;
    const source = context.createMediaStreamSource(s.stream);
    const mute = context.createGain(); // keeps the graph pulling audio without playing it back
    mute.gain.value = 0;
    mute.connect(context.destination);
    if (s.worklet) {
      try {
        const node = new AudioWorkletNode(context, "pcm-capture", {
          numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: "explicit",
          processorOptions: { targetRate: TARGET_RATE, chunkSamples: CHUNK_SAMPLES },
        });
        node.port.onmessage = (event) => {
          if (event.data.pcm) onAudio(s, new Int16Array(event.data.pcm), event.data.peak);
          if (event.data.done && s.flushed) s.flushed();
        };
        source.connect(node);
        node.connect(mute);
        ui.host.dataset.capture = "worklet";
        return { source, node, flush: () => node.port.postMessage("flush") };
      } catch (error) {
        console.warn("ccvc voice search: AudioWorklet unavailable, using ScriptProcessor", error);
      }
    }
    // Browsers without AudioWorklet: the same resampler on the main thread.
    const { Resampler, peakOf, toPcm16 } = await import(`${ENDPOINT}/widget/resampler.js`);
    const resampler = new Resampler(context.sampleRate, TARGET_RATE);
    const node = context.createScriptProcessor(4096, 1, 1);
    const push = (samples) => { if (samples.length) onAudio(s, toPcm16(samples), peakOf(samples)); };
    node.onaudioprocess = (event) => push(resampler.process(event.inputBuffer.getChannelData(0)));
    source.connect(node);
    node.connect(mute);
    ui.host.dataset.capture = "script-processor";
    return { source, node, flush: () => { push(resampler.flush()); if (s.flushed) s.flushed(); } };
  }

  function onAudio(s, pcm, peak) {
    if (session !== s || !["starting", "listening", "finishing"].includes(s.state)) return;
    s.peak = Math.max(s.peak, peak);
    ui.host.dataset.peak = s.peak.toFixed(4);
    // Never more than the cap: the last chunk is cut at exactly max_seconds of audio.
    const room = s.maxSamples - s.samplesSent;
    if (room <= 0) return;
    const chunk = pcm.length > room ? pcm.subarray(0, room) : pcm;
    if (s.socket && s.socket.readyState === WebSocket.OPEN && s.configured) s.socket.send(chunk);
    else s.queue.push(chunk);
    s.samplesSent += chunk.length;
    updateCountdown(s);
    if (s.samplesSent >= s.maxSamples && s.state === "listening") stop(s, "limit");
  }

  function updateCountdown(s) {
    const left = Math.max(0, s.maxSeconds - s.samplesSent / TARGET_RATE);
    ui.seconds.textContent = String(Math.ceil(left - 1e-6));
  }

  function openSocket(s) {
    const socket = new WebSocket(`${ENDPOINT.replace(/^http/, "ws")}/ws/speech`);
    socket.binaryType = "arraybuffer";
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ config: { sample_rate: TARGET_RATE } }));
      s.configured = true;
      for (const chunk of s.queue) socket.send(chunk);
      s.queue = [];
      if (s.eofPending) socket.send(JSON.stringify({ eof: 1 }));
    });
    socket.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (session !== s) return;
      if (data.error) {
        s.final = data;
        fail(s, data.message || TEXT.streamLost);
      } else if (typeof data.partial === "string") {
        if (data.partial && (s.state === "listening" || s.state === "finishing")) {
          ui.transcript.textContent = data.partial;
          ui.host.dataset.partialSeen = "true";
        }
      } else if (typeof data.text === "string") {
        s.final = data;
        if (s.state === "listening") stop(s, "server"); // the server's cap came first
        finish(s, data);
      }
    });
    socket.addEventListener("close", () => {
      if (session === s && !s.final && s.state !== "error") fail(s, TEXT.streamLost);
    });
    return socket;
  }

  function stop(s, reason) {
    if (session !== s || s.state !== "listening") return;
    s.state = "finishing";
    s.stoppedBy = reason;
    ui.host.dataset.stoppedBy = reason;
    show({ state: "finishing", prompt: TEXT.recognising, hint: reason === "user" ? "" : TEXT.capped(s.maxSeconds) });
    const sendEof = () => {
      releaseAudio(s);
      if (reason === "server") return; // the server already ended the stream
      if (s.socket && s.socket.readyState === WebSocket.OPEN && s.configured) s.socket.send(JSON.stringify({ eof: 1 }));
      else s.eofPending = true;
    };
    if (s.audio) {
      s.flushed = sendEof; // the resampler's last samples first, then the end of the stream
      s.audio.flush();
    } else {
      sendEof();
    }
    s.finalTimer = setTimeout(() => fail(s, TEXT.streamLost), FINAL_WAIT_MS);
  }

  function releaseAudio(s) {
    if (s.stream) s.stream.getTracks().forEach((track) => track.stop());
    if (s.audio) {
      s.audio.source.disconnect();
      s.audio.node.disconnect();
    }
    if (s.context && s.context.state !== "closed") s.context.close();
    s.stream = s.audio = s.context = null;
  }

  // The end of a session, however it ends: microphone, audio graph and socket released.
  function end(s) {
    clearTimeout(s.finalTimer);
    releaseAudio(s);
    if (s.socket && s.socket.readyState <= WebSocket.OPEN) s.socket.close();
    s.socket = null;
    const box = boxes.get(s.input);
    if (box) box.host.dataset.state = "idle";
  }

  // The dialog stays open with the message; the mic becomes "Nói lại" unless trying again cannot help.
  function fail(s, message, { retry = true } = {}) {
    if (session !== s) return;
    end(s);
    s.state = "error";
    show({ state: "error", prompt: message, transcript: "", hint: retry ? TEXT.retryHint : "" });
    ui.mic.hidden = ui.tip.hidden = !retry;
    if (!retry) ui.dialog.querySelector(".close").focus();
  }

  function finish(s, final) {
    if (session !== s || s.state === "error" || s.state === "done") return;
    end(s);
    const text = (final.text || "").trim();
    if (!text) return fail(s, TEXT.noSpeech);
    s.state = "done";
    const { input, options } = s;
    ui.host.dataset.duration = String(final.duration_s);
    input.value = text;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (options.mode === "assistant") return ask(s, text);
    session = null;
    ui.dialog.close();
    input.focus();
    const result = new CustomEvent("ccvc-voice-result", {
      bubbles: true, cancelable: true,
      detail: { transcript: text, duration: final.duration_s, truncated: Boolean(final.truncated) },
    });
    if (input.dispatchEvent(result) && options.autosubmit && input.form) submit(input.form);
  }

  // requestSubmit: the host's own submit handlers and validation run, as if the user had pressed Enter.
  function submit(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else if (form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }))) {
      form.submit();
    }
  }

  function onDialogClosed() {
    ui.host.dataset.state = "idle";
    ui.dialog.dataset.state = "idle";
    const s = session;
    session = null;
    if (!s) return; // a finished search closes the dialog itself
    end(s);
    if (s.state !== "done" && s.state !== "error") s.input.value = s.previous; // cancelled: the box as it was
    s.input.focus();
  }

  // --- assistant mode: the answer with its citations -----------------------------------------------------

  function askTyped(event) {
    if (event.key !== "Enter" || event.isComposing || event.shiftKey || event.altKey || event.ctrlKey) return;
    const input = event.currentTarget;
    const text = input.value.trim();
    if (!text || optionsOf(input).mode !== "assistant") return;
    event.preventDefault(); // the assistant answers; the host form is not submitted
    if (session) return;
    const s = { input, options: optionsOf(input), previous: input.value, state: "done" };
    session = s;
    show({ state: "answering", title: TEXT.titleAssistant, prompt: "", transcript: "", hint: "" });
    ask(s, text);
  }

  async function ask(s, question) {
    s.state = "done";
    show({ state: "answering", prompt: TEXT.thinking, transcript: "", hint: "" });
    const panel = ui.answer;
    panel.dataset.state = "answering";
    panel.replaceChildren(element("h3", null, TEXT.answerTitle));
    const asked = element("p", "question");
    asked.append(element("span", "who", TEXT.youAsked), element("q", "question-text", question));
    panel.append(asked);
    panel.hidden = false;
    let data = {};
    let ok = false;
    try {
      const response = await fetch(`${ENDPOINT}/api/ask`, {
        method: "POST", mode: "cors", credentials: "omit",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message: question }),
      });
      data = await response.json().catch(() => ({}));
      ok = response.ok;
      if (!ok && !data.message) data.message = TEXT.busy;
    } catch {
      data = { message: TEXT.unreachable };
    }
    if (session !== s) return;
    if (ok) renderReplies(panel, data.messages || []);
    else panel.append(element("p", "error", data.message));
    show({ state: "answered", prompt: "", hint: "" });
    panel.dataset.state = ok ? "answered" : "error";
    ui.dialog.querySelector(".close").focus();
  }

  function renderReplies(container, replies) {
    if (!replies.length) {
      container.append(element("p", "answer-text", TEXT.noAnswer));
      return;
    }
    for (const reply of replies) {
      const custom = reply.custom && typeof reply.custom === "object" ? reply.custom : null;
      // The custom payload has the answer without the "Nguồn:" lines, shown as citations instead.
      const text = custom && typeof custom.answer === "string" ? custom.answer : reply.text;
      if (text) container.append(element("p", "answer-text", text));
      const citations = custom && Array.isArray(custom.citations) ? custom.citations : [];
      if (citations.length) container.append(renderCitations(citations));
    }
  }

  function renderCitations(citations) {
    const section = element("section", "citations");
    section.setAttribute("aria-label", TEXT.sources);
    section.append(element("h4", null, TEXT.sources));
    const list = element("ol");
    for (const citation of citations) {
      const item = element("li", "citation");
      const doc = String(citation.doc || "");
      item.append(element("p", "cite-doc", `📄 ${doc}`));
      let path = String(citation.section || "");
      if (doc && path.startsWith(doc)) path = path.slice(doc.length).replace(/^\s*›\s*/, "");
      if (path) item.append(element("p", "cite-section", path));
      if (citation.quote) item.append(element("blockquote", "cite-quote", `“${citation.quote}”`));
      list.append(item);
    }
    section.append(list);
    return section;
  }

  // --- start ---------------------------------------------------------------------------------------------

  window.addEventListener("pagehide", () => { if (session) end(session); }); // never keep the microphone open
  window.ccvcVoiceSearch = { endpoint: ENDPOINT, attach, detach };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch, { once: true });
  else watch();
})();
