"""What changed between two states, said the way a person reads it (turns with no text)."""

from __future__ import annotations

from typing import Any

from agent.api import SessionState
from agent.core.diff import describe_changes, state_fingerprint


def state(*tracks: dict[str, Any], media: list[Any] | None = None, gen: list[Any] | None = None,
          canvas: dict[str, Any] | None = None) -> SessionState:
    """A state as the service's reply carries it."""
    return SessionState.from_data({"state": {
        "draft": {"t": list(tracks)}, "video_infos": media or [], "generated_media": gen or [],
        "canvas_config": canvas}})


VIDEO = {"tt": 0, "sg": [{"id": "v1", "n": "beach.png", "st": 0, "d": 3000}]}


def test_an_added_title_reads_like_the_spec() -> None:
    after = state(VIDEO, {"tt": 7, "sg": [{"id": "t1", "text": "Urban Dreams", "role": "title", "st": 0, "d": 3000}]})
    assert describe_changes(state(VIDEO), after) == ["Added title “Urban Dreams” (0–3 s)"]
    assert describe_changes(state(VIDEO), after, "zh") == ["添加了标题“Urban Dreams”（0–3 秒）"]


def test_nothing_changed_is_an_empty_list() -> None:
    assert describe_changes(state(VIDEO), state(VIDEO)) == []
    assert state_fingerprint(state(VIDEO)) == state_fingerprint(state(VIDEO))


def test_moves_volume_renames_removals_and_effects() -> None:
    before = state(
        {"tt": 0, "sg": [{"id": "v1", "n": "beach.png", "st": 0, "d": 3000, "fx": {"motion": "none"}}]},
        {"tt": 1, "sg": [{"id": "m1", "n": "Lo-fi", "st": 0, "d": 3000, "vol": 1.0}]},
        {"tt": 7, "sg": [{"id": "t1", "text": "Hi", "role": "caption", "st": 0, "d": 1000}]},
    )
    after = state(
        {"tt": 0, "sg": [{"id": "v1", "n": "beach.png", "st": 0, "d": 3000, "fx": {"motion": "zoom_in"}}]},
        {"tt": 1, "sg": [{"id": "m1", "n": "Lo-fi", "st": 0, "d": 3000, "vol": 0.35}]},
        {"tt": 7, "sg": [{"id": "t1", "text": "Hello", "role": "caption", "st": 1000, "d": 2000}]},
        canvas={"width": 1080, "height": 1920, "aspect": "9:16"},
    )
    before.canvas_config = {"width": 1920, "height": 1080, "aspect": "16:9"}
    lines = describe_changes(before, after)
    assert "Changed the motion of photo “beach.png” to zoom in" in lines
    assert "Set music “Lo-fi” to 35% volume" in lines
    assert "Changed the caption “Hi” to “Hello”" in lines
    assert "Moved caption “Hello” to 1–3 s" in lines
    assert lines[-1] == "Changed the canvas to 1080×1920 (9:16)"
    removed = describe_changes(after, state())
    assert "Removed photo “beach.png”" in removed and "Removed caption “Hello”" in removed


def test_without_ids_segments_are_matched_by_label() -> None:
    before = state({"tt": 0, "sg": [{"n": "a.png", "st": 0, "d": 2000}]})
    after = state({"tt": 0, "sg": [{"n": "b.png", "st": 0, "d": 2000}, {"n": "a.png", "st": 2000, "d": 2000}]})
    assert describe_changes(before, after) == ["Added photo “b.png” (0–2 s)", "Moved photo “a.png” to 2–4 s"]


def test_new_media_and_generated_clips() -> None:
    after = state(VIDEO, media=[{"filename": "song.mp3"}], gen=[{"id": "g1"}, {"id": "g2"}])
    assert describe_changes(state(VIDEO), after) == ["Added song.mp3 to your media", "Generated 2 new clips"]
    assert describe_changes(None, state(VIDEO)) == ["Added photo “beach.png” (0–3 s)"]


def test_a_state_made_from_a_raw_draft_reads_the_same() -> None:
    before = SessionState(draft={"t": [VIDEO]})
    after = SessionState(draft={"t": [VIDEO, {"tt": 1, "sg": [{"gen": {"style": "lofi"}, "st": 0, "d": 3000}]}]})
    assert describe_changes(before, after) == ["Added music “Lo-fi” (0–3 s)"]


