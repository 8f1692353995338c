"""Export: submit a render job, poll it, cancel it, download its MP4.

The status reply is the contract's canonical top-level form `{"id", "status", "progress",
"output": {"url", "duration", "size"}}` (with `"code": 0` so envelope readers see success);
a "wrapped" fault answers `{"success": true, "data": {"id", "status", "progress",
"outputUrl"}}` instead. Export is free (no credits), but needs the attribution headers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from backend.context import (
    backend_of,
    faults_for,
    has_attribution,
    require_session,
    require_user,
)
from backend.draft import Draft
from backend.envelope import JSON, ApiFailure, message
from backend.faults import first
from backend.files import file_response
from backend.render_quality import requested

_RENDER_ID = re.compile(r"^render_[A-Za-z0-9_-]{1,100}$")
BAD_REQUEST = 4000  # not in the contract: the client shows the server's text
ID_REUSED = 4009


def _job_or_404(request: Request, user: str, render_id: str) -> dict[str, Any]:
    job = backend_of(request).store.job(render_id) if _RENDER_ID.match(render_id) else None
    if job is None or job["user_id"] != user:
        raise ApiFailure(BAD_REQUEST, message("render_not_found", render_id=render_id[:120]),
                         status=404)
    return job


def job_reply(job: dict[str, Any], base_url: str, *, wrapped: bool = False) -> dict[str, Any]:
    url = (f"{base_url.rstrip('/')}/files/renders/{job['output']}"
           if job["status"] == "completed" and job["output"] else None)
    progress = round(float(job["progress"]), 1)
    if wrapped:
        data: dict[str, Any] = {"id": job["render_id"], "status": job["status"],
                                "progress": progress, "outputUrl": url}
        if job["error"]:
            data["error"] = job["error"]
        return {"success": True, "data": data}
    reply: dict[str, Any] = {"code": 0, "id": job["render_id"], "status": job["status"],
                             "progress": progress}
    if url:
        reply["output"] = {"url": url, "duration": job["duration"], "size": job["size"],
                           "width": job["width"], "height": job["height"], "format": "mp4"}
    if job["error"]:
        reply["error"] = job["error"]
    return reply


async def submit(request: Request) -> Response:
    be = backend_of(request)
    faults = await faults_for(request, "render_submit")
    user = require_user(request)
    if be.settings.require_attribution_for_export and not has_attribution(request):
        raise ApiFailure(402, message("attribution_missing"), status=402)
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise ApiFailure(BAD_REQUEST, message("bad_json"), status=400) from None
    if not isinstance(body, dict):
        raise ApiFailure(BAD_REQUEST, message("bad_json"), status=400)
    session_id = str(body.get("sessionId") or body.get("session_id") or "")
    require_session(request, user, session_id)
    render_id = str(body.get("id") or "")
    if not _RENDER_ID.match(render_id):
        raise ApiFailure(BAD_REQUEST, message("render_bad_id"), status=400)
    try:
        draft = Draft.model_validate(body.get("draft") or {})
    except ValidationError as exc:
        reason = "; ".join(e["msg"] for e in exc.errors()[:3])
        raise ApiFailure(BAD_REQUEST, message("render_bad_draft", reason=reason),
                         status=400) from None
    if not draft.is_exportable():
        raise ApiFailure(BAD_REQUEST, message("render_empty_draft"), status=400)
    resolution = requested(body.get("output"), be.settings.draft_quality)  # or "draft"
    if not be.store.add_job(render_id, session_id, user, draft.to_wire(), resolution):
        raise ApiFailure(ID_REUSED, message("render_id_reused", render_id=render_id),
                         status=409)
    stuck = first(faults, "stuck")
    assert be.jobs is not None
    be.jobs.submit(render_id, stuck_progress=stuck.progress if stuck else None)
    job = be.store.job(render_id)
    assert job is not None
    return JSON(job_reply(job, str(request.base_url)))


async def status(request: Request) -> Response:
    faults = await faults_for(request, "render_status")
    user = require_user(request)
    job = _job_or_404(request, user, request.path_params["render_id"])
    wrapped = first(faults, "wrapped") is not None
    return JSON(job_reply(job, str(request.base_url), wrapped=wrapped))


async def cancel(request: Request) -> Response:
    be = backend_of(request)
    await faults_for(request, "render_cancel")
    user = require_user(request)
    job = _job_or_404(request, user, request.path_params["render_id"])
    assert be.jobs is not None
    be.jobs.cancel(job["render_id"])
    job = be.store.job(job["render_id"]) or job
    return JSON(job_reply(job, str(request.base_url)))


async def download(request: Request) -> Response:
    """The fallback route: the MP4 itself, with the Bearer token."""
    be = backend_of(request)
    faults = await faults_for(request, "render_download")
    user = require_user(request)
    job = _job_or_404(request, user, request.path_params["render_id"])
    if job["status"] != "completed" or not job["output"]:
        raise ApiFailure(BAD_REQUEST, message("render_not_ready", render_id=job["render_id"],
                                              status=job["status"]), status=409)
    return file_response(request, be.renders_dir / job["output"], faults,
                         download_name=job["output"])
