"""The workspace in a real browser (headless Chromium, driven by Playwright).

The lanes are drawn to scale from the typed draft; the page follows the chat live over SSE
(no reload); its buttons and message box go through the same conversation; the player plays
the exported MP4, then the preview (newer) with its contact sheet; the Chinese page is Chinese. Timings are printed (`-s`), not asserted:
bench/web_update.py reports them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from agent.events import FileSaved, Notice, PreviewReady, UserMessage

pytestmark = pytest.mark.slow  # a browser: CI runs these


SHEET_LOADED = ("() => { const s = document.getElementById('sheet'), i = document.getElementById('sheet-img');"
                " return !s.hidden && i.complete && i.naturalWidth > 0; }")


async def open_page(browser: Any, url: str, *, width: int = 1280, height: int = 900) -> Any:
    page = await browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors
    await page.goto(url)
    await page.wait_for_function("() => Number(document.body.dataset.version) > 0")
    return page


async def boxes(page: Any, selector: str) -> list[dict[str, float]]:
    return [await node.bounding_box() for node in await page.query_selector_all(selector)]


async def test_lanes_and_segments_are_drawn_to_scale(
    browser: Any, fake_workspace: Callable[..., Awaitable[Any]], fake_conversation: Any,
    draft_of: Any, make_photo: Callable[..., Path],
) -> None:
    photos = {f"p{i}.jpg": make_photo(f"p{i}.jpg", seed=i) for i in range(3)}
    conv = fake_conversation(draft_of(3, seconds_each=4), photos=photos)  # 12 s
    workspace = await fake_workspace(conv)
    page = await open_page(browser, workspace.url)

    kinds = await page.eval_on_selector_all("[data-track]", "ls => ls.map(l => l.dataset.track)")
    assert kinds == ["video", "audio", "text"]
    video = await boxes(page, "[data-track=video] [data-segment]")
    audio = await boxes(page, "[data-track=audio] [data-segment]")
    text = await boxes(page, "[data-track=text] [data-segment]")
    assert len(video) == 3 and len(audio) == 1 and len(text) == 1
    px_per_ms = audio[0]["width"] / 12000  # the music spans the whole 12 s
    origin = audio[0]["x"]
    for i, seg in enumerate(video):
        assert seg["x"] - origin == pytest.approx(i * 4000 * px_per_ms, abs=1.5)
        assert seg["width"] == pytest.approx(4000 * px_per_ms, abs=1.5)
    assert text[0]["x"] - origin == pytest.approx(1000 * px_per_ms, abs=1.5)  # 1–3 s
    assert text[0]["width"] == pytest.approx(2000 * px_per_ms, abs=1.5)
    starts = await page.eval_on_selector_all(
        "[data-segment]", "ss => ss.map(s => [s.dataset.startMs, s.dataset.durationMs])")
    assert ["4000", "4000"] in starts and ["1000", "2000"] in starts

    assert await page.inner_text("[data-track=text] [data-segment]") == "Urban Dreams"
    music = await page.inner_text("[data-track=audio] [data-segment]")
    assert "lofi.mp3" in music and "35%" in music
    fades = await page.get_attribute("[data-track=audio] [data-segment]", "title")
    assert "fade in 1.0 s" in fades and "fade out 2.0 s" in fades
    await page.wait_for_function(
        "() => [...document.querySelectorAll('[data-track=video] img')]"
        ".every(i => i.complete && i.naturalWidth > 0)")
    thumbs = await page.eval_on_selector_all("[data-track=video] img", "is => is.map(i => i.naturalWidth)")
    assert thumbs and all(0 < w <= 320 for w in thumbs)  # thumbnails, never the photo
    assert "90" in await page.inner_text("#credits")
    assert "1920×1080" in await page.inner_text("#canvas")
    assert page.errors == []  # the CSP let everything of ours run, and nothing failed


async def test_two_hundred_segments_on_a_ten_minute_timeline(
    browser: Any, fake_workspace: Callable[..., Awaitable[Any]], fake_conversation: Any,
    draft_of: Any,
) -> None:
    conv = fake_conversation(draft_of(200, seconds_each=3))  # 600 s
    workspace = await fake_workspace(conv)
    page = await open_page(browser, workspace.url)
    assert await page.locator("[data-track=video] [data-segment]").count() == 200
    conv.draft = draft_of(200, seconds_each=3, title="Changed")
    before = await page.evaluate("document.body.dataset.version")
    workspace.hub.refresh()
    await page.wait_for_function("v => document.body.dataset.version !== v", arg=before)
    render_ms = float(await page.evaluate("document.body.dataset.renderMs"))
    print(f"\n200 segments, 10-minute timeline: page update {render_ms:.1f} ms")
    last = await page.get_attribute("[data-track=video] [data-segment]:last-child", "data-start-ms")
    assert last == str(199 * 3000)
    assert await page.inner_text("[data-track=text] [data-segment]") == "Changed"


async def test_the_chinese_page(
    browser: Any, fake_workspace: Callable[..., Awaitable[Any]], fake_conversation: Any,
    draft_of: Any,
) -> None:
    conv = fake_conversation(draft_of(1, title="城市之梦"), lang="zh")
    workspace = await fake_workspace(conv)
    page = await open_page(browser, workspace.url, width=390, height=844)  # a phone
    assert await page.get_attribute("html", "lang") == "zh-CN"
    assert await page.inner_text("#export-btn") == "导出"
    assert await page.inner_text("#preview-btn") == "预览"
    assert await page.inner_text("#timeline-h") == "时间线"
    assert "视频" in await page.inner_text("[data-track=video] .lane-label")
    assert await page.inner_text("[data-track=text] [data-segment]") == "城市之梦"
    assert await page.title() == "nemo-chat 工作区"
    # a preview arrives: the player says so in Chinese, its sheet below it
    from PIL import Image

    from agent.events import PreviewReady
    from agent.preview.cache import default_root

    folder = default_root() / "zh-entry"
    folder.mkdir(parents=True)
    Image.new("RGB", (960, 360), (200, 80, 40)).save(folder / "sheet.png")
    (folder / "preview.mp4").write_bytes(b"\0" * 64)
    version = await page.evaluate("Number(document.body.dataset.version)")
    workspace.on_event(PreviewReady(sheet=str(folder / "sheet.png"),
                                    video=str(folder / "preview.mp4"), duration=4.0))
    await page.wait_for_function("v => Number(document.body.dataset.version) > v", arg=version)
    await page.wait_for_function(SHEET_LOADED, timeout=10_000)
    assert await page.inner_text("#player-kind") == "预览（草稿画质）"
    assert await page.inner_text("#sheet figcaption") == "缩略图：从整段视频中取出的画面。"
    # a phone-sized window: nothing wider than the screen but the timeline's own scroller
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


async def test_untrusted_words_are_shown_as_text_never_as_markup(
    browser: Any, fake_workspace: Callable[..., Awaitable[Any]], fake_conversation: Any,
    draft_of: Any,
) -> None:
    evil = '<img src=x onerror="document.body.dataset.pwned=1">'
    workspace = await fake_workspace(fake_conversation(draft_of(1, title=evil)))
    page = await open_page(browser, workspace.url)
    assert await page.inner_text("[data-track=text] [data-segment]") == evil
    assert await page.locator("[data-track=text] img").count() == 0
    assert await page.evaluate("document.body.dataset.pwned") is None


async def test_forbidden_in_the_browser_without_the_token(
    browser: Any, fake_workspace: Callable[..., Awaitable[Any]], fake_conversation: Any,
    draft_of: Any,
) -> None:
    workspace = await fake_workspace(fake_conversation(draft_of()))
    page = await browser.new_page()
    reply = await page.goto(workspace.origin + "/")
    assert reply.status == 403
    assert "link the chat printed" in await page.inner_text("body")


async def test_a_chat_session_live_in_the_page(
    browser: Any, web_chat: Callable[..., Awaitable[Any]], make_photo: Callable[..., Path],
    tmp_path: Path,
) -> None:
    """The done-when flow: upload, animate, title, export; the page follows every turn
    without a reload, its buttons and message box go through the conversation, and the
    player plays the export, then the preview the Preview button makes, each with its sheet."""
    chat = await web_chat()
    photo = make_photo("a.jpg", size=(1280, 720), seed=3)
    page = await open_page(browser, chat.workspace.url)
    await page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    delays: list[float] = []

    async def say(text: str, check: str) -> None:
        version = await page.evaluate("Number(document.body.dataset.version)")
        assert await chat.conv.handle(text)
        ended = time.time()
        await page.wait_for_function(
            f"v => Number(document.body.dataset.version) > v && ({check})", arg=version,
            timeout=10_000)
        updated = float(await page.evaluate("Number(document.body.dataset.updatedAt)")) / 1000
        delays.append(updated - ended)

    await say(f"upload {photo}", "document.querySelectorAll('#media li').length === 1")
    await say("turn it into a smooth animated video",
              "document.querySelectorAll('[data-track=video] [data-segment]').length > 0")

    # the message box: through the same conversation, announced in the terminal's events
    await page.fill("#message", "add a title that says Urban Dreams")
    await page.press("#message", "Enter")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('[data-track=text] [data-segment]')]"
        ".some(s => s.textContent.includes('Urban Dreams'))", timeout=15_000)
    said = [e for e in chat.events if isinstance(e, UserMessage)]
    assert said[-1].text == "add a title that says Urban Dreams"
    assert any(isinstance(e, Notice) and "From the workspace page" in e.text for e in chat.events)

    # the Export button: the router's export, the file saved, the player plays it
    await page.click("#export-btn")
    await page.wait_for_function("() => document.getElementById('player').duration > 0",
                                timeout=30_000)
    saved = [e for e in chat.events if isinstance(e, FileSaved)]
    assert saved and Path(saved[-1].path).parent == chat.out_dir
    assert await page.evaluate("window.__sameDocument") is True  # never reloaded
    await page.evaluate("document.getElementById('player').play()")
    await page.wait_for_function("() => document.getElementById('player').currentTime > 0",
                                timeout=10_000)
    assert await page.locator("[data-track=video] [data-segment] img").count() >= 1
    assert await page.inner_text("#player-kind") == "Export"
    # the export's own contact sheet, below the player
    await page.wait_for_function(SHEET_LOADED, timeout=15_000)
    export_sheet = await page.get_attribute("#sheet-img", "src")

    # the Preview button: the conversation's /preview, then the page plays the draft-quality
    # preview (newer than the export) with its contact sheet, live
    await page.click("#preview-btn")
    await page.wait_for_function(
        "() => document.getElementById('player-kind').textContent === 'Preview (draft quality)'",
        timeout=30_000)
    assert any(isinstance(e, UserMessage) and e.text in ("preview", "/preview") for e in chat.events)
    ready = [e for e in chat.events if isinstance(e, PreviewReady) and e.video]
    assert ready and Path(ready[-1].video or "").parent != chat.out_dir  # the cache, not out/
    await page.wait_for_function(SHEET_LOADED, timeout=15_000)
    assert await page.get_attribute("#sheet-img", "src") != export_sheet
    await page.wait_for_function("() => document.getElementById('player').duration > 0",
                                timeout=15_000)
    assert (await page.get_attribute("#player", "src") or "").startswith("/files/cache/")
    await page.evaluate("document.getElementById('player').play()")
    await page.wait_for_function("() => document.getElementById('player').currentTime > 0",
                                timeout=10_000)
    await page.evaluate("(v => { v.pause(); v.currentTime = 1.5; })(document.getElementById('player'))")
    await page.mouse.move(0, 0)
    shot = os.environ.get("NEMO_WORKSPACE_SHOT") or str(tmp_path / "workspace.png")
    await page.screenshot(path=shot, full_page=True)
    assert await page.evaluate("window.__sameDocument") is True  # never reloaded

    print(f"\nupdate delays after a chat turn: {', '.join(f'{d * 1000:.0f} ms' for d in delays)}")
    assert max(delays) < 5  # a sanity bound only: the figure is bench/web_update.py's
    assert page.errors == []
