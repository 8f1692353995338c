"""Reply models: tolerant readers of every documented reply form (ids kept as strings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .draft import Canvas, Draft
from .tolerant import as_list, as_mapping, basename, first, number

__all__ = [
    "ClientNotice",
    "ClientNoticeKind",
    "Credits",
    "DownloadResult",
    "MediaItem",
    "RenderJob",
    "SessionInfo",
    "SessionState",
    "UploadProgress",
    "UploadedFile",
]


def _as_str(value: Any) -> Any:
    """Ids may arrive as (long) numbers: keep them as text, exactly."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _as_int(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 0
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


ClientNoticeKind = Literal[
    "reauthenticated",  # 1001: a new anonymous token was fetched, the call retried
    "new_client_id",  # 400: a new client id was made, the call retried
    "rate_limited_wait",  # 429 on the token call: waiting before the one retry
    "retried",  # a transient fault: the call was retried
    "credentials_replaced",  # a corrupt/foreign file in the config folder was replaced
    "credentials_not_saved",  # the config folder is unusable: the token lives in memory only
    "permissions_fixed",  # the config folder or a file in it was too open: tightened
    "heic_converted",  # a HEIC/HEIF photo was converted to PNG before upload
    "download_resumed",  # a download resumed with Range after a break
    "download_restarted",  # the server ignored Range: the download started over
]


class ClientNotice(BaseModel):
    """Something the client did on its own that the person may want to hear about."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    kind: ClientNoticeKind
    detail: str = ""


class SessionInfo(_Tolerant):
    task_id: str | None = None
    session_id: str
    user_id: str | None = None

    _ids = field_validator("task_id", "session_id", "user_id", mode="before")(_as_str)


class UploadProgress(BaseModel):
    """Bytes handed to the connection so far (over all files of one request)."""

    model_config = ConfigDict(defer_build=True)  # built at first use, not at import
    sent: int
    total: int
    filename: str
    file_index: int
    file_count: int


class UploadedFile(_Tolerant):
    filename: str = ""
    file_type: str | None = None
    cdn_url: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    fps: float | None = None
    hash: str | None = None
    id: str | None = Field(default=None, validation_alias="id")

    @field_validator("id", "hash", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return _as_str(v)

    @field_validator("width", "height", mode="before")
    @classmethod
    def _int_or_none(cls, v: Any) -> Any:
        if v in (None, ""):
            return None
        try:
            return int(float(v))
        except (TypeError, ValueError):
            return None

    @field_validator("duration", "fps", mode="before")
    @classmethod
    def _float_or_none(cls, v: Any) -> Any:
        if v in (None, ""):
            return None
        try:
            return float(v)
        except (TypeError, ValueError):
            return None


class Credits(_Tolerant):
    available: int = 0
    frozen: int = 0
    total: int = 0

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Credits:
        available = _as_int(data.get("available"))
        frozen = _as_int(data.get("frozen"))
        total = _as_int(data["total"]) if data.get("total") is not None else available + frozen
        return cls(available=available, frozen=frozen, total=total)


class MediaItem(BaseModel):
    """One entry of the state's media lists (uploaded or generated), read tolerantly."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    key: str  # what identifies it across two states (id, hash, url, file name)
    name: str  # what a person calls it ("" when nothing names it)
    file_type: str = ""
    width: int | None = None
    height: int | None = None
    duration: float | None = None  # seconds

    @classmethod
    def read(cls, item: Any) -> MediaItem | None:
        if isinstance(item, str):
            return cls(key=item, name=item) if item else None
        data = as_mapping(item)
        if data is None:
            return None
        ident = first(data, ("id", "hash", "cdn_url", "filename", "name"))
        key = str(ident) if ident else repr(sorted(data.items()))
        named = first(data, ("filename", "file_name", "fileName", "name", "title", "n"))
        name = str(named) if named else basename(first(data, _SOURCE)) or str(data.get("id") or "")
        width, height = number(data.get("width")), number(data.get("height"))
        duration = number(first(data, ("duration", "duration_s", "dur")))
        return cls(
            key=key,
            name=name,
            file_type=str(first(data, ("file_type", "fileType", "type", "kind", "media_type")) or ""),
            width=int(width) if width and height else None,
            height=int(height) if width and height else None,
            duration=duration or None,
        )


_SOURCE = ("src", "url", "path", "file", "cdn_url", "source", "media_url")


