"""A video's contact sheet: sample the frames (`sampler`), lay them out (`sheet`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .sampler import VideoInfo, probe_video, sample_frames, sheet_times
from .sheet import MAX_TILES, MIN_TILES, Tile, make_sheet

__all__ = ["SheetResult", "contact_sheet", "tile_count"]

TILE_WIDTH = 320  # pixels: three across make a sheet about 1000 wide, enough for a terminal


@dataclass(frozen=True)
class SheetResult:
    path: Path
    times: list[float]
    video: VideoInfo


def tile_count(duration: float) -> int:
    """6 tiles for a short video (under 12 s), 9 up to 2 minutes, 12 beyond."""
    if duration < 12:
        return MIN_TILES
    return 9 if duration <= 120 else MAX_TILES


def contact_sheet(video: Path, out: Path, *, count: int | None = None,
                  tile_width: int = TILE_WIDTH) -> SheetResult:
    """Write the sheet of `video` to `out` (PNG). Raises SampleError for an unreadable video."""
    info = probe_video(video)
    wanted = max(MIN_TILES, min(MAX_TILES, count or tile_count(info.duration)))
    times = sheet_times(info, wanted)
    frames = sample_frames(video, times, width=min(tile_width, max(2, info.width)))
    make_sheet([Tile(f.at, f.pixels) for f in frames], out)
    return SheetResult(path=out, times=[f.at for f in frames], video=info)
