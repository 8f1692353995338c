"""/run_sse: ADK framing byte for byte, streaming, heartbeats, credits, languages, undo."""

from __future__ import annotations

import json
import threading
import time


def _photos(api, make_photo, n=2):
    paths = [make_photo(f"p{i}.png", size=(96, 64), seed=i) for i in range(n)]
    r = api.upload(*paths)
    assert r.json()["code"] == 0, r.text
    return r.json()["data"]["files"]


def test_adk_framing_is_exact(api, make_photo):
    _photos(api, make_photo)
    with api.http.stream("POST", api.url + "/run_sse", json=api.sse_body("animate my photos"),
                         headers=api.headers) as r:
        raw = r.read()
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert "cache-control" not in r.headers
    blocks = [b for b in raw.split(b"\n\n") if b]
    events = [json.loads(b[len(b"data: "):]) for b in blocks if b.startswith(b"data: {")]
    assert events, raw
    for block in blocks:
        if block.startswith(b"data: {"):
            body = block[len(b"data: "):]
            assert b"\n" not in body and b'": ' not in body  # compact, one line
    for ev in events:
        assert ev["author"] == "nemo_agent"
        assert ev["invocationId"].startswith("e-")
        assert isinstance(ev["timestamp"], float) and ev["id"]
        assert ev["actions"] == {"stateDelta": {}, "artifactDelta": {},
                                 "requestedAuthConfigs": {}, "requestedToolConfirmations": {}}
        assert "partial" not in ev  # not streaming: no partial key at all
    assert len({ev["invocationId"] for ev in events}) == 1
    call_events = [ev for ev in events if any("functionCall" in p for p in ev["content"]["parts"])]
    resp_events = [ev for ev in events if any("functionResponse" in p for p in ev["content"]["parts"])]
    assert call_events and resp_events
    assert resp_events[0]["content"]["role"] == "user"
    call_ids = {p["functionCall"]["id"] for ev in call_events for p in ev["content"]["parts"]
                if "functionCall" in p}
    resp_ids = {p["functionResponse"]["id"] for ev in resp_events for p in ev["content"]["parts"]
                if "functionResponse" in p}
    assert call_ids == resp_ids
    assert call_events[0]["longRunningToolIds"] == []


def test_streaming_partials_add_up_to_the_non_partial_text(api, make_photo):
    _photos(api, make_photo)
    _r, frames = api.turn("animate my photos with a smooth zoom in", streaming=True)
    events = [f.json for f in frames if f.data]
    steps: list[tuple[str, str]] = []
    buffer = ""
    for ev in events:
        parts = ev.get("content", {}).get("parts", [])
        text = "".join(p.get("text", "") for p in parts)
        if ev.get("partial") is True:
            assert not any("functionCall" in p for p in parts)
            buffer += text
        elif text:
            assert ev.get("partial") is False
            steps.append((buffer, text))
            buffer = ""
    assert len(steps) >= 2
    for streamed, final in steps:
        assert streamed == final


def test_an_edit_changes_the_draft_and_costs_credits(api, make_photo):
    files = _photos(api, make_photo, 3)
    _r, frames = api.turn("turn my photos into a video, 2 seconds each, crossfade, 9:16 vertical")
    names = [c["name"] for c in frames.calls()]
    assert "generate_video" in names and "set_aspect_ratio" in names
    draft = api.state()["state"]["draft"]
    video = next(t for t in draft["t"] if t["tt"] == 0)
    assert [s["src"] for s in video["sg"]] == [f["media_id"] for f in files]
    assert all(s["d"] == 2000 for s in video["sg"])
    assert video["sg"][1]["tr"]["type"] == "crossfade"
    assert draft["m"]["aspect"] == "9:16"
    assert api.state()["state"]["canvas_config"]["aspect"] == "9:16"
    credits = api.credits()
    assert credits["frozen"] == 0 and credits["available"] < 100
    assert credits["total"] == credits["available"]


