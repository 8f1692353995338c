"""The contact sheet: frames in, one PNG out.

Tiles in reading order on a dark ground, each stamped with its time (`0:04.5`) in its lower
left corner, so a person sees the whole video at a glance and can point at a moment
("at 0:12 the title is cut off"). The PNG is written beside its final name and renamed into
place: a reader (or a second writer) never sees half a picture.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MAX_TILES", "MIN_TILES", "Tile", "grid", "make_sheet", "stamp"]

MIN_TILES, MAX_TILES = 6, 12
GAP = 6  # pixels between tiles and around the sheet
GROUND = (18, 18, 20)
LABEL_INK = (255, 255, 255)
LABEL_BACK = (0, 0, 0, 160)


@dataclass(frozen=True)
class Tile:
    seconds: float
    pixels: Any  # (h, w, 3) uint8 RGB; every tile of a sheet has the same size


def stamp(seconds: float) -> str:
    """0:04.5, 1:02.0, 1:00:05.0 (tenths: the sampler picks times on whole tenths)."""
    tenths = max(0, round(seconds * 10))
    s, tenth = divmod(tenths, 10)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}.{tenth}" if h else f"{m}:{s:02d}.{tenth}"


def grid(count: int) -> tuple[int, int]:
    """(columns, rows): 3 across up to 9 tiles, 4 across beyond."""
    columns = 3 if count <= 9 else 4
    return columns, max(1, math.ceil(count / columns))


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # a Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def make_sheet(tiles: Sequence[Tile], out: Path) -> Path:
    """Lay `tiles` out and write the PNG to `out` (via a temporary file in the same folder)."""
    from PIL import Image, ImageDraw

    if not tiles:
        raise ValueError("a contact sheet needs at least one tile")
    th, tw = tiles[0].pixels.shape[:2]
    columns, rows = grid(len(tiles))
    sheet = Image.new("RGB", (GAP + columns * (tw + GAP), GAP + rows * (th + GAP)), GROUND)
    overlay = Image.new("RGBA", sheet.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    font = _font(max(10, th // 9))
    pad = max(2, th // 40)
    for i, tile in enumerate(tiles):
        x = GAP + (i % columns) * (tw + GAP)
        y = GAP + (i // columns) * (th + GAP)
        sheet.paste(Image.fromarray(tile.pixels[:th, :tw]), (x, y))
        text = stamp(tile.seconds)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        box = (x + pad, y + th - pad - (bottom - top) - 2 * pad,
               x + pad + (right - left) + 2 * pad, y + th - pad)
        draw.rectangle(box, fill=LABEL_BACK)
        draw.text((box[0] + pad - left, box[1] + pad - top), text, font=font, fill=LABEL_INK)
    sheet = Image.alpha_composite(sheet.convert("RGBA"), overlay).convert("RGB")
    out = Path(out)
    part = out.with_name(f".{out.name}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        sheet.save(part, format="PNG", compress_level=3)
        os.replace(part, out)
    finally:
        with contextlib.suppress(OSError):
            part.unlink()
    return out
