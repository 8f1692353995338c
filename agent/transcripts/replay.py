"""Replay a transcript through the real agent against the replay server, and compare.

The person's recorded messages are fed to a real `Conversation` whose real `NemoClient`
talks to a `ReplayServer` on 127.0.0.1. Time is compressed by `speed`: the server shortens
the recorded gaps and the agent's own waits (polls, "still working", broken-stream checks,
stream timeouts) are divided by the same factor, so what depends on timing happens in the
same order. Messages are processed one after the other, each waiting for the work it
started, as in piped mode.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.transcripts import compare
from agent.transcripts.format import Transcript
from agent.transcripts.script import IdCanon, Normaliser
from agent.transcripts.scrub import Scrubber
from agent.transcripts.server import ReplayServer
from agent.transcripts.standins import plan_files

TOKEN_PATH = "/api/auth/anonymous-token"
UNSCALED = frozenset({"connect_timeout", "read_timeout"})  # safety nets, not behaviour
REPLAY_TOKEN = "nmv_usr_replay"
MAX_PAUSE = 2.0  # seconds: a long think between two messages is not worth watching

ConversationFactory = Callable[[Any, Any, Callable[[Any], None]], Any]


@dataclass
class ReplayResult:
    recorded_requests: list[str] = field(default_factory=list)
    replayed_requests: list[str] = field(default_factory=list)
    recorded_events: list[str] = field(default_factory=list)
    replayed_events: list[str] = field(default_factory=list)
    problem: str | None = None  # the replay itself could not finish (key for messages)
    uploads: list[dict[str, Any]] = field(default_factory=list)  # files the replay sent

    @property
    def ok(self) -> bool:
        return (
            self.problem is None
            and self.recorded_requests == self.replayed_requests
            and self.recorded_events == self.replayed_events
        )

    def diff_lines(self) -> list[str]:
        lines = compare.diff(self.recorded_requests, self.replayed_requests, "requests")
        lines += compare.diff(self.recorded_events, self.replayed_events, "events")
        return lines


def scaled_settings(model: type[Any], recorded: dict[str, Any], speed: float, **fixed: Any) -> Any:
    """`model` (ApiConfig / ChatSettings) with the recorded values, every wait divided by speed."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in fixed:
            continue
        value = recorded.get(name, info.default)
        if (
            info.annotation is float
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            values[name] = float(value) if name in UNSCALED else float(value) / speed
        elif name in recorded and info.annotation in (int, str, bool):
            values[name] = recorded[name]
    values.update(fixed)
    return model(**values)


def _default_factory(client: Any, settings: Any, sink: Callable[[Any], None]) -> Any:
    core = importlib.import_module("agent.core")  # the core is imported only to replay
    return core.Conversation(client, settings, sink)


def _stopped_texts() -> set[str]:
    from agent.messages import LANGS, t

    return {t("stopped", lang) for lang in LANGS}


@dataclass
class Turn:
    text: str
    stop_after: float | None = None  # Ctrl-C this many seconds after the message
    pause: float = 0.0  # how long the person took to type it (since the last line)


def turns(transcript: Transcript) -> list[Turn]:
    """Each recorded message, when the person pressed Ctrl-C during it, and the pause before.

    The core says "Stopped." when its turn is cancelled; that notice marks the moment.
    """
    stopped = _stopped_texts()
    found: list[Turn] = []
    start = previous = 0.0
    for line in transcript.lines:
        if line.kind == "event":
            kind = line.payload.get("kind")
            if kind == "user_message":
                found.append(
                    Turn(str(line.payload.get("text", "")), pause=max(0.0, line.t - previous))
                )
                start = line.t
            elif (
                kind == "notice"
                and found
                and found[-1].stop_after is None
                and line.payload.get("text") in stopped
            ):
                found[-1].stop_after = max(0.0, line.t - start)
        previous = line.t
    return found


async def _handle(conversation: Any, text: str, stop_after: float | None, speed: float) -> None:
    """One message; cancelled after `stop_after` (scaled) when the person had pressed Ctrl-C."""
    if stop_after is None:
        await conversation.handle(text)
        return
    task = asyncio.ensure_future(conversation.handle(text))
    timer = asyncio.get_running_loop().call_later(stop_after / speed, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # the replay itself is being stopped
    finally:
        timer.cancel()


def _given_token(transcript: Transcript) -> str | None:
    """How the recorded session had its token when it did not ask for one: "env" or "stored"."""
    for line in transcript.lines:
        if line.kind in ("http", "sse_open"):
            if str(line.payload.get("path", "")).endswith(TOKEN_PATH):
                return None
            break
    else:
        return None
    return "env" if transcript.header.settings.get("token_from_env") else "stored"


def _store_token(config_dir: Path, base_url: str) -> None:
    from pydantic import SecretStr

    from agent.api.identity import CredentialStore, StoredToken

    store = CredentialStore(config_dir)
    store.save_token(
        base_url, StoredToken(token=SecretStr(REPLAY_TOKEN), expires_at=time.time() + 7 * 86400)
    )


def _as_json(event: Any) -> dict[str, Any]:
    dump = getattr(event, "model_dump", None)
    return dict(dump(mode="json")) if callable(dump) else dict(event)


async def _drive(
    transcript: Transcript,
    base_url: str,
    work: Path,
    speed: float,
    feed: Callable[[str], str],
    collected: list[dict[str, Any]],
    on_event: Callable[[Any], None] | None,
    factory: ConversationFactory,
    pace: bool,
) -> None:
    from agent.api import ApiConfig, NemoClient
    from agent.api.config import DEFAULT_WEB_URL
    from agent.core.settings import ChatSettings
    from agent.messages import LANGS

    recorded = transcript.header.settings
    given_token = _given_token(transcript)
    if given_token == "stored":  # the person had a token from an earlier run
        _store_token(work / "config", base_url)
    lang = transcript.header.lang if transcript.header.lang in LANGS else None
    config = scaled_settings(
        ApiConfig,
        recorded,
        speed,
        base_url=base_url,
        web_url=str(recorded.get("web_url") or DEFAULT_WEB_URL),
        config_dir=work / "config",
        token=REPLAY_TOKEN if given_token == "env" else None,
        client_id=None,
        platform=str(recorded.get("platform") or "unknown"),
    )
    locale = recorded.get("locale_lang")  # the recording machine's locale: the greeting's language
    settings = scaled_settings(
        ChatSettings, recorded, speed, lang=lang, out_dir=work / "out", resume=False,
        locale_lang=locale if locale in LANGS else "en",
    )

    def sink(event: Any) -> None:
        collected.append(_as_json(event))
        if on_event is not None:
            on_event(event)

    async with NemoClient(config) as client:
        conversation = factory(client, settings, sink)
        try:
            if not await conversation.start():
                return
            for turn in turns(transcript):
                if pace and turn.pause > 0:  # the person's typing time, compressed too
                    await asyncio.sleep(min(turn.pause / speed, MAX_PAUSE))
                before = len(collected)
                text = turn.text
                await _handle(conversation, feed(text), turn.stop_after, speed)
                await conversation.wait_background()
                if not any(e.get("kind") == "user_message" for e in collected[before:]):
                    collected.insert(before, {"kind": "user_message", "text": feed(text)})
                if any(e.get("kind") == "quit" for e in collected[before:]):
                    break
        finally:
            await conversation.aclose()


async def replay(
    transcript: Transcript,
    *,
    speed: float = 10.0,
    on_event: Callable[[Any], None] | None = None,
    files_dir: Path | None = None,
    factory: ConversationFactory | None = None,
    timeout: float | None = None,
    pace: bool = False,
) -> ReplayResult:
    """Run the recorded session again and return both sides of the comparison.

    `pace` also waits (compressed) for the time the person took between messages: for
    watching a replay; a check does not need it.
    """
    from backend.serve import ServerThread

    speed = max(0.01, float(speed))
    result = ReplayResult()
    server = ReplayServer(transcript, speed=speed)
    collected: list[dict[str, Any]] = []
    last_t = transcript.lines[-1].t if transcript.lines else 0.0
    budget = timeout if timeout is not None else 30.0 + last_t / speed * 3
    with tempfile.TemporaryDirectory(prefix="nemo-replay-") as tmp:
        work = Path(tmp)
        plan = plan_files(transcript, work / "files", files_dir)
        thread = await asyncio.to_thread(ServerThread(server.app).start)
        try:
            server.configure(thread.url, path_map=plan.reverse())
            path_map = plan.reverse()
            out_dir = transcript.header.settings.get("out_dir")
            if isinstance(out_dir, str) and out_dir:
                path_map.append((str(work / "out"), out_dir))
            old_cwd = os.getcwd()
            if plan.cwd is not None:  # relative paths resolve as they did when recorded
                plan.cwd.mkdir(parents=True, exist_ok=True)
                os.chdir(plan.cwd)
            try:
                await asyncio.wait_for(
                    _drive(
                        transcript,
                        thread.url,
                        work,
                        speed,
                        plan.apply,
                        collected,
                        on_event,
                        factory or _default_factory,
                        pace,
                    ),
                    budget,
                )
            except TimeoutError:
                result.problem = "timeout"
            finally:
                os.chdir(old_cwd)
            events = Normaliser(path_map, Scrubber(api_base=thread.url, home=Path.home()))
            live_events = [events.value(e) for e in collected]
        finally:
            await asyncio.to_thread(thread.stop)

    canon = IdCanon()
    result.recorded_events = compare.event_lines(
        compare.shown(canon.value(e) for e in transcript.events())
    )
    result.replayed_events = compare.reconcile_durations(
        result.recorded_events, compare.event_lines(compare.shown(live_events)), speed
    )
    result.recorded_requests = compare.request_lines(c.summary() for c in server.calls)
    received = sorted(
        enumerate(server.received),
        key=lambda p: (p[1].matched if p[1].matched is not None else _after(server, p[0]), p[0]),
    )
    result.replayed_requests = compare.request_lines(r.summary() for _, r in received)
    result.uploads = [f for r in server.received for f in r.files or []]
    return result


def _after(server: ReplayServer, position: int) -> float:
    """Sort key of an unexpected request: just after the last matched one before it."""
    for earlier in reversed(server.received[:position]):
        if earlier.matched is not None:
            return earlier.matched + 0.5
    return -0.5
