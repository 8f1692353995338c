"""The timeline summary: the contract's format, from our drafts and from drafts we never saw."""

from __future__ import annotations

from typing import Any

import pytest

from agent.api import Canvas, Draft, MediaItem
from agent.core.timeline import canvas_text, media_rows, summarize


def timeline(value: Any, lang: str = "en") -> str:
    """The summary of a draft as the service sends it (object or JSON text)."""
    return summarize(Draft.read(value), lang)

CONTRACT = {
    "t": [
        {"tt": 0, "sg": [{"n": "city timelapse", "st": 0, "d": 10000}]},
        {"tt": 1, "sg": [{"gen": {"style": "lofi"}, "st": 0, "d": 10000, "vol": 0.35}]},
        {"tt": 7, "sg": [{"text": "Urban Dreams", "role": "title", "st": 0, "d": 3000}]},
    ],
    "d": 10000,
}


def test_the_contract_example_reads_exactly_as_documented() -> None:
    assert timeline(CONTRACT) == (
        'Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) '
        '3. Title: "Urban Dreams" (0-3s)'
    )


def test_chinese_summary_uses_chinese_words_and_punctuation() -> None:
    text = timeline(CONTRACT, "zh")
    assert text.startswith("时间线（3 条轨道）：")
    assert "1. 视频：city timelapse（0-10秒）" in text
    assert "2. 背景音乐：Lo-fi（0-10秒，35%）" in text
    assert '3. 标题："Urban Dreams"（0-3秒）' in text


def test_empty_and_unreadable_drafts_say_nothing_is_there() -> None:
    for draft in (None, {}, {"t": []}, {"t": [{"tt": 0, "sg": []}]}, "not json", 42, {"t": "x"}):
        assert timeline(draft) == "Nothing on the timeline yet. Upload a photo and ask for a video to get started."
    assert timeline(None, "zh").startswith("时间线上还没有内容")


def test_a_draft_sent_as_a_json_string_is_read() -> None:
    import json

    assert timeline(json.dumps(CONTRACT)).startswith("Timeline (3 tracks)")


def test_long_names_and_unknown_keys_from_other_backends() -> None:
    draft = {
        "tracks": [
            {"type": "video", "segments": [{"name": "intro.mp4", "start": 0, "duration": 4500},
                                           {"url": "https://cdn.x/clips/beach%20day.mov?sig=1", "start": 4500, "duration": 2000}]},
            {"type": "music", "clips": [{"title": "Sunny", "start_s": 1, "duration_s": 5.5, "volume": 80}]},
            {"kind": "subtitle", "items": [{"content": "Hello", "startTime": 500, "endTime": 2500}]},
            {"tt": 3, "sg": [{"n": "sticker", "st": 0, "d": 1000}]},
        ]
    }
    text = timeline(draft)
    assert text.startswith("Timeline (4 tracks):")
    assert "1. Video: intro.mp4, beach day.mov (0-6.5s)" in text
    assert "2. BGM: Sunny (1-6.5s, 80%)" in text
    assert '3. Caption: "Hello" (0.5-2.5s)' in text
    assert "4. Track: sticker (0-1s)" in text


def test_segments_without_a_start_follow_each_other() -> None:
    draft = {"t": [{"tt": 0, "sg": [{"n": "a.png", "d": 2000}, {"n": "b.png", "d": 3000}]}]}
    read = Draft.read(draft)
    assert read is not None
    assert [(s.start, s.end) for s in read.tracks[0].segments] == [(0, 2000), (2000, 5000)]
    assert timeline(draft) == "Timeline (1 track): 1. Video: a.png, b.png (0-5s)"


def test_many_segments_are_counted_not_listed() -> None:
    draft = {"t": [{"tt": 0, "sg": [{"n": f"p{i}.png", "st": i * 1000, "d": 1000} for i in range(6)]}]}
    assert timeline(draft) == "Timeline (1 track): 1. Video: p0.png, p1.png, p2.png +3 more (0-6s)"


def test_a_track_with_no_times_still_shows_its_label() -> None:
    # a text that does not say it is a caption is a title, as in the seed's example
    assert timeline({"t": [{"tt": 7, "sg": [{"text": "Hi"}]}]}) == 'Timeline (1 track): 1. Title: "Hi"'


def test_string_track_types_and_numeric_strings() -> None:
    draft = {"t": [{"tt": "1", "sg": [{"n": "song.mp3", "st": "0", "d": "2000", "vol": "0.5"}]}]}
    assert timeline(draft) == "Timeline (1 track): 1. BGM: song.mp3 (0-2s, 50%)"


