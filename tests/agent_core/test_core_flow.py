"""The conversation a person has, in English and Chinese, against the local backend over HTTP."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from agent.events import (
    Action,
    Error,
    FileSaved,
    MediaUploaded,
    Notice,
    QuitRequested,
    Ready,
    Routed,
    Status,
    Table,
    TextDelta,
    Timeline,
    TurnEnd,
)

ANIMATE = "turn my photo into a smooth animated video with motion effects"


def assert_valid_mp4(path: Path) -> None:
    head = path.read_bytes()[:12]
    assert head[4:8] == b"ftyp", head
    assert path.stat().st_size > 1000


async def test_start_connects_and_greets_without_technical_details(make_chat: Any, config_dir: Path) -> None:
    chat = await make_chat()
    events = chat.events
    assert isinstance(events[0], Status) and events[0].text == "Connecting..."
    ready = chat.of(Ready)[0]
    assert len(ready.examples) == 3 and "export 1080p MP4" in ready.examples
    dump = json.dumps([e.model_dump(mode="json") for e in events])
    for secret in ("nmv_usr_", "http", chat.client.session_id, "token", "session"):
        assert secret not in dump, secret
    memory = config_dir / "nemo-chat-state.json"
    assert stat.S_IMODE(memory.stat().st_mode) == 0o600
    assert chat.client.session_id in memory.read_text()


async def test_english_session_upload_generate_look_and_export(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    assert await chat.say(f"upload {photo}")
    media = chat.of(MediaUploaded)[0]
    assert (media.name, media.file_type, media.width, media.height) == ("beach.png", "image", 320, 180)
    assert media.size == photo.stat().st_size
    assert chat.of(Routed)[0].route == "upload"

    assert await chat.say(ANIMATE)
    reply = chat.text()
    assert "animat" in reply.lower()
    dump = json.dumps([e.model_dump(mode="json") for e in chat.events])
    assert "generate_video" not in dump and "media_ids" not in dump  # tool calls stay hidden
    assert "click" not in reply.lower() and "Export button" not in reply  # GUI phrases translated

    assert await chat.say("status")
    timeline = chat.of(Timeline)[-1]
    assert timeline.summary == "Timeline, 3 s in all:"
    assert timeline.columns == ["Track", "What", "Time", "Length", "Details"]
    assert timeline.tracks[0][:4] == ["Photo", "beach.png", "0–3 s", "3 s"]
    assert timeline.media == [["beach.png", "image", "320×180"]]
    assert timeline.canvas == "1920×1080 (16:9)"

    assert await chat.say("credits")
    table = chat.of(Table)[0]
    assert table.columns[0] == "available" and int(table.rows[0][0]) > 0

    assert await chat.say("export 1080p MP4")
    saved = chat.of(FileSaved)[0]
    path = Path(saved.path)
    assert path.parent == chat.out_dir and path.suffix == ".mp4"
    assert_valid_mp4(path)
    assert saved.size == path.stat().st_size and saved.duration == 3.0
    assert not list(chat.out_dir.glob("*.part"))
    submitted = chat.wire.sent("POST", "/api/render/proxy/lambda")[0].request_json
    assert submitted["output"] == {"format": "mp4", "quality": "high", "resolution": "1080p"}
    progress = [e for e in chat.events if e.kind == "progress"]
    assert any(p.task == "render" and p.label.startswith("Rendering") for p in progress)
    # once the render's bar shows, the "Starting the export…" spinner is gone (not both at once)
    kinds = chat.kinds()
    first_bar = next(i for i, e in enumerate(chat.events) if e.kind == "progress" and e.task == "render")
    assert "status_clear" in kinds[kinds.index("status"):first_bar]
    assert any(p.task == "download" and p.done and p.completed == saved.size for p in progress)
    assert chat.conv.pending_render is None
    assert chat.events[-1] == TurnEnd(ok=True)


async def test_chinese_conversation_is_answered_in_chinese(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    first_session = chat.client.session_id
    assert await chat.say("积分")
    assert chat.of(Table)[0].title == "积分"
    # the first message was Chinese: the session was made again with language zh-CN
    created = chat.wire.sent("POST", "/api/tasks/me/with-session")
    assert created[-1].request_json == {"task_name": "project", "language": "zh-CN"}
    assert chat.client.session_id != first_session

    assert await chat.say(f"上传 {photo}")
    assert chat.of(MediaUploaded)
    assert await chat.say("把我的照片做成流畅的动画视频")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chat.text())
    assert await chat.say("状态")
    assert chat.of(Timeline)[0].summary == "时间线，共 3 秒："
    assert chat.of(Timeline)[0].tracks[0][:2] == ["照片", "beach.png"]
    assert await chat.say("导出")
    assert_valid_mp4(Path(chat.of(FileSaved)[0].path))
    labels = [e.label for e in chat.events if e.kind == "progress" and e.task == "render"]
    # queued first (the service says "pending") or already rendering
    assert labels[0] in ("等待渲染开始… 0 秒", "正在渲染… 0 秒")
    assert labels[-1].startswith("渲染完成，用时 ")
    assert all(" s" not in label for label in labels)
    assert not await chat.say("/upload /nowhere/没有.png")
    error = chat.of(Error)[0]
    assert error.message == "/nowhere/没有.png：没有这个文件。" and "路径" in error.hint


async def test_a_traditional_chinese_conversation_is_answered_in_traditional(
        make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    assert await chat.say("積分")
    table = chat.of(Table)[0]
    assert table.title == "點數" and table.columns[1].startswith("凍結")
    assert chat.conv.lang == "zh-Hant"
    # the service session is still asked for Chinese
    assert chat.wire.sent("POST", "/api/tasks/me/with-session")[-1].request_json["language"] == "zh-CN"
    assert not await chat.say("/upload /nowhere/沒有.png")
    assert chat.of(Error)[0].message == "/nowhere/沒有.png：沒有這個檔案。"  # Taiwan wording


async def test_language_setting_wins_and_keeps_the_first_session(make_chat: Any) -> None:
    chat = await make_chat(lang="zh")
    session = chat.client.session_id
    assert chat.of(Ready)[0].greeting.startswith("准备好了")
    assert await chat.say("credits")
    assert chat.of(Table)[0].title == "积分"
    assert chat.client.session_id == session
    assert chat.wire.sent("POST", "/api/tasks/me/with-session")[0].request_json["language"] == "zh-CN"


async def test_a_chinese_locale_greets_in_chinese_until_a_message_shows_english(
        make_chat: Any, photo: Path) -> None:
    chat = await make_chat(locale_lang="zh")
    ready = chat.of(Ready)[0]
    assert ready.greeting.startswith("准备好了") and "You can also write to me in English." in ready.greeting
    # a slash command and a dropped-in path show no language: still Chinese
    assert await chat.say("/credits")
    assert chat.of(Table)[0].title == "积分"
    assert await chat.say(str(photo))
    assert chat.of(MediaUploaded)
    assert await chat.say("credits")  # a command word alone shows no language (issue 17 §3)
    assert chat.of(Table)[0].title == "积分"
    assert await chat.say("show my credits")  # English words: from now on English
    assert chat.of(Table)[0].title != "积分"
    assert chat.conv.lang == "en"


async def test_upload_with_an_instruction_uploads_then_relays_it(make_chat: Any, photo: Path, make_wav: Any) -> None:
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    await chat.say(ANIMATE)
    music = make_wav("song.wav", seconds=1.0)
    assert await chat.say(f"use {music} as background music")
    kinds = chat.kinds()
    assert kinds.index("media_uploaded") < kinds.index("text_delta")
    assert chat.of(MediaUploaded)[0].file_type == "audio"
    assert "song.wav" in chat.text()
    assert chat.wire.sse_opens[-1]["new_message"]["parts"][0]["text"] == "use song.wav as background music"


async def test_bare_upload_asks_for_a_path(make_chat: Any) -> None:
    chat = await make_chat()
    assert await chat.say("upload")
    assert chat.notices() == ["Which file? Type or drag its path here, for example: /upload ~/Pictures/beach.png"]
    assert not chat.wire.sent("POST", "/api/upload-video")
    chinese = await make_chat()
    assert await chinese.say("上传")
    assert chinese.notices()[0].startswith("上传哪个文件")


async def test_a_missing_file_is_reported_and_the_others_still_upload(make_chat: Any, photo: Path, tmp_path: Path) -> None:
    chat = await make_chat()
    missing = tmp_path / "gone.png"
    assert not await chat.say(f"/upload {missing} {photo}")
    assert [m.name for m in chat.of(MediaUploaded)] == ["beach.png"]
    error = chat.of(Error)[0]
    assert error.code == "local_file" and str(missing) in error.message


async def test_an_instruction_is_not_relayed_when_no_file_arrived(make_chat: Any, tmp_path: Path) -> None:
    chat = await make_chat()
    assert not await chat.say(f"use {tmp_path / 'nope.mp3'} as background music")
    assert "because no file was uploaded" in chat.notices()[-1]
    assert not chat.wire.sse_opens


async def test_slash_commands(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    assert await chat.say("/why")
    assert chat.notices() == ["No message has been routed yet."]
    await chat.say("how many credits do I have")
    assert await chat.say("/why")
    assert chat.notices()[0].startswith("Last message → credits (confidence")

    assert await chat.say("/help")
    rows = chat.of(Table)[0].rows
    assert [r[0].split()[0] for r in rows] == ["/upload", "/export", "/preview", "/open", "/subtitles", "/credits", "/status", "/send", "/web", "/batch", "/why", "/new", "/help", "/quit"]

    assert await chat.say("/credits")
    assert chat.of(Table) and not chat.of(Routed)
    assert await chat.say("/status")
    assert chat.of(Timeline)[0].summary.startswith("Nothing on the timeline yet")

    assert await chat.say("/send credits")  # to the editor as it is, not the local handler
    assert not chat.of(Routed) and not chat.of(Table) and chat.of(TextDelta)
    assert chat.wire.sse_opens[-1]["new_message"]["parts"][0]["text"] == "credits"
    assert not await chat.say("/send")

    old = chat.client.session_id
    assert await chat.say("/new")
    assert chat.client.session_id != old

    assert not await chat.say("/exprot")
    assert chat.of(Error)[0].hint.startswith("Did you mean /export?")

    assert await chat.say(f"{photo}")  # a path that starts with "/" is not a command
    assert chat.of(Routed)[0].route == "upload" and chat.of(MediaUploaded)

    assert await chat.say("/quit")
    assert chat.of(QuitRequested)


async def test_nothing_to_export_says_how_to_start(make_chat: Any) -> None:
    chat = await make_chat()
    assert not await chat.say("export")
    error = chat.of(Error)[0]
    assert error.code == "nothing_to_export"
    assert "Upload a photo" in error.hint
    assert not chat.wire.sent("POST", "/api/render/proxy/lambda")


async def test_a_gui_phrase_runs_one_announced_action(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    seen = 0
    for message in (ANIMATE, 'add a title "Summer"', "crossfade transitions", "make it 9:16 vertical"):
        assert await chat.say(message)
        actions = chat.of(Action)
        assert len(actions) <= 1  # never more than one automatic step per message
        reply = chat.text()
        assert "click" not in reply.lower() and "open the" not in reply.lower()
        if actions:
            seen += 1
            kinds = chat.kinds()
            # announced after the reply, before the step it announces (a timeline here)
            assert kinds.index("text_done") < kinds.index("action") < kinds.index("timeline")
    assert seen >= 1  # the backend's replies do name GUI panels ("Preview in timeline", …)


async def test_a_turn_without_text_says_what_changed(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    await chat.say(ANIMATE)
    chat.fault(route="run_sse", kind="no_text")
    assert await chat.say('add a title "Urban Dreams"')
    assert not chat.of(TextDelta)
    assert "Added title “Urban Dreams” (0–3 s)" in chat.notices()


async def test_a_turn_without_text_in_chinese(make_chat: Any, photo: Path) -> None:
    chat = await make_chat(lang="zh")
    await chat.say(f"上传 {photo}")
    await chat.say("把照片做成动画视频")
    chat.fault(route="run_sse", kind="no_text")
    assert await chat.say("加一个标题「城市之梦」")
    assert "添加了标题“城市之梦”（0–3 秒）" in chat.notices()


async def test_notices_of_the_client_are_told(make_chat: Any) -> None:
    chat = await make_chat()
    chat.fault(route="credits", kind="error", code=1001)
    assert await chat.say("credits")
    assert "Your sign-in had expired, so I got a new one." in chat.notices()
    assert chat.of(Table)
    assert not any(isinstance(e, Notice) and "nmv_" in e.text for e in chat.events)


async def test_two_stage_generation_without_text_is_reported_as_two_steps(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    chat.fault(route="run_sse", kind="no_text")
    assert await chat.say("animate my photos with a smooth zoom and add upbeat music")
    statuses = [e.text for e in chat.of(Status)]
    assert statuses.index("Step 1 of 2: generating the clip…") < statuses.index("Step 2 of 2: adding music, titles and effects…")
    # a loaded machine may add "⏳ Still working..." between the steps: that is not a step
    notices = [n for n in chat.notices() if not n.startswith("⏳")]
    assert notices[:2] == ["✅ Step 1 of 2: the clip is generated.", "✅ Step 2 of 2: music, titles and effects are added."]
    assert "Added photo “beach.png” (0–3 s)" in notices
    assert any(n.startswith("Added music “") for n in notices)


async def test_upload_by_link_and_paths_with_spaces(make_chat: Any, make_photo: Any) -> None:
    chat = await make_chat()
    spaced = make_photo("my summer photo.png", size=(160, 90), seed=2)
    assert await chat.say(f"/upload '{spaced}'")
    assert chat.of(MediaUploaded)[0].name == "my summer photo.png"
    other = make_photo("my other photo.png", size=(160, 90), seed=3)  # the same file again is not resent
    escaped = str(other).replace(" ", "\\ ")
    assert await chat.say(f"upload {escaped}")
    assert chat.of(MediaUploaded)[0].width == 160
    reply = chat.wire.sent("POST", "/api/upload-video")[0].response_json
    url = reply["data"]["files"][0]["cdn_url"]  # the backend serves its uploads on loopback
    assert await chat.say(f"upload {url}")
    uploaded = chat.of(MediaUploaded)[0]
    assert uploaded.file_type == "image" and uploaded.width == 160
    assert chat.wire.sent("POST", "/api/upload-video")[-1].request_json == {"urls": [url], "source_type": "url"}


async def test_resume_without_an_earlier_session_starts_a_new_one(make_chat: Any) -> None:
    chat = await make_chat(resume=True)
    assert "There is no earlier session to continue here, so this is a new project." in chat.notices()
    assert chat.client.session_id


async def test_resume_continues_a_chinese_session_in_chinese(make_chat: Any, photo: Path) -> None:
    first = await make_chat()
    assert await first.say(f"上传 {photo}")
    again = await make_chat(resume=True)
    assert again.client.session_id == first.client.session_id
    assert again.conv.lang == "zh" and "继续上次的会话。" in again.notices()
    assert await again.say("status")
    assert again.of(Timeline)[0].media[0][0] == "beach.png"  # the same session's media


async def test_status_with_media_but_no_timeline_says_what_to_ask(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    assert await chat.say("status")
    timeline = chat.of(Timeline)[0]
    assert timeline.summary.startswith("Nothing on the timeline yet. Ask for a video")
    assert timeline.media == [["beach.png", "image", "320×180"]]


async def test_a_silent_turn_whose_service_went_away_says_so(make_chat: Any, photo: Path) -> None:
    """A server going down closes the stream cleanly, like the end of a quiet edit: the check
    of the timeline that follows must say the service is unreachable, not 'finished'."""
    chat = await make_chat()
    await chat.say(f"upload {photo}")
    chat.fault(route="run_sse", kind="no_text")
    read_state = chat.client.state
    calls = 0

    async def state_after_the_server_stopped() -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:  # the first read is the "before" of the turn
            chat.backend.stop()
        return await read_state()

    chat.client.state = state_after_the_server_stopped  # type: ignore[method-assign]
    assert not await chat.say(ANIMATE)
    assert [e.code for e in chat.errors()] == ["unreachable"]
    assert not any("finished without a reply" in n for n in chat.notices())
