"""Issue 18: a `.part` left by a killed download is removed at the next start, never one that
another running process is still writing, never a file of the person's.

A child process downloads from a server that sends a little and then holds the connection;
while it runs, its part survives a cleanup; once it is SIGKILLed, the next cleanup (what a
start runs) removes it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from agent.api.partfiles import remove_stale_parts

pytestmark = pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")

CHILD = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from agent.api import ApiConfig, NemoClient

    async def main() -> None:
        config = ApiConfig(base_url=sys.argv[1], web_url="https://web.nemo.test",
                           config_dir=Path(sys.argv[3]), token="nmv_usr_child")
        async with NemoClient(config) as client:
            await client.download("/video.mp4", Path(sys.argv[2]), name="clip.mp4")

    asyncio.run(main())
""")


def _slow_video() -> Starlette:
    async def video(request: Request) -> StreamingResponse:
        async def body() -> Any:
            yield b"\x00" * 65536
            await asyncio.sleep(60)  # then nothing more: the download is in progress
            yield b""

        return StreamingResponse(body(), media_type="video/mp4",
                                 headers={"Content-Length": str(10 * 65536)})

    return Starlette(routes=[Route("/video.mp4", video)])


def _parts(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_a_killed_download_leaves_a_part_the_next_start_removes(
    tmp_path: Path, serve_app: Any
) -> None:
    server = serve_app(_slow_video())
    out = tmp_path / "videos"
    out.mkdir()
    child = subprocess.Popen([sys.executable, "-c", CHILD, server.url, str(out),
                              str(tmp_path / "cfg")])
    try:
        deadline = time.monotonic() + 30
        while not _parts(out) and time.monotonic() < deadline:
            time.sleep(0.05)
        (part,) = _parts(out)
        while part.stat().st_size == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert remove_stale_parts(out) == []  # being written by a live process: kept
        assert part.exists()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert part.exists()  # the kill left it behind...
    assert remove_stale_parts(out) == [part]  # ...and the next start removes it
    assert not _parts(out)


def test_the_persons_own_part_files_are_left_alone(tmp_path: Path) -> None:
    browser = tmp_path / "movie.mp4.part"  # a browser's download in the same folder
    browser.write_bytes(b"half a movie")
    hidden = tmp_path / ".notes.part"
    hidden.write_text("mine")
    assert remove_stale_parts(tmp_path) == []
    assert browser.exists() and hidden.exists()
