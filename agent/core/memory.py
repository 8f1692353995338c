"""What the chat remembers between runs: the last session and a render still running.

Kept in the config folder (`nemo-chat-state.json`, 0600 in a 0700 folder, written atomically)
so that `--resume` continues the session and `/export` or `--resume` picks up a render that
was running when the last run ended (Ctrl-C, a closed terminal, a crash), and knows which local
files the session already holds (their paths, sizes and hashes: never their contents). Entries are keyed
by the API base, with every loopback address counted as one ("local"), because the local
backend listens on a new port each run but keeps its data. Nothing secret is stored here.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError

__all__ = ["ChatMemory", "PendingRender", "RunMemory", "UploadRecord", "service_key"]

FILE_NAME = "nemo-chat-state.json"


def service_key(base_url: str) -> str:
    host = (urlsplit(base_url).hostname or "").lower()
    if host in ("127.0.0.1", "localhost", "::1") or host.startswith("127."):
        return "local"
    return base_url.rstrip("/")


class PendingRender(BaseModel):
    id: str
    session_id: str | None = None
    started_at: float = Field(default_factory=time.time)  # wall clock, survives restarts
    resolution: str | None = None
    title: str | None = None
    duration: float | None = None  # from the draft, in case the job does not say
    file_name: str | None = None  # the name asked for (a batch item's), else from the title


class UploadRecord(BaseModel):
    """A local file a session holds (see upload_ledger.py): where it was, which bytes, its name there."""

    session_id: str
    path: str
    size: int
    mtime_ns: int
    sha256: str | None = None
    name: str


MAX_UPLOAD_RECORDS = 2000  # the newest kept: a few hundred KB of state at most


class _Service(BaseModel):
    session_id: str | None = None
    language: str | None = None
    render: PendingRender | None = None
    uploads: list[UploadRecord] = Field(default_factory=list)


class _File(BaseModel):
    version: int = 1
    services: dict[str, _Service] = Field(default_factory=dict)


class ChatMemory:
    """Read and write the state file; every failure is silent (memory is a convenience)."""

    def __init__(self, folder: Path, base_url: str) -> None:
        self.path = folder / FILE_NAME
        self.key = service_key(base_url)

    def _load(self) -> _File:
        try:
            if self.path.is_symlink() or not self.path.is_file():
                return _File()
            return _File.model_validate(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError):
            return _File()

    def _save(self, data: _File) -> None:
        folder = self.path.parent
        tmp = folder / f".{FILE_NAME}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, (data.model_dump_json(indent=1) + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _service(self) -> _Service:
        return self._load().services.get(self.key) or _Service()

    def _update(self, **changes: object) -> None:
        data = self._load()
        current = data.services.get(self.key) or _Service()
        data.services[self.key] = current.model_copy(update=changes)
        self._save(data)

    # -- the session --------------------------------------------------------------------------
    def last_session(self) -> tuple[str | None, str | None]:
        service = self._service()
        return service.session_id, service.language

    def remember_session(self, session_id: str, language: str) -> None:
        self._update(session_id=session_id, language=language)

    # -- files the sessions hold -----------------------------------------------------------------
    def uploaded_files(self) -> list[UploadRecord]:
        return list(self._service().uploads)

    def remember_upload(self, record: UploadRecord) -> None:
        """Kept so that a resumed session does not send a file it already holds again."""
        uploads = [*self._service().uploads, record][-MAX_UPLOAD_RECORDS:]
        self._update(uploads=uploads)

    # -- a render still running -----------------------------------------------------------------
    def pending_render(self) -> PendingRender | None:
        return self._service().render

    def remember_render(self, render: PendingRender) -> None:
        self._update(render=render)

    def forget_render(self, render_id: str | None = None) -> None:
        current = self._service().render
        if current is not None and (render_id is None or current.id == render_id):
            self._update(render=None)


class RunMemory(ChatMemory):
    """Memory that lives as long as this object: a batch item's own session and render.

    Batch items run side by side in sessions of their own; they must neither replace the
    chat's remembered session nor clobber each other's pending render in the shared file.
    (The batch keeps its own record, the manifest in the output folder.)"""

    def __init__(self) -> None:
        self.path = Path(os.devnull)
        self.key = "run"
        self._data = _File()

    def _load(self) -> _File:
        return self._data

    def _save(self, data: _File) -> None:
        self._data = data
