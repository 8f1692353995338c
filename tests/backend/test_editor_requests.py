"""Requests a person really types, and the draft the scripted editor makes of each.

Each row: the message, the state it is typed in, and what the draft must hold afterwards
(keys of backend/draft.py). The turn goes through `plan_turn`, the same path /run_sse takes.
States: "photos" = three uploaded photos, nothing made yet; "video" = those three animated
(a linear pan to the left, 3 s each, crossfades) with the title "Summer" and a calm music bed at 35%;
"video+new" = the same, plus a fourth photo uploaded afterwards.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from backend.draft import Draft
from backend.editor.apply import Editor, Media
from backend.editor.parse import parse
from backend.editor.turn import plan_turn

PHOTOS = [Media(f"m{i}", f"p{i}.png", "image", f"http://x/p{i}.png") for i in range(3)]
NEW = Media("m9", "new.png", "image", "http://x/new.png")


def _video() -> dict[str, Any]:
    ed = Editor(None, PHOTOS)
    for text in ("animate my photos with a pan left", 'add a title "Summer"', "add calm music"):
        for op in parse(text).ops:
            assert ed.apply(op).ok, text
    return ed.wire()


def _state(name: str) -> tuple[dict[str, Any] | None, list[Media]]:
    if name == "photos":
        return None, PHOTOS
    if name == "video":
        return _video(), PHOTOS
    return _video(), [*PHOTOS, NEW]


# fmt: off
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    # durations
    ("把每张照片改成4秒，加上缓慢放大效果", "video", {"each": 4000, "motion": "zoom_in", "ease": "smooth"}),
    ("make each photo 4 seconds and add a slow zoom in", "video", {"each": 4000, "motion": "zoom_in", "ease": "smooth"}),
    ("4 seconds each", "video", {"each": 4000}),
    ("每张4秒", "video", {"each": 4000}),
    ("每張照片4秒", "video", {"each": 4000}),
    ("每张照片 4 seconds", "video", {"each": 4000}),
    ("每一张4秒", "video", {"each": 4000}),
    ("3 sec per photo", "video", {"each": 3000}),
    ("改成4秒", "video", {"total": 4000}),
    ("改成每张4秒", "video", {"each": 4000}),
    ("總長15秒", "video", {"total": 15000}),
    ("总长改为15秒", "video", {"total": 15000}),
    ("make the whole video 15 seconds", "video", {"total": 15000}),
    ("make it 12 seconds long in total", "video", {"total": 12000}),
    ("change the second photo to 6 seconds", "video", {"seg_ms": (1, 6000), "each_other": 3000}),
    ("把第二张照片改成6秒", "video", {"seg_ms": (1, 6000), "each_other": 3000}),
    # the examples nemo-chat gives in place of "drag the clip edges" (agent/core/data/gui_phrases.json)
    ("make photo 2 last 5 seconds", "video", {"seg_ms": (1, 5000), "each_other": 3000}),
    ("第2张改成5秒", "video", {"seg_ms": (1, 5000), "each_other": 3000}),
    # motion
    ("slow zoom in", "video", {"motion": "zoom_in", "ease": "smooth"}),
    ("zoom in slowly", "video", {"motion": "zoom_in", "ease": "smooth"}),
    ("make it zoom", "video", {"motion": "zoom_in"}),
    ("slower zoom please", "video", {"motion": "zoom_in", "ease": "smooth"}),
    ("缓慢放大", "video", {"motion": "zoom_in", "ease": "smooth"}),
    ("推近", "video", {"motion": "zoom_in"}),
    ("拉远", "video", {"motion": "zoom_out"}),
    ("镜头慢慢拉远", "video", {"motion": "zoom_out", "ease": "smooth"}),
    ("平移", "video", {"motion": "pan_right"}),
    ("向左平移", "video", {"motion": "pan_left"}),
    ("pan slowly from left to right", "video", {"motion": "pan_right", "ease": "smooth"}),
    ("use a Ken Burns effect", "video", {"motion": "ken_burns"}),
    ("改成肯伯恩斯效果", "video", {"motion": "ken_burns"}),
    ("用Ken Burns效果", "video", {"motion": "ken_burns"}),
    ("加上緩慢放大的效果", "video", {"motion": "zoom_in", "ease": "smooth"}),
    ("no motion, keep the photos still", "video", {"motion": "none"}),
    ("animate my photos with a slow zoom in", "photos", {"count": 3, "motion": "zoom_in", "ease": "smooth"}),
    ("把照片做成视频，每张3秒，缓慢推近", "photos", {"count": 3, "each": 3000, "motion": "zoom_in", "ease": "smooth"}),
    # aspect
    ("make it vertical for TikTok", "video", {"aspect": "9:16"}),
    ("竖屏", "video", {"aspect": "9:16"}),
    ("改成9:16", "video", {"aspect": "9:16"}),
    ("改成 vertical 9:16", "video", {"aspect": "9:16"}),
    ("改成直式影片", "video", {"aspect": "9:16"}),
    ("make it square for Instagram", "video", {"aspect": "1:1"}),
    ("正方形", "video", {"aspect": "1:1"}),
    ("换成横屏16:9", "video", {"aspect": "16:9"}),
    # transitions
    ("crossfade between the photos", "video", {"transition": "crossfade"}),
    ("淡入淡出", "video", {"transition": "fade"}),
    ("fade to black between photos", "video", {"transition": "fade"}),
    ("转场改成淡入淡出", "video", {"transition": "fade"}),
    ("轉場用淡入淡出", "video", {"transition": "fade"}),
    ("加转场", "video", {"transition": "crossfade"}),
    ("no transitions, just hard cuts", "video", {"transition": "cut"}),
    # titles, every quote form
    ('add the title "Summer Trip"', "video", {"title": "Summer Trip"}),
    ("add a title 'Beach Day' at the top", "video", {"title": "Beach Day", "title_pos": "top"}),
    ("title: “Our Holiday”", "video", {"title": "Our Holiday"}),
    ("title ‘Our Holiday’", "video", {"title": "Our Holiday"}),
    ("加标题“夏日回忆”", "video", {"title": "夏日回忆"}),
    ("加一个标题「城市之梦」在顶部", "video", {"title": "城市之梦", "title_pos": "top"}),
    ("加標題『夏日』", "video", {"title": "夏日"}),
    ("标题改成《海边的一天》", "video", {"title": "海边的一天"}),
    ("标题改成＂海边＂", "video", {"title": "海边"}),
    ("加个 title “Summer”", "video", {"title": "Summer"}),
    ("change the title to 'Road Trip'", "video", {"title": "Road Trip"}),
    # titles typed without quotes, after a colon or "called"/叫
    ("title: Summer Trip", "video", {"title": "Summer Trip"}),
    ("title: Which Way Home", "video", {"title": "Which Way Home"}),
    ("add a title called Summer Trip at the top", "video", {"title": "Summer Trip", "title_pos": "top"}),
    ("change the title to Road Trip", "video", {"title": "Road Trip"}),
    ("标题：夏日回忆，放在顶部", "video", {"title": "夏日回忆", "title_pos": "top"}),
    ("标题改成海边的一天", "video", {"title": "海边的一天"}),
    # ... or with no lead at all, when the text plainly starts after the role word
    ("add the title Summer Trip", "video", {"title": "Summer Trip"}),
    ("add a title Summer by the Sea at the bottom", "video", {"title": "Summer by the Sea", "title_pos": "bottom"}),
    ("put the title Road Trip 2026 on it, and calm music", "video", {"title": "Road Trip 2026", "music": "calm"}),
    ("加个标题 夏日之旅", "video", {"title": "夏日之旅"}),
    ("add the title  Summer   Trip  on the photos", "video", {"title": "Summer   Trip"}),
    # captions
    ('add a caption "Day one" at the bottom from 2s to 5s', "video",
     {"caption": "Day one", "caption_pos": "bottom", "caption_ms": (2000, 5000)}),
    ("加字幕「第一天」", "video", {"caption": "第一天"}),
    ("caption called Goodbye at the end", "video", {"caption": "Goodbye", "caption_ms": (5000, 8000)}),
    ("字幕：再见在结尾", "video", {"caption": "再见"}),
    ("字幕『出發』放在底部", "video", {"caption": "出發", "caption_pos": "bottom"}),
    # music
    ("add calm background music", "video", {"music": "calm"}),
    ("加点轻松的背景音乐", "video", {"music": "calm"}),
    ("加一點輕鬆的背景音樂", "video", {"music": "calm"}),
    ("add some upbeat music", "video", {"music": "upbeat"}),
    ("音量调到30%", "video", {"volume": 0.3}),
    ("set the music volume to 30%", "video", {"volume": 0.3}),
    ("背景音乐 volume 30%", "video", {"volume": 0.3}),
    ("音乐小声一点", "video", {"volume": 0.15}),
    ("make the music quieter", "video", {"volume": 0.15}),
    ("mute the music", "video", {"volume": 0.0}),
    ("volume up", "video", {"volume": 0.55}),
    ("music at 20 percent", "video", {"volume": 0.2}),
    ("add upbeat music at 50%", "photos", {"music": "upbeat", "volume": 0.5}),
    # music fades (in/out lengths in ms; the bed starts with 0.5 s in, 1 s out)
    ("fade out the music at the end", "video", {"fades": (500, 2000), "music": "calm"}),
    ("make the music fade out over 3 seconds", "video", {"fades": (500, 3000), "each": 3000}),
    ("fade the music in and out", "video", {"fades": (1500, 2000)}),
    ("音乐结尾淡出", "video", {"fades": (500, 2000)}),
    ("音乐淡入淡出", "video", {"fades": (1500, 2000), "transition": "crossfade"}),
    ("背景音樂淡入", "video", {"fades": (1500, 1000)}),
    ("fade the music out over the last 4 seconds", "video", {"fades": (500, 4000), "music": "calm"}),
    ("音乐最后3秒淡出", "video", {"fades": (500, 3000)}),
    # seconds said elsewhere are the photos' and the fades keep their usual length
    ("每张4秒，背景音乐淡入淡出", "video", {"each": 4000, "fades": (1500, 2000)}),
    ("make each photo 4 seconds and fade out the music", "video", {"each": 4000, "fades": (500, 2000)}),
    # remove / undo
    ("去掉标题", "video", {"title": None}),
    ("去掉標題", "video", {"title": None}),
    ("remove the title", "video", {"title": None}),
    ("get rid of the music", "video", {"music": None}),
    ("不要音乐了", "video", {"music": None}),
    ("no music", "video", {"music": None}),
    ("不用音乐", "video", {"music": None}),
    ("take the music out", "video", {"music": None}),
    ("make a video without music", "photos", {"count": 3, "music": None}),
    ("remove the second photo", "video", {"count": 2}),
    ("撤销", "video", {"undo": True}),
    ("撤銷", "video", {"undo": True}),
    ("復原", "video", {"undo": True}),
    ("undo that", "video", {"undo": True}),
    ("undo 一下", "video", {"undo": True}),
    # replace
    ("replace the second photo with the new one", "video+new", {"src": (1, "m9"), "count": 3}),
    ("把第二张照片换成新的", "video+new", {"src": (1, "m9"), "count": 3}),
    ("把第二張照片換成新的", "video+new", {"src": (1, "m9"), "count": 3}),
    ("change the music to something upbeat", "video", {"music": "upbeat"}),
    ("把音乐换成欢快的", "video", {"music": "upbeat"}),
    ("use the new photo instead of the second one", "video+new", {"src": (1, "m9"), "count": 3}),
    ("swap the last photo for the new one", "video+new", {"src": (2, "m9"), "count": 3}),
    # several at once
    ("animate my photos with a smooth Ken Burns zoom, 3 seconds each, crossfade, 9:16", "photos",
     {"count": 3, "each": 3000, "transition": "crossfade", "aspect": "9:16"}),
    ("每张照片3秒，竖屏，加标题「夏天」，配上欢快的音乐", "video",
     {"each": 3000, "aspect": "9:16", "title": "夏天", "music": "upbeat"}),
]
# fmt: on


def _check(draft: Draft, want: dict[str, Any]) -> None:
    video = [s for t in draft.tracks(0) for s in t.sg]
    texts = [s for t in draft.tracks(7) for s in t.sg]
    music = [s for t in draft.tracks(1) for s in t.sg]
    title = next((s for s in texts if s.role == "title"), None)
    caption = next((s for s in texts if s.role == "caption"), None)
    for key, value in want.items():
        if key == "each":
            assert [s.d for s in video] == [value] * len(video)
        elif key == "total":
            assert abs(draft.d - value) <= len(video), draft.d
        elif key == "seg_ms":
            assert video[value[0]].d == value[1]
        elif key == "each_other":
            assert all(s.d == value for i, s in enumerate(video) if i != want["seg_ms"][0])
        elif key == "count":
            assert len(video) == value
        elif key == "motion":
            motions = {s.fx.motion if s.fx else "none" for s in video}
            if value == "ken_burns":  # Ken Burns is a gentle push/pan on each photo
                assert motions <= {"ken_burns", "zoom_in", "zoom_out", "pan_left", "pan_right"}
            else:
                assert motions == {value}
        elif key == "ease":
            assert {s.fx.ease for s in video if s.fx} == {value}
        elif key == "aspect":
            assert (draft.m.aspect, draft.m.width < draft.m.height) == (value, value == "9:16")
        elif key == "transition":
            assert {s.tr.type if s.tr else "cut" for s in video[1:]} == {value}
        elif key == "title":
            assert (title.text if title else None) == value
        elif key == "title_pos":
            assert title is not None and title.pos == value
        elif key == "caption":
            assert caption is not None and caption.text == value
        elif key == "caption_pos":
            assert caption is not None and caption.pos == value
        elif key == "caption_ms":
            assert caption is not None and (caption.st, caption.end) == value
        elif key == "music":
            style = music[0].gen.style if music and music[0].gen else ("upload" if music else None)
            assert style == value
        elif key == "volume":
            assert music and music[0].vol == pytest.approx(value)
        elif key == "fades":
            assert music and (music[0].fi, music[0].fo) == value
        elif key == "src":
            assert video[value[0]].src == value[1]
        else:
            raise AssertionError(f"unknown check {key}")


@pytest.mark.parametrize(("text", "state", "want"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_a_request_makes_the_draft_a_person_asked_for(text: str, state: str, want: dict[str, Any]) -> None:
    draft, media = _state(state)
    plan = plan_turn(text, draft, media, session_language="en", rng=random.Random(1), no_text=False,
                     edit_cost=1, generation_cost=5)
    if want.get("undo"):
        assert plan.undo
        return
    said = " ".join(s.text for s in plan.steps if getattr(s, "text", None))
    if not plan.changed:  # asked for what is already so: the reply says it, nothing is spent
        assert any(w in said for w in ("already", "本来就是", "已经是", "本來就是", "已經是")), said
        assert plan.cost == 0 and plan.draft == draft
    _check(Draft.model_validate(plan.draft), want)


def test_there_are_enough_realistic_requests() -> None:
    assert len(REQUESTS) >= 40
    assert any("\u8aaa" in t or "張" in t for t, _, _ in REQUESTS)  # Traditional Chinese too


def test_the_editor_is_deterministic() -> None:
    draft, media = _state("video")
    runs = [plan_turn("把每张照片改成4秒，加上缓慢放大效果", draft, media, session_language="zh",
                      rng=random.Random(7), no_text=False, edit_cost=1, generation_cost=5)
            for _ in range(2)]
    assert runs[0].draft == runs[1].draft
    assert [getattr(s, "text", None) for s in runs[0].steps] == [getattr(s, "text", None) for s in runs[1].steps]


@pytest.mark.parametrize("text", ["add a title at the top", "what is the title?", "标题是什么", "标题是夏天吗",
                                  "title: Summer?", "add a title to the video", "add a title please",
                                  "Title"])
def test_a_title_word_without_its_text_makes_no_title(text: str) -> None:
    assert not any(op.kind == "text" for op in parse(text).ops)


@pytest.mark.parametrize("text", ["把照片做成动态视频，每张4秒，加标题「海边的夏天」",
                                  "animate my photos with a smooth Ken Burns motion"])
def test_the_reply_says_each_change_once(text: str) -> None:
    draft, media = _state("photos")
    plan = plan_turn(text, draft, media, session_language="en", rng=random.Random(1), no_text=False,
                     edit_cost=1, generation_cost=5)
    final = [s.text for s in plan.steps if getattr(s, "text", None)][-1]
    sentences = [part for part in final.replace("。", "。\n").replace(". ", ".\n").splitlines()
                 if part.strip()]
    assert len(sentences) == len({s.strip() for s in sentences}), final


def test_fading_music_that_is_not_there_adds_music_that_fades() -> None:
    draft, media = _state("video")
    draft = Draft.model_validate(draft)
    draft.t = [t for t in draft.t if t.tt != 1]  # the video without its music bed
    plan = plan_turn("背景音樂淡入淡出", draft.model_dump(by_alias=True, exclude_none=True), media,
                     session_language="zh", rng=random.Random(1), no_text=False, edit_cost=1,
                     generation_cost=5)
    assert plan.changed
    music = [s for t in Draft.model_validate(plan.draft).tracks(1) for s in t.sg]
    assert music and (music[0].fi, music[0].fo) == (1500, 2000)


def test_fading_music_with_no_video_yet_says_there_is_no_music() -> None:
    draft, media = _state("photos")
    plan = plan_turn("fade out the music at the end", draft, media, session_language="en",
                     rng=random.Random(1), no_text=False, edit_cost=1, generation_cost=5)
    said = " ".join(s.text for s in plan.steps if getattr(s, "text", None))
    assert not plan.changed and "no music yet" in said
