"""Titles and captions: font discovery (CJK first), wrapping, and a pre-drawn layer per text.

Text is drawn once with Pillow (FreeType, raqm shaping) into a small RGBA block, converted to the
frame's Y'CbCr planes with its own alpha, then blended per frame with the fade level. Chinese
needs a font with CJK glyphs: we ask fontconfig (`fc-list :lang=zh`), then look in the usual
font folders; `NEMO_FONT` names a font file to use instead. Without one, Latin still renders
(Pillow's bundled font) and the render result carries a warning for any text that would show
as empty boxes.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backend.draft import Segment

log = logging.getLogger(__name__)

NO_CJK_FONT_WARNING = (
    "No font with Chinese/Japanese/Korean glyphs was found, so such text would show as empty "
    "boxes; install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) or set NEMO_FONT to a "
    "font file."
)

_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/System/Library/Fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
_CJK_NAMES = re.compile(
    r"(NotoSansCJK|NotoSansSC|SourceHanSans|wqy-(zenhei|microhei)|DroidSansFallback|msyh|simhei|"
    r"PingFang|Hiragino Sans GB|STHeiti|NotoSerifCJK|SourceHanSerif|ArialUnicode)",
    re.IGNORECASE,
)
_LATIN_NAMES = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf",
                "DejaVuSans.ttf")
_CJK_CHAR = re.compile(r"[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                       r"\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_NO_LINE_START = set("，。！？、；：）」』》〉】,.!?;:)]}%”’…")


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0
    name: str = ""


@dataclass(frozen=True)
class Fonts:
    cjk: FontFile | None
    latin: FontFile | None


def _fc_list_cjk() -> list[tuple[int, FontFile]]:
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, ":lang=zh", "--format", "%{file}|%{index}|%{family[0]}|%{style[0]}\n"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) != 4 or not parts[0]:
            continue
        path, index, family, style = parts
        score = 0
        score += 4 if "Sans" in family and "Mono" not in family else 0
        score += 3 if re.search(r"\b(SC|CN|GB)\b", family) else 0
        score += {"Bold": 2, "Medium": 1}.get(style, 0)
        score -= 2 if "Serif" in family else 0
        found.append((score, FontFile(path, int(index) if index.isdigit() else 0, family)))
    return found


def _scan_dirs(pattern: re.Pattern[str] | None, names: tuple[str, ...] = ()) -> FontFile | None:
    for folder in _FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in (".ttf", ".ttc", ".otf"):
                continue
            if (pattern is not None and pattern.search(path.name)) or path.name in names:
                return FontFile(str(path), 0, path.stem)
    return None


@functools.lru_cache(maxsize=1)
def find_fonts() -> Fonts:
    """The fonts titles are drawn with; looked up once per process."""
    override = os.environ.get("NEMO_FONT")
    if override and Path(override).is_file():
        chosen = FontFile(override, 0, Path(override).stem)
        return Fonts(cjk=chosen if _has_cjk(chosen) else None, latin=chosen)
    candidates = sorted(_fc_list_cjk(), key=lambda c: -c[0])
    cjk = candidates[0][1] if candidates else _scan_dirs(_CJK_NAMES)
    if cjk is not None and cjk.path.lower().endswith(".ttc") and "CJK" in cjk.path and not candidates:
        cjk = FontFile(cjk.path, 2, cjk.name)  # Noto/Source Han collections: index 2 is SC
    latin = cjk or _scan_dirs(None, _LATIN_NAMES)
    if cjk is None:
        log.warning(NO_CJK_FONT_WARNING)
    return Fonts(cjk=cjk, latin=latin)


def _has_cjk(font: FontFile) -> bool:
    try:
        return covers(load_font(font, 32), "中文")
    except OSError:
        return False


def load_font(font: FontFile | None, size: int) -> Any:
    from PIL import ImageFont

    if font is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(font.path, size=size, index=font.index)


def covers(font: Any, text: str) -> bool:
    """True if every character of `text` has a real glyph (not the .notdef box)."""
    missing = _glyph(font, "\U0010fffd")
    return all(_glyph(font, ch) != missing for ch in set(text) if not ch.isspace())


def _glyph(font: Any, ch: str) -> bytes:
    from PIL import Image, ImageDraw

    size = int(getattr(font, "size", 32)) * 2
    im = Image.new("L", (size, size), 0)
    ImageDraw.Draw(im).text((size // 4, size // 4), ch, font=font, fill=255)
    return im.tobytes()


def has_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None


def _tokens(text: str) -> list[str]:
    # each CJK character may break; Latin breaks at spaces
    return re.findall(r"\s+|[\u2e80-\u9fff\uac00-\ud7af\uf900-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\uffef]+", text)


def wrap(text: str, font: Any, max_width: float) -> list[str]:
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for tok in _tokens(para):
            if tok.isspace() and not line:
                continue
            trial = line + tok
            if font.getlength(trial) <= max_width or not line.strip() or tok in _NO_LINE_START:
                if font.getlength(trial) > max_width and not line.strip() and len(tok) > 1:
                    for ch in tok:  # a word wider than the line: break inside it
                        if line and font.getlength(line + ch) > max_width:
                            lines.append(line)
                            line = ""
                        line += ch
                    continue
                line = trial
            else:
                lines.append(line.rstrip())
                line = "" if tok.isspace() else tok
        lines.append(line.rstrip())
    return [ln for ln in lines if ln] or [""]


@dataclass
class TextLayer:
    """A drawn text block: its place in the frame (even), Y'CbCr and alpha per plane."""

    seg: Segment
    x: int
    y: int
    luma: np.ndarray
    u: np.ndarray
    v: np.ndarray
    alpha: np.ndarray  # float32, luma size
    alpha_c: np.ndarray  # float32, chroma size


