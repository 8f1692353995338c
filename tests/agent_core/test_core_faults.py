"""Every error code of the contract and every fault of the stream, as the person meets them.

The local backend injects the faults (backend/faults.py); the real client and the real
conversation handle them over HTTP. Each case checks the words and the way forward, and that
the conversation goes on afterwards.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from agent.core.memory import ChatMemory
from agent.events import Error, FileSaved, Link, Status, Table, TextDelta, Timeline, TurnEnd

from .conftest import WEB

ANIMATE = "turn my photo into a smooth animated video with motion effects"


async def edited(make_chat: Any, photo: Path, **kw: Any) -> Any:
    chat = await make_chat(**kw)
    assert await chat.say(f"upload {photo}")
    assert await chat.say(ANIMATE)
    return chat


# -- the contract's codes -------------------------------------------------------------------


async def test_1002_makes_a_new_session_says_so_and_retries(make_chat: Any) -> None:
    chat = await make_chat()
    old = chat.client.session_id
    chat.fault(route="state", kind="error", code=1002)
    assert await chat.say("status")
    assert chat.client.session_id != old
    assert chat.notices()[0].startswith("Your editing session was not found on the server")
    assert chat.of(Timeline)


async def test_2001_for_an_anonymous_user_links_registration_with_bind(make_chat: Any) -> None:
    chat = await make_chat()
    chat.fault(route="run_sse", kind="error", code=2001)
    assert not await chat.say("add upbeat music")
    error = chat.of(Error)[0]
    assert (error.code, error.message) == ("2001", "You're out of credits.")
    link = chat.of(Link)[0]
    assert link.url.startswith(f"{WEB}/register?bind=anon_")
    assert await chat.say("credits")  # and the chat goes on


async def test_2001_in_chinese(make_chat: Any) -> None:
    chat = await make_chat(lang="zh")
    chat.fault(route="run_sse", kind="error", code=2001)
    assert not await chat.say("加欢快的背景音乐")
    assert chat.of(Error)[0].message == "你的积分用完了。"
    assert "bind=anon_" in chat.of(Link)[0].url


async def test_4001_lists_the_supported_formats(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    chat.fault(route="upload", kind="error", code=4001)
    assert not await chat.say(f"upload {photo}")
    error = chat.of(Error)[0]
    assert error.code == "4001" and "beach.png" in error.message
    assert "mp4" in error.hint and "webp" in error.hint and "m4a" in error.hint


async def test_4002_suggests_compressing_or_trimming(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    chat.fault(route="upload", kind="error", code=4002)
    assert not await chat.say(f"upload {photo}")
    error = chat.of(Error)[0]
    assert error.code == "4002" and "200 MB" in error.message
    assert "Compress" in error.hint and "trim" in error.hint


async def test_402_is_the_upgrade_message_not_credits(make_chat: Any, photo: Path, config_dir: Path) -> None:
    chat = await edited(make_chat, photo)
    chat.fault(route="render_submit", kind="error", code=402)
    assert not await chat.say("export")
    error = chat.of(Error)[0]
    assert (error.code, error.message) == ("402", "Register or upgrade your plan to unlock export.")
    assert "credit" not in error.message.lower()
    assert "not your credits" in error.hint
    assert chat.conv.pending_render is None  # nothing left to pick up


async def test_429_after_retries_says_when_to_try_again(make_chat: Any) -> None:
    chat = await make_chat()
    chat.fault(route="credits", kind="error", code=429, retry_after=0.01, count=3)
    assert not await chat.say("credits")
    error = chat.of(Error)[0]
    assert error.code == "429" and "Try again" in error.hint


async def test_an_unknown_code_shows_the_server_text(make_chat: Any) -> None:
    chat = await make_chat()
    chat.fault(route="credits", kind="error", code=5123, message="The billing service is resting.")
    assert not await chat.say("credits")
    error = chat.of(Error)[0]
    assert error.code == "5123" and "The billing service is resting." in error.message


async def test_the_token_limit_at_start_says_what_to_try(make_chat: Any) -> None:
    chat = await make_chat(start=False)
    chat.fault(route="token", kind="error", code=429, retry_after=0.01, count=2)
    assert not await chat.conv.start()
    error = chat.of(Error)[0]
    assert error.code == "429" and "NEMO_TOKEN" in error.hint and "--local" in error.hint


async def test_an_unreachable_service_suggests_local(make_chat: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chat = await make_chat(start=False, base_url=f"http://127.0.0.1:{port}", api={"max_retries": 0})
    assert not await chat.conv.start()
    error = chat.of(Error)[0]
    assert error.code == "unreachable" and "--local" in error.hint
    assert "Traceback" not in json.dumps([e.model_dump() for e in chat.events])


async def test_unreachable_in_chinese(make_chat: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chat = await make_chat(start=False, lang="zh", base_url=f"http://127.0.0.1:{port}", api={"max_retries": 0})
    assert not await chat.conv.start()
    assert chat.of(Error)[0].message.startswith("无法连接到 NemoVideo")


# -- the stream ---------------------------------------------------------------------------------


async def test_an_error_inside_the_stream_ends_the_turn_clearly(make_chat: Any) -> None:
    chat = await make_chat()
    chat.fault(route="run_sse", kind="stream_error", message="The model is overloaded")
    assert not await chat.say("add a title 'Hi'")
    error = chat.of(Error)[0]
    assert error.code == "stream" and "The model is overloaded" in error.message
    assert await chat.say("credits")


async def test_a_trailing_temporary_issue_is_dropped(make_chat: Any, photo: Path) -> None:
    chat = await edited(make_chat, photo)
    chat.fault(route="run_sse", kind="temporary_issue")
    assert await chat.say('add a title "Summer"')
    assert "Summer" in chat.text()
    assert "temporary issue" not in chat.text()
    assert not chat.of(Error)


async def test_a_malformed_frame_is_skipped(make_chat: Any, photo: Path) -> None:
    chat = await edited(make_chat, photo)
    chat.fault(route="run_sse", kind="malformed", after_events=1)
    assert await chat.say('add a title "Summer"')
    assert "Summer" in chat.text()


async def test_a_broken_stream_is_never_resent_and_the_change_is_reported(make_chat: Any, photo: Path) -> None:
    # generous checks: the server finishes the turn on its own time; the loop stops at the change
    chat = await edited(make_chat, photo, broken_stream_first_check=0.1, broken_stream_every=0.2,
                        broken_stream_checks=10)
    opened = len(chat.wire.sse_opens)
    chat.fault(route="run_sse", kind="drop", after_events=1)
    assert await chat.say('add a title "Urban Dreams"')
    assert len(chat.wire.sse_opens) == opened + 1  # sent once, never again
    notices = chat.notices()
    assert notices[0].startswith("The connection dropped during the reply. I won't send your message again")
    assert "The editor finished your request after all:" in notices
    assert "Added title “Urban Dreams” (0–3 s)" in notices
    assert any(isinstance(e, Status) and e.text.startswith("Checking the timeline (1 of 10)") for e in chat.events)


async def test_a_broken_stream_with_no_change_says_you_can_retry(make_chat: Any) -> None:
    chat = await make_chat()
    chat.fault(route="run_sse", kind="drop", after_events=1)
    assert not await chat.say("hello there")
    checks = [e for e in chat.events if isinstance(e, Status) and e.text.startswith("Checking the timeline")]
    assert len(checks) == 3
    error = chat.of(Error)[0]
    assert error.hint == "You can send your message again."
    assert len(chat.wire.sse_opens) == 1


async def test_heartbeats_only_say_still_working_then_time_out(make_chat: Any) -> None:
    chat = await make_chat(api={"sse_heartbeat_only_timeout": 0.6}, still_working_every=0.15)
    chat.fault(route="run_sse", kind="heartbeats_only", seconds=None)
    assert not await chat.say("add upbeat music")
    assert "⏳ Still working..." in chat.notices()
    error = chat.of(Error)[0]
    assert error.code == "heartbeat_timeout" and "status" in error.hint
    assert await chat.say("credits")


async def test_the_total_turn_timeout(make_chat: Any) -> None:
    chat = await make_chat(api={"sse_total_timeout": 0.4})
    chat.fault(route="run_sse", kind="heartbeats_only", seconds=None)
    assert not await chat.say("add upbeat music")
    assert chat.of(Error)[0].code == "turn_timeout"


# -- renders -----------------------------------------------------------------------------------


async def test_the_wrapped_render_reply_form_still_exports(make_chat: Any, photo: Path) -> None:
    chat = await edited(make_chat, photo)
    chat.fault(route="render_status", kind="wrapped", count=None)
    assert await chat.say("export")
    assert Path(chat.of(FileSaved)[0].path).is_file()


async def test_a_slow_render_is_remembered_and_picked_up(make_chat: Any, photo: Path, config_dir: Path) -> None:
    chat = await edited(make_chat, photo, render_timeout=0.2)
    chat.fault(route="render_submit", kind="stuck", count=None)
    assert not await chat.say("export")
    assert "keeps running on the server" in chat.notices()[-1]
    pending = chat.conv.pending_render
    assert pending and pending.startswith("render_")
    memory = json.loads((config_dir / "nemo-chat-state.json").read_text())
    assert pending in json.dumps(memory)

    chat.backend.faults.clear()
    ctx = chat.conv.ctx  # this time the person waits for it
    ctx.settings = ctx.settings.model_copy(update={"render_timeout": 20.0})
    assert await chat.say("/export"), chat.events  # asked again in the same session: picked up
    assert chat.notices()[0] == "Picking up the render that was still running."
    assert Path(chat.of(FileSaved)[0].path).is_file()
    assert len(chat.wire.sent("POST", "/api/render/proxy/lambda")) == 1  # the same job, not a new one
    assert chat.conv.pending_render is None


async def test_export_never_saves_a_render_another_session_started(make_chat: Any, photo: Path) -> None:
    """A shared config folder: the render another session left running is not this one's video."""
    theirs = await edited(make_chat, photo, render_timeout=0.2)
    theirs.fault(route="render_submit", kind="stuck", count=None)
    assert not await theirs.say("export")
    their_render = theirs.conv.pending_render
    assert their_render
    theirs.backend.faults.clear()

    mine = await edited(make_chat, photo)  # the next run, a new session (not --resume)
    assert mine.client.session_id != theirs.client.session_id
    assert await mine.say("/export"), mine.events
    assert "Picking up the render that was still running." not in mine.notices()
    assert not [r for r in mine.wire.exchanges if their_render in r.path]  # never even asked
    submitted = mine.wire.sent("POST", "/api/render/proxy/lambda")
    assert len(submitted) == 1 and submitted[0].request_json["sessionId"] == mine.client.session_id
    assert Path(mine.of(FileSaved)[0].path).is_file()


