"""Downloads to `<dest>/<name>.part`, fsync, then a rename that never overwrites.

A transfer that breaks resumes with `Range` + `If-Range` (a 206 continues, a 200 starts over);
the size is checked when the server told it; whatever fails, no file is left at the final path
and the `.part` is removed. The bearer token is only sent to the API's own origin.
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
from typing import TYPE_CHECKING, Any

import httpx

from .envelope import body_json, error_for
from .errors import AuthExpired, DownloadError, NemoError
from .models import DownloadResult
from .names import name_from_url, safe_name, unique_target
from .observe import ExchangeRecord, FileSummary
from .retry import TRANSIENT_STATUSES, backoff_delay, parse_retry_after

if TYPE_CHECKING:
    from .client import NemoClient

__all__ = ["download"]

_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def _record_path(client: NemoClient, url: httpx.URL) -> str:
    base = httpx.URL(client.config.base_url)
    if _same_origin(url, base):
        return url.path
    return f"{url.scheme}://{url.host}{url.path}"  # no query: signed URLs carry secrets


async def download(
    client: NemoClient,
    url: str,
    dest_dir: Path,
    *,
    name: str | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> DownloadResult:
    cfg = client.config
    base = httpx.URL(cfg.base_url + "/")
    target_url = base.join(url) if not url.startswith(("http://", "https://")) else httpx.URL(url)
    with_auth = _same_origin(target_url, base)
    if with_auth:
        await client.connect()
    filename = safe_name(name) if name else name_from_url(str(target_url))
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"Cannot create the folder {dest_dir}: {exc.strerror}.") from None
    final = unique_target(dest_dir, filename)
    part = final.with_name(final.name + ".part")
    started = time.monotonic()
    want_hash = bool(client._observer)
    state = _Transfer(part, want_hash)
    try:
        size, digest = await _fetch(client, target_url, with_auth, state, on_progress)
        await asyncio.to_thread(_finish, part, final)
    except BaseException:
        state.close()
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    client._observer.call(
        "on_exchange",
        ExchangeRecord(
            method="GET",
            path=_record_path(client, target_url),
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
        self.fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
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
    client: NemoClient,
    url: httpx.URL,
    with_auth: bool,
    state: _Transfer,
    on_progress: Callable[[int, int | None], None] | None,
) -> tuple[int, str | None]:
    cfg = client.config
    breaks = 0
    retries = 0
    reauthed = False
    while True:
        headers = {"Accept-Encoding": "identity"}
        if with_auth and client._token is not None:
            headers["Authorization"] = f"Bearer {client._token.get_secret_value()}"
        if state.done:
            headers["Range"] = f"bytes={state.done}-"
            if state.validator:
                headers["If-Range"] = state.validator
        try:
            async with client._http.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status >= 400:
                    raw = await response.aread()
                    err = error_for(status, body_json(raw), raw)
                    if (
                        isinstance(err, AuthExpired)
                        and with_auth
                        and not reauthed
                        and client.token_source != "env"
                    ):
                        reauthed = True
                        await client._reauthenticate(client._token)
                        continue
                    wait = parse_retry_after(response.headers)
                    if (
                        status in TRANSIENT_STATUSES
                        and retries < cfg.max_retries
                        and (wait is None or wait <= cfg.retry_after_cap)
                    ):
                        retries += 1
                        client._notice("retried", f"HTTP {status}")
                        await asyncio.sleep(
                            wait
                            if wait is not None
                            else backoff_delay(retries - 1, cfg.retry_base, cfg.retry_cap)
                        )
                        continue
                    msg = f"The download failed: the server answered HTTP {status}"
                    raise DownloadError(
                        msg + (f" ({err.server_message})." if err and err.server_message else "."),
                        status=status,
                    )
                if status == 206 and state.done:
                    start, total = _content_range(response.headers.get("content-range"))
                    if start != state.done:
                        state.restart()  # not the piece we asked for: start over cleanly
                        client._notice("download_restarted")
                        continue
                    state.total = total if total is not None else state.total
                else:
                    if state.done:  # Range ignored: the whole file again
                        state.restart()
                        client._notice("download_restarted")
                    length = response.headers.get("content-length")
                    state.total = int(length) if length and length.isdigit() else None
                    state.validator = response.headers.get("etag") or response.headers.get(
                        "last-modified"
                    )
                    if state.validator and state.validator.startswith("W/"):
                        state.validator = None  # weak validators cannot guard a Range
                async for data in response.aiter_raw():
                    state.write(data)
                    if on_progress is not None:
                        on_progress(state.done, state.total)
        except httpx.TransportError as exc:
            if state.done == 0 and not isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
                if retries < cfg.max_retries:
                    retries += 1
                    client._notice("retried", type(exc).__name__)
                    await asyncio.sleep(backoff_delay(retries - 1, cfg.retry_base, cfg.retry_cap))
                    continue
                raise DownloadError(f"The download failed: cannot reach {url.host}.") from None
            if breaks >= cfg.download_resume_attempts:
                raise DownloadError(
                    "The download broke off repeatedly; nothing was saved."
                ) from None
            breaks += 1
            state.resumed += 1
            client._notice("download_resumed", str(state.done))
            await asyncio.sleep(backoff_delay(breaks - 1, cfg.retry_base / 2, cfg.retry_cap))
            continue
        except NemoError:
            raise
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
