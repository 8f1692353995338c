"""Re-record the golden transcripts in this folder against the local backend.

    .venv/bin/python transcripts/record_all.py            # every scenario
    .venv/bin/python transcripts/record_all.py quick_edit_en errors_2001

Each scenario is data: backend and chat settings, and steps — a message the person types, or
a fault armed on the local backend (`backend/faults.py`) before the next message. Photos are
the deterministic stand-ins a replay makes itself (`agent.transcripts.standins`), typed as
relative paths, so a replay uploads the very same bytes. Renders are tiny (180 px, 10 fps)
and downloads are kept as digests only, so the files stay small. Timings are short (polls of
0.25 s, "still working" every 0.5 s) so `replay --check` of all of them runs in seconds.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from agent.api import ApiConfig, NemoClient  # noqa: E402
from agent.core import ChatSettings, Conversation  # noqa: E402
from agent.transcripts import Recorder, timing_settings  # noqa: E402
from agent.transcripts.standins import standin_bytes  # noqa: E402
from backend.local import start_local_backend  # noqa: E402
from backend.settings import BackendSettings  # noqa: E402

APP_VERSION = "0.1.0"
ANIMATE_EN = "turn my photo into a smooth animated video with motion effects"
ANIMATE_ZH = "把我的照片变成带有运动效果的流畅动画视频"

CHAT = {
    "poll_interval": 0.25,
    "progress_tick": 0.25,
    "still_working_every": 0.5,
    "broken_stream_first_check": 0.3,
    "broken_stream_every": 0.3,
    "broken_stream_checks": 3,
}
API = {"rate_limit_wait": 0.5, "retry_base": 0.05, "retry_cap": 0.2}


@dataclass
class Scenario:
    steps: list[Any]  # str = a message; dict = a fault to arm; None = clear the faults
    photos: list[str] = field(default_factory=list)
    backend: dict[str, Any] = field(default_factory=dict)
    before_start: list[dict[str, Any]] = field(default_factory=list)


def _fault(route: str, kind: str = "error", **fields: Any) -> dict[str, Any]:
    return {"route": route, "kind": kind, "count": 1, **fields}


SCENARIOS: dict[str, Scenario] = {
    "quick_edit_en": Scenario(
        photos=["beach.png"],
        steps=["upload ./photos/beach.png", ANIMATE_EN, "export"],
    ),
    "quick_edit_zh": Scenario(
        photos=["haitan.png"],
        steps=["上传 ./photos/haitan.png", ANIMATE_ZH, "导出"],
    ),
    "batch": Scenario(
        photos=["city.png", "forest.png", "lake.png"],
        steps=[
            "upload ./photos/city.png", "animate it with a slow zoom in", "export", "/new",
            "upload ./photos/forest.png", "animate it with a pan to the left", "export", "/new",
            "upload ./photos/lake.png", "animate it with a Ken Burns motion", "export",
        ],
    ),
    "iterative": Scenario(
        photos=["one.png", "two.png"],
        steps=[
            "upload ./photos/one.png ./photos/two.png",
            "make a rough cut: animate my photos with a smooth zoom",
            "show me the timeline",
            "add a title “Urban Dreams” at the start",
            "use crossfade transitions",
            "export",
        ],
    ),
    "no_text": Scenario(
        photos=["park.png"],
        steps=["upload ./photos/park.png", ANIMATE_EN, _fault("run_sse", "no_text"),
               "add a title “Sunset” at the start"],
    ),
    "long_turn": Scenario(
        photos=["hills.png"],
        backend={"generation_seconds": 1.3, "heartbeat_interval": 0.1},
        steps=["upload ./photos/hills.png", ANIMATE_EN],
    ),
    "broken_stream": Scenario(
        photos=["dock.png"],
        steps=["upload ./photos/dock.png", _fault("run_sse", "drop", after_events=2), ANIMATE_EN,
               "credits"],
    ),
    "gui_phrases": Scenario(
        photos=["river.png"],
        steps=["upload ./photos/river.png", ANIMATE_EN, "add a title “River Days”"],
    ),
    "typed_events": Scenario(  # the publisher's typed event family instead of ADK events
        photos=["street.png"],
        backend={"event_family": "typed"},
        steps=["upload ./photos/street.png", ANIMATE_EN, "add a title “Night Walk”"],
    ),
    "errors_1001": Scenario(steps=[_fault("credits", code=1001), "credits"]),
    "errors_1002": Scenario(
        photos=["room.png"],
        steps=[_fault("run_sse", code=1002), "add a title “Hello”", "credits"],
    ),
    "errors_2001": Scenario(steps=[_fault("run_sse", code=2001), "add a title “Hello”"]),
    "errors_4001": Scenario(
        photos=["scan.png"], steps=[_fault("upload", code=4001), "upload ./photos/scan.png"]
    ),
    "errors_4002": Scenario(
        photos=["huge.png"], steps=[_fault("upload", code=4002), "upload ./photos/huge.png"]
    ),
    "errors_400": Scenario(before_start=[_fault("token", code=400)], steps=["credits"]),
    "errors_402": Scenario(
        photos=["shop.png"],
        steps=["upload ./photos/shop.png", ANIMATE_EN, _fault("render_submit", code=402), "export"],
    ),
    "errors_429": Scenario(before_start=[_fault("token", code=429, retry_after=1)],
                           steps=["credits"]),
}


async def record(name: str, scenario: Scenario, work: Path) -> Path:
    target = HERE / f"{name}.jsonl"
    target.unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    (work / "photos").mkdir(parents=True)
    os.chdir(work)  # photos are typed as relative paths: the same on every machine
    for photo in scenario.photos:
        (work / "photos" / photo).write_bytes(standin_bytes(photo))
    settings = BackendSettings.for_tests(work / "data", **scenario.backend)
    server = start_local_backend(settings)
    faults = server.app.state.faults  # type: ignore[attr-defined]
    try:
        for fault in scenario.before_start:
            faults.add(fault)
        config = ApiConfig.from_env(base_url=server.url, config_dir=work / "config", token=None,
                                    client_id=None, platform="unknown", **API)
        chat = ChatSettings(out_dir=work / "out", **CHAT)
        recorder = Recorder(target, app_version=APP_VERSION, lang=None, api_base=server.url,
                            settings=timing_settings(config, chat))
        try:
            async with NemoClient(config, observer=recorder.observer) as client:
                conversation = Conversation(client, chat, recorder.sink)
                try:
                    if await conversation.start():
                        for step in scenario.steps:
                            if isinstance(step, dict):
                                faults.add(step)
                            elif step is None:
                                faults.clear()
                            else:
                                await conversation.handle(step)
                                await conversation.wait_background()
                finally:
                    await conversation.aclose()
        finally:
            recorder.close()
    finally:
        server.stop()
    return target


def main(argv: list[str]) -> int:
    names = argv or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
        return 2
    work = Path(tempfile.gettempdir()) / "nemo-chat-golden"
    os.environ.pop("NEMO_TOKEN", None)
    os.environ.pop("NEMO_CLIENT_ID", None)
    old_cwd = Path.cwd()
    try:
        for name in names:
            path = asyncio.run(record(name, SCENARIOS[name], work))
            print(f"{path.name}: {path.stat().st_size} bytes")
    finally:
        os.chdir(old_cwd)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
