"""POST /run_sse: the scripted editing agent, answered as a Server-Sent Events stream.

The turn runs as its own task that puts frames on a queue; the response only relays them,
adding heartbeats whenever nothing was sent for `heartbeat_interval`. So a client that goes
away (or a "drop" fault) does not stop the turn: the draft is still saved and the credits
charged, which is what the contract's recovery rule expects ("read the state after 30 s").
Credits are frozen before the stream starts (2001 otherwise) and settled when the turn ends.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backend.context import Backend, backend_of, faults_for, require_session, require_user
from backend.editor.apply import Media
from backend.editor.turn import Plan, Respond, Say, Step, Wait, plan_turn, undo_steps
from backend.envelope import JSON, ApiFailure, message
from backend.events import AdkFrames, Frames, TypedFrames
from backend.faults import Fault, first
from backend.streaming import DROP, BreakableStream
from backend.uploads import media_entry

SSE_TYPE = "text/event-stream; charset=utf-8"
_END = b""


def _message_text(body: dict[str, Any]) -> str:
    msg = body.get("new_message") or body.get("newMessage") or {}
    parts = msg.get("parts") if isinstance(msg, dict) else None
    if not isinstance(parts, list):
        return ""
    return "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict)).strip()


def _rng(be: Backend, turn: int) -> random.Random:
    if be.settings.seed is None:
        return random.Random()
    # keyed by the turn's number in its session, not the (random) session id: the same
    # conversation gets the same replies and the same silent edits on every run
    digest = hashlib.sha256(f"{be.settings.seed}:{turn}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _media(be: Backend, session_id: str, base_url: str) -> list[Media]:
    out = []
    for row in be.store.session_media(session_id):
        if row["generated"]:
            continue
        entry = media_entry(row, base_url)
        out.append(Media(row["media_id"], row["filename"], row["file_type"], entry["cdn_url"],
                         row["duration"]))
    return out


async def run_sse(request: Request) -> Response:
    be = backend_of(request)
    faults = await faults_for(request, "run_sse", sse=True)
    user = require_user(request)
    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSON({"detail": message("bad_json")}, status_code=422)
    if not isinstance(body, dict):
        return JSON({"detail": message("bad_json")}, status_code=422)
    session_id = str(body.get("session_id") or body.get("sessionId") or "")
    session = require_session(request, user, session_id)
    text = _message_text(body)
    streaming = bool(body.get("streaming"))
    frames: Frames = AdkFrames() if be.settings.event_family == "adk" else TypedFrames()
    quiet_only = first(faults, "heartbeats_only")
    if quiet_only is not None:
        return BreakableStream(_heartbeats_only(be, frames, quiet_only), media_type=SSE_TYPE)
    if not text:
        return JSON({"detail": "new_message must contain text"}, status_code=422)

    turn = be.store.next_turn(session_id)
    rng = _rng(be, turn)
    no_text = first(faults, "no_text") is not None or rng.random() < be.settings.no_text_ratio
    base = str(request.base_url)

    def make_plan() -> Plan:
        return plan_turn(text, be.store.draft(session_id), _media(be, session_id, base),
                         session_language=session["language"], rng=_rng(be, turn),
                         no_text=no_text, edit_cost=be.settings.edit_cost,
                         generation_cost=be.settings.generation_cost,
                         temporary_issue=first(faults, "temporary_issue") is not None)

    plan = make_plan()
    if plan.cost and not be.store.freeze(user, plan.cost):
        available = be.store.credits(user)["available"]
        raise ApiFailure(2001, message("no_credits", needed=plan.cost, available=available),
                         data={"user_id": user, "bind": user, "needed": plan.cost})
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    task = asyncio.create_task(_perform(be, session_id, user, plan, make_plan, frames,
                                        streaming, queue, rng, no_text))
    be.turn_tasks.add(task)
    task.add_done_callback(be.turn_tasks.discard)
    return BreakableStream(_relay(be, frames, queue, faults), media_type=SSE_TYPE)


async def _perform(be: Backend, session_id: str, user: str, plan: Plan, make_plan: Any,
                   frames: Frames, streaming: bool, queue: asyncio.Queue[bytes],
                   rng: random.Random, no_text: bool) -> None:
    charged = False
    try:
        async with be.session_lock(session_id):
            if be.store.draft(session_id) != plan.base_draft and not plan.undo:
                fresh = make_plan()  # another turn changed the draft while this one waited
                fresh.cost = min(fresh.cost, plan.cost)
                plan = fresh
            steps: list[Step] = plan.steps
            if plan.undo:
                before = be.store.draft(session_id)
                undone = be.store.undo(session_id)
                charged = undone
                steps = undo_steps(plan, undone, rng, no_text, before=before,
                                   after=be.store.draft(session_id))
            for step in steps:
                if isinstance(step, Wait):
                    await asyncio.sleep(be.settings.generation_seconds * step.factor)
                    continue
                if isinstance(step, Say):
                    for frame in frames.say(step.text, step.calls, streaming=streaming):
                        await queue.put(frame)
                        if be.settings.chunk_delay:
                            await asyncio.sleep(be.settings.chunk_delay)
                elif isinstance(step, Respond):
                    if step.commit and plan.changed:
                        be.store.save_draft(session_id, plan.draft)
                        _record_generated(be, session_id, plan)
                        charged = True
                    for frame in frames.respond(step.results):
                        await queue.put(frame)
    finally:
        if plan.cost:
            be.store.settle(user, plan.cost, plan.cost if charged and plan.changed else 0)
        queue.put_nowait(_END)


def _record_generated(be: Backend, session_id: str, plan: Plan) -> None:
    """Music beds the agent generated are listed in state.generated_media."""
    for step in plan.steps:
        if not isinstance(step, Respond):
            continue
        for result in step.results:
            if result.call != "generate_music":
                continue
            media_id = f"g_{uuid.uuid4().hex[:16]}"
            name = str(result.args.get("name") or f"{result.args.get('style')} music bed")
            meta = {"id": media_id, "name": name, "kind": "music", "type": "audio",
                    "style": result.args.get("style"), "bpm": result.args.get("bpm"),
                    "duration": round((plan.draft or {}).get("d", 0) / 1000, 3),
                    "created_by": "nemo_agent"}
            be.store.add_media({"media_id": media_id, "session_id": session_id,
                                "filename": name, "stored": "",
                                "file_type": "audio", "size": 0, "sha256": "",
                                "created": time.time(), "generated": 1,
                                "meta": json.dumps(meta)})


async def _relay(be: Backend, frames: Frames, queue: asyncio.Queue[bytes],
                 faults: list[Fault]) -> AsyncIterator[bytes]:
    malformed = first(faults, "malformed")
    drop = first(faults, "drop")
    broken = first(faults, "stream_error")
    stall = first(faults, "stall")
    interval = be.settings.heartbeat_interval
    sent = 0
    if stall is not None and stall.after_events == 0:
        yield b""  # the response starts (status, headers), then nothing
        await _silence(be, stall)
        stall = None
    last = time.monotonic()
    while not be.shutting_down.is_set():
        try:
            frame = await asyncio.wait_for(queue.get(), timeout=min(0.25, interval))
        except TimeoutError:
            if time.monotonic() - last >= interval:
                yield frames.heartbeat()
                last = time.monotonic()
            continue
        if frame == _END:
            return
        if malformed is not None and sent >= (malformed.after_events or 0):
            yield ((malformed.raw or 'data: {"oops": ,}').rstrip("\n") + "\n\n").encode()
            malformed = None
        if drop is not None and sent >= (drop.after_events if drop.after_events is not None else 1):
            yield DROP
            return
        if broken is not None and sent >= (broken.after_events if broken.after_events is not None else 1):
            yield frames.error(broken.message or "The agent failed to finish this turn.",
                               broken.style)
            return
        yield frame
        sent += 1
        last = time.monotonic()
        if stall is not None and sent >= (stall.after_events if stall.after_events is not None else 1):
            await _silence(be, stall)
            stall = None
            last = time.monotonic()


async def _silence(be: Backend, fault: Fault) -> None:
    end = None if fault.seconds is None else time.monotonic() + fault.seconds
    while not be.shutting_down.is_set() and (end is None or time.monotonic() < end):
        await asyncio.sleep(0.05)


async def _heartbeats_only(be: Backend, frames: Frames, fault: Fault) -> AsyncIterator[bytes]:
    interval = be.settings.heartbeat_interval
    end = None if fault.seconds is None else time.monotonic() + fault.seconds
    while not be.shutting_down.is_set() and (end is None or time.monotonic() < end):
        yield frames.heartbeat()
        pause = min(interval, max(0.0, end - time.monotonic())) if end else interval
        await _pause(be, pause)


async def _pause(be: Backend, seconds: float) -> None:
    """Sleep, but wake within 0.1 s of shutdown: a 15-s heartbeat pause must not hold the
    server's exit past its graceful timeout (uvicorn would then cancel the stream and log a
    traceback into the terminal of the person who pressed Ctrl-C)."""
    end = time.monotonic() + seconds
    while not be.shutting_down.is_set():
        left = end - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(0.1, left))
