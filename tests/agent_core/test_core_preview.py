"""Preview and /open through a real Conversation against the real local backend."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from agent.events import Error, FileSaved, PreviewReady, Routed

ANIMATE = "turn my photo into a smooth animated video"


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "nemo-chat" / "previews"


def _jobs(chat: Any) -> list[dict[str, Any]]:
    return chat.backend.app.state.backend.store.jobs_with_status(
        "pending", "processing", "completed", "failed")


async def _timeline(chat: Any, photo: Path) -> None:
    assert await chat.say(f"upload {photo}")
    assert await chat.say(ANIMATE)


async def test_a_preview_is_a_draft_render_with_a_sheet_in_the_cache(
        make_chat: Any, photo: Path, cache_home: Path) -> None:
    chat = await make_chat()
    await _timeline(chat, photo)
    assert await chat.say("show me a preview")
    assert chat.of(Routed)[0].route == "preview"
    ready = chat.of(PreviewReady)[0]
    sheet, video = Path(ready.sheet), Path(ready.video or "")
    assert sheet.parent.parent == cache_home and video.parent == sheet.parent
    assert Image.open(sheet).format == "PNG"
    assert len(ready.times) == 6 and ready.times == sorted(ready.times)  # a 3-s video: 6 tiles
    assert video.read_bytes()[4:8] == b"ftyp" and not ready.cached
    submitted = chat.wire.sent("POST", "/api/render/proxy/lambda")[0].request_json
    assert submitted["output"] == {"format": "mp4", "quality": "draft"}  # the backend offers it
    assert [j["resolution"] for j in _jobs(chat)] == ["draft"]
    assert not chat.out_dir.exists() or not list(chat.out_dir.iterdir())  # never in --out

    assert await chat.say("预览一下")  # unchanged timeline: the cached one, no second render
    again = chat.of(PreviewReady)[0]
    assert again.cached and again.sheet == ready.sheet
    assert "has not changed" in " ".join(chat.notices())  # the session stayed English
    assert len(_jobs(chat)) == 1


async def test_nothing_to_preview_says_how_to_start_in_the_persons_language(make_chat: Any) -> None:
    chat = await make_chat()
    assert not await chat.say("/preview")
    error = chat.of(Error)[0]
    assert error.code == "nothing_to_preview"
    assert error.message == "Nothing to preview yet: upload a photo first."
    assert not chat.wire.sent("POST", "/api/render/proxy/lambda")
    chat_zh = await make_chat()
    assert not await chat_zh.say("预览")
    assert chat_zh.of(Error)[0].message == "还没有可以预览的内容：先上传一张照片。"


async def test_a_failed_preview_render_is_reported_and_nothing_is_cached(
        make_chat: Any, photo: Path, cache_home: Path) -> None:
    chat = await make_chat()
    await _timeline(chat, photo)
    uploads = chat.backend.app.state.backend.uploads_dir
    for item in uploads.iterdir():  # the render will not find its photo
        item.unlink()
    assert not await chat.say("/preview")
    error = chat.of(Error)[0]
    assert "Traceback" not in error.message and error.hint
    assert not chat.of(PreviewReady)
    assert not cache_home.exists() or list(cache_home.iterdir()) == []


async def test_a_stuck_preview_is_stopped_with_a_way_forward(
        make_chat: Any, photo: Path, cache_home: Path) -> None:
    chat = await make_chat(render_timeout=0.5)
    await _timeline(chat, photo)
    chat.fault(route="render_submit", kind="stuck", progress=40)
    assert not await chat.say("/preview")
    error = chat.of(Error)[0]
    assert error.code == "preview_stuck" and "/export" in error.hint
    assert not cache_home.exists() or list(cache_home.iterdir()) == []


async def test_a_full_cache_disk_is_a_clear_error(make_chat: Any, photo: Path, cache_home: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.preview.cache as cache_mod

    chat = await make_chat()
    await _timeline(chat, photo)
    monkeypatch.setattr(cache_mod, "MIN_FREE", 1 << 62)
    assert not await chat.say("/preview")
    error = chat.of(Error)[0]
    assert error.code == "preview_no_space" and str(cache_home) in error.message
    assert not chat.wire.sent("POST", "/api/render/proxy/lambda")  # checked before rendering


@pytest.fixture
def service_like_backend(tmp_path: Path) -> Any:
    """A local backend that, like the service, offers no draft quality."""
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    server = start_local_backend(
        BackendSettings.for_tests(tmp_path / "service-data", draft_quality=False))
    yield server
    server.stop()


async def test_without_draft_quality_a_preview_is_a_full_render_that_export_reuses(
        service_like_backend: Any, make_chat: Any, photo: Path) -> None:
    chat = await make_chat(base_url=service_like_backend.url)
    chat.backend = service_like_backend
    await _timeline(chat, photo)
    assert await chat.say("/preview")
    assert "no quick preview" in " ".join(chat.notices())
    ready = chat.of(PreviewReady)[0]
    submitted = chat.wire.sent("POST", "/api/render/proxy/lambda")[0].request_json
    assert submitted["output"] == {"format": "mp4", "quality": "high"}  # nothing undocumented
    assert len(_jobs(chat)) == 1

    assert await chat.say("export")
    saved = chat.of(FileSaved)[0]
    path = Path(saved.path)
    assert path.parent == chat.out_dir and path.suffix == ".mp4"
    assert len(_jobs(chat)) == 1  # no second render
    assert len(chat.wire.sent("POST", "/api/render/proxy/lambda")) == 1
    digest = hashlib.sha256(Path(ready.video or "").read_bytes()).hexdigest()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert Path(ready.video or "").is_file()  # the cache keeps its copy
    assert not list(chat.out_dir.glob(".*part"))

    assert await chat.say("export 720p")  # another resolution: a real render
    assert len(_jobs(chat)) == 2


def _fake_opener(folder: Path) -> Path:
    """An `xdg-open` that records its argument once the test says go (or gives up)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "xdg-open"
    script.write_text(
        "#!/bin/sh\n"
        f'for i in $(seq 1 100); do [ -e "{folder}/go" ] && break; sleep 0.05; done\n'
        f'if [ -e "{folder}/go" ]; then echo "$1" > "{folder}/opened"; '
        f'else echo timeout > "{folder}/opened"; fi\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


async def test_open_plays_the_latest_video_without_waiting_for_the_player(
        make_chat: Any, photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    bin_dir = _fake_opener(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    chat = await make_chat()
    assert not await chat.say("/open")
    assert chat.of(Error)[0].code == "nothing_to_open"

    await _timeline(chat, photo)
    assert await chat.say("/preview")
    video = chat.of(PreviewReady)[0].video
    assert await chat.say("打开视频")  # returns while the player still waits for "go"
    assert chat.of(Routed)[0].route == "open"
    (bin_dir / "go").touch()
    for _ in range(100):
        if (bin_dir / "opened").exists() and (bin_dir / "opened").read_text().strip():
            break
        await asyncio.sleep(0.05)
    assert (bin_dir / "opened").read_text().strip() == video


async def test_open_without_a_player_gives_the_path(make_chat: Any, photo: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    chat = await make_chat()
    await _timeline(chat, photo)
    assert await chat.say("/preview")
    video = chat.of(PreviewReady)[0].video
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert not await chat.say("open it")
    error = chat.of(Error)[0]
    assert error.code == "no_player" and "xdg-open" in error.message and video in error.hint


async def test_ctrl_c_during_a_preview_stops_it_and_leaves_nothing_half_written(
        make_chat: Any, photo: Path, cache_home: Path) -> None:
    import asyncio

    from agent.events import Progress, TurnEnd

    chat = await make_chat()
    await _timeline(chat, photo)
    chat.fault(route="render_submit", kind="stuck", progress=30)
    task = asyncio.create_task(chat.say("preview"))
    for _ in range(300):
        await asyncio.sleep(0.01)
        if any(isinstance(e, Progress) and e.task == "preview" for e in chat.events):
            break
    staging = [p.name for p in cache_home.iterdir()]
    assert len(staging) == 1 and staging[0].startswith(".staging-")  # the render is under way
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "Stopped." in chat.notices() and chat.events[-1] == TurnEnd(ok=False)
    assert list(cache_home.iterdir()) == []  # the staging folder went with it
    chat.backend.faults.clear()
    assert await chat.say("/preview")  # and the next preview works
    assert chat.of(PreviewReady)


async def test_an_export_is_followed_by_the_contact_sheet_of_the_saved_file(
        make_chat: Any, photo: Path, cache_home: Path) -> None:
    chat = await make_chat()
    await _timeline(chat, photo)
    assert await chat.say("export")
    kinds = chat.kinds()
    assert kinds.index("file_saved") < kinds.index("preview_ready")  # the file first, then its sheet
    saved, sheet = chat.of(FileSaved)[0], chat.of(PreviewReady)[0]
    assert sheet.video is None and Path(sheet.sheet).parent.parent == cache_home
    assert len(sheet.times) == 6 and sheet.times[-1] < 3.0  # across the real 3-s file
    with Image.open(sheet.sheet) as img:
        assert img.format == "PNG"
    assert [p.name for p in chat.out_dir.iterdir()] == [Path(saved.path).name]  # nothing else in --out


async def test_a_render_of_a_kind_made_before_is_announced_with_its_likely_time(
        make_chat: Any, photo: Path) -> None:
    from agent.preview.speed import RenderSpeed

    chat = await make_chat()
    await _timeline(chat, photo)
    assert await chat.say("export 720p")  # nothing known: nothing said
    assert not [n for n in chat.notices() if n.startswith("This should take about")]
    assert await chat.say("export 720p")  # known now, but a wait of a second is not announced
    assert not [n for n in chat.notices() if n.startswith("This should take about")]
    # as if this backend had taken 30 s for a 3-s video (the test backend is much quicker)
    RenderSpeed().record(chat.client.config.base_url, "export-default", 3.0, 30.0)
    assert await chat.say("export")
    assert "This should take about 30 s." in chat.notices()
