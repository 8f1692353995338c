"""The Recorder: a sink for the conversation's events and the wire's exchange observer.

One object, two doors: `recorder.sink(event)` (or calling it) takes what the person was
shown, `recorder.observer` takes what crossed the wire. Both write to the same file in the
order things happened, each line scrubbed and flushed as it is written, so a crash leaves a
readable file up to the moment of the crash. A recording that cannot be written (disk full,
folder gone) stops quietly and says why in `failed`: it never breaks the chat.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from agent.events import Event, event_to_json
from agent.transcripts.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    TranscriptError,
    dumps_line,
)
from agent.transcripts.scrub import Scrubber

# Always in a recording's settings when given (the replay divides every wait by --speed);
# for objects that are not pydantic models only these are read.
TIMING_KEYS: tuple[str, ...] = (
    "poll_interval",
    "still_working_every",
    "broken_stream_first_check",
    "broken_stream_every",
    "broken_stream_checks",
    "rate_limit_wait",
    "retry_base",
    "retry_cap",
    "max_retries",
    "sse_idle_timeout",
    "sse_heartbeat_only_timeout",
    "sse_total_timeout",
    "web_url",
    "platform",
    "out_dir",
)
_NOT_RECORDED = frozenset({"token", "client_id", "base_url", "config_dir"})


def timing_settings(*sources: object) -> dict[str, Any]:
    """The plain settings of e.g. an ApiConfig and a ChatSettings (never token or client id)."""
    found: dict[str, Any] = {}
    for source in sources:
        if source is None:
            continue
        if isinstance(source, Mapping):
            items = list(source.items())
        elif fields := getattr(type(source), "model_fields", None):
            items = [(k, getattr(source, k, None)) for k in fields]
        else:
            items = [(k, getattr(source, k, None)) for k in TIMING_KEYS]
        for key, value in items:
            if key == "token":  # whether it came from NEMO_TOKEN (changes 1001 handling)
                found["token_from_env"] = value is not None
                continue
            if key in _NOT_RECORDED:
                continue
            if isinstance(value, Path):
                value = str(value)
            if isinstance(value, bool | int | float | str):
                found[str(key)] = value
    return found


def _as_dict(record: object) -> dict[str, Any]:
    """Accept the wire's record as a pydantic model, a dataclass, a mapping or an object."""
    if isinstance(record, Mapping):
        return dict(record)
    dump = getattr(record, "model_dump", None)
    if callable(dump):
        return dict(dump(mode="json"))
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.asdict(record)
    return {k: v for k, v in vars(record).items() if not k.startswith("_")}


def _digest(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    data = _as_dict(value)
    name = data.get("name") or data.get("filename") or ""
    return {
        "name": str(name),
        "size": int(data.get("size") or 0),
        "sha256": str(data.get("sha256") or ""),
    }


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def http_payload(record: object) -> dict[str, Any]:
    """The wire's ExchangeRecord as an `http` line (tolerant of the field names it uses)."""
    data = _as_dict(record)
    payload: dict[str, Any] = {
        "method": str(data.get("method", "GET")).upper(),
        "path": str(data.get("path") or data.get("url") or ""),
        "status": int(data.get("status") or 0),
    }
    request = _first(data, "request_json", "request")
    if request is not None:
        payload["request"] = request
    files = _first(data, "files", "request_files")
    if files:
        payload["files"] = [_digest(f) for f in files]
    response = _first(data, "response_json", "response")
    if response is not None:
        payload["response"] = response
    download = data.get("download")
    if download is not None:
        payload["download"] = _digest(download)
    elif data.get("download_sha256") or data.get("response_sha256"):
        payload["download"] = {
            "name": str(data.get("download_name") or Path(payload["path"]).name),
            "size": int(_first(data, "download_size", "response_size") or 0),
            "sha256": str(_first(data, "download_sha256", "response_sha256")),
        }
    headers = _first(data, "response_headers", "headers")
    if isinstance(headers, Mapping) and headers:
        payload["headers"] = {str(k).lower(): str(v) for k, v in headers.items()}
    error = data.get("error")
    if error:
        payload["error"] = str(error)  # a failure without a reply (e.g. "ConnectError")
    duration = data.get("duration")
    if isinstance(duration, int | float):
        payload["duration"] = round(float(duration), 3)
    return payload


class _Observer:
    """The wire's ExchangeObserver, writing into its Recorder."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def on_exchange(self, record: Any) -> None:
        self._recorder.write("http", http_payload(record))

    def on_sse_open(self, path: str, request_json: Any, status: int) -> None:
        self._recorder.write("sse_open", {"path": path, "request": request_json, "status": status})

    def on_sse_frame(self, path: str, raw_event: str | None, comment: str | None, t: float) -> None:
        self._recorder.write("sse", {"path": path, "data": raw_event, "comment": comment})

    def on_sse_close(self, path: str, outcome: str) -> None:
        self._recorder.write("sse_close", {"path": path, "outcome": str(outcome)})


class Recorder:
    """Record one session to `path` (refuses to overwrite an existing file)."""

    def __init__(
        self,
        path: Path,
        *,
        app_version: str,
        lang: str | None,
        api_base: str,
        secrets: Iterable[str | None] = (),
        settings: Mapping[str, Any] | None = None,
        home: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.failed: str | None = None
        self._clock = clock
        self._start = clock()
        self._lock = threading.Lock()
        self._closed = False
        secrets = [s for s in secrets if s]
        self._scrub = Scrubber(
            secrets=secrets,
            home=home if home is not None else Path.home(),
            api_base=api_base,
        )
        try:
            # the person's ids are in it: 0600, and a folder we make for it is 0700 (an
            # existing folder is the person's and stays as it is)
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._file: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        except FileExistsError:
            raise TranscriptError("exists", path=str(self.path)) from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise TranscriptError("cannot_write", path=str(self.path), reason=reason) from None
        header = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "app_version": app_version,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lang": lang,
            "api_base": api_base,
            "settings": dict(settings or {}),
        }
        scrubbed = self._scrub.value({k: v for k, v in header.items() if k != "api_base"})
        scrubbed["api_base"] = Scrubber(secrets=secrets).text(api_base)
        self._write_raw(dumps_line(scrubbed))
        self.observer = _Observer(self)

    # -- the two doors ---------------------------------------------------------------------

    def sink(self, event: Event) -> None:
        """Take one event the person was shown."""
        self.write("event", event_to_json(event))

    __call__ = sink

    def add_secret(self, value: str | None) -> None:
        """Name another value that must never reach the file (e.g. a client id made later)."""
        self._scrub.add_secret(value)

    # -- writing -----------------------------------------------------------------------------

    def write(self, kind: str, payload: Mapping[str, Any]) -> None:
        t = round(self._clock() - self._start, 3)
        line = dumps_line([t, kind, self._scrub.value(dict(payload))])
        self._write_raw(line)

    def _write_raw(self, line: str) -> None:
        with self._lock:
            if self._file is None:
                return
            try:
                self._file.write(line + "\n")
                self._file.flush()
            except (OSError, ValueError) as exc:
                self.failed = getattr(exc, "strerror", None) or str(exc)
                self._drop_file()

    def _drop_file(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def close(self) -> None:
        """Write the end mark (a file without it reads as cut short) and close; idempotent."""
        if self._closed:
            return
        self.write("end", {})
        self._closed = True
        with self._lock:
            self._drop_file()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
