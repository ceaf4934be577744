"""The document library's admin pages and JSON API (knowledge/library.py does the work), behind the admin tokens.

Pages (plain HTML forms, no JavaScript needed; a login session from /admin/dang-nhap, a CSRF token in each form):

    GET  /admin/tai-lieu                          documents, pending previews, versions (rollback), audit log, upload
    POST /admin/tai-lieu/tai-len                  multipart file → checked, read, analysed → its preview
    GET  /admin/tai-lieu/xem-truoc/{id}           what was understood: metadata, section tree, facts with quotes,
                                                  what could not be read; publish (new or replacing) or discard
    POST /admin/tai-lieu/xem-truoc/{id}           publish / discard
    GET  /admin/tai-lieu/go?tai-lieu=ID, POST     remove a document (a confirmation page first)
    POST /admin/tai-lieu/phien-ban                make an earlier version live again (one click)
    GET  /admin/tai-lieu/viec/{job}               a running change (reloads itself until done)

JSON API for scripts ("Authorization: Bearer <token>" only, no cookie):

    GET    /admin/api/documents                   the live documents
    POST   /admin/api/previews?name=FILE          raw bytes (or multipart) → 201 the preview
    GET    /admin/api/previews/{id}               a preview;  DELETE: discard it
    POST   /admin/api/previews/{id}/publish       {"replace": "doc id"} or {"new": true} (default: replaces the
                                                  document with the same number, if any) → the new version
    DELETE /admin/api/documents/{doc_id}          remove a document → the new version
    GET    /admin/api/versions                    the versions kept;  POST /admin/api/versions/rollback {"version"?}
    GET    /admin/api/audit?limit=N               the audit log, newest first

Reading an upload runs in a child process under hard limits (knowledge/upload.py). Publishing, removing and rolling
back run `python -m knowledge publish|remove|rollback` as a child process: the public portal never holds the
embedding model (≈ 1 GB) and a crash while building cannot take it down; the index's lock serialises changes made
from here and from a shell. The running action servers switch to the new version on their next question
(knowledge/live.py). Uploaded bytes stay in memory (Starlette spools a multipart file above 1 MB to an anonymous
temporary file); the preview keeps the extracted text under a random id, never under the uploaded name.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from knowledge.index import IndexLoadError
from knowledge.library import ACTION_LABELS, FACT_GROUPS, Library, LibraryError, Staged, document_rows
from knowledge.settings import KnowledgeSettings
from knowledge.upload import KIND_NAMES, UploadRefused

from .admin import (ADMIN_HEADERS, presented_token, refusal, admin_page, csrf_token, form_refusal, same_origin)
from .hr import live_facts
from .json_api import BodyTooLarge, media_type, multipart_form, problem, read_body, read_json

log = logging.getLogger(__name__)
router = APIRouter()

ROOT = Path(__file__).resolve().parent.parent
# Rasa's lookup tables as the checkout has them (what the next `make train` trains on, regenerated from the index).
LOOKUPS = ROOT / "nlu" / "lookups.yml"
HOME = "/admin/tai-lieu"
MULTIPART_OVERHEAD = 64 * 1024
MAX_FORM_BODY = 16 * 1024
KEEP_JOBS = 50
# The environment of a library command: the portal's, without its secrets (the command needs none of them).
SECRET_VARIABLES = ("PORTAL_", "TELEGRAM_", "RASA_API_TOKEN", "TRACKER_STORE_URL", "LOCK_STORE_URL")

NO_FILE = "Chưa chọn tệp nào để tải lên."
BAD_UPLOAD = "Không đọc được dữ liệu tải lên (multipart/form-data hỏng)."
NEED_UPLOAD = ("Định dạng yêu cầu không được hỗ trợ: hãy gửi tệp (multipart/form-data, hoặc nội dung tệp với "
               "Content-Type: application/octet-stream và ?name=tên-tệp).")
NEED_NAME = "Thiếu tên tệp: thêm ?name=tên-tệp.docx vào địa chỉ."
TOO_LARGE = "Tệp quá lớn (tối đa {mib:g} MB)."
NO_INDEX = "Chưa có chỉ mục tài liệu trên máy chủ. Quản trị hệ thống hãy chạy: make index."
COMMAND_FAILED = "Thao tác không thành công: {reason}"
TIMED_OUT = "Thao tác chưa xong sau {seconds:g} giây và đã bị dừng."
BAD_PUBLISH = 'Dữ liệu không hợp lệ: cần JSON dạng {"replace": "mã tài liệu"} hoặc {"new": true}.'
BAD_ROLLBACK = 'Dữ liệu không hợp lệ: cần JSON dạng {"version": "v-…"} (bỏ trống: phiên bản liền trước).'
NEED_BEARER = "API quản trị cần mã trong tiêu đề Authorization: Bearer …"
DONE = {"publish": "Đã xuất bản", "replace": "Đã thay thế", "remove": "Đã gỡ", "rollback": "Đã quay lại phiên bản"}


# ---------------------------------------------------------------------------------------------
# Changes run as `python -m knowledge …`


class CommandFailed(Exception):
    """A library command that exited with an error; `message` is its Vietnamese "Lỗi: …" line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _command_environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(SECRET_VARIABLES)}


