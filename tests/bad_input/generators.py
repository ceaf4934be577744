"""Audio and request bodies of the bad-input corpus, made at test time (no binaries in git).

Each audio case of cases.yaml names a generator of GENERATORS and its parameters; `make_audio(case)` returns the
bytes. Speech comes from espeak-ng (Debian's, `-v vi`); every container is written with PyAV.
"""

from __future__ import annotations

import functools
import io
import struct
import subprocess
import tempfile
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import av
import numpy as np

SPOKEN = "Chỉ tiêu năm hai nghìn không trăm hai mươi lăm đối với viên chức là bao nhiêu"
MAX_UPLOAD = 10 * 1024 * 1024  # SPEECH_MAX_UPLOAD_BYTES' default; the tests' services use it


@functools.cache
def speech(rate: int = 16000) -> np.ndarray:
    """About 4 s of Vietnamese speech (espeak-ng), mono float32 in [-1, 1] at `rate`."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", "-w", str(wav), SPOKEN], check=True,
                       capture_output=True)
        with av.open(str(wav)) as container:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            frames = [out.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                      for out in resampler.resample(frame)]
            frames += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    return np.concatenate(frames).astype(np.float32)


def signal(kind: str, seconds: float, rate: int, level_dbfs: float = -6.0, frequency: float = 440.0) -> np.ndarray:
    """Mono float32: speech (looped/cut to `seconds`), silence, tone, square, noise, dc."""
    count = max(0, int(round(seconds * rate)))
    amplitude = 10 ** (level_dbfs / 20)
    t = np.arange(count) / rate
    if kind == "speech":
        voice = speech(rate)
        reps = -(-count // len(voice)) if count else 0
        return np.tile(voice, max(reps, 1))[:count] if count else voice
    if kind == "silence":
        return np.zeros(count, np.float32)
    if kind == "tone":
        return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    if kind == "square":
        return (amplitude * np.sign(np.sin(2 * np.pi * frequency * t))).astype(np.float32)
    if kind == "noise":
        return (amplitude * np.random.default_rng(7).uniform(-1, 1, count)).astype(np.float32)
    if kind == "dc":
        return np.full(count, amplitude, np.float32)
    raise ValueError(f"unknown signal {kind!r}")


def speech_then_silence(seconds: float, rate: int) -> np.ndarray:
    voice = speech(rate)
    return np.concatenate([voice, np.zeros(max(0, int(seconds * rate) - len(voice)), np.float32)])


# PyAV sample formats per WAV encoder
_PCM = {"pcm_u8": "u8", "pcm_s16le": "s16", "pcm_s24le": "s32", "pcm_s32le": "s32", "pcm_f32le": "flt",
        "pcm_f64le": "dbl", "pcm_alaw": "s16", "pcm_mulaw": "s16"}


def _as_format(samples: np.ndarray, fmt: str) -> np.ndarray:
    clipped = np.clip(samples, -1, 1)
    if fmt == "u8":
        return (clipped * 127 + 128).astype(np.uint8)
    if fmt == "s16":
        return (clipped * 32767).astype(np.int16)
    if fmt == "s32":
        return (clipped.astype(np.float64) * 2147483647).astype(np.int32)
    if fmt == "flt":
        return clipped.astype(np.float32)
    if fmt == "dbl":
        return clipped.astype(np.float64)
    raise ValueError(fmt)


def encode(samples: np.ndarray, rate: int, container: str = "wav", codec: str = "pcm_s16le", channels: int = 1,
           bit_rate: int | None = None, chunk_seconds: float = 1.0) -> bytes:
    """`samples` (mono float) written with PyAV, repeated on every channel; fed in chunks (long inputs)."""
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        if bit_rate:
            stream.bit_rate = bit_rate
        fmt = _PCM.get(codec) or stream.codec_context.codec.audio_formats[0].name
        packed = fmt.rstrip("p")
        step = max(1, int(rate * chunk_seconds))
        pts = 0
        for start in range(0, max(len(samples), 1), step):
            part = _as_format(samples[start:start + step], packed)
            if part.size == 0:
                break
            if fmt.endswith("p"):  # planar: one row per channel
                data = np.repeat(part[np.newaxis, :], channels, axis=0)
            else:
                data = np.repeat(part, channels)[np.newaxis, :]
            frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
            frame.sample_rate = rate
            frame.pts = pts
            frame.time_base = Fraction(1, rate)
            pts += part.size
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def video_without_audio(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        picture = out.add_stream("mpeg4", rate=10)
        picture.width = picture.height = 64
        picture.pix_fmt = "yuv420p"
        for index in range(int(seconds * 10)):
            image = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 90, np.uint8), format="rgb24")
            image.pts = index
            for packet in picture.encode(image):
                out.mux(packet)
        for packet in picture.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def wav_header(channels: int = 1, rate: int = 16000, bits: int = 16, data_size: int = 0, riff_size: int | None = None,
               fmt_tag: int = 1) -> bytes:
    block = channels * bits // 8
    riff = 36 + data_size if riff_size is None else riff_size
    return (b"RIFF" + struct.pack("<I", riff & 0xFFFFFFFF) + b"WAVE" + b"fmt " +
            struct.pack("<IHHIIHH", 16, fmt_tag, channels, rate, rate * block, block, bits) +
            b"data" + struct.pack("<I", data_size & 0xFFFFFFFF))


def _pcm16(seconds: float = 2.0, rate: int = 16000) -> bytes:
    return _as_format(signal("speech", seconds, rate), "s16").tobytes()


def _png() -> bytes:
    raw = b"\x00\xff\x00\x00" * 16
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("cau-hoi.txt", "Chỉ tiêu năm 2025 là bao nhiêu?")
    return buffer.getvalue()


def _flip(data: bytes, every: int, start: int = 200) -> bytes:
    damaged = bytearray(data)
    for index in range(start, len(damaged), every):
        damaged[index] ^= 0xFF
    return bytes(damaged)


# --- the generators cases.yaml names ---------------------------------------------------------------------------

def gen_bytes(hex: str = "", text: str | None = None, repeat: int = 1) -> bytes:
    """Literal bytes: hex digits, or UTF-8 text; repeated."""
    return (text.encode("utf-8") if text is not None else bytes.fromhex(hex)) * repeat


def gen_audio(signal_kind: str = "speech", seconds: float = 3.0, rate: int = 16000, container: str = "wav",
              codec: str = "pcm_s16le", channels: int = 1, level_dbfs: float = -6.0, bit_rate: int | None = None,
              frequency: float = 440.0, speech_first: bool = False) -> bytes:
    samples = speech_then_silence(seconds, rate) if speech_first else signal(signal_kind, seconds, rate, level_dbfs,
                                                                            frequency)
    return encode(samples, rate, container, codec, channels, bit_rate,
                  chunk_seconds=20.0 if seconds > 60 else 1.0)


def gen_long(seconds: float = 3600.0, speech_first: bool = True, container: str = "ogg", codec: str = "libopus",
             rate: int = 48000, bit_rate: int = 6000) -> bytes:
    """A long recording made fast: speech (or silence) for a few seconds, then one silent packet muxed again and
    again with later timestamps until `seconds` (an hour of Opus in about a second and ~1 MB)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        stream.bit_rate = bit_rate
        fmt = stream.codec_context.codec.audio_formats[0].name
        head = speech(rate) if speech_first else np.zeros(rate * 4, np.float32)
        tail = np.zeros(rate, np.float32)
        packets = []
        pts = 0
        for part in (head, tail):
            data = _as_format(part, fmt.rstrip("p"))[np.newaxis, :]
            frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = rate, pts, Fraction(1, rate)
            pts += part.size
            packets += list(stream.encode(frame))
        for packet in packets[:-2]:
            out.mux(packet)
        silent = packets[-3]  # a packet well inside the silence
        step = silent.duration or int(0.02 * rate)
        payload = bytes(silent)
        time_base = silent.time_base
        next_pts = packets[-3].pts + step
        end = int(seconds / float(time_base))
        while next_pts < end:
            packet = av.Packet(payload)
            packet.pts = packet.dts = next_pts
            packet.duration = step
            packet.time_base = time_base
            packet.stream = stream
            out.mux(packet)
            next_pts += step
    return buffer.getvalue()


