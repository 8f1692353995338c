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
    assert "Updated clip “beach.png”" in lines
    assert "Set music “Lo-fi” to 35% volume" in lines
    assert "Changed the caption “Hi” to “Hello”" in lines
    assert "Moved caption “Hello” to 1–3 s" in lines
    assert lines[-1] == "Changed the canvas to 1080×1920 (9:16)"
    removed = describe_changes(after, state())
    assert "Removed clip “beach.png”" in removed and "Removed caption “Hello”" in removed


def test_without_ids_segments_are_matched_by_label() -> None:
    before = state({"tt": 0, "sg": [{"n": "a.png", "st": 0, "d": 2000}]})
    after = state({"tt": 0, "sg": [{"n": "b.png", "st": 0, "d": 2000}, {"n": "a.png", "st": 2000, "d": 2000}]})
    assert describe_changes(before, after) == ["Added clip “b.png” (0–2 s)", "Moved clip “a.png” to 2–4 s"]


def test_new_media_and_generated_clips() -> None:
    after = state(VIDEO, media=[{"filename": "song.mp3"}], gen=[{"id": "g1"}, {"id": "g2"}])
    assert describe_changes(state(VIDEO), after) == ["Added song.mp3 to your media", "Generated 2 new clips"]
    assert describe_changes(None, state(VIDEO)) == ["Added clip “beach.png” (0–3 s)"]


def test_a_state_made_from_a_raw_draft_reads_the_same() -> None:
    before = SessionState(draft={"t": [VIDEO]})
    after = SessionState(draft={"t": [VIDEO, {"tt": 1, "sg": [{"gen": {"style": "lofi"}, "st": 0, "d": 3000}]}]})
    assert describe_changes(before, after) == ["Added music “Lo-fi” (0–3 s)"]
