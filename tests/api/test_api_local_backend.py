"""The wire against the real local backend (backend/) over 127.0.0.1: a whole session, and
the backend's faults seen through the client's typed outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import (
    ApiConfig,
    HeartbeatTimeout,
    MalformedFrame,
    NemoClient,
    SessionNotFound,
    StreamBroken,
    StreamError,
    StreamText,
    StreamTextReplace,
)

from .conftest import until_rendered


def config(backend: Any, tmp_path: Path, **kw: Any) -> ApiConfig:
    values: dict[str, Any] = {
        "config_dir": tmp_path / "cfg",
        "token": None,
        "client_id": None,
        "retry_base": 0.01,
        "retry_cap": 0.05,
        "rate_limit_wait": 0.05,
        "sse_idle_timeout": 10.0,
    }
    values.update(kw)
    return ApiConfig.from_env(base_url=backend.url, **values)


async def test_a_whole_session_ends_with_a_real_mp4(
    local_backend: Any, tmp_path: Path, make_photo: Any
) -> None:
    photo = make_photo("beach.png", size=(320, 180))
    async with NemoClient(config(local_backend, tmp_path)) as client:
        await client.create_session()
        uploaded = await client.upload_files([photo])
        assert uploaded[0].filename == "beach.png" and uploaded[0].file_type == "image"
        text = ""
        async for event in client.run_sse(
            "turn my photo into a smooth animated video with motion effects"
        ):
            if isinstance(event, StreamText):
                text += event.text
            elif isinstance(event, StreamTextReplace):
                text = event.text
        assert text.strip()
        state = await client.state()
        assert state.draft and state.draft.tracks
        credits = await client.credits()
        assert credits.total >= credits.available
        job = await client.submit_render(state.draft.raw)
        done = await until_rendered(client, job.id, 0.1)
        assert done.status == "completed" and done.url
        saved = await client.download(done.url, tmp_path / "out")
    head = saved.path.read_bytes()[:12]
    assert head[4:8] == b"ftyp" and saved.size == saved.path.stat().st_size


async def test_backend_faults_become_typed_outcomes(local_backend: Any, tmp_path: Path) -> None:
    async with NemoClient(
        config(local_backend, tmp_path, sse_heartbeat_only_timeout=0.5)
    ) as client:
        await client.create_session()
        local_backend.faults.add({"route": "run_sse", "kind": "drop", "after_events": 1})
        with pytest.raises(StreamBroken):
            async for _ in client.run_sse("add a title"):
                pass
        local_backend.faults.add({"route": "run_sse", "kind": "heartbeats_only", "seconds": None})
        with pytest.raises(HeartbeatTimeout):
            async for _ in client.run_sse("add a title"):
                pass
        local_backend.faults.add({"route": "run_sse", "kind": "malformed", "after_events": 0})
        local_backend.faults.add({"route": "run_sse", "kind": "stream_error", "after_events": 1})
        kinds = [type(e) async for e in client.run_sse("add a title")]
        assert MalformedFrame in kinds and StreamError in kinds
        local_backend.faults.add({"route": "credits", "kind": "error", "code": 1001})
        assert (await client.credits()).total >= 0
        assert "reauthenticated" in [n.kind for n in client.notices]
        local_backend.faults.add({"route": "state", "kind": "error", "code": 1002})
        with pytest.raises(SessionNotFound):
            await client.state()
