"""`python -m speech …`: transcribe a file, download or verify the Vietnamese model.

Errors are one clear line on stderr (Vietnamese, with the technical reason) and exit code 1 (bad audio, no
model, failed download) or 2 (bad usage, missing file); never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from .settings import MODEL_NAME, MODELS_DIR

app = typer.Typer(help="Trợ lý CCVC — nhận dạng giọng nói tiếng Việt (viet-asr hoặc Vosk).", add_completion=False,
                  no_args_is_help=True, pretty_exceptions_enable=False)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def _words_from_index(index: Optional[Path]) -> list[str]:
    """The knowledge index's vocabulary (imported only here: speech/ does not depend on knowledge/)."""
    try:
        from knowledge.index import IndexLoadError
        from knowledge.vocabulary import index_vocabulary
    except ImportError as exc:
        _fail(f"không nạp được knowledge/ để lấy từ vựng ({exc}).")
    try:
        return index_vocabulary(index)
    except IndexLoadError as exc:
        _fail(str(exc))


@app.command()
def transcribe(
    file: Annotated[Path, typer.Argument(help="Tệp âm thanh: OGG/Opus, WebM, Ogg Vorbis, WAV, MP3, M4A, …")],
    as_json: Annotated[bool, typer.Option("--json", help="In {text, duration_s, truncated, model} dạng JSON.")] = False,
    words_from_index: Annotated[bool, typer.Option(
        "--words-from-index", help="Dùng từ vựng của chỉ mục tri thức làm danh sách từ.")] = False,
    index: Annotated[Optional[Path], typer.Option("--index", help="Thư mục chỉ mục (với --words-from-index).")] = None,
    no_words: Annotated[bool, typer.Option("--no-words", help="Từ vựng mở, bỏ qua danh sách từ.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Ghi log chi tiết (cả log của Vosk / viet-asr).")] = False,
) -> None:
    """Nhận dạng một tệp âm thanh (tối đa SPEECH_MAX_SECONDS giây đầu) và in văn bản."""
    from .errors import SpeechError
    from .service import SpeechService
    from .settings import SpeechSettings

    if debug:
        logging.getLogger().setLevel(logging.DEBUG)
    if not file.is_file():
        _fail(f"không tìm thấy tệp {file}.", 2)
    try:
        settings = SpeechSettings()
    except ValueError as exc:
        _fail(f"cấu hình không hợp lệ / invalid settings: {exc}", 2)
    data = file.read_bytes()
    words = _words_from_index(index) if words_from_index else None
    service = SpeechService.from_settings(settings, words=words)
    if not service.available:
        _fail(f"{service.unavailable_reason} (SPEECH_ENGINE={settings.speech_engine}, "
              f"VOSK_MODEL_PATH={settings.vosk_model_path})")
    try:
        transcript = asyncio.run(service.transcribe(data, use_words=not no_words))
    except SpeechError as exc:
        _fail(f"{exc.message} [{exc.code}: {exc.detail}]")
    finally:
        service.close()
    if as_json:
        typer.echo(json.dumps(transcript.to_dict(), ensure_ascii=False))
        return
    typer.echo(transcript.text)
    if transcript.truncated:
        typer.echo(f"(chỉ nhận dạng {settings.speech_max_seconds:g} giây đầu của {transcript.duration_s:.1f} giây)",
                   err=True)
    if not transcript.text:
        typer.echo("(không nhận ra lời nào)", err=True)


@app.command("download-model")
def download_model_command(
    dest: Annotated[Path, typer.Option("--dest", help="Thư mục chứa các mô hình.")] = MODELS_DIR,
    url: Annotated[Optional[str], typer.Option("--url", help="Địa chỉ tệp zip của mô hình.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Không hiện thanh tiến trình.")] = False,
) -> None:
    """Tải mô hình tiếng Việt (vosk-model-small-vn-0.4), giải nén và kiểm tra bằng git blob id."""
    from .model_files import MODEL_URL, ModelFilesError, download_model

    try:
        target = download_model(dest, url or MODEL_URL, progress=not quiet)
    except ModelFilesError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"không ghi được vào {dest} ({exc}).")
    typer.echo(f"Mô hình đã sẵn sàng và đã kiểm tra: {target}")


@app.command("verify-model")
def verify_model_command(
    path: Annotated[Path, typer.Argument(help="Thư mục mô hình.")] = MODELS_DIR / MODEL_NAME,
) -> None:
    """Kiểm tra các tệp lớn của mô hình tiếng Việt bằng git blob id."""
    from .model_files import verify_model

    if not path.is_dir():
        _fail(f"không có thư mục mô hình {path}. Chạy `make models` trên máy có mạng.", 2)
    problems = verify_model(path)
    if problems:
        _fail("mô hình không khớp mã kiểm tra / model does not verify: " + "; ".join(problems))
    typer.echo(f"Mô hình khớp mã kiểm tra: {path}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
