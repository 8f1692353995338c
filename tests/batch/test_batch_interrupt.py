"""Ctrl-C during `nemo-chat batch`: the first stops new items, the second cancels running ones;
finished videos stay and a rerun does the rest. A real process, signalled as a person would."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.batch.args import EXIT_INTERRUPTED, EXIT_OK

ROOT = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, photos: list[Path], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agent", "batch", "--local", "--jobs", "2",
         "--out", str(tmp_path / "vids"), "-m", "turn it into a smooth animated video",
         *map(str, photos)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def _wait_for(proc: subprocess.Popen[str], text: str) -> list[str]:
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError("".join(seen))


@pytest.mark.slow
def test_first_ctrl_c_lets_running_items_finish_and_starts_no_more(
    tmp_path: Path, make_photo: Callable[..., Path], chat_env: Callable[..., dict[str, str]]
) -> None:
    photos = [make_photo(f"p{i}.png", size=(320, 180), seed=i) for i in range(4)]
    proc = _start(tmp_path, photos, chat_env({"generation_seconds": 1.0}))
    try:
        _wait_for(proc, "p1.png: editing")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=90)
    finally:
        proc.kill()
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert "no new items start" in err and "Traceback" not in err
    rows = {line.split("\t")[0]: line.split("\t")[1] for line in out.splitlines()[1:]}
    assert rows == {"p0.png": "saved", "p1.png": "saved", "p2.png": "not started: Ctrl-C",
                    "p3.png": "not started: Ctrl-C"}
    vids = tmp_path / "vids"
    assert sorted(p.name for p in vids.glob("*.mp4")) == ["p0.mp4", "p1.mp4"]

    again = subprocess.run(
        [sys.executable, "-m", "agent", "batch", "--local", "--out", str(vids), "-m",
         "turn it into a smooth animated video", *map(str, photos)],
        cwd=ROOT, env=chat_env(), capture_output=True, text=True, timeout=90,
    )
    assert again.returncode == EXIT_OK, again.stderr
    assert "p0.png: " not in again.stderr  # done earlier: not run again
    assert sorted(p.name for p in vids.glob("*.mp4")) == [f"p{i}.mp4" for i in range(4)]


@pytest.mark.slow
def test_second_ctrl_c_cancels_running_items_and_keeps_nothing_half_written(
    tmp_path: Path, make_photo: Callable[..., Path], chat_env: Callable[..., dict[str, str]]
) -> None:
    photos = [make_photo(f"p{i}.png", size=(320, 180), seed=i) for i in range(3)]
    proc = _start(tmp_path, photos, chat_env({"generation_seconds": 5.0}))
    try:
        _wait_for(proc, "editing")
        proc.send_signal(signal.SIGINT)
        _wait_for(proc, "Ctrl-C again")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == EXIT_INTERRUPTED, err
    results = [line.split("\t")[1] for line in out.splitlines()[1:]]
    assert results.count("cancelled: stopped by Ctrl-C") == 2
    assert results[2] == "not started: Ctrl-C"
    vids = tmp_path / "vids"
    assert not list(vids.glob("*.mp4")) and not list(vids.glob("*.part"))
    states = [json.loads(line)["state"] for line in (vids / ".nemo-batch.jsonl").open()]
    assert states.count("cancelled") == 2