async def run_library_command(arguments: list[str], by: str, index_dir: Path, timeout: float) -> dict[str, Any]:
    """`python -m knowledge <arguments> --by BY --index DIR --json`; its JSON result, or CommandFailed."""
    command = [sys.executable, "-m", "knowledge", arguments[0], "--index", str(index_dir.resolve()), "--by", by, "--json",
               *arguments[1:]]
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=_command_environment(),
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise CommandFailed(TIMED_OUT.format(seconds=timeout)) from None
    errors = err.decode("utf-8", errors="replace")
    if process.returncode != 0:
        reason = next((line.removeprefix("Lỗi: ") for line in reversed(errors.splitlines())
                       if line.startswith("Lỗi: ")), "")
        log.error("library command %s failed (%s): %s", arguments[0], process.returncode, errors[-2000:])
        raise CommandFailed(COMMAND_FAILED.format(reason=reason or "lỗi máy chủ, xem nhật ký của cổng thông tin."))
    return json.loads(out.decode("utf-8"))


@dataclass
class Job:
    """A library change started from a page; the page reloads itself until it is done."""

    id: str
    kind: str  # publish | replace | remove | rollback
    what: str  # the document or version, for people
    by: str
    started: float = field(default_factory=time.monotonic)
    done: bool = False
    ok: bool = False
    message: str = ""
    version: str = ""

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)


def _jobs(request: Request) -> dict[str, Job]:
    jobs = getattr(request.app.state, "library_jobs", None)
    if jobs is None:
        jobs = request.app.state.library_jobs = {}
    return jobs


def _start(request: Request, kind: str, what: str, arguments: list[str]) -> Job:
    job = Job(secrets.token_hex(8), kind, what, request.state.admin_name)
    jobs = _jobs(request)
    jobs[job.id] = job
    for old in list(jobs)[:-KEEP_JOBS]:
        jobs.pop(old, None)
    index_dir, timeout = _library(request).index_dir, request.app.state.settings.portal_library_timeout

    async def run() -> None:
        try:
            result = await run_library_command(arguments, job.by, index_dir, timeout)
            job.ok, job.version = True, result.get("version", "")
            job.message = f"{DONE.get(kind, 'Xong')}: {what}."
        except CommandFailed as exc:
            job.message = exc.message
        except Exception as exc:  # noqa: BLE001 - the page must say it failed, the log says why
            log.exception("library job %s failed", kind)
            job.message = COMMAND_FAILED.format(reason=type(exc).__name__)
        finally:
            job.done = True

    request.app.state.library_tasks = getattr(request.app.state, "library_tasks", set())
    task = asyncio.get_running_loop().create_task(run())
    request.app.state.library_tasks.add(task)  # a reference, so the task is not collected while it runs
    task.add_done_callback(request.app.state.library_tasks.discard)
    return job


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _library(request: Request) -> Library:
    library = getattr(request.app.state, "library", None)
    if library is None:
        settings = KnowledgeSettings()
        library = request.app.state.library = Library(settings.index_dir, settings)
    return library


