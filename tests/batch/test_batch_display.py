"""What a piped batch prints: a line per state change (not per percent), nothing raw."""

from __future__ import annotations

import io
from pathlib import Path

from agent.batch.display import PlainDisplay, clean
from agent.batch.plan import Item


def test_piped_progress_is_one_line_per_state_change_and_the_table_goes_to_stdout() -> None:
    err, out = io.StringIO(), io.StringIO()
    item = Item(1, [Path("shoe.png")], "animate", name="shoe.mp4")
    display = PlainDisplay([item], "en", err=err, out=out)
    for state, percent in [("uploading", None), ("editing", None), ("rendering", 0.0),
                           ("rendering", 40.0), ("rendering", 90.0), ("saving", None)]:
        item.state, item.percent = state, percent
        display.changed(item)
    item.state, item.path, item.started, item.finished = "saved", "vids/shoe.mp4", 1.0, 4.0
    display.changed(item)
    assert err.getvalue().splitlines() == [
        "[1/1] shoe.png: uploading", "[1/1] shoe.png: editing", "[1/1] shoe.png: rendering 0%",
        "[1/1] shoe.png: saving", "[1/1] shoe.png: saved → vids/shoe.mp4"]
    display.table([item], 3.0)
    assert out.getvalue().splitlines() == ["Item\tResult\tVideo\tLength\tTime",
                                           "shoe.png\tsaved\tvids/shoe.mp4\t\t0:03"]


def test_names_and_reasons_from_outside_cannot_drive_the_terminal() -> None:
    assert clean("evil\x1b[2J\x07name.png") == "evil [2J name.png"
    assert clean("a\u202eb") == "a b"  # a right-to-left override
    assert len(clean("x" * 1000, 50)) == 50
