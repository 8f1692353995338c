"""Preview figures, each beside its peer in the same run.

    .venv/bin/python bench/bench_preview.py            # all parts
    .venv/bin/python bench/bench_preview.py --quick    # shorter: no 10-minute video

1. Draft against export: the bench_render 30-s timeline (3 photo-sized stills with motion, two
   crossfades, a title, a generated music bed) rendered as the local backend renders a
   `quality: draft` job and as it renders the export (1080p30), one after the other in this
   process, with the same keywords the job runner passes (`backend.render_quality`). Goal: the
   draft in ≤ 0.15 × the export's wall time. The draft is timed 3 times (median), then once more
   as the first render of photos never analysed (the face detector runs, as for a person's first
   preview of new photos; the export and later drafts find its results kept). The timing
   check finds, for a few draft frames k, which export frame near 2k (30 fps against 15) looks
   most like it: with the same timing that is 2k itself.
2. Contact sheet: 9 tiles sampled from an MP4 and laid out as one PNG (`agent.preview`), for
   the 30-s export, the 30-s draft and a 10-minute 1080p video, against the naive peer: one
   `ffmpeg -ss T -i video -frames:v 1` process per tile (the imageio-ffmpeg binary) and the same
   sheet layout. Up to 2 minutes our sampler decodes to the exact frame in one pass (seeking
   over gaps > 4 s); a longer video is sampled at the keyframe before each time, which the
   peer's `-ss` does not do (it decodes on to the exact time).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
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
    """Draft frame k against export frames 2k+d for d in -4..4 (the export downscaled to the
    draft's size; mean absolute difference, 0-255): the same timing puts the best match at d=0."""
    import cv2

    # where neighbouring frames differ most: the two crossfades' middles and mid-pan (in the
    # slow zoom of the first shot a frame differs from the next by less than the draft's
    # compression: 3.04-3.13 for offsets -4..+4, no offset stands out)
    ks = [150, 225, 300]
    offsets = list(range(-4, 5))
    d = _frames(draft, ks)
    h, w = d[0].shape[:2]
    wanted = sorted({2 * k + o for k in ks for o in offsets})
    export_frames = dict(zip(wanted, _frames(export, wanted), strict=True))
    best = []
    for k, a in zip(ks, d, strict=True):
        scores = {o: float(np.abs(a - cv2.resize(export_frames[2 * k + o], (w, h),
                                                  interpolation=cv2.INTER_AREA)).mean())
                  for o in offsets}
        best.append(min(scores, key=lambda o: scores[o]))
        if k == ks[0]:
            shown = ", ".join(f"{o:+d}: {v:.2f}" for o, v in scores.items())
    return (f"best-matching export frame offset per sampled draft frame {best} (0 = same time); "
            f"differences at frame {ks[0]}: {shown}")


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
    # the first preview of new photos: nothing known about them yet, so the face detector runs
    # on each (later renders find its result kept: backend/render/subject.py)
    from backend.render.subject import clear_cache

    clear_cache()
    first_wall, first_cpu, _ = _render(folder, "draft-first", DRAFT)
    print(f"   first draft of new photos (the face detector runs)  wall {first_wall:6.2f} s  "
          f"cpu {first_cpu:6.2f} s   ratio {first_wall / full_wall:.3f} wall, {first_cpu / full_cpu:.3f} cpu")
    print(f"   timing: {_timing_check(draft, export)}")
    return export


def _naive_sheet(video: Path, out: Path, count: int, width: int) -> None:
    """The peer: one ffmpeg process per tile (`-ss` before `-i`: a keyframe seek, then decode)."""
    import imageio_ffmpeg

    from agent.preview.sampler import probe_video, sheet_times
    from agent.preview.sheet import Tile, make_sheet

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    info = probe_video(video)
    height = max(2, round(info.height * width / info.width / 2) * 2)
    tiles = []
    for t in sheet_times(info, count):
        raw = subprocess.run(
            [ffmpeg, "-v", "error", "-ss", f"{t:.3f}", "-i", str(video), "-frames:v", "1",
             "-vf", f"scale={width}:{height}:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24",
             "-"], capture_output=True, check=True).stdout
        tiles.append(Tile(t, np.frombuffer(raw, np.uint8).reshape(height, width, 3)))
    make_sheet(tiles, out)


def _long_video(folder: Path, minutes: int) -> Path:
    """A 1080p30 moving test pattern with a clock, x264 with its default GOP (250 frames): a
    10-s clip encoded once, then repeated by stream copy (an encode of 10 minutes took 200 s)."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    clip, out = folder / "clip10.mp4", folder / f"long-{minutes}min.mp4"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
         "-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(clip)],
        check=True)
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-stream_loop", str(minutes * 6 - 1), "-i", str(clip),
         "-c", "copy", str(out)], check=True)
    return out


def _time_sheets(name: str, video: Path, folder: Path) -> None:
    from agent.preview.contact import TILE_WIDTH, contact_sheet
    from agent.preview.sampler import probe_video

    info = probe_video(video)
    ours, naive = [], []
    for run in range(2):
        t0 = time.perf_counter()
        result = contact_sheet(video, folder / f"sheet-{name}-{run}.png", count=9)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _naive_sheet(video, folder / f"naive-{name}-{run}.png", 9, TILE_WIDTH)
        naive.append(time.perf_counter() - t0)
    a, b = min(ours), min(naive)
    print(f"   {name:<24} {info.width}x{info.height} {info.duration:6.1f} s: "
          f"ours {a:5.2f} s   per-frame ffmpeg -ss {b:5.2f} s   ({b / a:.1f}x; best of 2; "
          f"{len(result.times)} tiles; load {_load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10-minute video")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        folder = Path(tmp)
        for i in range(3):
            _photo(folder / f"photo{i}.jpg", i)
        export = part_draft(folder)
        print("2. contact sheet (9 tiles, 320 px wide) against one ffmpeg process per tile")
        _time_sheets("30-s export (1080p30)", export, folder)
        _time_sheets("30-s draft", folder / "draft0.mp4", folder)
        if not args.quick:
            _time_sheets("10-min video (1080p30)", _long_video(folder, 10), folder)


if __name__ == "__main__":
    main()
