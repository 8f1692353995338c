"""The preview on the page: the player plays the newest of preview and export, with its sheet,
and only the cache files this session's own events named are served (by a random id)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.events import FileSaved, PreviewReady
from agent.preview.cache import default_root

Start = Callable[..., Awaitable[Any]]


def cache_entry(name: str, *, quality: str | None = "draft", video: bool = True) -> tuple[Path, Path]:
    """A preview cache entry as the core leaves it: sheet.png, preview.mp4, entry.json."""
    folder = default_root() / name
    folder.mkdir(parents=True, exist_ok=True)
    sheet, mp4 = folder / "sheet.png", folder / "preview.mp4"
    sheet.write_bytes(b"PNG of " + name.encode())
    if video:
        mp4.write_bytes(b"MP4 of " + name.encode())
    (folder / "entry.json").write_text(json.dumps({"quality": quality} if quality else {}))
    return sheet, mp4


@pytest.fixture
async def served(fake_workspace: Start, fake_conversation: Any, draft_of: Any) -> Any:
    return await fake_workspace(fake_conversation(draft_of()))


@contextlib.asynccontextmanager
async def opened(workspace: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding this run's cookie, as the page does after the first load."""
    async with httpx.AsyncClient(base_url=workspace.origin) as http:
        await http.get(f"/?t={workspace.token}")
        yield http


async def test_the_preview_is_served_by_id_and_nothing_else_in_the_cache(
    served: Any, fake_workspace: Start, fake_conversation: Any, draft_of: Any, tmp_path: Path,
) -> None:
    sheet, mp4 = cache_entry("mine")
    _, other_mp4 = cache_entry("other")  # another chat's preview, same cache folder
    served.on_event(PreviewReady(sheet=str(sheet), video=str(mp4), duration=8.0))
    state = served.hub.state_message()
    assert state["player"] == "preview"
    preview = state["preview"]
    assert preview["draft"] is True and preview["duration"] == 8.0
    assert "mine" not in preview["url"] and "sheet" not in preview["sheet"]  # ids, not paths
    async with opened(served) as http:
        got = await http.get(preview["url"])
        assert got.status_code == 200 and got.content == b"MP4 of mine"
        assert got.headers["content-type"] == "video/mp4"
        got = await http.get(preview["sheet"])
        assert got.status_code == 200 and got.content == b"PNG of mine"
        assert got.headers["content-type"] == "image/png"
        for path in ("/files/cache/other", "/files/cache/mine", "/files/cache/sheet.png",
                     "/files/cache/..%2Fother%2Fsheet.png", "/files/cache/other/sheet.png",
                     "/files/cache/" + "A" * 22):
            reply = await http.get(path)
            assert reply.status_code == 403, path
            assert "not made by this chat" in reply.text
    # another chat's page, open on the same cache folder, cannot fetch this chat's files
    second = await fake_workspace(fake_conversation(draft_of()))
    async with opened(second) as http:
        assert (await http.get(preview["url"])).status_code == 403
        assert (await http.get(preview["sheet"])).status_code == 403
    # and without this run's token, not at all
    async with httpx.AsyncClient(base_url=served.origin) as http:
        assert (await http.get(preview["url"])).status_code == 403
    assert other_mp4.read_bytes() == b"MP4 of other"  # untouched


async def test_a_file_outside_the_preview_cache_is_never_taken(served: Any, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "sheet.png").write_bytes(b"x")
    (elsewhere / "preview.mp4").write_bytes(b"x")
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    link = default_root() / "linked"
    link.mkdir(parents=True)
    (link / "sheet.png").symlink_to(secret)  # inside by name, outside in fact
    (link / "preview.mp4").symlink_to(elsewhere / "preview.mp4")
    served.on_event(PreviewReady(sheet=str(elsewhere / "sheet.png"),
                                 video=str(elsewhere / "preview.mp4")))
    served.on_event(PreviewReady(sheet=str(link / "sheet.png"), video=str(link / "preview.mp4")))
    assert served.hub.files == {}
    assert served.hub.state_message()["preview"] is None


async def test_the_player_plays_whichever_came_last(served: Any, tmp_path: Path) -> None:
    hub = served.hub
    export = tmp_path / "out" / "urban.mp4"
    export.write_bytes(b"export")
    draft_sheet, draft_mp4 = cache_entry("first")
    hub.on_event(PreviewReady(sheet=str(draft_sheet), video=str(draft_mp4)))
    hub.on_event(FileSaved(path=str(export), size=6))
    export_sheet, _ = cache_entry("export-1", video=False)
    hub.on_event(PreviewReady(sheet=str(export_sheet)))  # the export's own sheet follows it
    state = hub.state_message()
    assert state["player"] == "export"
    assert state["export"]["sheet"] is not None and state["preview"] is not None
    async with opened(served) as http:
        assert (await http.get(state["export"]["sheet"])).content == b"PNG of export-1"

        full_sheet, full_mp4 = cache_entry("second", quality="high")  # the service's full render
        hub.on_event(PreviewReady(sheet=str(full_sheet), video=str(full_mp4)))
        state2 = hub.state_message()
        assert state2["player"] == "preview" and state2["preview"]["draft"] is False
        assert state2["export"]["sheet"] == state["export"]["sheet"]  # same file, same id
        # the older preview is no longer served: only what the state shows now
        assert (await http.get(state["preview"]["url"])).status_code == 403
        assert (await http.get(state2["preview"]["url"])).content == b"MP4 of second"
        # a preview evicted from the cache since: gone (404), not a 403
        full_mp4.unlink()
        assert (await http.get(state2["preview"]["url"])).status_code == 404
