"""Downloads to a hidden `.part` beside `<dest>/<name>`, fsync, then a rename that never overwrites.

A transfer that breaks resumes with `Range` + `If-Range` (a 206 continues, a 200 starts over);
the size is checked when the server told it; whatever fails, no file is left at the final path
and the `.part` is removed. The bearer token is only sent to the API's own origin. Each request
goes through the one send path (`Sender.send`: the token, one re-auth after 1001, retries of a
busy server); what is kept here is only the transfer: Range, resume, the `.part` file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import httpx

from .errors import DownloadError, NemoError, ServiceUnreachable
from .models import DownloadResult
from .names import name_from_url, safe_name, unique_target
from .observe import ExchangeRecord, FileSummary
from .partfiles import open_locked, part_path
from .retry import backoff_delay
from .sender import Sender, Streaming

__all__ = ["download"]

# the body of any answer below 400 is the file; an error's body is an envelope to read
_HOOKS = Streaming(streams=lambda response: response.status_code < 400)

_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def _record_path(sender: Sender, url: httpx.URL) -> str:
    base = httpx.URL(sender.config.base_url)
    if _same_origin(url, base):
        return url.path
    return f"{url.scheme}://{url.host}{url.path}"  # no query: signed URLs carry secrets


async def download(
    sender: Sender,
    url: str,
    dest_dir: Path,
    *,
    name: str | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> DownloadResult:
    base = httpx.URL(sender.config.base_url + "/")
    target_url = base.join(url) if not url.startswith(("http://", "https://")) else httpx.URL(url)
    with_auth = _same_origin(target_url, base)
    filename = safe_name(name) if name else name_from_url(str(target_url))
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"Cannot create the folder {dest_dir}: {exc.strerror}.") from None
    final = unique_target(dest_dir, filename)
    part = part_path(final)  # hidden, ours, locked while written (see partfiles)
    started = time.monotonic()
    want_hash = bool(sender.observer)
    state = _Transfer(part, want_hash)
    try:
        size, digest = await _fetch(sender, target_url, with_auth, state, on_progress)
        await asyncio.to_thread(_finish, part, final)
    except BaseException:
        state.close()
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    sender.observer.call(
        "on_exchange",
        ExchangeRecord(
            method="GET",
            path=_record_path(sender, target_url),
            status=200,
            download=FileSummary(name=final.name, size=size, sha256=digest),
            duration=round(time.monotonic() - started, 4),
        ),
    )
    return DownloadResult(path=final, size=size, sha256=digest, resumed=state.resumed)


class _Transfer:
    def __init__(self, part: Path, want_hash: bool) -> None:
        self.part = part
        self.want_hash = want_hash
        self.fd: int | None = None
        self.done = 0
        self.total: int | None = None
        self.validator: str | None = None
        self.resumed = 0
        self.digest: Any = None
        self.restart()

    def restart(self) -> None:
        self.close()
        self.fd = open_locked(self.part)
        self.done = 0
        self.digest = hashlib.sha256() if self.want_hash else None

    def write(self, data: bytes) -> None:
        assert self.fd is not None
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        self.done += len(data)
        if self.digest is not None:
            self.digest.update(data)

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def sync_close(self) -> None:
        assert self.fd is not None
        os.fsync(self.fd)
        self.close()


async def _fetch(
    sender: Sender,
    url: httpx.URL,
    with_auth: bool,
    state: _Transfer,
    on_progress: Callable[[int, int | None], None] | None,
) -> tuple[int, str | None]:
    """Ask for what is still missing until the file is whole; a break resumes with Range."""
    cfg = sender.config
    breaks = 0
    while True:
        response = await _request(sender, url, with_auth, state)
        try:
            taken = _take_headers(response, state)
            if taken in ("restarted", "ask_again"):
                sender.notice("download_restarted")
            if taken == "ask_again":
                continue
            async for data in response.aiter_raw():
                state.write(data)
                if on_progress is not None:
                    on_progress(state.done, state.total)
        except httpx.TransportError:
            if breaks >= cfg.download_resume_attempts:
                raise DownloadError(
                    "The download broke off repeatedly; nothing was saved.", unreachable=True
                ) from None
            breaks += 1
            state.resumed += 1
            sender.notice("download_resumed", str(state.done))
            await asyncio.sleep(backoff_delay(breaks - 1, cfg.retry_base / 2, cfg.retry_cap))
            continue
        finally:
            await response.aclose()
        if state.total is not None and state.done != state.total:
            if state.done < state.total and breaks < cfg.download_resume_attempts:
                breaks += 1
                state.resumed += 1
                continue
            raise DownloadError(
                f"The download is incomplete ({state.done} of {state.total} bytes); nothing was saved."
            )
        await asyncio.to_thread(state.sync_close)
        return state.done, state.digest.hexdigest() if state.digest is not None else None


async def _request(
    sender: Sender, url: httpx.URL, with_auth: bool, state: _Transfer
) -> httpx.Response:
    """One GET through the send path (token, re-auth and retries are its business)."""
    headers = {"Accept-Encoding": "identity"}
    if state.done:
        headers["Range"] = f"bytes={state.done}-"
        if state.validator:
            headers["If-Range"] = state.validator
    try:
        reply = await sender.send(
            "GET", url, idempotent=True, auth=with_auth, headers=headers, stream=_HOOKS
        )
    except ServiceUnreachable:
        raise DownloadError(f"The download failed: cannot reach {url.host}.",
                            unreachable=True) from None
    except NemoError as err:
        said = f" ({err.server_message})." if err.server_message else "."
        raise DownloadError(
            f"The download failed: the server answered HTTP {err.status}{said}", status=err.status,
            unreachable=(err.status or 0) >= 500,  # a 5xx after retries: try again later
        ) from None
    assert reply.stream is not None  # every answer below 400 streams
    return reply.stream


def _take_headers(
    response: httpx.Response, state: _Transfer
) -> Literal["resumed", "from_start", "restarted", "ask_again"]:
    """Read the answer's headers into the transfer: does its body continue the `.part`?"""
    if response.status_code == 206 and state.done:
        start, total = _content_range(response.headers.get("content-range"))
        if start != state.done:
            state.restart()  # not the piece we asked for: start over cleanly
            return "ask_again"
        state.total = total if total is not None else state.total
        return "resumed"
    taken: Literal["from_start", "restarted"] = "restarted" if state.done else "from_start"
    if state.done:  # Range ignored: the whole file again
        state.restart()
    length = response.headers.get("content-length")
    state.total = int(length) if length and length.isdigit() else None
    validator = response.headers.get("etag") or response.headers.get("last-modified")
    # weak validators cannot guard a Range
    state.validator = None if validator and validator.startswith("W/") else validator
    return taken


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    match = _RANGE.match(value or "")
    if not match:
        return None, None
    total = match.group(3)
    return int(match.group(1)), (int(total) if total != "*" else None)


def _finish(part: Path, final: Path) -> None:
    """Put the finished file in place without ever replacing an existing one."""
    try:
        os.link(part, final)  # fails if `final` appeared meanwhile
    except FileExistsError:
        raise DownloadError(
            f"{final.name} appeared while downloading; nothing was overwritten."
        ) from None
    except OSError:
        if final.exists():
            raise DownloadError(f"{final.name} already exists; nothing was overwritten.") from None
        os.rename(part, final)
    else:
        part.unlink()
    with contextlib.suppress(OSError):
        fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