def test_credits_are_frozen_while_the_turn_runs(start_backend, new_api, make_photo):
    server = start_backend(generation_seconds=1.0)
    api = new_api(server.url)
    _photos(api, make_photo, 1)
    seen: list[dict] = []

    def poll():
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            c = api.get("/api/credits/balance/simple").json()["data"]
            seen.append(c)
            if c["frozen"]:
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=poll)
    watcher.start()
    api.turn("animate my photos")
    watcher.join()
    frozen = [c for c in seen if c["frozen"]]
    assert frozen, seen
    assert frozen[0]["available"] + frozen[0]["frozen"] == 100
    after = api.credits()
    assert after["frozen"] == 0 and after["available"] == 100 - frozen[0]["frozen"]


def test_too_few_credits_is_2001_before_the_stream(api, make_photo):
    _photos(api, make_photo, 1)
    user = api.state()["user_id"]
    api.http.post(api.url + "/_nemo/credits", json={"user_id": user, "available": 1},
                  headers=api.hooks)
    r, _ = api.turn("animate my photos")
    assert r.status_code == 403
    assert "json" in r.headers["content-type"]
    body = json.loads(r.read())
    assert body["code"] == 2001 and body["data"]["user_id"] == user
    assert api.credits()["available"] == 1  # nothing taken
    assert api.state()["state"]["draft"] is None


def test_unknown_session_on_run_sse_is_404_with_1002(api):
    api.session_id = "42"
    r, _ = api.turn("hi")
    assert r.status_code == 404
    body = json.loads(r.read())
    assert body["code"] == 1002 and "42" in body["detail"]


def test_bad_token_on_run_sse_is_401_with_1001(api):
    api.token = "nmv_usr_nope"
    r, _ = api.turn("hello")
    assert r.status_code == 401
    assert json.loads(r.read())["code"] == 1001


def test_heartbeats_during_generation(start_backend, new_api, make_photo):
    server = start_backend(generation_seconds=0.6, heartbeat_interval=0.1)
    api = new_api(server.url)
    _photos(api, make_photo, 1)
    _, frames = api.turn("animate my photos")
    comments = [f for f in frames if f.comment is not None]
    empties = [f for f in frames if f.data == ""]
    assert comments and empties
    assert all(f.comment == "ping" for f in comments)


def test_unknown_request_gets_help_and_costs_nothing(api):
    _, frames = api.turn("what's the weather in Paris?")
    said = " ".join(frames.texts())
    assert "animate" in said and "crossfade" in said
    assert frames.calls() == []
    assert api.credits()["available"] == 100


def test_chinese_request_gets_chinese_reply_with_gui_phrases(api, make_photo):
    _photos(api, make_photo, 2)
    _, frames = api.turn("让照片动起来，每张3秒，加一个标题「城市之梦」")
    said = "".join(frames.texts())
    assert "城市之梦" in said
    assert any(p in said for p in ("点击导出", "打开时间线", "拖拽", "预览"))
    title = [s for t in api.state()["state"]["draft"]["t"] if t["tt"] == 7 for s in t["sg"]]
    assert title[0]["text"] == "城市之梦" and title[0]["role"] == "title"


def test_traditional_chinese_reply(api, make_photo):
    _photos(api, make_photo, 1)
    _, frames = api.turn("讓照片動起來，加一個標題「夏天」")
    said = "".join(frames.texts())
    assert "標題" in said and "标题" not in said


def test_english_reply_has_gui_phrases(api, make_photo):
    _photos(api, make_photo, 1)
    _, frames = api.turn("animate my photos")
    said = " ".join(frames.texts()).lower()
    assert any(p in said for p in ("click the export button", "open the timeline panel",
                                   "preview in timeline", "drag the clip", "click export"))


