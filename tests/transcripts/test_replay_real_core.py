"""The real conversation core, recorded and replayed: a Ctrl-C in the middle of a long turn."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.api import ApiConfig, NemoClient
from agent.assemble import replay_wiring
from agent.core import ChatSettings, Conversation
from agent.transcripts import Recorder, load, timing_settings
from agent.transcripts.replay import replay, turns
from agent.transcripts.standins import standin_bytes
from backend.serve import ServerThread
from backend.settings import BackendSettings


def test_a_turn_stopped_with_ctrl_c_is_stopped_again_in_the_replay(
    tmp_path: Path, serve_app: Callable[[Any], ServerThread], config_dir: Path,
    monkeypatch: Any,
) -> None:
    from backend.app import create_app

    settings = BackendSettings.for_tests(tmp_path / "data", generation_seconds=1.5,
                                         heartbeat_interval=0.05)
    url = serve_app(create_app(settings)).url
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "hill.png").write_bytes(standin_bytes("hill.png"))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "stopped.jsonl"

    async def record() -> None:
        config = ApiConfig.from_env(base_url=url, config_dir=tmp_path / "cfg")
        chat = ChatSettings(out_dir=tmp_path / "out", poll_interval=0.2)
        recorder = Recorder(path, app_version="test", lang=None, api_base=url,
                            settings=timing_settings(config, chat))
        async with NemoClient(config, observer=recorder.observer) as client:
            conversation = Conversation(client, chat, recorder.sink)
            await conversation.start()
            await conversation.handle("upload ./photos/hill.png")
            task = asyncio.ensure_future(
                conversation.handle("turn my photo into a smooth animated video with motion effects")
            )
            await asyncio.sleep(0.5)  # the person presses Ctrl-C while the clip is generated
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await conversation.handle("credits")
            await conversation.aclose()
        recorder.close()

    asyncio.run(record())
    transcript = load(path)
    stops = [turn.stop_after for turn in turns(transcript)]
    assert stops[0] is None and stops[2] is None
    assert stops[1] is not None and 0.3 < stops[1] < 1.5
    assert any(line.payload.get("outcome") == "cancelled" for line in transcript.lines)
    result = asyncio.run(replay(transcript, wiring=replay_wiring(), speed=2))
    assert result.problem is None
    assert "\n".join(result.diff_lines()) == ""