async def test_resume_picks_up_a_render_after_a_restart(make_chat: Any, photo: Path) -> None:
    chat = await edited(make_chat, photo, render_timeout=0.2)
    chat.fault(route="render_submit", kind="stuck", count=None)
    assert not await chat.say("export")
    session = chat.client.session_id
    chat.backend.faults.clear()

    again = await make_chat(resume=True)
    assert again.client.session_id == session
    assert "Continuing your last session." in again.notices()
    await again.conv.wait_background()
    assert Path(again.of(FileSaved)[0].path).is_file()
    assert again.conv.pending_render is None


async def test_a_failed_render_says_so_and_forgets_the_job(make_chat: Any, photo: Path, config_dir: Path) -> None:
    chat = await edited(make_chat, photo)
    chat.fault(route="render_submit", kind="stuck", count=None)
    submit = asyncio.create_task(chat.say("export"))
    for _ in range(200):
        await asyncio.sleep(0.02)
        if chat.conv.pending_render:
            break
    await asyncio.sleep(0.1)
    await chat.client.cancel_render(chat.conv.pending_render)
    assert not await submit
    error = chat.of(Error)[0]
    assert error.code == "render_failed" and "/export" in error.hint
    assert chat.conv.pending_render is None
    assert ChatMemory(config_dir, chat.client.config.base_url).pending_render() is None


