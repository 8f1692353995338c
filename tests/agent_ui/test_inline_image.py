"""Inline pictures, checked off-screen: the bytes each protocol writes decode to the picture,
at the size asked for; no picture at all where the output is not a terminal that can show one."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from agent.events import PreviewReady
from agent.terminal.inline_image import (
    choose_protocol,
    fit,
    iterm_sequence,
    kitty_sequence,
    show_image,
    sixel_sequence,
)
from agent.terminal.plain_renderer import PlainRenderer

TERMINAL = {"TERM": "xterm-256color"}


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    """Four flat quadrants (red, green, blue, white): easy to recognise after any encoding."""
    px = np.zeros((120, 200, 3), np.uint8)
    px[:60, :100] = (220, 20, 20)
    px[:60, 100:] = (20, 200, 20)
    px[60:, :100] = (20, 20, 220)
    px[60:, 100:] = (240, 240, 240)
    path = tmp_path / "sheet.png"
    Image.fromarray(px).save(path)
    return path


def _console(width: int = 60, height: int = 30, terminal: bool = True) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    console = Console(file=buf, width=width, height=height, force_terminal=terminal,
                      color_system="truecolor" if terminal else None)
    return console, buf


def test_the_protocol_comes_from_the_environment():
    assert choose_protocol({"TERM": "xterm-kitty"}, is_terminal=True) == "kitty"
    assert choose_protocol({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, is_terminal=True) == "kitty"
    assert choose_protocol({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, is_terminal=True) == "iterm"
    assert choose_protocol({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, is_terminal=True) == "iterm"
    assert choose_protocol({"TERM": "foot"}, is_terminal=True) == "sixel"
    assert choose_protocol(TERMINAL, is_terminal=True) == "halfblock"
    # tmux: half blocks, even inside kitty
    assert choose_protocol({"TERM": "tmux-256color", "KITTY_WINDOW_ID": "1"}, is_terminal=True) == "halfblock"
    assert choose_protocol({**TERMINAL, "TMUX": "/tmp/tmux-0/default,1,0"}, is_terminal=True) == "halfblock"
    # no picture: piped, NO_COLOR, a dumb terminal, or turned off
    assert choose_protocol({"TERM": "xterm-kitty"}, is_terminal=False) is None
    assert choose_protocol({"TERM": "xterm-kitty", "NO_COLOR": "1"}, is_terminal=True) is None
    assert choose_protocol({"TERM": "dumb"}, is_terminal=True) is None
    assert choose_protocol({**TERMINAL, "NEMO_IMAGES": "off"}, is_terminal=True) is None
    assert choose_protocol({**TERMINAL, "NEMO_IMAGES": "sixel"}, is_terminal=True) == "sixel"


def test_fit_keeps_the_aspect_within_the_cells_and_never_enlarges():
    place = fit((1000, 400), max_columns=50, max_rows=40, cell=(10, 20))
    assert (place.width, place.height) == (500, 200)
    assert (place.columns, place.rows) == (50, 10)
    tall = fit((400, 1000), max_columns=50, max_rows=10, cell=(10, 20))
    assert tall.height == 200 and tall.rows == 10 and tall.width == 80
    small = fit((120, 60), max_columns=50, max_rows=40, cell=(10, 20))
    assert (small.width, small.height) == (120, 60)


def _kitty_payload(text: str) -> tuple[dict[str, str], bytes]:
    packets = re.findall(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\", text)
    assert packets, "no kitty graphics packets"
    first = dict(kv.split("=") for kv in packets[0][0].split(","))
    assert [dict(kv.split("=") for kv in p[0].split(","))["m"] for p in packets][-1] == "0"
    return first, base64.b64decode("".join(p[1] for p in packets))


def test_kitty_sends_the_png_in_chunks_for_the_cells_asked(sheet: Path):
    png = sheet.read_bytes() * 1  # any PNG
    text = kitty_sequence(png, 12, 4)
    params, data = _kitty_payload(text)
    assert params["a"] == "T" and params["f"] == "100" and (params["c"], params["r"]) == ("12", "4")
    assert data == png
    big = bytes(range(256)) * 40  # > one chunk
    assert len(re.findall(r"\x1b_G", kitty_sequence(big, 1, 1))) > 1
    assert _kitty_payload(kitty_sequence(big, 1, 1))[1] == big


def test_iterm_sends_the_png_with_its_size_in_cells(sheet: Path):
    png = sheet.read_bytes()
    text = iterm_sequence(png, 20, 6)
    m = re.fullmatch(r"\x1b\]1337;File=([^:]*):([A-Za-z0-9+/=]*)\x07", text)
    assert m is not None
    args = dict(kv.split("=") for kv in m.group(1).split(";"))
    assert (args["width"], args["height"], args["inline"]) == ("20", "6", "1")
    assert base64.b64decode(m.group(2)) == png


def _decode_sixel(text: str) -> np.ndarray:
    """A small sixel reader: palette, colour select, repeat, carriage return, next band."""
    body = text[text.index("q") + 1 : text.rindex("\x1b\\")]
    raster = re.match(r'"1;1;(\d+);(\d+)', body)
    assert raster is not None
    width, height = int(raster.group(1)), int(raster.group(2))
    body = body[raster.end():]
    img = np.zeros((height, width, 3), np.uint8)
    palette: dict[int, tuple[int, int, int]] = {}
    colour, x, top = 0, 0, 0
    for m in re.finditer(r"#(\d+);2;(\d+);(\d+);(\d+)|#(\d+)|!(\d+)(.)|([?-~])|(\$)|(-)", body):
        if m.group(1):
            palette[int(m.group(1))] = tuple(int(int(m.group(i)) * 255 / 100) for i in (2, 3, 4))
        elif m.group(5):
            colour = int(m.group(5))
        elif m.group(6) or m.group(8):
            count = int(m.group(6)) if m.group(6) else 1
            bits = ord(m.group(7) or m.group(8)) - 63
            for bit in range(6):
                if bits >> bit & 1 and top + bit < height:
                    img[top + bit, x : x + count] = palette[colour]
            x += count
        elif m.group(9):
            x = 0
        elif m.group(10):
            x, top = 0, top + 6
    return img


def test_sixel_decodes_back_to_the_picture_at_its_size(sheet: Path):
    image = Image.open(sheet).convert("RGB")
    text = sixel_sequence(image)
    assert text.startswith("\x1bPq") and text.endswith("\x1b\\")
    assert text.count("-") >= 120 // 6
    decoded = _decode_sixel(text)
    assert decoded.shape == (120, 200, 3)
    original = np.asarray(image).astype(int)
    assert np.abs(decoded.astype(int) - original).mean() < 6  # colours to within rounding


def test_half_blocks_draw_two_pixels_a_cell_in_their_colours(sheet: Path):
    console, buf = _console(width=42)  # 40 columns for the picture, a margin of 2
    assert show_image(console, sheet, env=TERMINAL)
    out = buf.getvalue()
    lines = [line for line in out.splitlines() if "▀" in line]
    assert len(lines) == 12  # 40 columns: 200x120 -> 40x24 pixels -> 12 rows
    assert all(line.count("▀") == 40 for line in lines)
    assert "38;2;220;20;20" in lines[0] and "38;2;20;200;20" in lines[0]  # red, then green
    assert "48;2;240;240;240" in lines[-1]  # white at the bottom right
    assert "\x1b_G" not in out and "\x1bP" not in out and "1337" not in out


def test_kitty_through_the_console_is_sized_to_the_terminal(sheet: Path):
    console, buf = _console(width=22, height=40)
    assert show_image(console, sheet, env={"TERM": "xterm-kitty"}, cell=(10, 20))
    params, data = _kitty_payload(buf.getvalue())
    assert params["c"] == "20"  # the console's width less a margin
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (200, 120)  # fits 20 cells of 10 px: not enlarged, not shrunk
    assert params["r"] == "6"


def test_nothing_is_drawn_off_a_terminal_or_with_no_color(sheet: Path):
    console, buf = _console(terminal=False)
    assert not show_image(console, sheet, env={"TERM": "xterm-kitty"})
    console2, buf2 = _console()
    assert not show_image(console2, sheet, env={"TERM": "xterm-kitty", "NO_COLOR": "1"})
    assert buf.getvalue() == "" and buf2.getvalue() == ""


def test_piped_output_names_the_files_and_holds_no_image_bytes(sheet: Path):
    out = io.StringIO()
    renderer = PlainRenderer(out, "zh")
    renderer.handle(PreviewReady(sheet=str(sheet), video="/cache/preview.mp4", times=[0.5]))
    text = out.getvalue()
    assert text == f"缩略图：{sheet}\n预览视频：/cache/preview.mp4\n"


def test_the_rich_renderer_shows_the_sheet_then_links_to_both_files(
        sheet: Path, monkeypatch: pytest.MonkeyPatch):
    from agent.terminal.rich_renderer import RichRenderer

    for var in ("TMUX", "NO_COLOR", "KITTY_WINDOW_ID", "TERM_PROGRAM", "LC_TERMINAL", "NEMO_IMAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    console, buf = _console(width=62)
    renderer = RichRenderer(console, "en")
    video = sheet.with_name("preview.mp4")
    renderer.handle(PreviewReady(sheet=str(sheet), video=str(video), times=[0.5, 1.0]))
    out = buf.getvalue()
    assert out.index("▀") < out.index("Contact sheet:")  # the picture, then the paths
    assert "\x1b]8;id=" in out and sheet.resolve().as_uri() in out  # OSC 8 links
    assert video.resolve().as_uri() in out and "/open" in out


def test_a_saved_export_path_is_a_hyperlink(tmp_path: Path):
    from agent.events import FileSaved
    from agent.terminal.rich_renderer import RichRenderer

    console, buf = _console(width=120)
    saved = tmp_path / "beach-20260101-120000.mp4"
    RichRenderer(console, "en").handle(FileSaved(path=str(saved), size=2048, duration=3.0))
    out = buf.getvalue()
    assert "\x1b]8;id=" in out and saved.resolve().as_uri() in out


@pytest.mark.parametrize("protocol", ["halfblock", "kitty"])
def test_the_sheet_takes_at_most_half_the_window(sheet: Path, protocol: str):
    """A wide terminal of 24 lines: the picture may not push the conversation off the screen."""
    console, buf = _console(width=160, height=24)
    env = TERMINAL if protocol == "halfblock" else {"TERM": "xterm-kitty"}
    assert show_image(console, sheet, env=env, cell=(10, 20))
    out = buf.getvalue()
    if protocol == "halfblock":
        assert 6 <= len([line for line in out.splitlines() if "▀" in line]) <= 12
    else:
        params, _ = _kitty_payload(out)
        assert int(params["r"]) <= 12
