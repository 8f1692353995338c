"""Preview figures, each beside its peer in the same run.

    .venv/bin/python bench/bench_preview.py            # all parts
    .venv/bin/python bench/bench_preview.py --quick    # shorter: no 10-minute video

1. Draft against export: the bench_render 30-s timeline (3 photo-sized stills with motion, two
   crossfades, a title, a generated music bed) rendered as the local backend renders a
   `quality: draft` job and as it renders the export (1080p30), one after the other in this
   process, with the same keywords the job runner passes (`backend.render_quality`). Goal: the
   draft in ≤ 0.15 × the export's wall time. The draft is timed 3 times (median); the frame
   timing check compares draft frame k with export frame k × (export fps / draft fps).
2. Contact sheet: 9 tiles sampled from an MP4 and laid out as one PNG (`agent.preview`), for
   the 30-s export and for a 10-minute 1080p video, against the naive peer: one
   `ffmpeg -ss T -i video -frames:v 1` process per tile (the imageio-ffmpeg binary) and the same
   sheet layout.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import _photo, _speed_draft  # the same timeline as the render bench

from backend.render import render_draft
from backend.render_quality import DRAFT, render_kwargs


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def _render(folder: Path, name: str, stored: str | None, seconds: int = 30) -> tuple[float, float, Path]:
    draft = _speed_draft(seconds)
    kwargs = render_kwargs(stored, draft.m.fps, None, None)
    out = folder / f"{name}.mp4"
    t0, c0 = time.perf_counter(), _cpu()
    render_draft(draft, lambda src: folder / f"{src}.jpg", out, **kwargs)
    return time.perf_counter() - t0, _cpu() - c0, out


def _frames(path: Path, indices: list[int]) -> list[np.ndarray]:
    import av

    want = set(indices)
    got: dict[int, np.ndarray] = {}
    with av.open(str(path)) as box:
        for i, frame in enumerate(box.decode(video=0)):
            if i in want:
                got[i] = frame.to_ndarray(format="rgb24").astype(np.float32)
            if len(got) == len(want):
                break
    return [got[i] for i in indices]


def _timing_check(draft: Path, export: Path) -> str:
    """Mean abs difference (0-255) of draft frame k against export frame 2k scaled down, and
    against export frame 2k+4 (a frame 0.13 s off): the first must be far smaller."""
    import cv2

    ks = [30, 200, 400]  # in a crossfade's middle, mid-pan, late ken burns
    d = _frames(draft, ks)
    same = _frames(export, [2 * k for k in ks])
    off = _frames(export, [2 * k + 4 for k in ks])
    h, w = d[0].shape[:2]

    def diff(a: np.ndarray, b: np.ndarray) -> float:
        small = cv2.resize(b, (w, h), interpolation=cv2.INTER_AREA)
        return float(np.abs(a - small).mean())

    at = statistics.mean(diff(a, b) for a, b in zip(d, same, strict=True))
    shifted = statistics.mean(diff(a, b) for a, b in zip(d, off, strict=True))
    return f"draft frame vs export at the same t: {at:.2f}; vs export 4 frames later: {shifted:.2f}"


def part_draft(folder: Path) -> Path:
    print("1. draft quality against the export (30-s, 3 photos, 1080p30 export)")
    _render(folder, "warm", DRAFT, seconds=2)  # imports and first-use costs out of the figures
    full_wall, full_cpu, export = _render(folder, "export", None)
    print(f"   export 1080p30          wall {full_wall:6.2f} s  cpu {full_cpu:6.2f} s  (load {_load()})")
    walls, cpus = [], []
    draft = folder / "draft.mp4"
    for run in range(3):
        wall, cpu, draft = _render(folder, f"draft{run}", DRAFT)
        walls.append(wall)
        cpus.append(cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    import av

    with av.open(str(draft)) as box:
        s = box.streams.video[0]
        size = f"{s.codec_context.width}x{s.codec_context.height} @ {s.average_rate}"
    print(f"   draft {size:<17} wall {wall:6.2f} s  cpu {cpu:6.2f} s  (median of 3: "
          + ", ".join(f"{w:.2f}" for w in walls) + f"; load {_load()})")
    print(f"   ratio draft/export: wall {wall / full_wall:.3f}  cpu {cpu / full_cpu:.3f}"
          "   (goal ≤ 0.15)")
    print(f"   timing: {_timing_check(draft, export)}")
    return export


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10-minute video")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        folder = Path(tmp)
        for i in range(3):
            _photo(folder / f"photo{i}.jpg", i)
        export = part_draft(folder)
        del export, args


if __name__ == "__main__":
    main()
