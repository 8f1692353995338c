"""Relay and error wording with a scripted client: stream shapes the local backend rarely makes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, get_args

import pytest

from agent.api import (
    ApiConfig,
    AuthExpired,
    Credits,
    LocalFileError,
    NoCredits,
    SessionInfo,
    SessionState,
    StreamError,
    StreamText,
    StreamTextReplace,
    ToolCall,
)
from agent.api.errors import LocalFileReason
from agent.core import ChatSettings, Conversation
from agent.core.commands import parse_slash
from agent.core.context import Context
from agent.core.failures import report
from agent.core.memory import ChatMemory
from agent.events import Action, Error, Event, Link, Notice

WEB = "https://web.nemo.test"


class _Stream:
    def __init__(self, events: list[Any]) -> None:
        self._events = events

    async def __aenter__(self) -> _Stream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[Any]:
        for event in self._events:
            if isinstance(event, BaseException):
                raise event
            yield event


class ScriptedClient:
    """Just enough of NemoClient: each run_sse plays the next scripted turn."""

    def __init__(self, folder: Path, turns: list[list[Any]], *, token_source: str = "anonymous",
                 user_id: str | None = "anon_abc") -> None:
        self.config = ApiConfig(base_url="http://127.0.0.1:9", web_url=WEB, config_dir=folder)
        self.notices: list[Any] = []
        self.session_id: str | None = None
        self.user_id = user_id
        self.token_source = token_source
        self.turns = turns
        self.sent: list[str] = []

    async def connect(self) -> None:
        return None

    async def create_session(self, language: str = "en") -> SessionInfo:
        self.session_id = f"s{len(self.sent)}"
        return SessionInfo(session_id=self.session_id, task_id="t1")

    def use_session(self, session_id: str) -> None:
        self.session_id = session_id

    async def credits(self) -> Credits:
        return Credits(available=100, frozen=0, total=100)

    async def state(self) -> SessionState:
        return SessionState(draft={"t": [{"tt": 0, "sg": [{"id": "a", "n": "a.png", "st": 0, "d": 1000}]}]})

    def run_sse(self, text: str, *, streaming: bool = True) -> _Stream:
        self.sent.append(text)
        return _Stream(self.turns.pop(0) if self.turns else [])


async def conversation(tmp_path: Path, turns: list[list[Any]], **client_kw: Any) -> tuple[Conversation, ScriptedClient, list[Event]]:
    client = ScriptedClient(tmp_path, turns, **client_kw)
    events: list[Event] = []
    conv = Conversation(client, ChatSettings(out_dir=tmp_path, still_working_every=60), events.append)  # type: ignore[arg-type]
    assert await conv.start()
    events.clear()
    return conv, client, events


def shown(events: list[Event]) -> str:
    out = ""
    for e in events:
        if e.kind == "text_delta":
            out += e.text  # type: ignore[union-attr]
        elif e.kind == "text_replace":
            out = e.text  # type: ignore[union-attr]
    return out


async def test_a_replaced_step_is_translated_and_replaces_the_stream(tmp_path: Path) -> None:
    turn = [StreamText(text="Hello wor"), StreamTextReplace(text="Hello world! Click the Export button when ready.")]
    conv, _, events = await conversation(tmp_path, [turn])
    assert await conv.handle("/send hi")
    assert shown(events) == "Hello world! Type “export” when ready."
    assert [e.kind for e in events].count("text_replace") == 1


async def test_a_replace_in_a_later_step_keeps_the_earlier_steps(tmp_path: Path) -> None:
    turn = [
        StreamText(text="Step one done. "),
        ToolCall(name="add_text", args={}),
        StreamText(text="Now the musi"),
        StreamTextReplace(text="Now the music is added."),
    ]
    conv, _, events = await conversation(tmp_path, [turn])
    assert await conv.handle("/send go")
    replaces = [e for e in events if e.kind == "text_replace"]
    assert [r.text for r in replaces] == ["Step one done. Now the music is added."]  # type: ignore[union-attr]
    assert shown(events) == "Step one done. Now the music is added."


async def test_an_error_code_inside_the_stream_is_worded_like_the_contract(tmp_path: Path) -> None:
    conv, _, events = await conversation(tmp_path, [[StreamError(message="no credits", code="2001")]])
    assert not await conv.handle("add music")
    error = next(e for e in events if isinstance(e, Error))
    assert error.code == "2001"
    assert next(e for e in events if isinstance(e, Link)).url == f"{WEB}/register?bind=anon_abc"


async def test_a_temporary_issue_error_after_good_text_is_ignored(tmp_path: Path) -> None:
    turn = [StreamText(text="Added the title."), StreamError(message="I encountered a temporary issue.")]
    conv, _, events = await conversation(tmp_path, [turn])
    assert await conv.handle("add a title")
    assert not [e for e in events if isinstance(e, Error)]


async def test_a_relayed_action_runs_once_and_never_chains(tmp_path: Path) -> None:
    reply = [ToolCall(name="edit_multitrack", args={}), StreamText(text="Ready. Click “Generate” to start.")]
    conv, client, events = await conversation(tmp_path, [reply, list(reply)])
    assert await conv.handle("make a video")
    assert client.sent == ["make a video", "Generate"]
    actions = [e for e in events if isinstance(e, Action)]
    assert [a.text for a in actions] == ["Sending “Generate” to the editor, as the reply suggested…"]
    assert shown(events).endswith("Say “Generate” to start.")


def context(tmp_path: Path, lang: str = "en", **client_kw: Any) -> tuple[Context, list[Event]]:
    client = ScriptedClient(tmp_path, [], **client_kw)
    events: list[Event] = []
    ctx = Context(client=client, settings=ChatSettings(out_dir=tmp_path), emit=events.append,  # type: ignore[arg-type]
                  memory=ChatMemory(tmp_path, client.config.base_url), lang=lang)
    return ctx, events


def test_2001_for_a_registered_user_says_top_up(tmp_path: Path) -> None:
    ctx, events = context(tmp_path, token_source="env", user_id="user_42")
    report(ctx, NoCredits(bind_id="user_42", registered=True))
    assert events == [Error(code="2001", message="You're out of credits.", hint="Top up credits in your account.")]


def test_an_expired_env_token_says_to_replace_it(tmp_path: Path) -> None:
    ctx, events = context(tmp_path, token_source="env")
    report(ctx, AuthExpired())
    assert isinstance(events[0], Error) and "NEMO_TOKEN" in events[0].hint


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("reason", get_args(LocalFileReason))
def test_every_local_file_reason_has_words_and_a_next_step(tmp_path: Path, lang: str, reason: str) -> None:
    ctx, events = context(tmp_path, lang)
    report(ctx, LocalFileError(tmp_path / "x.heic", reason))  # type: ignore[arg-type]
    error = events[0]
    assert isinstance(error, Error) and error.code == "local_file"
    assert "err.local_file" not in error.message + error.hint and error.hint
    assert "x.heic" in error.message


def test_an_unexpected_bug_is_worded_without_a_traceback(tmp_path: Path) -> None:
    ctx, events = context(tmp_path)
    report(ctx, ZeroDivisionError("boom"))
    error = events[0]
    assert isinstance(error, Error) and error.code == "internal" and "ZeroDivisionError" in error.message
    assert "--debug" in error.hint


def test_client_notices_are_drained_once(tmp_path: Path) -> None:
    from agent.api import ClientNotice as WireNotice

    ctx, events = context(tmp_path)
    ctx.client.notices.extend([WireNotice(kind="reauthenticated"), WireNotice(kind="retried")])
    ctx.drain_notices()
    ctx.drain_notices()
    assert events == [Notice(text="Your sign-in had expired, so I got a new one.")]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("/export 1080p", ("export", "1080p")), ("/HELP", ("help", "")), ("/send  add a title ", ("send", "add a title")),
     ("/exprot", ("exprot", "")), ("/tmp/beach.png", None), ("/Users/amy/My Movies/a.mov", None),
     ("hello /export", None), ("/beach.png", None), ("/", None)],
)
def test_slash_commands_are_told_apart_from_paths(text: str, parsed: tuple[str, str] | None) -> None:
    assert parse_slash(text) == parsed


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEMO_POLL_INTERVAL", "2.5")
    monkeypatch.setenv("NEMO_OUTPUT_DIR", str(tmp_path / "videos"))
    settings = ChatSettings.from_env(lang="zh")
    assert (settings.poll_interval, settings.out_dir, settings.lang) == (2.5, tmp_path / "videos", "zh")
    assert ChatSettings.from_env(out_dir=tmp_path).out_dir == tmp_path  # a flag wins over the variable
    monkeypatch.setenv("NEMO_POLL_INTERVAL", "soon")
    assert ChatSettings.from_env().poll_interval == 30.0


def _every_failure() -> list[BaseException]:
    from agent import api

    return [
        api.AuthExpired(), api.SessionNotFound(), api.NoCredits(), api.UnsupportedFile(), api.FileTooLarge(),
        api.MissingClientId(), api.ExportBlocked(), api.RateLimited(retry_after=12), api.ApiError("Odd", code=7007),
        api.ServiceUnreachable(url="http://x"), api.StreamBroken(), api.StreamStalled(), api.HeartbeatTimeout(),
        api.TurnTimeout(), api.DownloadError(), api.RenderFailed(reason="codec"), OSError(13, "Permission denied", "/out"),
        api.StreamFailed(server_message="the editor crashed"), api.RequestLost(url="http://x"),
        api.StreamLineTooLong(),
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_failure_has_words_and_a_next_step_in_both_languages(tmp_path: Path, lang: str) -> None:
    for exc in _every_failure():
        ctx, events = context(tmp_path, lang)
        report(ctx, exc)
        errors = [e for e in events if isinstance(e, Error)]
        assert len(errors) == 1, exc
        error = errors[0]
        assert error.hint, exc
        for text in (error.message, error.hint):
            assert "err." not in text and "{" not in text, (exc, text)
        if lang == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message + error.hint), exc
