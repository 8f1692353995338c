"""The workspace page's figures, in headless Chromium (the system's /usr/bin/chromium).

1. Update delay after a chat turn: from `conversation.handle()` returning to the page having
   drawn the new state (its SSE stream, no polling), for a run of real edits against the
   local backend; beside it the peer, the chat's own read of the state (`/status`'s
   `client.state()`), which the page's update includes.
2. The page's update time (DOM build + layout, measured in the page) for 200 segments on a
   10-minute timeline, beside 20 segments on a 1-minute one.

Run: .venv/bin/python bench/bench_web.py [--edits 8] [--repeat 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"


def _draft(photos: int, seconds_each: int) -> dict[str, Any]:
    end = photos * seconds_each * 1000
    return {"t": [
        {"tt": 0, "sg": [{"id": f"v{i}", "n": f"p{i}.jpg", "st": i * seconds_each * 1000,
                          "d": seconds_each * 1000} for i in range(photos)]},
        {"tt": 1, "sg": [{"id": "a", "n": "music.mp3", "st": 0, "d": end, "vol": 40}]},
        {"tt": 7, "sg": [{"id": "t", "text": "Title", "st": 0, "d": 3000}]},
    ]}


class _DraftConversation:
    def __init__(self, draft: dict[str, Any]) -> None:
        self.draft = draft
        self.lang = "en"

    async def handle(self, text: str, *, source: str = "terminal") -> bool:
        return True

    async def workspace(self) -> Any:
        from agent.api import SessionState
        from agent.core.workspace import build_view

        return build_view(SessionState(draft=self.draft), "en", {}, None)


def _row(label: str, values: list[float]) -> str:
    return (f"   {label:<44} median {statistics.median(values):7.1f} ms   "
            f"max {max(values):7.1f} ms   (n={len(values)})")


async def _open(browser: Any, url: str) -> Any:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(url)
    await page.wait_for_function("() => Number(document.body.dataset.version) > 0")
    return page


async def update_delay(browser: Any, folder: Path, edits: int) -> None:
    from PIL import Image

    from agent.api import ApiConfig, NemoClient
    from agent.core import ChatSettings, Conversation
    from agent.web import start_workspace
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    backend = start_local_backend(BackendSettings.for_tests(folder / "backend"))
    client = NemoClient(ApiConfig(base_url=backend.url, web_url="https://web.nemo.test",
                                  config_dir=folder / "config",
                                  platform="unknown"))
    settings = ChatSettings(out_dir=folder / "out")
    settings.make_out_dir()
    sinks: list[Any] = []
    conv = Conversation(client, settings, lambda e: [s(e) for s in sinks])
    assert await conv.start()
    workspace = await start_workspace(conv, out_dir=settings.out_dir, cache_dir=folder / "cache")
    sinks.append(workspace.on_event)
    photo = folder / "a.jpg"
    Image.new("RGB", (1280, 720), (90, 120, 200)).save(photo)
    page = await _open(browser, workspace.url)
    page_ms: list[float] = []
    peer_ms: list[float] = []
    messages = [f"upload {photo}", "turn it into a smooth animated video"]
    messages += [f"make it {4 + i} seconds in total" if i % 2 else f'add a title "Take {i}"'
                 for i in range(edits)]
    for text in messages:
        version = await page.evaluate("Number(document.body.dataset.version)")
        await conv.handle(text)
        ended = time.time()
        await page.wait_for_function("v => Number(document.body.dataset.version) > v", arg=version,
                                     timeout=10_000)
        updated = await page.evaluate("Number(document.body.dataset.updatedAt)") / 1000
        page_ms.append((updated - ended) * 1000)
        started = time.perf_counter()
        await client.state()
        peer_ms.append((time.perf_counter() - started) * 1000)
    print("1. update delay after a chat turn (turn ends → page drawn), local backend")
    print(_row("peer: the chat reads the state once", peer_ms))
    print(_row("workspace page (SSE, state read, DOM, layout)", page_ms))
    await page.close()
    await workspace.aclose()
    await conv.aclose()
    await client.aclose()
    backend.stop()


async def render_time(browser: Any, folder: Path, repeat: int) -> None:
    from agent.web import start_workspace

    print("2. the page's update time (DOM build + layout, measured in the page)")
    for label, photos, each in (("peer: 20 segments, 1-minute timeline", 20, 3),
                                ("200 segments, 10-minute timeline", 200, 3)):
        conv = _DraftConversation(_draft(photos, each))
        workspace = await start_workspace(conv, out_dir=folder, cache_dir=folder / "cache")
        page = await _open(browser, workspace.url)
        times: list[float] = []
        for i in range(repeat):
            conv.draft = _draft(photos, each)
            conv.draft["t"][2]["sg"][0]["text"] = f"Title {i}"
            before = await page.evaluate("document.body.dataset.version")
            workspace.hub.refresh()
            await page.wait_for_function("v => document.body.dataset.version !== v", arg=before)
            times.append(float(await page.evaluate("document.body.dataset.renderMs")))
        print(_row(label, times))
        await page.close()
        await workspace.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as tmp:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                               args=["--no-sandbox"])
            await update_delay(browser, Path(tmp), args.edits)
            await render_time(browser, Path(tmp), args.repeat)
            await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