def gen_damaged(base: dict, cut_to: float | None = None, cut_from: float | None = None, flip_every: int | None = None,
                prefix_hex: str = "", truncate_bytes: int | None = None) -> bytes:
    """An audio case damaged: keep a fraction (`cut_to`), drop the start (`cut_from`), flip bytes, prefix junk."""
    data = gen_audio(**base)
    if cut_to is not None:
        data = data[: int(len(data) * cut_to)]
    if cut_from is not None:
        data = data[int(len(data) * cut_from):]
    if truncate_bytes is not None:
        data = data[:truncate_bytes]
    if flip_every:
        data = _flip(data, flip_every)
    return bytes.fromhex(prefix_hex) + data


def gen_wav_header(data_seconds: float = 0.0, lie_size: int | None = None, **header: Any) -> bytes:
    """A hand-made WAV header (any field may lie) followed by `data_seconds` of 16 kHz speech PCM."""
    pcm = _pcm16(data_seconds) if data_seconds else b""
    size = len(pcm) if lie_size is None else lie_size
    return wav_header(data_size=size, **header) + pcm


def gen_file(kind: str) -> bytes:
    """Things that are not audio, as people upload them by mistake."""
    if kind == "png":
        return _png()
    if kind == "pdf":
        return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    if kind == "html":
        return "<!doctype html><html><body><script>alert('xin chào')</script></body></html>".encode()
    if kind == "json":
        return b'{"message": "Chi tieu nam 2025?", "audio": null}'
    if kind == "zip":
        return _zip()
    if kind == "elf":
        return Path("/bin/true").read_bytes()[:8192]
    if kind == "video_only":
        return video_without_audio()
    if kind == "random":
        return np.random.default_rng(11).integers(0, 256, 100_000, dtype=np.uint8).tobytes()
    if kind == "vietnamese_text":
        return ("Chỉ tiêu năm 2025 đối với viên chức là bao nhiêu? " * 50).encode()
    if kind == "zeros_at_limit":
        return b"\0" * MAX_UPLOAD
    if kind == "zeros_over_limit":
        return b"\0" * (MAX_UPLOAD + 1)
    raise ValueError(f"unknown file kind {kind!r}")