async def _form(request: Request) -> dict[str, list[str]] | Response:
    if media_type(request) != "application/x-www-form-urlencoded":
        return problem(415, "unsupported_media_type", "Hãy gửi biểu mẫu trên trang quản trị.")
    try:
        return parse_qs((await read_body(request, MAX_FORM_BODY)).decode("utf-8"), keep_blank_values=True,
                        max_num_fields=10)
    except (BodyTooLarge, UnicodeDecodeError, ValueError):
        return problem(400, "bad_form", "Biểu mẫu không hợp lệ.")


async def _checked_form(request: Request) -> dict[str, list[str]] | Response:
    """The fields of a form posted from an admin page, or the page that refuses it (not logged in, not a form, a
    forged or stale CSRF token, another origin)."""
    if refused := refusal(request, login_page=True):
        return refused
    fields = await _form(request)
    if isinstance(fields, Response):
        return fields
    if reason := form_refusal(request, fields):
        return await run_in_threadpool(_list_page, request, 403, upload_error=reason)
    return fields


def _field(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0].strip()


async def _uploaded(request: Request, body: bytes) -> tuple[dict[str, str], tuple[str, bytes] | None]:
    """The text fields and the first file (name, bytes) of a multipart body already read (size-checked)."""
    async with multipart_form(request, body, max_fields=5) as form:
        fields, upload = {}, None
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if upload is None and value.filename:
                    upload = (value.filename, await value.read())
            else:
                fields[key] = value
        return fields, upload


async def _stage(request: Request, data: bytes, name: str) -> Staged:
    return await run_in_threadpool(_library(request).stage, data, name, request.state.admin_name)


def _too_large(request: Request) -> str:
    return TOO_LARGE.format(mib=_library(request).settings.upload_max_bytes / 1024 / 1024)


# ---------------------------------------------------------------------------------------------
# Pages


def _overview(request: Request) -> dict[str, Any]:
    library = _library(request)
    try:
        base = live_facts(request)
        rows, version, error = document_rows(base.documents, base.manifest), base.version, None
    except IndexLoadError as exc:
        log.error("document library: no index: %s", exc)
        rows, version, error = [], "", NO_INDEX
    jobs = sorted(_jobs(request).values(), key=lambda j: j.started, reverse=True)
    return {"rows": rows, "version": version, "error": error, "versions": library.versions(),
            "not_in_lookups": _not_in_lookups(rows),
            "audit": library.audit(50), "previews": library.previews(), "running": [j for j in jobs if not j.done],
            "settings": library.settings, "action_labels": ACTION_LABELS}


def _not_in_lookups(rows: list) -> list[str]:
    """Numbers of live documents that Rasa's lookup tables do not list yet. Measured (bench/lookups_stale.py): the
    answers do not depend on them (no action reads the entities), so this is said, not fixed at once; the next
    `make train` regenerates the tables from the index."""
    try:
        tables = LOOKUPS.read_text(encoding="utf-8")
    except OSError:
        return []
    return [row.number for row in rows if row.number and row.number not in tables]


def _list_page(request: Request, status: int = 200, **extra: Any) -> Response:
    return admin_page("admin_library.html", status, **_overview(request), csrf=csrf_token(request),
                      admin=request.state.admin_name, current="tai-lieu", **extra)


@router.get(HOME, include_in_schema=False)
async def library_page(request: Request) -> Response:
    if refused := refusal(request, login_page=True):
        return refused
    notice = None
    if job := _jobs(request).get(request.query_params.get("viec", "")):
        notice = {"ok": job.ok, "message": job.message or "Đang thực hiện…", "version": job.version}
    elif request.query_params.get("da") == "huy":
        notice = {"ok": True, "message": "Đã hủy bản xem trước.", "version": ""}
    return await run_in_threadpool(_list_page, request, notice=notice)


