"""Relaying a message to the backend's agent and showing its reply as it streams.

Text goes out in order and once (the wire already applied the partial/non-partial rule; the
translator rewrites GUI phrases on the way). Tool calls, results and thoughts stay hidden; a
status line says the timeline is being worked on, and which of the two generation steps runs.
A message is never sent twice: when the stream breaks, the state is read at intervals and
compared with the state before the turn, and the same comparison explains a turn that ended
without a word.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from agent.api import (
    HeartbeatTimeout,
    NemoError,
    ServiceUnreachable,
    SessionNotFound,
    SessionState,
    StreamBroken,
    StreamError,
    StreamStalled,
    StreamText,
    StreamTextReplace,
    ToolCall,
    TurnTimeout,
)
from agent.events import Notice, TextDelta, TextDone, TextReplace

from .context import Context
from .diff import describe_changes, state_fingerprint
from .failures import report
from .translate import PlannedAction, StreamTranslator, is_temporary_issue

__all__ = ["RelayOutcome", "relay"]


class _Stages(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built at first use, not at import
    stage1: list[str]
    stage2: list[str]


@cache
def _stages() -> _Stages:
    text = (
        resources.files("agent.core.data").joinpath("tool_stages.json").read_text(encoding="utf-8")
    )
    return _Stages.model_validate(json.loads(text))


@dataclass
class RelayOutcome:
    ok: bool
    actions: list[PlannedAction] = field(default_factory=list)


class _StageTracker:
    """Which generation steps this turn went through, from the (hidden) tool calls."""

    def __init__(self) -> None:
        self.stage1 = False
        self.stage2 = False

    def on_tool(self, name: str) -> str:
        stages = _stages()
        if name in stages.stage1:
            self.stage1 = True
            return "relay.stage1"
        if name in stages.stage2 and self.stage1:
            self.stage2 = True
            return "relay.stage2"
        return "relay.working"


async def _read_state(ctx: Context) -> SessionState | None:
    try:
        return await ctx.client.state()
    except SessionNotFound:
        raise
    except NemoError:
        return None


def _report_changes(ctx: Context, before: SessionState | None, after: SessionState) -> bool:
    lines = describe_changes(before, after, ctx.lang)
    for line in lines:
        ctx.emit(Notice(text=line, level="success"))
    return bool(lines)


class _Turn:
    """What one relayed turn has shown so far, and the steps it went through."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.translator = StreamTranslator()
        self.stages = _StageTracker()
        self.shown = False
        self.text = ""  # the reply as shown so far
        self.step_start = 0  # where the backend's current step begins in it
        self.errors: list[NemoError] = []  # failures reported inside the stream
        self.quiet_since = time.monotonic()
        self.last_status = ""

    def show(self, out: str) -> None:
        if not out:
            return
        if not self.shown:
            self.ctx.clear_status()
        self.ctx.emit(TextDelta(text=out))
        self.text += out
        self.shown = True
        self.quiet_since = time.monotonic()

    def replace_step(self, step_text: str) -> None:
        """The wire's final text of a step differs from what streamed: our TextReplace carries
        the whole reply so far (earlier steps + this one), so a renderer swaps the block."""
        if not self.shown:
            self.ctx.clear_status()
        full = self.text[: self.step_start] + self.translator.replace(step_text)
        self.ctx.emit(TextReplace(text=full))
        self.text = full
        self.step_start = len(full)
        self.shown = True
        self.quiet_since = time.monotonic()

    def on_event(self, event: object) -> None:
        if isinstance(event, StreamText):
            self.show(self.translator.feed(event.text))
            return
        if isinstance(event, StreamTextReplace):
            self.replace_step(event.text)
            return
        if isinstance(event, ToolCall):  # never shown: a status says work is going on
            # tool calls come from the non-partial event that closes a step of text
            self.step_start = len(self.text)
            key = self.stages.on_tool(event.name)
            if key != self.last_status:
                self.ctx.status(key)
                self.last_status = key
        elif isinstance(event, StreamError) and not (
            self.shown and is_temporary_issue(event.message)
        ):
            self.errors.append(event.failure())
        # thoughts, tool results, heartbeats, state deltas, malformed frames: nothing to show
        if time.monotonic() - self.quiet_since >= self.ctx.settings.still_working_every:
            self.ctx.emit(Notice(text=self.ctx.say("relay.still_working")))
            self.quiet_since = time.monotonic()

    def close_text(self) -> None:
        """Show what the translator still holds and end the reply block."""
        self.show(self.translator.finish())
        if self.shown:
            self.ctx.emit(TextDone())


async def _read_balance(ctx: Context) -> int | None:
    try:
        return (await ctx.client.credits()).available
    except SessionNotFound:
        raise
    except NemoError:
        return None


