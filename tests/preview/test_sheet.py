"""The contact sheet: tiles in reading order, each stamped with its time, one PNG."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from agent.preview.sheet import GAP, Tile, grid, make_sheet, stamp

COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (30, 200, 200),
           (200, 30, 200), (120, 120, 120), (250, 140, 20), (90, 40, 160)]


def test_stamps_read_like_a_player_clock():
    assert stamp(4.5) == "0:04.5"
    assert stamp(0.0) == "0:00.0"
    assert stamp(62.0) == "1:02.0"
    assert stamp(599.9) == "9:59.9"
    assert stamp(3605.2) == "1:00:05.2"


def test_grid_fits_six_to_twelve_tiles():
    assert grid(6) == (3, 2)
    assert grid(9) == (3, 3)
    assert grid(12) == (4, 3)


def test_tiles_are_laid_out_in_order_with_their_times(tmp_path):
    tw, th = 64, 36
    tiles = [Tile(i * 1.5, np.full((th, tw, 3), c, np.uint8)) for i, c in enumerate(COLOURS)]
    out = make_sheet(tiles, tmp_path / "sheet.png")
    assert out == tmp_path / "sheet.png"
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.png"]  # no temporary file left
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape == (GAP + 3 * (th + GAP), GAP + 3 * (tw + GAP), 3)
    for i, colour in enumerate(COLOURS):
        x = GAP + (i % 3) * (tw + GAP)
        y = GAP + (i // 3) * (th + GAP)
        top_right = img[y + 3, x + tw - 4]
        assert tuple(int(v) for v in top_right) == colour  # the tile, in reading order
        label = img[y + th - th // 3 : y + th - 2, x + 2 : x + tw // 2]
        # the stamp: white ink on a dark box over the lower left corner
        assert (label.min(axis=2) > 200).any() and (label.max(axis=2) < 110).any()


def test_no_tiles_is_refused(tmp_path):
    with pytest.raises(ValueError):
        make_sheet([], tmp_path / "sheet.png")