@router.post(f"{HOME}/tai-len", include_in_schema=False)
async def upload_page(request: Request) -> Response:
    if refused := refusal(request, login_page=True):
        return refused
    if not same_origin(request):
        return await run_in_threadpool(_list_page, request, 403, upload_error=form_refusal(request, {}))
    if media_type(request) != "multipart/form-data":
        return await run_in_threadpool(_list_page, request, 415, upload_error=NEED_UPLOAD)
    limit = _library(request).settings.upload_max_bytes
    try:
        body = await read_body(request, limit + MULTIPART_OVERHEAD)
        fields, upload = await _uploaded(request, body)
    except BodyTooLarge:
        return await run_in_threadpool(_list_page, request, 413, upload_error=_too_large(request))
    except MultiPartException:
        return await run_in_threadpool(_list_page, request, 400, upload_error=BAD_UPLOAD)
    if reason := form_refusal(request, {"csrf": [fields.get("csrf", "")]}):
        return await run_in_threadpool(_list_page, request, 403, upload_error=reason)
    if upload is None or not upload[1]:
        return await run_in_threadpool(_list_page, request, 422, upload_error=NO_FILE)
    name, data = upload
    if len(data) > limit:
        return await run_in_threadpool(_list_page, request, 413, upload_error=_too_large(request))
    try:
        staged = await _stage(request, data, name)
    except UploadRefused as refused:
        return await run_in_threadpool(_list_page, request, 422, upload_error=refused.message)
    return RedirectResponse(f"{HOME}/xem-truoc/{staged.id}", status_code=303, headers=ADMIN_HEADERS)


def _preview_context(request: Request, staged: Staged) -> dict[str, Any]:
    try:
        base = live_facts(request)
        live = document_rows(base.documents, base.manifest)
    except IndexLoadError:
        live = []
    groups = [(key, title, [f for f in staged.analysis["facts"] if f["group"] == key]) for key, title in FACT_GROUPS]
    return {"staged": staged, "analysis": staged.analysis, "info": staged.analysis["info"], "groups": groups,
            "live": live, "kind_name": KIND_NAMES.get(staged.suffix, staged.suffix), "csrf": csrf_token(request),
            "admin": request.state.admin_name, "current": "tai-lieu"}


@router.get(HOME + "/xem-truoc/{staged_id}", include_in_schema=False)
async def preview_page(request: Request, staged_id: str) -> Response:
    if refused := refusal(request, login_page=True):
        return refused
    try:
        staged = await run_in_threadpool(_library(request).staged, staged_id)
    except LibraryError as exc:
        return await run_in_threadpool(_list_page, request, 404, upload_error=str(exc))
    return admin_page("admin_preview.html", **await run_in_threadpool(_preview_context, request, staged))


@router.post(HOME + "/xem-truoc/{staged_id}", include_in_schema=False)
async def preview_action(request: Request, staged_id: str) -> Response:
    fields = await _checked_form(request)
    if isinstance(fields, Response):
        return fields
    library = _library(request)
    try:
        staged = await run_in_threadpool(library.staged, staged_id)
    except LibraryError as exc:
        return await run_in_threadpool(_list_page, request, 404, upload_error=str(exc))
    if _field(fields, "thao-tac") == "huy":
        await run_in_threadpool(library.discard, staged_id, request.state.admin_name)
        return RedirectResponse(f"{HOME}?da=huy", status_code=303, headers=ADMIN_HEADERS)
    replace = _field(fields, "thay-the") if _field(fields, "cach") == "thay" else ""
    arguments = ["publish", "--replace", replace, "--", staged_id] if replace else ["publish", "--new", "--",
                                                                                       staged_id]
    job = _start(request, "replace" if replace else "publish", staged.analysis["label"], arguments)
    return RedirectResponse(f"{HOME}/viec/{job.id}", status_code=303, headers=ADMIN_HEADERS)


