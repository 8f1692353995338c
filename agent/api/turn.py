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
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import httpx

from .envelope import Reply
from .errors import (
    HeartbeatTimeout,
    NoCredits,
    RequestLost,
    StreamBroken,
    StreamLineTooLong,
    StreamStalled,
    TurnTimeout,
)
from .events import Heartbeat, StreamEvent
from .payloads import PayloadReader
from .sender import Sender, Streaming
from .sse import SSEDecoder, SSELineTooLong

__all__ = ["EventStream", "stream_turn"]

PATH = "/run_sse"
_HEADERS = {
    "Accept": "text/event-stream",
    "Cache-Control": "no-store",
    "Accept-Encoding": "identity",
}


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


def _is_stream(response: httpx.Response) -> bool:
    """A 200 that is not JSON is the event stream; anything else is an envelope to read."""
    return response.status_code == 200 and "json" not in response.headers.get("content-type", "")


async def _open(
    sender: Sender,
    payload: dict[str, Any],
    deadline: float,
    on_no_credits: Callable[[NoCredits], Awaitable[None]],
) -> Reply:
    """Send the turn through the one send path, with the deadline for its first answer."""
    cfg = sender.config
    loop = asyncio.get_running_loop()

    def refused(reply: Reply) -> None:
        sender.observer.call("on_sse_open", PATH, sender.scrub_json(payload), reply.status)
        sender.observer.call("on_sse_close", PATH, "refused")

    hooks = Streaming(
        streams=_is_stream,
        timeout=httpx.Timeout(None, connect=cfg.connect_timeout, write=60.0),
        answer_by=lambda: min(deadline, loop.time() + cfg.sse_idle_timeout),
        on_answer=refused,
    )
    try:
        return await sender.send(
            "POST", PATH, idempotent=False, json=payload, headers=_HEADERS, stream=hooks
        )
    except TimeoutError:
        if loop.time() >= deadline:
            raise TurnTimeout() from None
        raise StreamStalled("The service did not start answering.") from None
    except RequestLost:
        raise StreamBroken("The connection dropped before the reply started.") from None
    except NoCredits as err:
        await on_no_credits(err)
        raise


async def stream_turn(
    sender: Sender,
    payload: dict[str, Any],
    on_no_credits: Callable[[NoCredits], Awaitable[None]],
) -> AsyncGenerator[StreamEvent, None]:
    """The events of one turn, within the three time limits; never re-sent once started."""
    cfg = sender.config
    loop = asyncio.get_running_loop()
    total_deadline = loop.time() + cfg.sse_total_timeout
    reply = await _open(sender, payload, total_deadline, on_no_credits)
    response = reply.stream
    if response is None:  # a 200 JSON "success" with no stream: an empty turn
        return
    observer = sender.observer
    observer.call("on_sse_open", PATH, sender.scrub_json(payload), response.status_code)
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
                        observer.call("on_sse_frame", PATH, sender.scrub_text(frame.raw), None, t)
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
