"""Shared plumbing of the wire benchmarks: the sink server process and child measurements."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def sink_server(folder: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "api_sink.py"),
            "--port",
            str(port),
            "--dir",
            str(folder),
        ],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/ping", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the sink server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def bench_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="nemo-bench-", dir="/tmp") as d:
        yield Path(d)


def make_file(path: Path, size: int) -> Path:
    """Incompressible-looking bytes without spending seconds in os.urandom."""
    block = os.urandom(MB)
    with open(path, "wb") as fh:
        for i in range(size // MB):
            fh.write(block[i % 7 :] + block[: i % 7])
    return path


def run_child(code: str, env_extra: dict[str, str]) -> dict[str, float]:
    """Run measurement code in a fresh interpreter; it prints one JSON line of results."""
    env = {**os.environ, **env_extra, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def peak_rss_mb_code() -> str:
    return "import resource; peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024"


def curl_time(args: list[str], output: str = "/dev/null") -> float:
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "-o", output, *args], check=True)
    return time.perf_counter() - started
