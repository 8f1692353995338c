"""`nemo-chat batch` beside the shell loop a person would write, and its memory at scale.

Run: `.venv/bin/python bench/bench_batch.py` (a few minutes; `--quick` for tiny renders).

1. Eight photos, three ways, side by side in one run, all with `--local` (the backend in the
   process), once with the backend's default renders and once with tiny ones: `nemo-chat batch --jobs 1`, `--jobs 2`, and the
   peer — eight sequential single-photo `nemo-chat --local -m "upload P" -m INSTRUCTION
   -m export` runs (one process, one backend start and one session set-up per photo).
   Goal: batch ≥ 2× faster than the loop. With default renders the work is the render, which
   already uses every core: the batch wins what the loop spends starting and waiting.
2. Client peak RSS at 20 and at 200 items (`--jobs 4`) against a backend in this process set
   to render fast (tiny renders, no generation wait, free credits), measured as the child's
   own VmHWM (read from /proc while it runs; the backend's memory is not counted). Goal: growth < 20 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
INSTRUCTION = "turn it into a smooth animated video"
FAST = {"render_max_height": 72, "render_fps": 5, "generation_seconds": 0.0,
        "heartbeat_interval": 0.05, "chunk_delay": 0.0, "no_text_ratio": 0.0, "seed": 1234}


def draw(path: Path, size: tuple[int, int], seed: int) -> Path:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, ((37 * seed) % 256, (91 * seed) % 256, 180))
    d = ImageDraw.Draw(img)
    w, h = size
    d.ellipse([w // 4, h // 4, w // 4 + h // 3, h // 4 + h // 3], fill=(250, 210, 80))
    d.rectangle([0, int(h * 0.7), w, h], fill=(40, (120 + 13 * seed) % 256, 60))
    img.save(path)
    return path


def env_for(work: Path, backend: dict[str, object] | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
    env.update(NEMO_CONFIG_DIR=str(work / "config"), NEMO_DATA_DIR=str(work / "data"), **extra)
    if backend is not None:
        env["NEMO_LOCAL_SETTINGS"] = json.dumps(backend)
    return env


def _peak_kb(pid: int) -> int | None:
    """The process's own peak RSS (VmHWM: since its exec, unlike wait4's ru_maxrss, which
    also counts the pages of the parent it was forked from)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, int]:
    """(seconds, exit code, the child's peak RSS in KB, read until it exits)."""
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            value = _peak_kb(proc.pid)
            if value is not None:
                peak = max(peak, value)
            done.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert proc.stdout is not None
    err = proc.stdout.read()  # read as it comes: a full pipe would stall the child
    proc.wait()
    done.set()
    watcher.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"  ! exit {proc.returncode}: {err.decode(errors='replace')[-400:]}")
    return seconds, proc.returncode, peak


def eight_photos(backend: dict[str, object], what: str) -> None:
    print(f"1. eight photos, --local (backend in the client process), {what}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        photos = [draw(work / f"p{i}.png", (640, 360), i) for i in range(8)]
        env = env_for(work, backend)
        warm = [PY, "-m", "agent", "--local", "--out", str(work / "warm"), "-m", "credits"]
        timed(warm, env, work)  # token and backend folder made once, for all three
        for jobs in (1, 2):
            out = work / f"batch{jobs}"
            seconds, code, _ = timed([PY, "-m", "agent", "batch", "--local", "--jobs", str(jobs),
                                      "--out", str(out), "-m", INSTRUCTION,
                                      *map(str, photos)], env, work)
            made = len(list(out.glob("*.mp4")))
            rows.append((f"nemo-chat batch --jobs {jobs}", seconds, made, code))
        out = work / "loop"
        start = time.perf_counter()
        codes = []
        for photo in photos:
            _, code, _ = timed([PY, "-m", "agent", "--local", "--out", str(out),
                                "-m", f"upload {photo}", "-m", INSTRUCTION, "-m", "export"],
                               env, work)
            codes.append(code)
        loop = time.perf_counter() - start
        rows.append(("peer: 8 × nemo-chat --local -m", loop, len(list(out.glob("*.mp4"))),
                     max(codes)))
    print(f"   {'run':34} {'seconds':>8} {'videos':>7} {'vs loop':>8}")
    for name, seconds, made, code in rows:
        print(f"   {name:34} {seconds:8.1f} {made:7d} {loop / seconds:7.2f}×"
              + ("" if code == 0 else f"  (exit {code})"))
    best = min(s for _, s, _, _ in rows[:2])
    print(f"   goal: batch ≥ 2× faster than the loop → {loop / best:.2f}× "
          f"({'met' if loop / best >= 2 else 'NOT met'})")


def rss_at_scale(counts: list[int]) -> None:
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    print("2. client peak RSS (VmHWM), --jobs 4, a backend in the bench process rendering fast")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-rss-") as tmp:
        work = Path(tmp)
        settings = BackendSettings.model_validate(
            {**FAST, "data_dir": work / "backend", "initial_credits": 10**9, "edit_cost": 0,
             "generation_cost": 0, "one_token_per_client": False})
        server = start_local_backend(settings)
        try:
            photos = [draw(work / f"q{i:03d}.png", (96, 54), i) for i in range(max(counts))]
            for n in counts:
                out = work / f"out{n}"
                env = env_for(work / f"c{n}", None, NEMO_API_URL=server.url,
                              NEMO_POLL_INTERVAL="0.1")
                seconds, code, rss = timed(
                    [PY, "-m", "agent", "batch", "--jobs", "4", "--out", str(out), "-m",
                     INSTRUCTION, *map(str, photos[:n])], env, work)
                made = len(list(out.glob("*.mp4")))
                results.append((n, rss / 1024, seconds, made, code))
        finally:
            server.stop()
    print(f"   {'items':>5} {'peak RSS MB':>12} {'seconds':>8} {'videos':>7}")
    for n, mb, seconds, made, code in results:
        print(f"   {n:5d} {mb:12.1f} {seconds:8.1f} {made:7d}"
              + ("" if code == 0 else f"  (exit {code})"))
    growth = results[-1][1] - results[0][1]
    print(f"   goal: growth < 20 MB from {counts[0]} to {counts[-1]} → {growth:+.1f} MB "
          f"({'met' if growth < 20 else 'NOT met'})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="tiny renders for part 1, 10 and 40 items for part 2")
    parser.add_argument("--only", choices=["speed", "rss"], help="run one part")
    args = parser.parse_args()
    if shutil.which("nproc"):
        print(f"cpus: {os.cpu_count()}")
    if args.only in (None, "speed"):
        if not args.quick:  # renders as a person gets them: CPU-bound on this machine
            eight_photos({"seed": 1234, "initial_credits": 10**6},
                         "the backend's default renders (1080p)")
        # tiny renders: what start-up and session set-up cost the loop
        eight_photos({**FAST, "initial_credits": 10**6}, "tiny renders (72p, 5 fps)")
    if args.only in (None, "rss"):
        rss_at_scale([10, 40] if args.quick else [20, 200])
    return 0


if __name__ == "__main__":
    sys.exit(main())
