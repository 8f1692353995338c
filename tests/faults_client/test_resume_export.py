"""Issue 18: `--resume` with no further input finishes the render it promised to pick up.

A run is killed while its render is in progress (the local backend dies with it); the next
run with `--resume` and an empty stdin said "picking it up" and exited 0 with nothing saved.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
@pytest.mark.slow
def test_resume_without_input_saves_the_pending_video(
    tmp_path: Path, make_photo: Callable[..., Path], chat_env: Callable[..., dict[str, str]]
) -> None:
    photo = make_photo("beach.png", size=(320, 180), seed=2)
    out = tmp_path / "videos"
    env = chat_env({"seed": 7})
    first = subprocess.Popen(
        [sys.executable, "-m", "agent", "--local", "--out", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, cwd=ROOT, env=env,
    )
    assert first.stdin is not None and first.stdout is not None
    first.stdin.write(f"upload {photo}\nturn my photo into an animated video\nexport\n")
    first.stdin.flush()
    deadline = time.monotonic() + 90
    seen = ""
    while "Rendering" not in seen and time.monotonic() < deadline:
        seen += first.stdout.readline()
    first.send_signal(signal.SIGKILL)  # the render is remembered and not finished here
    first.wait(10)
    first.stdout.close()
    first.stdin.close()
    assert "Rendering" in seen, seen
    assert not list(out.glob("*.mp4"))

    again = subprocess.run(
        [sys.executable, "-m", "agent", "--local", "--resume", "--out", str(out)],
        input="", capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )
    shown = again.stdout + again.stderr
    assert "picking it up" in shown, shown
    assert again.returncode == 0, shown
    (video,) = out.glob("*.mp4")
    assert str(video) in again.stdout