async def test_a_download_that_breaks_is_resumed_by_the_client(make_chat: Any, photo: Path) -> None:
    chat = await edited(make_chat, photo)
    chat.fault(route="files", kind="drop", after_bytes=2000)
    assert await chat.say("export")
    path = Path(chat.of(FileSaved)[0].path)
    assert path.read_bytes()[4:8] == b"ftyp"


# -- Ctrl-C --------------------------------------------------------------------------------------


async def test_ctrl_c_mid_stream_stops_and_the_next_message_works(make_chat: Any) -> None:
    chat = await make_chat()
    chat.fault(route="run_sse", kind="heartbeats_only", seconds=None)
    task = asyncio.create_task(chat.say("add upbeat music"))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if any(isinstance(e, Status) and e.text == "Thinking…" for e in chat.events):
            break
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "Stopped." in chat.notices()
    assert chat.events[-1] == TurnEnd(ok=False)
    chat.backend.faults.clear()
    assert await chat.say("credits")
    assert chat.of(Table)


async def test_ctrl_c_while_text_streams_keeps_what_was_shown(make_chat: Any, photo: Path, tmp_path: Path) -> None:
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    slow = start_local_backend(BackendSettings.for_tests(tmp_path / "slow", chunk_delay=0.05))
    try:
        chat = await make_chat(base_url=slow.url)
        assert await chat.say(f"upload {photo}")
        task = asyncio.create_task(chat.say(ANIMATE))
        for _ in range(500):
            await asyncio.sleep(0.005)
            if chat.of(TextDelta):
                break
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        kinds = chat.kinds()
        assert "Stopped." in chat.notices() and kinds[-1] == "turn_end"
        assert kinds.index("text_done") < kinds.index("notice")  # the reply so far stays, closed
        assert await chat.say("status")
    finally:
        slow.stop()