def test_two_stage_generation_reports_both(api, make_photo):
    _photos(api, make_photo, 2)
    _, frames = api.turn('animate my photos, add upbeat music and a title "Go"')
    said = " ".join(frames.texts())
    assert "Step 1 of 2" in said
    names = [c["name"] for c in frames.calls()]
    assert names.index("generate_video") < names.index("generate_music")
    media = api.state()["state"]["generated_media"]
    assert [(m["kind"], m["name"]) for m in media] == [("music", "Upbeat pop")]  # a name to show


def test_no_text_fault_applies_the_edit_silently(api, local_backend, make_photo):
    _photos(api, make_photo, 1)
    local_backend.faults.add({"route": "run_sse", "kind": "no_text"})
    _, frames = api.turn("animate my photos")
    assert frames.texts() == [] and frames.calls()
    assert api.state()["state"]["draft"]["t"]


def test_no_text_ratio_is_seeded_and_deterministic(start_backend, new_api, make_photo):
    silent = []
    for _ in range(2):
        server = start_backend(no_text_ratio=0.5, seed=7)
        api = new_api(server.url)
        pattern = []
        for i in range(8):
            _photos(api, make_photo, 1) if i == 0 else None
            _, frames = api.turn("zoom in" if i % 2 else "zoom out")
            pattern.append(not frames.texts())
        silent.append(pattern)
        server.stop()
    assert silent[0] == silent[1]  # same seed, same conversation: same silent edits
    assert any(silent[0]) and not all(silent[0])


def test_typed_family(start_backend, new_api, make_photo):
    server = start_backend(event_family="typed", generation_seconds=0.3, heartbeat_interval=0.05)
    api = new_api(server.url)
    _photos(api, make_photo, 1)
    _, frames = api.turn("animate my photos")
    types = [f.json["type"] for f in frames if f.data]
    assert {"text", "tool_call", "tool_result", "heartbeat"} <= set(types)


def test_undo_restores_the_previous_draft(api, make_photo):
    _photos(api, make_photo, 2)
    api.turn("animate my photos")
    before = api.state()["state"]["draft"]
    api.turn("make it square")
    assert api.state()["state"]["draft"]["m"]["aspect"] == "1:1"
    _, frames = api.turn("undo")
    assert api.state()["state"]["draft"] == before
    assert [c["name"] for c in frames.calls()] == ["undo_edit"]


def test_edit_without_photos_asks_for_them(api):
    _, frames = api.turn("animate my photos")
    assert "upload" in " ".join(frames.texts()).lower()
    assert api.credits()["available"] == 100


def test_client_disconnect_does_not_stop_the_turn(start_backend, new_api, make_photo):
    server = start_backend(generation_seconds=0.5)
    api = new_api(server.url)
    _photos(api, make_photo, 1)
    with api.http.stream("POST", api.url + "/run_sse", json=api.sse_body("animate my photos"),
                         headers=api.headers) as r:
        next(r.iter_bytes())
    deadline = time.monotonic() + 5
    while api.state()["state"]["draft"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.state()["state"]["draft"] is not None


def test_export_asked_in_chat_points_to_the_export_button(api):
    _, frames = api.turn("export my video")
    said = " ".join(frames.texts())
    assert "Export" in said and frames.calls() == []
    _, frames = api.turn("导出视频")
    assert "导出" in "".join(frames.texts())
    assert api.credits()["available"] == 100


def test_generated_music_is_listed_at_the_length_it_plays(api, make_photo):
    """The bed plays under the whole video: after a photo is added, the media list says the new
    length, not the video's length when the music was made."""
    _photos(api, make_photo, 2)
    api.turn("animate my photos with calm music")
    before = api.state()["state"]
    _photos(api, make_photo, 1)
    api.turn("add the new photo to the end")
    after = api.state()["state"]
    music = [s for t in after["draft"]["t"] if t["tt"] == 1 for s in t["sg"]]
    assert after["draft"]["d"] > before["draft"]["d"]  # the video grew
    [bed] = after["generated_media"]
    assert bed["duration"] == music[0]["d"] / 1000 == after["draft"]["d"] / 1000
