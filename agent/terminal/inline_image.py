"""Pictures inline in the terminal: kitty graphics, iTerm2 inline images, sixel, or half blocks.

Which one is chosen from the environment only (`TERM`, `TERM_PROGRAM`, `KITTY_WINDOW_ID`,
`LC_TERMINAL`, `TMUX`; `NEMO_IMAGES=kitty|iterm|sixel|halfblock|off` overrides): asking the
terminal (a DA1 or kitty query) means reading its answer from stdin, which prompt_toolkit owns
while the prompt is up, and a late answer would land in the person's input. Under tmux or
screen the half-block form is used (their image passthrough depends on settings we cannot see).
Not a terminal, `NO_COLOR` or `TERM=dumb`: no picture at all (the caller prints the paths).

Why our own encoders and not a library (see the issue note): textual-image probes the terminal
when its renderables are imported (raw-mode reads of stdin, the race above) and writes kitty
data to `sys.__stdout__` behind rich's back; term-image pins Pillow < 11, which pillow-heif
(HEIC uploads) cannot live with; rich-pixels draws half blocks only. Each protocol is a few
lines: kitty and iTerm2 take the PNG as base64 with a size in cells and scale it themselves;
sixel is the sheet quantised to 128 colours (fast octree) and written band by band (numpy per band and
colour); the half-block form is rich text, two pixels a cell ("▀": foreground above,
background below).

Everything goes through the rich console as control segments, so the picture lands where
rich's other output does (above the prompt, in order) and tests render it off-screen.
"""

from __future__ import annotations

import base64
import io
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

__all__ = [
    "Placement",
    "cell_size",
    "choose_protocol",
    "fit",
    "halfblock_rows",
    "iterm_sequence",
    "kitty_sequence",
    "show_image",
    "sixel_sequence",
]

Protocol = Literal["kitty", "iterm", "sixel", "halfblock"]
PROTOCOLS: tuple[Protocol, ...] = ("kitty", "iterm", "sixel", "halfblock")
MAX_COLUMNS = 100  # a sheet wider than this says nothing more, and floods a wide terminal
DEFAULT_CELL = (10, 20)  # pixels, when the terminal does not say (VT340's, as most tools assume)
KITTY_CHUNK = 4096
SIXEL_COLOURS = 128


def choose_protocol(env: Mapping[str, str], *, is_terminal: bool) -> Protocol | None:
    if not is_terminal or "NO_COLOR" in env or env.get("TERM", "") in ("dumb", ""):
        return None
    wanted = env.get("NEMO_IMAGES", "").strip().lower()
    if wanted in ("off", "none", "no", "0"):
        return None
    for protocol in PROTOCOLS:
        if wanted == protocol:
            return protocol
    term = env.get("TERM", "").lower()
    program = env.get("TERM_PROGRAM", "").lower()
    if env.get("TMUX") or term.startswith(("screen", "tmux")):
        return "halfblock"
    if term == "xterm-kitty" or env.get("KITTY_WINDOW_ID") or program == "ghostty" or "ghostty" in term:
        return "kitty"
    if program in ("iterm.app", "wezterm") or env.get("LC_TERMINAL", "").lower() == "iterm2":
        return "iterm"
    if program == "mlterm" or term.startswith(("mlterm", "foot", "yaft", "contour")) or "sixel" in term:
        return "sixel"
    return "halfblock"


def cell_size() -> tuple[int, int]:
    """(width, height) of a character cell in pixels, from the terminal's window size."""
    import fcntl
    import struct
    import sys
    import termios

    stream = sys.__stdout__
    try:
        if stream is None or not stream.isatty():
            return DEFAULT_CELL
        packed = fcntl.ioctl(stream.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
        rows, cols, width, height = struct.unpack("HHHH", packed)
    except (OSError, ValueError, AttributeError):
        return DEFAULT_CELL
    if not (rows and cols and width and height):
        return DEFAULT_CELL
    return max(1, width // cols), max(1, height // rows)


@dataclass(frozen=True)
class Placement:
    """How big the picture is drawn: in cells, and in pixels for the protocols that need it."""

    columns: int
    rows: int
    width: int
    height: int


def fit(size: tuple[int, int], max_columns: int, max_rows: int,
        cell: tuple[int, int] = DEFAULT_CELL) -> Placement:
    """The largest placement of an image of `size` within the cell box, aspect kept."""
    iw, ih = max(1, size[0]), max(1, size[1])
    cw, ch = cell
    scale = min(max_columns * cw / iw, max_rows * ch / ih, 1.0)  # never enlarged: no new detail
    width, height = max(1, int(iw * scale)), max(1, int(ih * scale))
    return Placement(columns=max(1, math.ceil(width / cw)), rows=max(1, math.ceil(height / ch)),
                     width=width, height=height)


def _png(image: Any) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def kitty_sequence(png: bytes, columns: int, rows: int) -> str:
    """Transmit and show a PNG in `columns` x `rows` cells (kitty graphics protocol, chunked)."""
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[i : i + KITTY_CHUNK] for i in range(0, len(data), KITTY_CHUNK)] or [""]
    out = []
    for i, chunk in enumerate(chunks):
        more = 1 if i < len(chunks) - 1 else 0
        head = f"a=T,f=100,q=2,c={columns},r={rows},m={more}" if i == 0 else f"m={more}"
        out.append(f"\x1b_G{head};{chunk}\x1b\\")
    return "".join(out)


def iterm_sequence(png: bytes, columns: int, rows: int) -> str:
    """Show a PNG in `columns` x `rows` cells (iTerm2's OSC 1337 inline file; WezTerm too)."""
    data = base64.standard_b64encode(png).decode("ascii")
    return (f"\x1b]1337;File=inline=1;size={len(png)};width={columns};height={rows};"
            f"preserveAspectRatio=1:{data}\x07")


def _runs(values: Any) -> Iterable[tuple[int, int]]:
    """(value, length) runs of a 1-D integer array."""
    import numpy as np

    cuts = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(values)]))
    return zip(values[starts].tolist(), (ends - starts).tolist(), strict=True)