async def _before_turn(ctx: Context) -> tuple[SessionState | None, int | None]:
    """The state before the turn and the balance: the one last read, else read now, beside
    the state (no extra wait)."""
    if ctx.credits is not None:
        return await _read_state(ctx), ctx.credits
    before, balance = await asyncio.gather(_read_state(ctx), _read_balance(ctx))
    return before, balance


async def _say_balance(ctx: Context, before: int | None) -> None:
    """Credits are never a surprise: after every turn (a silent one too), the balance when it
    changed. One request a turn; the state reply does not carry the balance."""
    after = await _read_balance(ctx)
    if after is None:
        return
    ctx.credits = after
    if before is not None and after != before:
        ctx.notice("status.credits_changed", after=after, before=before)


async def relay(ctx: Context, text: str) -> RelayOutcome:
    before, balance = await _before_turn(ctx)
    outcome = await _turn(ctx, text, before)
    await _say_balance(ctx, balance)
    return outcome


async def _turn(ctx: Context, text: str, before: SessionState | None) -> RelayOutcome:
    ctx.status("relay.thinking")
    turn = _Turn(ctx)
    try:
        async with ctx.client.run_sse(text) as stream:
            async for event in stream:
                turn.on_event(event)
    except StreamBroken:
        turn.close_text()
        return RelayOutcome(ok=await _after_break(ctx, before))
    except (HeartbeatTimeout, TurnTimeout, StreamStalled) as exc:
        turn.close_text()
        ctx.clear_status()
        report(ctx, exc)
        return RelayOutcome(ok=False)
    except asyncio.CancelledError:
        turn.close_text()  # what was said stays said
        if before is not None:  # the server may still make the edit: look before the next one
            ctx.stopped_turn = before
        raise
    turn.close_text()
    ctx.clear_status()
    for error in turn.errors:
        report(ctx, error)
    if turn.errors:
        return RelayOutcome(ok=False)
    if not turn.shown and not await _explain_silence(ctx, before, turn.stages):
        return RelayOutcome(ok=False)
    return RelayOutcome(ok=True, actions=list(turn.translator.actions))


async def check_stopped_turn(ctx: Context) -> None:
    """A turn stopped with Ctrl-C may still have changed the project on the server: compare
    the state now with the one before it, and say what changed (or that nothing did), so an
    identical request is not sent again blind. Quiet when the state cannot be read."""
    before, ctx.stopped_turn = ctx.stopped_turn, None
    if before is None:
        return
    after = await _read_state(ctx)
    if after is None:
        return
    lines = describe_changes(before, after, ctx.lang)
    if not lines:
        ctx.notice("relay.stopped_nothing")
        return
    ctx.notice("relay.stopped_changed", "warning")
    for line in lines:
        ctx.emit(Notice(text=line, level="success"))


async def _explain_silence(
    ctx: Context, before: SessionState | None, stages: _StageTracker
) -> bool:
    """A turn with no text: say what changed, from the state before and after.

    False when the service cannot be reached to look: a stream that simply closed (a server
    going down closes it cleanly) must not read as an edit that finished quietly."""
    ctx.status("relay.checking")
    try:
        after = await ctx.client.state()
    except ServiceUnreachable as exc:
        ctx.clear_status()
        report(ctx, exc)
        return False
    except SessionNotFound:
        raise
    except NemoError:
        after = None
    ctx.clear_status()
    if stages.stage1 and stages.stage2:
        ctx.emit(Notice(text=ctx.say("relay.stage1_done"), level="success"))
        ctx.emit(Notice(text=ctx.say("relay.stage2_done"), level="success"))
    if after is None or before is None:
        ctx.notice("relay.silent_unknown")
    elif not _report_changes(ctx, before, after):
        ctx.notice("relay.silent_nothing")
    return True


async def _after_break(ctx: Context, before: SessionState | None) -> bool:
    """The stream broke: never re-send; look at the state a few times and report."""
    settings = ctx.settings
    ctx.clear_status()
    ctx.notice("relay.broken", "warning", seconds=f"{settings.broken_stream_first_check:g}")
    waits = [settings.broken_stream_first_check] + [settings.broken_stream_every] * (
        settings.broken_stream_checks - 1
    )
    reference = state_fingerprint(before) if before is not None else None
    for attempt, wait in enumerate(waits, 1):
        ctx.status("relay.broken_waiting", n=attempt, total=len(waits))
        await asyncio.sleep(wait)
        after = await _read_state(ctx)
        if after is None:
            continue
        if reference is None:
            ctx.clear_status()
            ctx.notice("relay.broken_cannot_compare")
            return True
        if state_fingerprint(after) != reference:
            ctx.clear_status()
            ctx.notice("relay.broken_changed", "success")
            if not _report_changes(ctx, before, after):
                ctx.notice("relay.broken_changed_unclear")
            return True
    ctx.clear_status()
    ctx.error("stream_broken", "relay.broken_nothing", "relay.broken_nothing.hint")
    return False
