"""Replay a transcript through the real agent against the replay server, and compare.

The person's recorded messages are fed to a real `Conversation` whose real client talks to
a `ReplayServer` on 127.0.0.1. Time is compressed by `speed`: the server shortens the
recorded gaps and the agent's own waits (polls, "still working", broken-stream checks,
stream timeouts) are divided by the same factor, so what depends on timing happens in the
same order. Messages are processed one after the other, each waiting for the work it
started, as in piped mode.

This package builds neither the conversation nor the server thread: the composition root
hands them in (`ReplayWiring`), so a replay imports nothing of the core, the wire or the
backend, and a test can put a scripted conversation in their place.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from agent.events import Event, UserMessage, event_to_json
from agent.messages import LANGS, t
from agent.transcripts import compare
from agent.transcripts.format import Transcript
from agent.transcripts.recorded_calls import IdCanon, Normaliser
from agent.transcripts.scrub import Scrubber
from agent.transcripts.server import ReplayServer
from agent.transcripts.standins import plan_files

TOKEN_PATH = "/api/auth/anonymous-token"
UNSCALED = frozenset({"connect_timeout", "read_timeout"})  # safety nets, not behaviour
REPLAY_TOKEN = "nmv_usr_replay"
MAX_PAUSE = 2.0  # seconds: a long think between two messages is not worth watching


@dataclass(frozen=True)
class ReplaySetup:
    """What the composition root needs to connect a conversation for one replay."""

    base_url: str  # the replay server
    work: Path  # a temporary folder: config/ for credentials, out/ for saved videos
    recorded: dict[str, Any]  # the recording's settings (header), waits not yet scaled
    speed: float
    lang: str | None  # --lang of the recorded session (None: its messages decided)
    token: Literal["env", "stored"] | None  # how the recorded session had its token
    token_value: str = REPLAY_TOKEN


class Replayable(Protocol):
    """The part of a conversation a replay drives."""

    async def start(self) -> bool: ...

    async def handle(self, text: str) -> bool: ...

    async def wait_background(self) -> None: ...


class RunningServer(Protocol):
    @property
    def url(self) -> str: ...

    def stop(self) -> None: ...


Connect = Callable[
    [ReplaySetup, Callable[[Event], None]], AbstractAsyncContextManager[Replayable]
]


@dataclass(frozen=True)
class ReplayWiring:
    """Given by the composition root: a conversation connected to the replay server (closed
    when the context ends), and how an ASGI app is served on 127.0.0.1 (the backend's door)."""

    connect: Connect
    serve: Callable[[Any], RunningServer]


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


def _stopped_texts() -> set[str]:
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
    events = iter(transcript.timed_events())
    for line in transcript.lines:
        if line.kind == "event":
            _, event = next(events)
            if event.kind == "user_message":
                found.append(Turn(event.text, pause=max(0.0, line.t - previous)))
                start = line.t
            elif (
                event.kind == "notice"
                and found
                and found[-1].stop_after is None
                and event.text in stopped
            ):
                found[-1].stop_after = max(0.0, line.t - start)
        previous = line.t
    return found


async def _handle(conversation: Replayable, text: str, stop_after: float | None, speed: float) -> None:
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


def _given_token(transcript: Transcript) -> Literal["env", "stored"] | None:
    """How the recorded session had its token when it did not ask for one: "env" or "stored"."""
    for line in transcript.lines:
        if line.kind in ("http", "sse_open"):
            if str(line.payload.get("path", "")).endswith(TOKEN_PATH):
                return None
            break
    else:
        return None
    return "env" if transcript.header.settings.get("token_from_env") else "stored"


async def _drive(
    transcript: Transcript,
    setup: ReplaySetup,
    connect: Connect,
    feed: Callable[[str], str],
    collected: list[Event],
    on_event: Callable[[Event], None] | None,
    pace: bool,
) -> None:
    def sink(event: Event) -> None:
        collected.append(event)
        if on_event is not None:
            on_event(event)

    async with connect(setup, sink) as conversation:
        if not await conversation.start():
            return
        for turn in turns(transcript):
            if pace and turn.pause > 0:  # the person's typing time, compressed too
                await asyncio.sleep(min(turn.pause / setup.speed, MAX_PAUSE))
            before = len(collected)
            await _handle(conversation, feed(turn.text), turn.stop_after, setup.speed)
            await conversation.wait_background()
            if not any(e.kind == "user_message" for e in collected[before:]):
                collected.insert(before, UserMessage(text=feed(turn.text)))
            if any(e.kind == "quit" for e in collected[before:]):
                break


async def replay(
    transcript: Transcript,
    *,
    wiring: ReplayWiring,
    speed: float = 10.0,
    on_event: Callable[[Event], None] | None = None,
    files_dir: Path | None = None,
    timeout: float | None = None,
    pace: bool = False,
) -> ReplayResult:
    """Run the recorded session again and return both sides of the comparison.

    `pace` also waits (compressed) for the time the person took between messages: for
    watching a replay; a check does not need it.
    """
    speed = max(0.01, float(speed))
    result = ReplayResult()
    server = ReplayServer(transcript, speed=speed)
    collected: list[Event] = []
    last_t = transcript.lines[-1].t if transcript.lines else 0.0
    budget = timeout if timeout is not None else 30.0 + last_t / speed * 3
    lang = transcript.header.lang if transcript.header.lang in LANGS else None
    with tempfile.TemporaryDirectory(prefix="nemo-replay-") as tmp:
        work = Path(tmp)
        plan = plan_files(transcript, work / "files", files_dir)
        running = await asyncio.to_thread(wiring.serve, server.app)
        try:
            server.configure(running.url, path_map=plan.reverse())
            path_map = plan.reverse()
            out_dir = transcript.header.settings.get("out_dir")
            if isinstance(out_dir, str) and out_dir:
                path_map.append((str(work / "out"), out_dir))
            setup = ReplaySetup(
                base_url=running.url,
                work=work,
                recorded=dict(transcript.header.settings),
                speed=speed,
                lang=lang,
                token=_given_token(transcript),
            )
            old_cwd = os.getcwd()
            if plan.cwd is not None:  # relative paths resolve as they did when recorded
                plan.cwd.mkdir(parents=True, exist_ok=True)
                os.chdir(plan.cwd)
            try:
                await asyncio.wait_for(
                    _drive(transcript, setup, wiring.connect, plan.apply, collected, on_event,
                           pace),
                    budget,
                )
            except TimeoutError:
                result.problem = "timeout"
            finally:
                os.chdir(old_cwd)
            events = Normaliser(path_map, Scrubber(api_base=running.url, home=Path.home()))
            live_events = [events.value(event_to_json(e)) for e in collected]
        finally:
            await asyncio.to_thread(running.stop)

    canon = IdCanon()
    result.recorded_events = compare.event_lines(
        compare.shown(canon.value(event_to_json(e)) for e in transcript.events())
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
