"""One `/run_sse` turn: open the stream, decode it, enforce the three time limits.

httpx has no total deadline and hides nothing we need, so the limits are kept here: no bytes
at all for `sse_idle_timeout` → StreamStalled; only heartbeats for
`sse_heartbeat_only_timeout` → HeartbeatTimeout; `sse_total_timeout` in all → TurnTimeout.
Cancelling the consuming task (or closing the stream) closes the connection at once, and the
server sees the disconnect. Nothing is ever re-sent once the request may have started work.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import httpx

from .base import NOT_SENT
from .envelope import body_json, error_for
from .errors import (
    AuthExpired,
    HeartbeatTimeout,
    NoCredits,
    StreamBroken,
    StreamLineTooLong,
    StreamStalled,
    TurnTimeout,
)
from .events import Heartbeat, StreamEvent
from .payloads import PayloadReader
from .retry import backoff_delay, parse_retry_after
from .sse import SSEDecoder, SSELineTooLong

if TYPE_CHECKING:
    from .client import NemoClient

__all__ = ["EventStream", "stream_turn"]

PATH = "/run_sse"


class EventStream:
    """An async iterator of StreamEvent that can also be closed (`async with` closes it)."""

    def __init__(self, agen: AsyncGenerator[StreamEvent, None]) -> None:
        self._agen = agen

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> StreamEvent:
        return await self._agen.__anext__()

    async def aclose(self) -> None:
        await self._agen.aclose()

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _open(client: NemoClient, payload: dict[str, Any], deadline: float) -> httpx.Response:
    """Send the request; recover from 1001 (refused, so nothing started) and unsent requests."""
    cfg = client.config
    await client.connect()
    retries = 0
    reauthed = False
    loop = asyncio.get_running_loop()
    while True:
        used = client._token
        headers = {
            "Accept": "text/event-stream",
            "Cache-Control": "no-store",
            "Accept-Encoding": "identity",
        }
        if used is not None:
            headers["Authorization"] = f"Bearer {used.get_secret_value()}"
        request = client._http.build_request(
            "POST",
            PATH,
            json=payload,
            headers=headers,
            timeout=httpx.Timeout(None, connect=cfg.connect_timeout, write=60.0),
        )
        try:
            async with asyncio.timeout_at(min(deadline, loop.time() + cfg.sse_idle_timeout)):
                response = await client._http.send(request, stream=True)
        except TimeoutError:
            if loop.time() >= deadline:
                raise TurnTimeout() from None
            raise StreamStalled("The service did not start answering.") from None
        except httpx.TransportError as exc:
            if isinstance(exc, NOT_SENT) and retries < cfg.max_retries:
                await asyncio.sleep(backoff_delay(retries, cfg.retry_base, cfg.retry_cap))
                retries += 1
                client._notice("retried", type(exc).__name__)
                continue
            if isinstance(exc, NOT_SENT):
                raise client._unreachable(exc) from None
            raise StreamBroken("The connection dropped before the reply started.") from None
        ctype = response.headers.get("content-type", "")
        if response.status_code == 200 and "json" not in ctype:
            return response
        try:
            raw = await response.aread()
        except httpx.TransportError:
            raw = b""
        finally:
            await response.aclose()
        body = body_json(raw)
        client._observer.call("on_sse_open", PATH, client._scrubbed(payload), response.status_code)
        client._observer.call("on_sse_close", PATH, "refused")
        err = error_for(
            response.status_code, body, raw, retry_after=parse_retry_after(response.headers)
        )
        if err is None:  # a 200 JSON "success" with no stream: an empty turn
            return response
        if isinstance(err, AuthExpired) and not reauthed and client.token_source != "env":
            reauthed = True
            await client._reauthenticate(used)
            continue
        if isinstance(err, NoCredits):
            await client._complete_no_credits(err)
        raise err


async def stream_turn(
    client: NemoClient, text: str, streaming: bool
) -> AsyncGenerator[StreamEvent, None]:
    cfg = client.config
    payload: dict[str, Any] = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": client._need_session(),
        "new_message": {"parts": [{"text": text}]},
    }
    if streaming:
        payload["streaming"] = True
    loop = asyncio.get_running_loop()
    start = loop.time()
    total_deadline = start + cfg.sse_total_timeout
    response = await _open(client, payload, total_deadline)
    if response.is_closed:
        return
    observer = client._observer
    observer.call("on_sse_open", PATH, client._scrubbed(payload), response.status_code)
    decoder = SSEDecoder(cfg.sse_max_line)
    reader = PayloadReader()
    last_work = loop.time()
    outcome = "cancelled"
    chunks = response.aiter_bytes().__aiter__()
    ended = False
    try:
        while True:
            now = loop.time()
            limits = (
                (now + cfg.sse_idle_timeout, 0),
                (last_work + cfg.sse_heartbeat_only_timeout, 1),
                (total_deadline, 2),
            )
            deadline, which = min(limits)
            try:
                async with asyncio.timeout_at(deadline):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                frames = decoder.close()
                ended = True
            except TimeoutError:
                outcome = ("stalled", "heartbeat_timeout", "turn_timeout")[which]
                raise (StreamStalled, HeartbeatTimeout, TurnTimeout)[which]() from None
            except httpx.TransportError:
                outcome = "broken"
                raise StreamBroken() from None
            else:
                try:
                    frames = decoder.feed(chunk)
                except SSELineTooLong as exc:
                    outcome = "broken"
                    raise StreamLineTooLong(
                        f"The reply stream sent a line longer than {exc.limit} bytes."
                    ) from None
            for frame in frames:
                if observer:
                    t = round(time.monotonic(), 4)
                    if frame.kind == "comment":
                        observer.call("on_sse_frame", PATH, None, frame.data, t)
                    else:
                        observer.call("on_sse_frame", PATH, client._scrub_str(frame.raw), None, t)
                for event in reader.read(frame):
                    if not isinstance(event, Heartbeat):
                        last_work = loop.time()
                    yield event
            if ended:
                outcome = "end"
                return
            if loop.time() >= total_deadline:
                outcome = "turn_timeout"
                raise TurnTimeout()
    except GeneratorExit:
        outcome = "stopped"  # the consumer stopped listening (closed the stream early)
        raise
    finally:
        await response.aclose()
        observer.call("on_sse_close", PATH, outcome)
