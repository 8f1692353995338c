"""`status`: a header row, then one row per segment with every setting a person can change."""

from __future__ import annotations

from typing import Any

import pytest

from agent.api import SessionState
from agent.core.readouts import timeline_event

# what the local backend keeps after "make a video", a title, a caption and soft music: three
# photos with crossfades (the video is 11 s, not 12), one text track holding a title and a
# caption, a music bed as long as the video
DRAFT: dict[str, Any] = {
    "t": [
        {"tt": 0, "sg": [
            {"id": "s1", "n": "photo1.jpg", "st": 0, "d": 4000, "kind": "image",
             "fx": {"motion": "zoom_in", "amount": 0.15}},
            {"id": "s2", "n": "photo2.jpg", "st": 3500, "d": 4000, "kind": "image",
             "fx": {"motion": "pan_right"}, "tr": {"type": "crossfade", "d": 500}},
            {"id": "s3", "n": "photo3.jpg", "st": 7000, "d": 4000, "kind": "image",
             "fx": {"motion": "zoom_out"}, "tr": {"type": "fade", "d": 1000}},
        ]},
        {"tt": 1, "sg": [{"id": "m", "n": "Soft piano", "st": 0, "d": 11000, "vol": 0.35,
                          "fi": 500, "fo": 2000, "gen": {"style": "calm"}}]},
        {"tt": 7, "sg": [
            {"id": "t1", "text": "Summer trip", "role": "title", "st": 0, "d": 3000,
             "pos": "center", "fi": 300, "fo": 300},
            {"id": "t2", "text": "At the beach", "role": "caption", "st": 4000, "d": 3000,
             "pos": "bottom"},
        ]},
    ],
    "d": 11000,
    "m": {"width": 1920, "height": 1080, "aspect": "16:9"},
}


def state(draft: Any = DRAFT) -> SessionState:
    return SessionState.model_validate(
        {"draft": draft, "canvas_config": {"width": 1920, "height": 1080, "aspect": "16:9"}}
    )


def test_every_segment_has_its_row_under_a_header() -> None:
    event = timeline_event(state(), "en")
    assert event.summary == "Timeline, 11 s in all:"
    assert event.columns == ["Track", "What", "Time", "Length", "Details"]
    assert event.tracks == [
        ["Photo 1", "photo1.jpg", "0–4 s", "4 s", "zoom in"],
        ["Photo 2", "photo2.jpg", "3.5–7.5 s", "4 s", "pan right · crossfade 0.5 s"],
        ["Photo 3", "photo3.jpg", "7–11 s", "4 s", "zoom out · fade through black 1 s"],
        ["Music", "Soft piano", "0–11 s", "11 s", "volume 35% · fade 0.5 s in, 2 s out"],
        ["Title", "“Summer trip”", "0–3 s", "3 s", "center · fade 0.3 s in, 0.3 s out"],
        ["Caption", "“At the beach”", "4–7 s", "3 s", "bottom"],
    ]
    assert event.canvas == "1920×1080 (16:9)"


def test_a_title_and_a_caption_are_never_one_row() -> None:
    rows = timeline_event(state(), "en").tracks
    assert not any("Summer trip" in row[1] and "At the beach" in row[1] for row in rows)


@pytest.mark.parametrize(
    ("lang", "heading", "photo", "music"),
    [
        ("zh", "时间线，共 11 秒：", ["照片 2", "photo2.jpg", "3.5–7.5 秒", "4 秒", "向右平移，交叉淡化 0.5 秒"],
         ["音乐", "Soft piano", "0–11 秒", "11 秒", "音量 35%，淡入 0.5 秒，淡出 2 秒"]),
        ("zh-Hant", "時間線，共 11 秒：", ["照片 2", "photo2.jpg", "3.5–7.5 秒", "4 秒", "向右平移，交叉淡化 0.5 秒"],
         ["音樂", "Soft piano", "0–11 秒", "11 秒", "音量 35%，淡入 0.5 秒，淡出 2 秒"]),
    ],
)
def test_chinese_rows_use_the_persons_script(
    lang: str, heading: str, photo: list[str], music: list[str]
) -> None:
    event = timeline_event(state(), lang)
    assert event.summary == heading
    assert event.tracks[1] == photo and event.tracks[3] == music
    assert event.tracks[5][4] == "底部"


def test_a_draft_from_another_backend_still_gets_rows() -> None:
    draft = {"tracks": [{"type": "video", "segments": [
        {"name": "intro.mp4", "start": 0, "duration": 4500, "transition": "crossfade"}]}]}
    event = timeline_event(state(draft), "en")
    assert event.tracks == [["Clip", "intro.mp4", "0–4.5 s", "4.5 s", "crossfade"]]


def test_an_empty_timeline_has_no_table_but_says_what_to_do() -> None:
    event = timeline_event(state({"t": []}), "en")
    assert event.columns == [] and event.tracks == []
    assert event.summary.startswith("Nothing on the timeline yet")