def make_layer(seg: Segment, width: int, height: int, fonts: Fonts, warnings: list[str]) -> TextLayer:
    import cv2
    from PIL import Image, ImageDraw, ImageFilter

    text = (seg.text or "").strip()
    role = seg.role or "caption"
    pos = seg.pos or ("center" if role == "title" else "bottom")
    font_file = fonts.cjk if (has_cjk(text) and fonts.cjk) else fonts.latin
    base = min(width, height)
    size = max(8, round(base * (0.085 if role == "title" else 0.055)))
    max_w = width * 0.84  # title-safe: 8 % margin each side
    max_lines = 3
    while True:
        font = load_font(font_file, size)
        lines = wrap(text, font, max_w)
        if len(lines) <= max_lines or size <= base * 0.03:
            break
        size = max(8, int(size * 0.85))
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1] + "…"]
    cjk = "".join(ch for ch in text if has_cjk(ch))
    if cjk and not covers(font, cjk) and NO_CJK_FONT_WARNING not in warnings:
        warnings.append(NO_CJK_FONT_WARNING)

    gap = round(size * 0.25)
    line_h = [max(1, font.getbbox(ln or " ")[3]) for ln in lines]
    widths = [font.getlength(ln) for ln in lines]
    pad = round(size * 0.45)
    bw = int(max(widths)) + 2 * pad
    bh = int(sum(line_h) + gap * (len(lines) - 1)) + 2 * pad
    bw, bh = bw + bw % 2, bh + bh % 2
    block = Image.new("RGBA", (bw, bh), (0, 0, 0, 0))
    ink = Image.new("L", (bw, bh), 0)
    draw = ImageDraw.Draw(ink)
    y = pad
    for ln, lw, lh in zip(lines, widths, line_h, strict=True):
        draw.text(((bw - lw) / 2, y), ln, font=font, fill=255)
        y += lh + gap
    if role == "caption":  # a soft box keeps captions legible over anything
        box = Image.new("L", (bw, bh), 0)
        ImageDraw.Draw(box).rounded_rectangle([0, 0, bw - 1, bh - 1], radius=pad // 2, fill=150)
        block.paste((0, 0, 0, 255), mask=box)
    else:  # a soft drop shadow under titles
        off = max(1, round(size * 0.04))
        shadow = Image.new("L", (bw, bh), 0)
        shadow.paste(ink, (off, off))
        shadow = shadow.filter(ImageFilter.GaussianBlur(max(1, size * 0.06)))
        shadow = shadow.point(lambda a: a * 80 // 100)
        block.paste((0, 0, 0, 255), mask=shadow)
    block.paste((255, 255, 255, 255), mask=ink)

    margin_y = round(height * 0.08)
    x = ((width - bw) // 4) * 2
    if pos == "top":
        top = margin_y
    elif pos == "bottom":
        top = height - margin_y - bh
    else:
        top = (height - bh) // 2
    top = max(0, min(height - bh, top)) // 2 * 2
    # clip a block larger than the frame (only at absurd sizes)
    x0, y0 = max(0, -x), max(0, -top)
    x, top = max(0, x), max(0, top)
    crop = block.crop((x0, y0, x0 + min(bw, width - x), y0 + min(bh, height - top)))
    cw, ch = crop.size
    cw, ch = cw - cw % 2, ch - ch % 2
    arr = np.asarray(crop)[:ch, :cw]
    i420 = cv2.cvtColor(np.ascontiguousarray(arr[:, :, :3]), cv2.COLOR_RGB2YUV_I420).reshape(-1)
    n, q = cw * ch, cw * ch // 4
    alpha = arr[:, :, 3].astype(np.float32) / 255.0
    return TextLayer(
        seg=seg, x=x, y=top,
        luma=i420[:n].reshape(ch, cw),
        u=i420[n : n + q].reshape(ch // 2, cw // 2),
        v=i420[n + q :].reshape(ch // 2, cw // 2),
        alpha=alpha,
        alpha_c=cv2.resize(alpha, (cw // 2, ch // 2), interpolation=cv2.INTER_AREA),
    )


def blend(layer: TextLayer, level: float, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
    """Lay the text over the frame planes at opacity `level` (0..1)."""
    h, w = layer.luma.shape
    for src, dst, a, off in (
        (layer.luma, y, layer.alpha, 1),
        (layer.u, u, layer.alpha_c, 2),
        (layer.v, v, layer.alpha_c, 2),
    ):
        region = dst[layer.y // off : layer.y // off + h // off, layer.x // off : layer.x // off + w // off]
        base = region.astype(np.float32)
        base += (src.astype(np.float32) - base) * (a * level)
        np.copyto(region, base + 0.5, casting="unsafe")