def test_our_local_backend_draft_keys() -> None:
    from backend.draft import Draft, Segment, Track

    draft = Draft(t=[
        Track(tt=0, sg=[Segment(id="s1", n="beach.png", src="m1", kind="image", st=0, d=3000)]),
        Track(tt=1, sg=[Segment(id="s2", n="", gen={"style": "upbeat"}, st=0, d=3000, vol=0.3)]),
        Track(tt=7, sg=[Segment(id="s3", n="title", text="夏日", role="title", st=0, d=2000)]),
    ]).to_wire()
    assert timeline(draft) == 'Timeline (3 tracks): 1. Video: beach.png (0-3s) 2. BGM: Upbeat (0-3s, 30%) 3. Title: "夏日" (0-2s)'


def media(*items: Any) -> list[MediaItem]:
    return [m for m in map(MediaItem.read, items) if m is not None]


def test_media_rows_and_canvas() -> None:
    rows = media_rows(
        media({"filename": "beach.png", "file_type": "image", "width": 640, "height": 360},
              {"name": "clip.mp4", "type": "video", "duration": 4.25}, "raw-id"),
        media({"file_type": "video", "cdn_url": "https://x/gen_1.mp4", "duration": 6}),
    )
    assert rows == [["beach.png", "image", "640×360"], ["clip.mp4", "video", "4.2 s"],
                    ["raw-id", "", ""], ["gen_1.mp4", "generated video", "6.0 s"]]
    assert canvas_text(Canvas.read({"width": 1080, "height": 1920, "aspect": "9:16"})) == "1080×1920 (9:16)"
    assert canvas_text(Canvas.read({"aspect": "1:1"})) == "1:1"
    draft = Draft.read({"m": {"width": 1920, "height": 1080}})
    assert draft is not None and canvas_text(draft.canvas) == "1920×1080"
    assert canvas_text(None) == ""
    assert media_rows([], [], "zh") == []


def test_names_and_volume_kept_in_a_segments_metadata() -> None:
    """The service may keep a segment's name and volume in its `m` (an independent draft did)."""
    assert timeline({"t": [{"tt": 1, "sg": [{"d": 10000, "m": {"title": "Lo-fi", "volume": 0.35}}]}]}) == (
        "Timeline (1 track): 1. BGM: Lo-fi (0-10s, 35%)"
    )
    assert timeline({"t": [{"tt": 7, "sg": [{"d": 3000, "m": {"text": "Urban Dreams"}}]}]}) == (
        'Timeline (1 track): 1. Title: "Urban Dreams" (0-3s)'
    )


@pytest.mark.parametrize(
    ("segment", "shown"),
    [({"text": "A"}, "A"), ({"title": "B"}, "B"), ({"name": "C"}, "C"), ({"label": "D"}, "D"),
     ({"content": "E"}, "E"), ({"src": "/media/f.png"}, "f.png"), ({"url": "https://cdn/x/g.mp4?s=1"}, "g.mp4"),
     ({"path": "C:\\clips\\h.mov"}, "h.mov"), ({"m": {"label": "I"}}, "I"), ({"m": {"path": "/a/j.mp3"}}, "j.mp3")],
)
def test_every_key_a_draft_may_name_a_segment_by(segment: dict[str, Any], shown: str) -> None:
    assert timeline({"t": [{"tt": 0, "sg": [{"d": 1000, **segment}]}]}) == f"Timeline (1 track): 1. Video: {shown} (0-1s)"


def test_the_typed_draft_keeps_fades_motion_transition_and_position() -> None:
    from backend.draft import Draft as BackendDraft

    wire = BackendDraft.model_validate({"t": [
        {"tt": 0, "sg": [{"id": "v", "n": "a.png", "st": 0, "d": 2000, "fx": {"motion": "zoom_in"},
                         "tr": {"type": "crossfade", "d": 500}}]},
        {"tt": 1, "sg": [{"id": "m", "gen": {"style": "lofi"}, "st": 0, "d": 2000, "vol": 0.5, "fi": 300, "fo": 700}]},
        {"tt": 7, "sg": [{"id": "t", "text": "Hi", "role": "caption", "pos": "bottom", "st": 500, "d": 1000}]},
    ], "m": {"title": "Trip", "width": 1080, "height": 1920, "aspect": "9:16"}}).to_wire()
    draft = Draft.read(wire)
    assert draft is not None and draft.raw == wire and draft.title == "Trip" and draft.end == 2000
    video, music, text = (track.segments[0] for track in draft.tracks)
    assert (video.motion, video.transition, video.duration) == ("zoom_in", "crossfade", 2000)
    assert (music.role, music.music_style, music.volume, music.fade_in, music.fade_out) == ("bgm", "lofi", 0.5, 300, 700)
    assert (text.role, text.name, text.position, text.start, text.end) == ("caption", "Hi", "bottom", 500, 1500)
    assert canvas_text(draft.canvas) == "1080×1920 (9:16)"
