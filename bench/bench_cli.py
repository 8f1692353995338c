"""nemo-chat's start-up, idle memory and streaming latency, each printed beside a peer.

Run: `.venv/bin/python bench/bench_cli.py` (about a minute; `--quick` for fewer rounds).

1. `nemo-chat --version` wall time (goal ≤ 0.15 s) beside `python -c pass` (the floor) and
   `llm --version` (simonw/llm, installed once into a temp venv if pip can reach PyPI).
2. Launch → ready prompt against a running local backend (goal ≤ 0.6 s), in a real pty,
   beside a bare prompt_toolkit prompt (the floor for "Python + a prompt").
3. Idle RSS of the chat at its prompt (goal ≤ 80 MB) beside the bare prompt.
4. Added latency of a streamed text event, backend → stdout, in piped mode (goal p99 ≤ 5 ms).
   A stub backend sends ADK partial text events whose text is the send time
   (`time.monotonic_ns()`, CLOCK_MONOTONIC, the same clock in every process on Linux); the
   bench reads the child's stdout line by line and subtracts. The peer is a minimal
   httpx + httpx-sse client that prints the same text: nemo-chat's added latency is the
   difference of the two.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
NEMO = (
    [PY, "-m", "agent"]
    if not (Path(PY).parent / "nemo-chat").exists()
    else [str(Path(PY).parent / "nemo-chat")]
)
LLM_VENV = Path(tempfile.gettempdir()) / "nemo-bench-llm-venv"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def wall(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    subprocess.run(cmd, capture_output=True, env=env, check=False)  # warm the caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=False)
        times.append(time.perf_counter() - start)
    return times


def llm_command() -> tuple[list[str] | None, str]:
    exe = LLM_VENV / "bin" / "llm"
    if not exe.exists():
        try:
            subprocess.run(
                [PY, "-m", "venv", str(LLM_VENV)], check=True, capture_output=True, timeout=120
            )
            subprocess.run(
                [str(LLM_VENV / "bin" / "pip"), "install", "-q", "llm"],
                check=True,
                capture_output=True,
                timeout=300,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            shutil.rmtree(LLM_VENV, ignore_errors=True)
            return None, f"could not pip-install llm into a temp venv ({type(exc).__name__})"
    return [str(exe), "--version"], "llm (simonw/llm) from a temp venv"


def bench_version(runs: int) -> None:
    print("1. `--version` wall time (median / min of", runs, "runs)")
    rows: list[tuple[str, list[float]]] = [
        ("python -c pass (floor)", wall([PY, "-c", "pass"], runs)),
        ("nemo-chat --version", wall([*NEMO, "--version"], runs)),
    ]
    llm, note = llm_command()
    if llm:
        rows.append(("llm --version", wall(llm, runs)))
    for name, times in rows:
        print(f"   {name:28} {ms(statistics.median(times))}  (min {ms(min(times)).strip()})")
    if not llm:
        print(f"   llm --version: not measured: {note}")
    print("   goal: nemo-chat ≤ 150 ms")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process so far (less sensitive to a busy machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_to_prompt(
    cmd: list[str], env: dict[str, str], marker: str, then: str | None = None
) -> tuple[float, float, float, float]:
    """(s until `marker` shows in a pty, s until `then` shows, RSS in MB after 1 s idle,
    CPU s used until `marker` showed)."""
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(
        cmd[0], cmd[1:], env=env, encoding="utf-8", dimensions=(30, 100), timeout=20
    )
    try:
        child.expect_exact(marker)
        ready = time.perf_counter() - start
        cpu = cpu_seconds(child.pid)
        connected = ready
        if then is not None:
            child.expect_exact(then)
            connected = time.perf_counter() - start
        time.sleep(1.0)
        rss = rss_mb(child.pid)
    finally:
        child.sendcontrol("d")
        child.expect(pexpect.EOF, timeout=10)
        child.close()
    return ready, connected, rss, cpu


def bench_ready(runs: int) -> None:
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    print(f"2+3. launch → ready prompt in a pty, and idle RSS (median of {runs} runs)")
    with tempfile.TemporaryDirectory() as tmp:
        server = start_local_backend(BackendSettings.for_tests(Path(tmp) / "backend"))
        try:
            env = {
                **os.environ,
                "NEMO_API_URL": server.url,
                "TERM": "xterm-256color",
                "NEMO_CONFIG_DIR": f"{tmp}/config",
                "NEMO_DATA_DIR": f"{tmp}/data",
                # pexpect never answers prompt_toolkit's cursor-position requests; a real
                # terminal does at once. Without this each print waits 1 s for the answer.
                "PROMPT_TOOLKIT_NO_CPR": "1",
            }
            env.pop("NEMO_TOKEN", None)
            time_to_prompt(NEMO, env, "›", "Try")  # first run: token, .pyc files
            ours = [time_to_prompt(NEMO, env, "›", "Try") for _ in range(runs)]
            bare_cmd = [PY, "-c", "from prompt_toolkit import prompt; prompt('› ')"]
            bare = [time_to_prompt(bare_cmd, env, "›") for _ in range(runs)]
        finally:
            server.stop()
    for name, rows in (("nemo-chat (local backend)", ours), ("bare prompt_toolkit prompt", bare)):
        ready = [r[0] for r in rows]
        rss = statistics.median(r[2] for r in rows)
        cpu = statistics.median(r[3] for r in rows)
        print(
            f"   {name:28} prompt {ms(statistics.median(ready))} (min {ms(min(ready)).strip()},"
            f" CPU {ms(cpu).strip()})   idle RSS {rss:6.1f} MB"
        )
    greeted = [r[1] for r in ours]
    print(
        f"   {'nemo-chat, connected':28} greeting {ms(statistics.median(greeted))}"
        f" (min {ms(min(greeted)).strip()}): token + session + the “Ready” lines"
    )
    print("   goals: ready ≤ 600 ms, idle RSS ≤ 80 MB")


# -- 4. streaming latency -------------------------------------------------------------------


def stub_app(events: int, gap: float, end: str) -> Any:
    """The few routes a turn needs; /run_sse sends `events` partial texts `gap` s apart,
    each "T<send time>" followed by `end` ("\n": whole lines; " ": words of a sentence)."""
    import asyncio

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    def ok(data: dict[str, Any]) -> JSONResponse:
        return JSONResponse({"code": 0, "data": data})

    async def token(request: Request) -> JSONResponse:
        return ok({"token": "nmv_usr_bench", "credits": 100, "user_id": "anon_bench"})

    async def session(request: Request) -> JSONResponse:
        return ok({"task_id": "1", "session_id": "42", "user_id": "anon_bench"})

    async def state(request: Request) -> JSONResponse:
        return ok(
            {
                "state": {
                    "draft": None,
                    "video_infos": [],
                    "generated_media": [],
                    "canvas_config": {},
                },
                "session_id": "42",
            }
        )

    async def credits(request: Request) -> JSONResponse:
        return ok({"available": 100, "frozen": 0, "total": 100})

    async def run_sse(request: Request) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            sent = []
            for _ in range(events):
                await asyncio.sleep(gap)
                text = f"T{time.monotonic_ns()}{end}"
                sent.append(text)
                frame = {"author": "nemo", "partial": True, "content": {"parts": [{"text": text}]}}
                yield f"data: {json.dumps(frame)}\n\n".encode()
            final = {
                "author": "nemo",
                "partial": False,
                "content": {"parts": [{"text": "".join(sent)}]},
            }
            yield f"data: {json.dumps(final)}\n\n".encode()

        return StreamingResponse(body(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/api/auth/anonymous-token", token, methods=["POST"]),
            Route("/api/tasks/me/with-session/nemo_agent", session, methods=["POST"]),
            Route("/api/state/nemo_agent/me/{sid}/latest", state),
            Route("/api/credits/balance/simple", credits),
            Route("/run_sse", run_sse, methods=["POST"]),
        ]
    )


BASELINE = r"""
import json, sys, httpx
from httpx_sse import connect_sse
body = {"app_name": "nemo_agent", "user_id": "me", "session_id": "42",
        "new_message": {"parts": [{"text": "go"}]}, "streaming": True}
