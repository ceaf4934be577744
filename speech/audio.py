"""Audio in any container → 16 kHz mono 16-bit PCM, with PyAV (FFmpeg inside; no external programs).

Decoding stops shortly after the cap, so a long recording costs no more than the cap; its duration is then
taken from the container, or from the timestamps of the remaining packets (demuxed, not decoded) when the
container does not say (MediaRecorder's WebM, for one).
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass

import av
import numpy as np

from .errors import SpeechError

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2
# Shorter than this is no question at all.
MIN_SECONDS = 0.1
# The loudest 20-ms window of speech sits far above this (-45 dBFS); a muted or unplugged microphone,
# room noise and a fake-device silence stay below it.
SILENCE_DBFS = -45.0
WINDOW_SECONDS = 0.02
# Resampling may add a few samples at the end: an input this close to the cap is not "truncated".
CAP_TOLERANCE_SECONDS = 0.02


@dataclass(frozen=True)
class DecodedAudio:
    pcm: bytes              # 16 kHz mono s16le, at most the cap
    duration_s: float       # of the whole input
    truncated: bool         # the input is longer than the cap
    decoded_s: float        # how much was actually decoded (a little past the cap at most)
    peak_dbfs: float        # loudness of the loudest 20-ms window of pcm


def check_size(data: bytes, max_bytes: int) -> None:
    if not data:
        raise SpeechError("empty", detail="no bytes")
    if len(data) > max_bytes:
        raise SpeechError("too_large", detail=f"{len(data)} bytes > limit {max_bytes}")


def loudest_window_dbfs(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float:
    """RMS level (dBFS) of the loudest 20-ms window; -inf for digital silence."""
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    if samples.size == 0:
        return -math.inf
    window = max(1, int(sample_rate * WINDOW_SECONDS))
    usable = samples[: samples.size // window * window].reshape(-1, window) if samples.size >= window \
        else samples.reshape(1, -1)
    rms = float(np.sqrt((usable ** 2).mean(axis=1)).max())
    return 20 * math.log10(rms / 32768) if rms > 0 else -math.inf


def _container_duration(container, stream) -> float | None:
    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _remaining_duration(container, stream) -> float | None:
    """End time of the last packet, reading (not decoding) the rest of the stream."""
    end = None
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.time_base:
                packet_end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                end = packet_end if end is None else max(end, packet_end)
    except av.FFmpegError as exc:
        logger.debug("stopped reading packets for the duration: %s", exc)
    if end is None:
        return None
    start = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
    return end - start


def _frame_bytes(frame) -> bytes:
    return bytes(frame.planes[0])[: frame.samples * BYTES_PER_SAMPLE]


def decode(data: bytes, max_seconds: float, max_bytes: int) -> DecodedAudio:
    """Decode the first max_seconds of any audio file PyAV reads (OGG/Opus, WebM, Ogg Vorbis, WAV at any rate
    and channel count, MP3, M4A, …) to 16 kHz mono. Raises SpeechError (empty, too_large, corrupt, silent)."""
    check_size(data, max_bytes)
    cap_bytes = int(max_seconds * SAMPLE_RATE) * BYTES_PER_SAMPLE
    past_cap_bytes = cap_bytes + int(CAP_TOLERANCE_SECONDS * SAMPLE_RATE) * BYTES_PER_SAMPLE
    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise SpeechError("corrupt", detail=f"not a media file PyAV can open: {exc}") from exc
    with container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            kinds = ", ".join(s.type for s in container.streams) or "no streams"
            raise SpeechError("corrupt", detail=f"{container.format.name} without audio ({kinds})")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        chunks: list[bytes] = []
        decoded = 0
        errors = 0
        past_cap = False
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.FFmpegError as exc:  # one damaged packet: skip it, as players do
                    errors += 1
                    logger.debug("skipping a packet that does not decode: %s", exc)
                    continue
                for frame in frames:
                    for out in resampler.resample(frame):
                        chunk = _frame_bytes(out)
                        chunks.append(chunk)
                        decoded += len(chunk)
                if decoded > past_cap_bytes:
                    past_cap = True
                    break
            if not past_cap:
                for out in resampler.resample(None):
                    chunk = _frame_bytes(out)
                    chunks.append(chunk)
                    decoded += len(chunk)
        except (av.FFmpegError, ValueError) as exc:
            if decoded == 0:
                raise SpeechError("corrupt", detail=f"{container.format.name}: {exc}") from exc
            logger.warning("audio damaged after %.2f s, keeping what decoded: %s",
                           decoded / BYTES_PER_SAMPLE / SAMPLE_RATE, exc)
        if decoded == 0 and errors:
            raise SpeechError("corrupt", detail=f"{container.format.name}: {errors} packets failed to decode")
        pcm = b"".join(chunks)[:cap_bytes]
        duration = decoded / BYTES_PER_SAMPLE / SAMPLE_RATE
        truncated = decoded > past_cap_bytes
        if truncated:  # the rest was not decoded: the container (or its packets) tells how long it is
            known = _container_duration(container, stream) or _remaining_duration(container, stream)
            duration = max(duration, known or 0.0)
    if duration < MIN_SECONDS:
        raise SpeechError("empty", detail=f"{duration:.3f} s of audio")
    peak = loudest_window_dbfs(pcm)
    if peak < SILENCE_DBFS:
        raise SpeechError("silent", detail=f"loudest 20-ms window {peak:.1f} dBFS < {SILENCE_DBFS} dBFS")
    return DecodedAudio(pcm, round(duration, 3), truncated, round(decoded / BYTES_PER_SAMPLE / SAMPLE_RATE, 3),
                        round(peak, 1))