def sixel_sequence(image: Any) -> str:
    """The RGB `image` as a DEC sixel picture (≤ 128 colours, bands of six pixel rows)."""
    import numpy as np
    from PIL import Image

    quantised = image.convert("RGB").quantize(SIXEL_COLOURS, method=Image.Quantize.FASTOCTREE,
                                              dither=Image.Dither.NONE)
    idx = np.asarray(quantised, dtype=np.int16)
    height, width = idx.shape
    palette = quantised.getpalette() or []
    used = int(idx.max()) + 1
    out = ["\x1bPq", f'"1;1;{width};{height}']
    for i in range(used):
        r, g, b = palette[3 * i : 3 * i + 3]
        out.append(f"#{i};2;{r * 100 // 255};{g * 100 // 255};{b * 100 // 255}")
    weights = (1 << np.arange(6, dtype=np.int16))[:, None]
    for top in range(0, height, 6):
        band = idx[top : top + 6]
        lines = []
        for colour in np.unique(band).tolist():
            bits = ((band == colour) * weights[: len(band)]).sum(axis=0)
            text = []
            runs = list(_runs(bits))
            if runs and runs[-1][0] == 0:
                runs.pop()  # nothing to draw at the end of the line
            for value, length in runs:
                ch = chr(63 + value)
                text.append(f"!{length}{ch}" if length > 3 else ch * length)
            lines.append(f"#{colour}" + "".join(text))
        out.append("$".join(lines) + "-")
    out.append("\x1b\\")
    return "".join(out)


def halfblock_rows(image: Any, columns: int) -> list[Any]:
    """Rich Text rows: each cell two pixels high ("▀", top in foreground, bottom in background)."""
    import numpy as np
    from PIL import Image
    from rich.color import Color
    from rich.style import Style
    from rich.text import Text

    iw, ih = image.size
    width = max(1, min(columns, iw))
    height = max(2, round(ih * width / iw / 2) * 2)  # cells are about twice as high as wide
    px = np.asarray(image.convert("RGB").resize((width, height), Image.Resampling.BOX))
    rows = []
    for y in range(0, height, 2):
        line = Text()
        for x in range(width):
            top, bottom = px[y, x], px[y + 1, x]
            line.append("▀", Style(color=Color.from_rgb(*map(int, top)),
                                  bgcolor=Color.from_rgb(*map(int, bottom))))
        rows.append(line)
    return rows


class _Raw:
    """Escape bytes for the terminal, handed to rich as a control segment (no width)."""

    def __init__(self, sequence: str) -> None:
        self.sequence = sequence

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.control import ControlType
        from rich.segment import Segment

        yield Segment(self.sequence, None, [(ControlType.BELL,)])  # written as it is
        yield Segment.line()


def show_image(console: Console, path: Path, *, env: Mapping[str, str] | None = None,
               cell: tuple[int, int] | None = None) -> bool:
    """Draw the picture at `path` inline if this terminal can; False when nothing was drawn."""
    protocol = choose_protocol(os.environ if env is None else env,
                               is_terminal=console.is_terminal)
    if protocol is None:
        return False
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError):
        return False
    columns = max(8, min(MAX_COLUMNS, console.width - 2))
    # at most half the window: the conversation above and the prompt below stay in view
    max_rows = max(6, min(30, console.height // 2))
    if protocol == "halfblock":
        wide = min(columns, image.width, int(max_rows * 2 * image.width / max(1, image.height)))
        for row in halfblock_rows(image, max(8, wide)):
            console.print(row, overflow="crop", no_wrap=True)
        return True
    place = fit(image.size, columns, max_rows, cell or cell_size())
    if protocol == "sixel":
        scaled = image.resize((place.width, place.height), Image.Resampling.LANCZOS)
        console.print(_Raw(sixel_sequence(scaled)))
        return True
    png = _png(image.resize((place.width, place.height), Image.Resampling.LANCZOS)
               if (place.width, place.height) != image.size else image)
    encode = kitty_sequence if protocol == "kitty" else iterm_sequence
    console.print(_Raw(encode(png, place.columns, place.rows)))
    return True