def _media(items: list[Any]) -> list[MediaItem]:
    return [m for m in (MediaItem.read(item) for item in items) if m is not None]


class SessionState(_Tolerant):
    """The session's state. `draft` is typed (its `raw` is what the service sent); the other
    parts stay as sent, with typed views (`uploaded`, `generated`, `canvas`) for reading."""

    draft: Draft | None = None  # made by `_read_draft` (see Draft's pydantic schema)
    video_infos: list[Any] = Field(default_factory=list)
    generated_media: list[Any] = Field(default_factory=list)
    canvas_config: dict[str, Any] | None = None
    video_analyses: Any = None
    session_id: str | None = None
    task_id: str | None = None
    user_id: str | None = None
    # render qualities the backend says it offers besides "high" (the local backend: "draft");
    # the service says nothing, so nothing else is ever asked of it
    render_qualities: list[str] = Field(default_factory=list)

    @field_validator("draft", mode="before")
    @classmethod
    def _read_draft(cls, value: Any) -> Draft | None:
        return value if isinstance(value, Draft) else Draft.read(value)

    @property
    def uploaded(self) -> list[MediaItem]:
        return _media(self.video_infos)

    @property
    def generated(self) -> list[MediaItem]:
        return _media(self.generated_media)

    @property
    def canvas(self) -> Canvas | None:
        """The canvas_config's size, else the one in the draft's metadata."""
        return Canvas.read(self.canvas_config) or (self.draft.canvas if self.draft else None)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SessionState:
        state = as_mapping(data.get("state")) or {}
        canvas = state.get("canvas_config")
        return cls(
            draft=state.get("draft"),
            video_infos=as_list(state.get("video_infos")),
            generated_media=as_list(state.get("generated_media")),
            canvas_config=canvas if isinstance(canvas, dict) else None,
            video_analyses=state.get("video_analyses"),
            session_id=_as_str(data.get("session_id")),
            task_id=_as_str(data.get("task_id")),
            user_id=_as_str(data.get("user_id") or data.get("bind") or state.get("user_id")),
            render_qualities=_qualities(data.get("render")),
        )


def _qualities(render: Any) -> list[str]:
    offered = render.get("qualities") if isinstance(render, dict) else None
    if not isinstance(offered, list):
        return []
    return [str(q)[:20] for q in offered[:10] if isinstance(q, str)]


class RenderJob(_Tolerant):
    """A render job, read from the canonical top-level form or the wrapped `data` form."""

    id: str
    status: str = "pending"
    progress: float = 0.0
    url: str | None = None
    duration: float | None = None
    size: int | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "cancelled")

    @classmethod
    def from_reply(cls, body: Any, fallback_id: str) -> RenderJob:
        top: dict[str, Any] = body if isinstance(body, dict) else {}
        inner = top.get("data")
        data: dict[str, Any] = inner if isinstance(inner, dict) else {}
        layers = [data, top]

        def pick(*keys: str) -> Any:
            for layer in layers:
                for key in keys:
                    if layer.get(key) not in (None, ""):
                        return layer[key]
            return None

        output = pick("output")
        output = output if isinstance(output, dict) else {}
        url = output.get("url") or pick("outputUrl", "output_url", "url", "downloadUrl")
        status = str(pick("status", "state") or "pending").strip().lower()
        if status in ("success", "succeeded", "done", "finished"):
            status = "completed"
        elif status in ("error", "errored"):
            status = "failed"
        elif status in ("queued", "waiting"):
            status = "pending"
        elif status in ("running", "rendering", "in_progress"):
            status = "processing"
        progress = pick("progress")
        try:
            progress_f = max(0.0, min(100.0, float(progress))) if progress is not None else 0.0
        except (TypeError, ValueError):
            progress_f = 0.0
        if status == "completed":
            progress_f = 100.0
        duration = output.get("duration", pick("duration"))
        size = output.get("size", pick("size"))
        err = pick("error", "errorMessage", "message", "msg", "reason")
        return cls(
            id=str(_as_str(pick("id", "taskId", "render_id", "renderId") or fallback_id)),
            status=status,
            progress=progress_f,
            url=str(url) if url else None,
            duration=float(duration) if isinstance(duration, int | float) else None,
            size=int(size) if isinstance(size, int | float) else None,
            error=str(err) if (err and status == "failed") else None,
        )


class DownloadResult(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built at first use, not at import
    path: Path
    size: int
    sha256: str | None = None
    resumed: int = 0  # how many times a broken transfer resumed with Range
