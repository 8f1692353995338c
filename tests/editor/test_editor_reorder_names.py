"""Photos on the timeline named by their file names in a reorder: "swap a.jpg and b.jpg" was
read as a replace of photo 1, "move c.jpg to the start" and 把a.jpg放到最后 did nothing."""

from __future__ import annotations

import random

import pytest

from backend.editor.apply import Editor, Media
from backend.editor.parse import Op, parse
from backend.editor.turn import Say, plan_turn

NAMES = ("a.jpg", "b.jpg", "c.jpg")
MEDIA = [Media(f"m{i}", n, "image", f"http://x/{n}") for i, n in enumerate(NAMES)]


@pytest.mark.parametrize(("text", "args"), [
    ("swap a.jpg and b.jpg", {"swap": [1, 2]}),
    ("swap a.jpg and c.jpg", {"swap": [1, 3]}),
    ("把c.jpg和a.jpg对调", {"swap": [3, 1]}),
    ("move c.jpg to the start", {"move": 3, "to": 1}),
    ("put c.jpg first", {"move": 3, "to": 1}),
    ("move a.jpg to the end", {"move": 1, "to": -1}),
    ("把a.jpg放到最后", {"move": 1, "to": -1}),
    ("move b.jpg after c.jpg", {"move": 2, "to": 3}),
    ("swap the first and second photo", {"swap": [1, 2]}),  # ordinals still work
])
def test_a_reorder_names_photos_by_file_name(text: str, args: dict[str, object]) -> None:
    assert [(op.kind, op.args) for op in parse(text, NAMES, NAMES).ops] == [("reorder", args)]


def test_swapping_two_named_photos_changes_the_order_and_says_so() -> None:
    ed = Editor(None, list(MEDIA))
    ed.apply(Op("animate", {"motion": None, "smooth": True}))
    plan = plan_turn("swap a.jpg and c.jpg", ed.wire(), MEDIA, session_language="en",
                     rng=random.Random(1), no_text=False, edit_cost=1, generation_cost=5)
    assert plan.draft is not None
    order = [s["n"] for t in plan.draft["t"] if t["tt"] == 0 for s in t["sg"]]
    assert order == ["c.jpg", "b.jpg", "a.jpg"]
    said = " ".join(s.text for s in plan.steps if isinstance(s, Say) and s.text)
    assert "c.jpg" in said and "replace" not in said.lower()


@pytest.mark.parametrize(("text", "language", "said"), [
    ("put a.jpg first", "en", "“a.jpg” is already photo 1"),
    ("move the first photo to the start", "en", "“a.jpg” is already photo 1"),
    ("把c.jpg放到最后", "zh", "“c.jpg”已经是第 3 张了"),
])
def test_moving_a_photo_to_where_it_is_says_so(text: str, language: str, said: str) -> None:
    ed = Editor(None, list(MEDIA))
    ed.apply(Op("animate", {"motion": None, "smooth": True}))
    plan = plan_turn(text, ed.wire(), MEDIA, session_language=language,
                     rng=random.Random(1), no_text=False, edit_cost=1, generation_cost=5)
    assert plan.cost == 0  # nothing changed, nothing charged
    assert said in " ".join(s.text for s in plan.steps if isinstance(s, Say) and s.text)
