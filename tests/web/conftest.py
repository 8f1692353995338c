"""The workspace served by a real Conversation over the real local backend, and a browser.

The browser is Debian's Chromium (`/usr/bin/chromium`, installed by .ci/run) driven by the
PyPI `playwright` package; nothing is downloaded. Where either is missing, the browser tests
skip and say which.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agent.api import ApiConfig, NemoClient
from agent.core import COMMANDS, ChatSettings, Conversation
from agent.events import Event
from agent.web import Workspace, start_workspace

CHROMIUM = os.environ.get("NEMO_TEST_CHROMIUM", "/usr/bin/chromium")


@dataclass
class WebChat:
    conv: Conversation
    client: NemoClient
    workspace: Workspace
    out_dir: Path
    events: list[Event] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return self.workspace.origin


def browser_missing() -> str | None:
    """Why no browser test can run here, or None."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the PyPI package playwright is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    return None


@pytest.fixture
async def web_chat(
    local_backend: Any, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[WebChat]]]:
    made: list[WebChat] = []

    async def _make(**settings: Any) -> WebChat:
        config = ApiConfig(base_url=local_backend.url, web_url="https://web.nemo.test",
                           config_dir=tmp_path / "config", platform="unknown",
                           retry_base=0.01, retry_cap=0.05, connect_timeout=2.0)
        client = NemoClient(config)
        values: dict[str, Any] = {"out_dir": tmp_path / "out", "poll_interval": 0.05,
                                  "first_poll": 0.05, "progress_tick": 0.02}
        chat_settings = ChatSettings(**{**values, **settings})
        chat_settings.make_out_dir()
        events: list[Event] = []
        sinks: list[Callable[[Event], None]] = [events.append]

        def sink(event: Event) -> None:
            for each in sinks:
                each(event)

        conv = Conversation(client, chat_settings, sink)
        assert await conv.start()
        workspace = await start_workspace(conv, out_dir=chat_settings.out_dir,
                                          cache_dir=tmp_path / "cache",
                                          commands=frozenset(COMMANDS))
        sinks.append(workspace.on_event)
        chat = WebChat(conv=conv, client=client, workspace=workspace,
                       out_dir=chat_settings.out_dir, events=events)
        made.append(chat)
        return chat

    yield _make
    for chat in made:
        await chat.workspace.aclose()
        await chat.conv.aclose()
        await chat.client.aclose()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    why = browser_missing()
    if why is not None:
        pytest.skip(why)
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        try:
            yield chromium
        finally:
            await chromium.close()


def known_draft(photos: int = 2, *, seconds_each: int = 4, title: str = "Urban Dreams",
                music: bool = True) -> dict[str, Any]:
    """A draft in the service's short keys: video, audio and text tracks with known times."""
    video = [{"id": f"v{i}", "n": f"p{i}.jpg", "st": i * seconds_each * 1000,
              "d": seconds_each * 1000} for i in range(photos)]
    end = photos * seconds_each * 1000
    tracks: list[dict[str, Any]] = [{"tt": 0, "sg": video}]
    if music:
        tracks.append({"tt": 1, "sg": [{"id": "a0", "n": "lofi.mp3", "st": 0, "d": end,
                                        "vol": 35, "fi": 1000, "fo": 2000}]})
    tracks.append({"tt": 7, "sg": [{"id": "t0", "text": title, "st": 1000, "d": 2000}]})
    return {"t": tracks, "m": {"width": 1920, "height": 1080, "aspect": "16:9"}}


class FakeConversation:
    """A conversation whose state is a given draft (what the page shows, nothing else)."""

    def __init__(self, draft: dict[str, Any], *, lang: str = "en",
                 photos: dict[str, Path] | None = None) -> None:
        self.draft = draft
        self.lang = lang
        self.photos = photos or {}
        self.handled: list[tuple[str, str]] = []

    async def handle(self, text: str, *, source: str = "terminal") -> bool:
        self.handled.append((text, source))
        return True

    async def workspace(self) -> Any:
        from agent.api import SessionState
        from agent.core.workspace import CreditsView, build_view

        infos = [{"id": f"m{i}", "filename": name, "file_type": "image", "width": 640,
                  "height": 360} for i, name in enumerate(self.photos)]
        state = SessionState(draft=self.draft, video_infos=infos)
        return build_view(state, self.lang, self.photos,
                          CreditsView(available=90, frozen=10, total=100))


@pytest.fixture
async def fake_workspace(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Workspace]]]:
    started: list[Workspace] = []

    async def _start(conv: FakeConversation) -> Workspace:
        (tmp_path / "out").mkdir(exist_ok=True)
        workspace = await start_workspace(conv, out_dir=tmp_path / "out",
                                          cache_dir=tmp_path / "cache")
        started.append(workspace)
        for _ in range(100):  # the first state is read as the server starts
            if workspace.hub.view is not None:
                break
            import asyncio

            await asyncio.sleep(0.01)
        return workspace

    yield _start
    for workspace in started:
        await workspace.aclose()


@pytest.fixture
def fake_conversation() -> type[FakeConversation]:
    return FakeConversation


@pytest.fixture
def draft_of() -> Callable[..., dict[str, Any]]:
    return known_draft
