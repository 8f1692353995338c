"""Render memory against timeline length: the same job at 10 s, 60 s and 10 min.

    .venv/bin/python bench/bench_render_memory.py                 # 10 s, 60 s, 600 s at 1080p
    .venv/bin/python bench/bench_render_memory.py --lengths 10 60  # shorter

Each length renders in a fresh process (the speed bench's `--render-child`: 3 photo-sized
stills with motion, 2 crossfades, a title, a generated music bed) so its peak RSS is its own.
Goal (issue 18): peak RSS of every length within 1.2x the 10-s figure plus the frame buffers,
i.e. nothing that grows with the video's length (before the mix was streamed, the sound track
was built whole: 10 minutes of 48 kHz stereo float is 230 MB, and the bed's float64 scratch 3x
that). Peer: the 10-s render itself.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import _photo

from backend.render.encoder import POOL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", type=int, nargs="+", default=[10, 60, 600])
    args = ap.parse_args()
    frame_mb = 1920 * 1080 * 1.5 / 1e6
    buffers = (2 + POOL) * frame_mb  # scratch, black, the encoder's pool (frames are drawn into it)
    print(f"frame buffers (scratch, black, encoder pool): {buffers:.0f} MB at 1080p")
    base = None
    with tempfile.TemporaryDirectory(prefix="bench-render-mem-") as tmp:
        folder = Path(tmp)
        for i in range(3):
            _photo(folder / f"photo{i}.jpg", i)
        for seconds in args.lengths:
            t0 = time.perf_counter()
            child = subprocess.run(
                [sys.executable, str(Path(__file__).with_name("bench_render.py")), "--render-child",
                 str(folder), str(seconds)],
                check=True, capture_output=True, text=True, timeout=3600,
            )
            fig = json.loads(child.stdout.strip().splitlines()[-1])
            rss = fig["rss_self"]
            base = base if base is not None else rss
            limit = 1.2 * base + buffers
            print(f"{seconds:5d} s   peak RSS {rss:6.0f} MB   x{rss / base:.2f} of the first   "
                  f"limit {limit:.0f} MB ({'met' if rss <= limit else 'NOT met'})   "
                  f"render wall {fig['wall']:.1f} s (process {time.perf_counter() - t0:.1f} s)",
                  flush=True)


if __name__ == "__main__":
    main()
