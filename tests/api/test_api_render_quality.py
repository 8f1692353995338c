"""Render qualities: read from the state reply when a backend offers them, sent only as asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.api import NemoClient, SessionState


def test_state_reads_the_offered_qualities_and_nothing_from_the_service_form() -> None:
    offered = SessionState.from_data(
        {"state": {"draft": None}, "render": {"qualities": ["high", "draft"]}}
    )
    assert offered.render_qualities == ["high", "draft"]
    assert SessionState.from_data({"state": {}}).render_qualities == []
    odd = SessionState.from_data({"state": {}, "render": {"qualities": "draft"}})
    assert odd.render_qualities == []


async def test_submit_sends_high_unless_told_otherwise(fake_api: Any, tmp_path: Path) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        await client.submit_render({"t": [{"tt": 0, "sg": [{"d": 1000}]}]}, render_id="render_a")
        await client.submit_render(
            {"t": [{"tt": 0, "sg": [{"d": 1000}]}]}, render_id="render_b", quality="draft"
        )
    sent = [json.loads(r.body) for r in fake_api.requests if r.path == "/api/render/proxy/lambda"]
    assert [s["output"] for s in sent] == [
        {"format": "mp4", "quality": "high"},
        {"format": "mp4", "quality": "draft"},
    ]