def gen_playlist(target: str) -> bytes:
    """An HLS playlist pointing elsewhere: FFmpeg must not follow it from an upload (no file read, no request)."""
    return (f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
            f"#EXTINF:10.0,\n{target}\n#EXT-X-ENDLIST\n").encode()


def gen_concat(target: str) -> bytes:
    """An FFmpeg concat script naming a local file."""
    return f"ffconcat version 1.0\nfile '{target}'\n".encode()


GENERATORS: dict[str, Callable[..., bytes]] = {
    "bytes": gen_bytes, "audio": gen_audio, "long": gen_long, "damaged": gen_damaged, "wav_header": gen_wav_header,
    "file": gen_file, "playlist": gen_playlist, "concat": gen_concat,
}


@functools.cache
def _made(generator: str, frozen: str) -> bytes:
    import json

    return GENERATORS[generator](**json.loads(frozen))


def make_audio(case: dict, **substitutions: str) -> bytes:
    """The bytes of an audio case (cached: each is made once per session). `substitutions` fill {placeholders} in
    string parameters (e.g. a port of a listening socket)."""
    import json

    params = json.loads(json.dumps(case.get("params") or {}).replace("{", "{{").replace("}", "}}")
                        .replace("{{port}}", "{port}").format(**substitutions)) if substitutions else \
        (case.get("params") or {})
    return _made(case["generator"], json.dumps(params, sort_keys=True))
