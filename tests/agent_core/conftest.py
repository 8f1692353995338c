"""A real Conversation, with the real NemoClient, against the real local backend over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from agent.api import ApiConfig, NemoClient
from agent.core import ChatSettings, Conversation
from agent.events import Error, Event, Notice

E = TypeVar("E")

WEB = "https://web.nemo.test"


class Wiretap:
    """An ExchangeObserver that keeps what was sent: the proof nothing was sent twice."""

    def __init__(self) -> None:
        self.exchanges: list[Any] = []
        self.sse_opens: list[Any] = []

    def on_exchange(self, record: Any) -> None:
        self.exchanges.append(record)

    def on_sse_open(self, path: str, request_json: Any, status: int) -> None:
        self.sse_opens.append(request_json)

    def on_sse_frame(self, path: str, raw_event: str | None, comment: str | None, t: float) -> None:
        pass

    def on_sse_close(self, path: str, outcome: str) -> None:
        pass

    def sent(self, method: str, fragment: str) -> list[Any]:
        return [r for r in self.exchanges if r.method == method and fragment in r.path]


@dataclass
class Chat:
    conv: Conversation
    client: NemoClient
    backend: Any
    out_dir: Path
    wire: Wiretap
    events: list[Event] = field(default_factory=list)

    async def say(self, text: str) -> bool:
        self.events.clear()
        return await self.conv.handle(text)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def text(self) -> str:
        """What the assistant's reply reads as (deltas appended, a replace swapping them)."""
        out = ""
        for e in self.events:
            if e.kind == "text_delta":
                out += e.text  # type: ignore[union-attr]
            elif e.kind == "text_replace":
                out = e.text  # type: ignore[union-attr]
        return out

    def notices(self) -> list[str]:
        return [n.text for n in self.of(Notice)]

    def errors(self) -> list[Error]:
        return self.of(Error)

    def fault(self, **spec: Any) -> None:
        self.backend.faults.add(spec)


ChatFactory = Callable[..., Awaitable[Chat]]


@pytest.fixture
def fast_settings(tmp_path: Path) -> dict[str, Any]:
    return {
        "out_dir": tmp_path / "out",
        "poll_interval": 0.05,
        "progress_tick": 0.02,
        "still_working_every": 0.2,
        "broken_stream_first_check": 0.05,
        "broken_stream_every": 0.05,
        "broken_stream_checks": 3,
        "render_timeout": 20.0,
    }


@pytest.fixture
async def make_chat(local_backend: Any, tmp_path: Path, config_dir: Path,
                    fast_settings: dict[str, Any]) -> AsyncIterator[ChatFactory]:
    made: list[Chat] = []

    async def _make(*, start: bool = True, api: dict[str, Any] | None = None,
                    base_url: str | None = None, **settings: Any) -> Chat:
        values: dict[str, Any] = {
            "base_url": base_url or local_backend.url,
            "web_url": WEB,
            "config_dir": config_dir,
            "platform": "unknown",
            "retry_base": 0.01,
            "retry_cap": 0.05,
            "rate_limit_wait": 0.05,
            "connect_timeout": 2.0,
            "sse_idle_timeout": 10.0,
        }
        config = ApiConfig(**{**values, **(api or {})})
        wire = Wiretap()
        client = NemoClient(config, observer=wire)
        chat_settings = ChatSettings(**{**fast_settings, **settings})
        events: list[Event] = []
        conv = Conversation(client, chat_settings, events.append)
        chat = Chat(conv=conv, client=client, backend=local_backend, out_dir=chat_settings.out_dir,
                    wire=wire, events=events)
        made.append(chat)
        if start:
            assert await conv.start(), [e.model_dump() for e in events]
        return chat

    yield _make
    for chat in made:
        await chat.conv.aclose()
        await chat.client.aclose()


@pytest.fixture
def photo(make_photo: Callable[..., Path]) -> Path:
    return make_photo("beach.png", size=(320, 180), seed=1)