with httpx.Client(base_url=sys.argv[1], timeout=60) as client:
    with connect_sse(client, "POST", "/run_sse", json=body) as source:
        for sse in source.iter_sse():
            frame = json.loads(sse.data)
            if frame.get("partial"):
                sys.stdout.write(frame["content"]["parts"][0]["text"]); sys.stdout.flush()
"""

STAMP = re.compile(r"T(\d{6,})")
ROUNDS = 3


def read_latencies(cmd: list[str], env: dict[str, str]) -> list[float]:
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        bufsize=0,
    )
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    out: list[float] = []
    carry = ""
    while True:  # bytes as they arrive (not lines): a word is timed when it shows
        raw = os.read(fd, 65536)
        now = time.monotonic_ns()
        if not raw:
            break
        text = carry + raw.decode("utf-8", "replace")
        matches = list(STAMP.finditer(text))
        carry = ""
        if matches and matches[-1].end() == len(text):  # a stamp cut by the read
            carry, matches = text[matches[-1].start() :], matches[:-1]
        out.extend((now - int(m.group(1))) / 1e6 for m in matches)
    proc.wait(timeout=60)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        print(f"   ({cmd[-1]!r} exited {proc.returncode}: {err.strip()[:200]})")
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_latency(events: int, end: str) -> None:
    from backend.serve import ServerThread

    shape = "whole lines" if end == "\n" else "words of one long sentence"
    print(f"4. text event → stdout in piped mode ({ROUNDS} × {events} events 10 ms apart, {shape})")
    server = ServerThread(stub_app(events, 0.01, end)).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "NEMO_API_URL": server.url,
                "NEMO_CONFIG_DIR": f"{tmp}/c",
                "NEMO_DATA_DIR": f"{tmp}/d",
            }
            env.pop("NEMO_TOKEN", None)
            base: list[float] = []
            ours: list[float] = []
            for _ in range(ROUNDS):  # alternate, so both meet the same machine load
                base += read_latencies([PY, "-c", BASELINE, server.url], env)
                ours += read_latencies([*NEMO, "--out", tmp, "-m", "go"], env)
    finally:
        server.stop()
    for name, values in (("httpx + httpx-sse (floor)", base), ("nemo-chat piped", ours)):
        if not values:
            print(f"   {name:28} no timestamps read")
            continue
        print(
            f"   {name:28} median {statistics.median(values):6.2f} ms   "
            f"p99 {pct(values, 0.99):6.2f} ms   ({len(values)} events)"
        )
    if base and ours:
        added_med = statistics.median(ours) - statistics.median(base)
        added_p99 = pct(ours, 0.99) - pct(base, 0.99)
        print(
            f"   added by nemo-chat: median {added_med:6.2f} ms, p99 {added_p99:6.2f} ms"
            "   (goal: p99 ≤ 5 ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--only", choices=["version", "ready", "latency"])
    args = parser.parse_args()
    runs = 5 if args.quick else 15
    if args.only in (None, "version"):
        bench_version(runs)
    if args.only in (None, "ready"):
        bench_ready(3 if args.quick else 5)
    if args.only in (None, "latency"):
        bench_latency(100 if args.quick else 300, "\n")
        bench_latency(100 if args.quick else 300, " ")


if __name__ == "__main__":
    main()