async def test_ctrl_c_while_rendering_leaves_the_job_remembered(make_chat: Any, photo: Path) -> None:
    chat = await edited(make_chat, photo)
    chat.fault(route="render_submit", kind="stuck", count=None)
    task = asyncio.create_task(chat.say("export"))
    for _ in range(200):
        await asyncio.sleep(0.02)
        if chat.conv.pending_render and any(e.kind == "progress" for e in chat.events):
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    notices = chat.notices()
    assert "Stopped." in notices
    assert any("keeps running on the server" in n for n in notices)
    assert chat.conv.pending_render is not None
    chat.backend.faults.clear()
    assert await chat.say("export")
    assert chat.of(FileSaved)


async def test_nothing_escapes_handle_even_a_broken_sink(make_chat: Any) -> None:
    chat = await make_chat()

    def explode(event: Any) -> None:
        raise RuntimeError("renderer crashed")

    chat.conv._sink = explode
    assert await chat.conv.handle("credits")


def test_notices_are_in_the_message_tables() -> None:
    from typing import get_args

    from agent.api.models import ClientNoticeKind as NoticeKind
    from agent.messages import t

    quiet = {"retried", "download_resumed"}
    for kind in get_args(NoticeKind):
        if kind in quiet:
            continue
        assert t(f"notice.{kind}", "en") != f"notice.{kind}", kind
        assert t(f"notice.{kind}", "zh") != t(f"notice.{kind}", "en"), kind


async def test_a_silent_service_is_a_stall(make_chat: Any) -> None:
    chat = await make_chat(api={"sse_idle_timeout": 0.3})
    chat.fault(route="run_sse", kind="delay", seconds=0.7)
    assert not await chat.say("add upbeat music")
    error = chat.of(Error)[0]
    assert error.code == "stalled", error
    assert error.hint


async def test_export_while_a_resumed_render_is_followed_waits_for_it(make_chat: Any, photo: Path) -> None:
    chat = await edited(make_chat, photo, render_timeout=0.2)
    chat.fault(route="render_submit", kind="stuck", count=None)
    assert not await chat.say("export")
    chat.backend.faults.clear()
    again = await make_chat(resume=True)
    assert await again.say("export")
    assert "That render is already being followed; waiting for it." in again.notices()
    await again.conv.wait_background()
    saved = [e for e in again.events if isinstance(e, FileSaved)]
    assert len(saved) == 1  # one job, one file
    assert not again.wire.sent("POST", "/api/render/proxy/lambda")


async def test_the_typed_event_family_reads_the_same(make_chat: Any, photo: Path, tmp_path: Path) -> None:
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    typed = start_local_backend(BackendSettings.for_tests(tmp_path / "typed", event_family="typed"))
    try:
        chat = await make_chat(base_url=typed.url)
        assert await chat.say(f"upload {photo}")
        assert await chat.say(ANIMATE)
        assert "animat" in chat.text().lower()
        assert "generate_video" not in json.dumps([e.model_dump(mode="json") for e in chat.events])
        assert await chat.say("export")
        assert chat.of(FileSaved)
    finally:
        typed.stop()


async def test_a_chinese_temporary_issue_is_dropped(make_chat: Any, photo: Path) -> None:
    chat = await make_chat(lang="zh")
    await chat.say(f"上传 {photo}")
    await chat.say("把照片做成动画视频")
    chat.fault(route="run_sse", kind="temporary_issue")
    assert await chat.say("加一个标题「夏日」")
    assert "夏日" in chat.text() and "临时问题" not in chat.text()