# every change a person can ask for, as the local backend's draft spells it
PHOTOS = [
    {"id": "p1", "n": "one.jpg", "kind": "image", "st": 0, "d": 3000, "fx": {"motion": "zoom_in"}},
    {"id": "p2", "n": "two.jpg", "kind": "image", "st": 3000, "d": 3000, "fx": {"motion": "zoom_in"}},
]
TEXTS = [{"id": "t1", "text": "Summer", "role": "title", "st": 0, "d": 3000, "pos": "center"}]
MUSIC = [{"id": "m1", "n": "Soft piano", "st": 0, "d": 6000, "vol": 1.0, "kind": "audio"}]


def full(photos: list[Any], texts: list[Any], music: list[Any], aspect: str = "16:9") -> SessionState:
    sizes = {"16:9": (1920, 1080), "9:16": (1080, 1920)}
    width, height = sizes[aspect]
    return state({"tt": 0, "sg": photos}, {"tt": 7, "sg": texts}, {"tt": 1, "sg": music},
                 canvas={"width": width, "height": height, "aspect": aspect})


def test_a_silent_edit_names_every_kind_of_change() -> None:
    before = full(PHOTOS, TEXTS, MUSIC)
    photos = [
        {**PHOTOS[0], "d": 5000, "fx": {"motion": "pan_left"}},
        {**PHOTOS[1], "st": 4500, "d": 3000, "tr": {"type": "crossfade", "d": 500}},
    ]
    texts = [{**TEXTS[0], "st": 1000, "d": 2000, "pos": "bottom"},
             {"id": "t2", "text": "At the beach", "role": "caption", "st": 4000, "d": 3000,
              "pos": "bottom"}]
    music = [{**MUSIC[0], "vol": 0.35, "fi": 1000, "fo": 2000}]
    lines = describe_changes(before, full(photos, texts, music, "9:16"))
    for expected in (
        "Set photo “one.jpg” to 5 s (was 3 s)",
        "Changed the motion of photo “one.jpg” to pan left",
        "Changed the transition into photo “two.jpg” to crossfade 0.5 s",
        "Moved title “Summer” to 1–3 s",
        "Moved title “Summer” to the bottom",
        "Added caption “At the beach” (4–7 s)",
        "Set music “Soft piano” to 35% volume",
        "Set the fades of music “Soft piano”: fade 1 s in, 2 s out",
        "Changed the canvas to 1080×1920 (9:16)",
    ):
        assert expected in lines, (expected, lines)


def test_order_removals_and_generated_music_are_named() -> None:
    before = full(PHOTOS, TEXTS, [])
    swapped = [{**PHOTOS[1], "st": 0}, {**PHOTOS[0], "st": 3000}]
    gen = [{"id": "g1", "name": "Soft piano", "type": "audio"}]
    after = SessionState.from_data({"state": {
        "draft": {"t": [{"tt": 0, "sg": swapped}, {"tt": 1, "sg": MUSIC}]},
        "generated_media": gen, "canvas_config": None}})
    lines = describe_changes(before, after)
    assert lines[0] == "Changed the order of the photos: two.jpg, one.jpg"
    assert "Removed title “Summer”" in lines
    assert "Added music “Soft piano” (0–6 s)" in lines
    assert not any("clip" in line for line in lines)  # the music is named, never "a new clip"
    assert not any(line.startswith("Moved photo") for line in lines)  # the order says it


def test_the_change_list_in_taiwan_chinese() -> None:
    before = full(PHOTOS, TEXTS, MUSIC)
    photos = [{**PHOTOS[0], "d": 5000}, {**PHOTOS[1], "st": 5000}]
    lines = describe_changes(before, full(photos, [{**TEXTS[0], "pos": "top"}], MUSIC), "zh-Hant")
    assert "把照片“one.jpg”改成 5 秒（原來 3 秒）" in lines
    assert "把標題“Summer”移到了頂部" in lines


def test_the_photo_that_became_first_has_no_transition_to_report() -> None:
    faded = [PHOTOS[0], {**PHOTOS[1], "tr": {"type": "fade", "d": 500}}]
    swapped = [{**PHOTOS[1], "st": 0}, {**PHOTOS[0], "st": 3000, "tr": {"type": "fade", "d": 500}}]
    lines = describe_changes(full(faded, [], []), full(swapped, [], []))
    assert lines == [
        "Changed the order of the photos: two.jpg, one.jpg",
        "Changed the transition into photo “one.jpg” to fade through black 0.5 s",
    ]