@router.get(HOME + "/go", include_in_schema=False)
async def remove_page(request: Request) -> Response:
    if refused := refusal(request, login_page=True):
        return refused
    doc_id = request.query_params.get("tai-lieu", "")
    overview = await run_in_threadpool(_overview, request)
    row = next((r for r in overview["rows"] if r.doc_id == doc_id), None)
    if row is None:
        return await run_in_threadpool(_list_page, request, 404,
                                       upload_error=f"Không có tài liệu '{doc_id}' (có thể đã được gỡ).")
    return admin_page("admin_remove.html", row=row, csrf=csrf_token(request), admin=request.state.admin_name,
                      current="tai-lieu")


@router.post(HOME + "/go", include_in_schema=False)
async def remove_action(request: Request) -> Response:
    fields = await _checked_form(request)
    if isinstance(fields, Response):
        return fields
    doc_id = _field(fields, "tai-lieu")
    label = _field(fields, "ten") or doc_id
    job = _start(request, "remove", label, ["remove", "--", doc_id])
    return RedirectResponse(f"{HOME}/viec/{job.id}", status_code=303, headers=ADMIN_HEADERS)


@router.post(HOME + "/phien-ban", include_in_schema=False)
async def rollback_action(request: Request) -> Response:
    fields = await _checked_form(request)
    if isinstance(fields, Response):
        return fields
    version = _field(fields, "phien-ban")
    job = _start(request, "rollback", version, ["rollback", "--", version])
    return RedirectResponse(f"{HOME}/viec/{job.id}", status_code=303, headers=ADMIN_HEADERS)


@router.get(HOME + "/viec/{job_id}", include_in_schema=False)
async def job_page(request: Request, job_id: str) -> Response:
    if refused := refusal(request, login_page=True):
        return refused
    job = _jobs(request).get(job_id)
    if job is None or job.done:
        return RedirectResponse(f"{HOME}?{urlencode({'viec': job_id})}", status_code=303, headers=ADMIN_HEADERS)
    return admin_page("admin_job.html", job=job, action_labels=ACTION_LABELS, admin=request.state.admin_name,
                      csrf=csrf_token(request), current="tai-lieu")


# ---------------------------------------------------------------------------------------------
# JSON API


def _api_refusal(request: Request) -> Response | None:
    if refused := refusal(request):
        return refused
    token, in_query = presented_token(request)
    if not token or in_query:  # a cookie (or a token in a URL) is for pages: scripts send the header
        return problem(401, "unauthorized", NEED_BEARER, headers={"WWW-Authenticate": "Bearer"})
    return None


async def _api_change(request: Request, arguments: list[str]) -> Response:
    settings = request.app.state.settings
    try:
        result = await run_library_command(arguments, request.state.admin_name, _library(request).index_dir,
                                           settings.portal_library_timeout)
    except CommandFailed as exc:
        return problem(409, "not_done", exc.message)
    return JSONResponse(result)


@router.get("/admin/api/documents")
async def api_documents(request: Request) -> Response:
    if refused := _api_refusal(request):
        return refused
    try:
        base = await run_in_threadpool(live_facts, request)
    except IndexLoadError:
        return problem(503, "no_index", NO_INDEX)
    return JSONResponse({"version": base.version,
                         "documents": [row.to_dict() for row in document_rows(base.documents, base.manifest)]},
                        headers=ADMIN_HEADERS)


