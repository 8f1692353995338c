"""`run_sse` over a real socket: events, the three time limits, breaks, cancellation."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from agent.api import (
    Heartbeat,
    HeartbeatTimeout,
    MalformedFrame,
    NemoClient,
    StreamBroken,
    StreamStalled,
    StreamText,
    StreamTextReplace,
    ToolCall,
    TurnTimeout,
)


def adk(text: str, partial: bool | None = None) -> bytes:
    ev: dict[str, Any] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "author": "nemo_agent",
        "invocationId": "e-1",
        "actions": {"stateDelta": {}, "artifactDelta": {}},
        "id": "1",
    }
    if partial is not None:
        ev["partial"] = partial
    return b"data: " + json.dumps(ev, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


async def collect(client: NemoClient, text: str = "make it cinematic") -> list[Any]:
    out = []
    async with client.run_sse(text) as stream:
        async for event in stream:
            out.append(event)
    return out


async def test_a_streamed_turn_in_awkward_chunks(fake_api: Any, tmp_path: Path) -> None:
    frames = (
        adk("Adding ", True)
        + b": ping\n\n"
        + adk("a 城市 title", True)
        + adk("Adding a 城市 title.", False)
    )
    frames += b'data: {"content":{"parts":[{"functionCall":{"name":"edit_multitrack","args":{},"id":"c1"}}]},"author":"a"}\n\n'
    frames += b"data: {oops\n\n"
    # split every 5 bytes: boundaries fall inside UTF-8 characters and CRLF pairs
    fake_api.sse_script = [(0.001, frames[i : i + 5]) for i in range(0, len(frames), 5)]
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        events = await collect(client)
    assert [e for e in events if not isinstance(e, Heartbeat | MalformedFrame)] == [
        StreamText(text="Adding "),
        StreamText(text="a 城市 title"),
        StreamText(text="."),
        ToolCall(name="edit_multitrack", args={}, id="c1"),
    ]
    assert Heartbeat(source="comment") in events and isinstance(events[-1], MalformedFrame)
    body = json.loads(fake_api.hits("/run_sse")[0].body)
    assert body == {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": "5529798706024415232",
        "new_message": {"parts": [{"text": "make it cinematic"}]},
        "streaming": True,
    }
    assert fake_api.hits("/run_sse")[0].headers["accept"] == "text/event-stream"


async def test_replacement_reaches_the_consumer(fake_api: Any, tmp_path: Path) -> None:
    fake_api.sse_script = [(0, adk("Draft", True)), (0, adk("Final.", False))]
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        assert await collect(client) == [StreamText(text="Draft"), StreamTextReplace(text="Final.")]


async def test_connection_drop_mid_stream_is_stream_broken_and_not_resent(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.sse_script = [(0, adk("Working on it")), (0.05, b"DROP")]
    seen: list[Any] = []
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        with pytest.raises(StreamBroken):
            async for event in client.run_sse("generate"):
                seen.append(event)
    assert seen == [StreamText(text="Working on it")]
    assert len(fake_api.hits("/run_sse")) == 1


async def test_no_bytes_at_all_is_a_stall(fake_api: Any, tmp_path: Path) -> None:
    fake_api.sse_script = [(0, adk("ok")), (30, adk("too late"))]
    async with NemoClient(fake_api.config(tmp_path, sse_idle_timeout=0.3)) as client:
        await client.create_session()
        started = time.monotonic()
        with pytest.raises(StreamStalled):
            await collect(client)
    assert time.monotonic() - started < 5


async def test_heartbeats_only_time_out(fake_api: Any, tmp_path: Path) -> None:
    fake_api.sse_script = [(0, adk("Generating…"))] + [
        (0.05, b": ping\n\n"),
        (0.05, b"data:\n\n"),
        (0.05, b'data: {"type":"heartbeat"}\n\n'),
    ] * 200
    cfg = fake_api.config(tmp_path, sse_idle_timeout=0.5, sse_heartbeat_only_timeout=0.6)
    async with NemoClient(cfg) as client:
        await client.create_session()
        seen: list[Any] = []
        with pytest.raises(HeartbeatTimeout):
            async for event in client.run_sse("generate"):
                seen.append(event)
    assert {e.source for e in seen if isinstance(e, Heartbeat)} == {"comment", "empty", "typed"}


async def test_total_time_limit(fake_api: Any, tmp_path: Path) -> None:
    fake_api.sse_script = [(0.05, adk("tick ")) for _ in range(400)]
    cfg = fake_api.config(
        tmp_path, sse_idle_timeout=1.0, sse_heartbeat_only_timeout=1.0, sse_total_timeout=0.6
    )
    async with NemoClient(cfg) as client:
        await client.create_session()
        with pytest.raises(TurnTimeout):
            await collect(client)


async def test_cancelling_the_task_closes_the_connection_at_once(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.sse_script = [(0, adk("started"))] + [(0.05, b": ping\n\n")] * 400
    got_first = asyncio.Event()

    async def consume(client: NemoClient) -> None:
        async for event in client.run_sse("generate"):
            if isinstance(event, StreamText):
                got_first.set()

    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        task = asyncio.create_task(consume(client))
        await asyncio.wait_for(got_first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the server notices the disconnect promptly (its stream would otherwise run 20 s)
        assert await asyncio.to_thread(fake_api.sse_disconnected.wait, 3.0)
    assert not fake_api.sse_finished_normally


async def test_breaking_out_and_closing_the_stream_disconnects(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.sse_script = [(0, adk("first"))] + [(0.05, b": ping\n\n")] * 400
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        async with client.run_sse("hi") as stream:
            async for _ in stream:
                break
        assert await asyncio.to_thread(fake_api.sse_disconnected.wait, 3.0)


async def test_expired_token_before_the_stream_is_renewed_and_sent_once_more(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.sse_script = [(0, adk("hello"))]
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        fake_api.valid_tokens.clear()  # the token expired server-side
        assert await collect(client) == [StreamText(text="hello")]
    assert len(fake_api.hits("/run_sse")) == 2 and len(fake_api.tokens_issued) == 2


async def test_observer_sees_every_frame_and_the_outcome(
    fake_api: Any, tmp_path: Path, recorder: Any
) -> None:
    rec = recorder
    fake_api.sse_script = [(0, b": ping\n\n"), (0, adk("hi"))]
    async with NemoClient(fake_api.config(tmp_path), observer=rec) as client:
        await client.create_session()
        await collect(client)
    assert rec.frames[0] == (None, "ping") and rec.frames[1][0] and '"hi"' in rec.frames[1][0]
    assert rec.closed == ["end"] and rec.opened[0]["session_id"] == "5529798706024415232"


async def test_unknown_session_before_the_stream(fake_api: Any, tmp_path: Path) -> None:
    from agent.api import SessionNotFound

    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        fake_api.fail("sse", status=404, message="Session not found: 5529798706024415232")
        with pytest.raises(SessionNotFound):
            await collect(client)


async def test_an_endless_line_is_refused_clearly(
    fake_api: Any, tmp_path: Path, recorder: Any
) -> None:
    from agent.api import StreamLineTooLong

    fake_api.sse_script = [(0, b"data: " + b"x" * 5000)] * 10
    async with NemoClient(
        fake_api.config(tmp_path, sse_max_line=20_000), observer=recorder
    ) as client:
        await client.create_session()
        with pytest.raises(StreamLineTooLong) as info:
            await collect(client)
    assert "20000 bytes" in str(info.value) and recorder.closed == ["broken"]


async def test_outcomes_reach_the_observer(fake_api: Any, tmp_path: Path, recorder: Any) -> None:
    fake_api.sse_script = [(0, adk("a")), (0.05, b"DROP")]
    async with NemoClient(fake_api.config(tmp_path), observer=recorder) as client:
        await client.create_session()
        with pytest.raises(StreamBroken):
            await collect(client)
        fake_api.sse_script = [(0, adk("a"))] + [(0.05, b": ping\n\n")] * 100
        async with client.run_sse("x") as stream:
            async for _ in stream:
                break
    assert recorder.closed == ["broken", "stopped"]


async def test_a_server_that_never_starts_answering_is_a_stall(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.sse_header_delay = 1.5
    async with NemoClient(fake_api.config(tmp_path, sse_idle_timeout=0.3)) as client:
        await client.create_session()
        with pytest.raises(StreamStalled) as info:
            await collect(client)
    assert "did not start answering" in str(info.value)
    assert len(fake_api.hits("/run_sse")) == 1  # not re-sent
