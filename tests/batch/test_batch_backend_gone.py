"""The backend going away mid-batch: running items fail with a clear reason, the manifest
records it, and the same command once the backend is back does the rest. The backend is a
real process, killed as a crash would (its sockets close), then started again."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.batch.args import EXIT_FAILED_ITEMS, EXIT_OK
from agent.batch.manifest import MANIFEST_NAME

ROOT = Path(__file__).resolve().parents[2]
ANIMATE = "turn it into a smooth animated video"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _backend(port: int, data: Path, generation: float) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend", "--port", str(port), "--data-dir", str(data),
         "--generation-seconds", str(generation), "--heartbeat-interval", "0.05",
         "--no-text-ratio", "0", "--seed", "1234", "--render-max-height", "180",
         "--render-fps", "10"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the backend did not start")


def _batch(tmp_path: Path, port: int, vids: Path, photos: list[Path]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
    env.update(NEMO_CONFIG_DIR=str(tmp_path / "config"), NEMO_API_URL=f"http://127.0.0.1:{port}",
               NEMO_POLL_INTERVAL="0.2",
               # an export waits this long for a backend that went away (270 s by default)
               NEMO_RECONNECT_WINDOW="2")
    return subprocess.Popen(
        [sys.executable, "-m", "agent", "batch", "--jobs", "1", "--out", str(vids), "-m",
         ANIMATE, *map(str, photos)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.slow
def test_backend_gone_fails_running_items_with_the_reason_and_a_rerun_resumes(
    tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    photos = [make_photo(f"p{i}.png", size=(320, 180), seed=i) for i in range(3)]
    vids, data, port = tmp_path / "vids", tmp_path / "data", _free_port()
    backend = _backend(port, data, generation=0.05)
    done = threading.Event()

    # while the first item renders (its stream is over: a stream cut mid-edit is first waited
    # on, as in the chat, in case the edit finishes on the server)
    def kill_while_rendering() -> None:
        manifest = vids / MANIFEST_NAME
        while not done.wait(0.02):
            if manifest.exists() and '"state": "rendering"' in manifest.read_text():
                backend.kill()
                return

    watcher = threading.Thread(target=kill_while_rendering)
    watcher.start()
    try:
        run = _batch(tmp_path, port, vids, photos)
        out, err = run.communicate(timeout=90)
    finally:
        done.set()
        watcher.join()
        backend.kill()
        backend.wait()
    assert run.returncode == EXIT_FAILED_ITEMS, err
    assert "Traceback" not in err
    results = [line.split("\t")[1] for line in out.splitlines()[1:]]
    assert results and all(r.startswith("failed: ") for r in results)
    assert all("127.0.0.1" in r for r in results)  # the backend it could not reach
    records = [json.loads(line) for line in (vids / MANIFEST_NAME).read_text().splitlines()]
    assert sum(r["state"] == "failed" for r in records) == 3
    assert not list(vids.glob("*.mp4"))

    backend = _backend(port, data, generation=0.05)  # back
    try:
        again = _batch(tmp_path, port, vids, photos)
        out, err = again.communicate(timeout=90)
    finally:
        backend.kill()
        backend.wait()
    assert again.returncode == EXIT_OK, err
    assert sorted(p.name for p in vids.glob("*.mp4")) == ["p0.mp4", "p1.mp4", "p2.mp4"]