@router.post("/admin/api/previews")
async def api_upload(request: Request) -> Response:
    if refused := _api_refusal(request):
        return refused
    limit = _library(request).settings.upload_max_bytes
    kind = media_type(request)
    try:
        if kind == "multipart/form-data":
            _, upload = await _uploaded(request, await read_body(request, limit + MULTIPART_OVERHEAD))
            if upload is None:
                return problem(422, "no_file", NO_FILE)
            name, data = upload
        elif kind in {"application/octet-stream", ""} or kind.startswith(("application/", "text/")):
            name = request.query_params.get("name", "")
            if not name:
                return problem(422, "no_name", NEED_NAME)
            data = await read_body(request, limit)
        else:
            return problem(415, "unsupported_media_type", NEED_UPLOAD)
    except BodyTooLarge:
        return problem(413, "too_large", _too_large(request))
    except MultiPartException:
        return problem(400, "bad_multipart", BAD_UPLOAD)
    if len(data) > limit:
        return problem(413, "too_large", _too_large(request))
    try:
        staged = await _stage(request, data, name)
    except UploadRefused as refused:
        return problem(413 if refused.code == "too_large" else 422, refused.code, refused.message)
    return JSONResponse({"preview": staged.to_dict()}, status_code=201, headers=ADMIN_HEADERS)


@router.get("/admin/api/previews/{staged_id}")
async def api_preview(request: Request, staged_id: str) -> Response:
    if refused := _api_refusal(request):
        return refused
    try:
        staged = await run_in_threadpool(_library(request).staged, staged_id)
    except LibraryError as exc:
        return problem(404, "no_preview", str(exc))
    return JSONResponse({"preview": staged.to_dict()}, headers=ADMIN_HEADERS)


@router.delete("/admin/api/previews/{staged_id}")
async def api_discard(request: Request, staged_id: str) -> Response:
    if refused := _api_refusal(request):
        return refused
    try:
        await run_in_threadpool(_library(request).discard, staged_id, request.state.admin_name)
    except LibraryError as exc:
        return problem(404, "no_preview", str(exc))
    return Response(status_code=204)


@router.post("/admin/api/previews/{staged_id}/publish")
async def api_publish(request: Request, staged_id: str) -> Response:
    if refused := _api_refusal(request):
        return refused
    data = await read_json(request, MAX_FORM_BODY, BAD_PUBLISH) if await _has_body(request) else {}
    if isinstance(data, Response):
        return data
    replace, new = (data.get("replace"), data.get("new", False)) if isinstance(data, dict) else (1, 1)
    if not (replace is None or isinstance(replace, str)) or not isinstance(new, bool) or (replace and new):
        return problem(422, "bad_request", BAD_PUBLISH)
    flags = ["--replace", replace] if replace else ["--new"] if new else []
    return await _api_change(request, ["publish", *flags, "--", staged_id])


async def _has_body(request: Request) -> bool:
    return bool(request.headers.get("content-length", "0") not in {"", "0"} or request.headers.get("transfer-encoding"))


@router.delete("/admin/api/documents/{doc_id:path}")
async def api_remove(request: Request, doc_id: str) -> Response:
    if refused := _api_refusal(request):
        return refused
    return await _api_change(request, ["remove", "--", doc_id])


@router.get("/admin/api/versions")
async def api_versions(request: Request) -> Response:
    if refused := _api_refusal(request):
        return refused
    versions = await run_in_threadpool(_library(request).versions)
    return JSONResponse({"versions": [v.__dict__ for v in versions]}, headers=ADMIN_HEADERS)


@router.post("/admin/api/versions/rollback")
async def api_rollback(request: Request) -> Response:
    if refused := _api_refusal(request):
        return refused
    data = await read_json(request, MAX_FORM_BODY, BAD_ROLLBACK) if await _has_body(request) else {}
    if isinstance(data, Response):
        return data
    version = data.get("version") if isinstance(data, dict) else 1
    if not (version is None or (isinstance(version, str) and version)):
        return problem(422, "bad_request", BAD_ROLLBACK)
    return await _api_change(request, ["rollback", *(["--", version] if version else [])])


@router.get("/admin/api/audit")
async def api_audit(request: Request) -> Response:
    if refused := _api_refusal(request):
        return refused
    try:
        limit = min(max(int(request.query_params.get("limit", "100")), 1), 10000)
    except ValueError:
        return problem(422, "bad_limit", "Tham số limit phải là số nguyên.")
    return JSONResponse({"entries": await run_in_threadpool(_library(request).audit, limit)}, headers=ADMIN_HEADERS)
