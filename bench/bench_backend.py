"""Benchmark the local backend under load, with the server in its own process.

1. 50 concurrent sessions, each running one streaming turn ("animate my photos"): all must
   complete without error; reports time to first event (median, p99) and the server's peak
   RSS (VmHWM). Peer, side by side in the same run: a bare Starlette StreamingResponse app
   that sends frames at the same pace (what the framework alone costs).
2. A 200 MB upload (just under the limit), then a 210 MB one (refused with 4002): the
   server's peak RSS before/after. Peer: the same upload to a bare Starlette app that reads
   it with `await request.form()` (python-multipart, spooled to disk).

Usage: .venv/bin/python bench/bench_backend.py [--sessions 50] [--upload-mb 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.serve import free_port  # noqa: E402

HEADERS = {"X-Skill-Source": "best-image-to-video-ai", "X-Skill-Version": "bench",
           "X-Skill-Platform": "unknown"}

PEER_APP = textwrap.dedent('''
    import asyncio, json, sys
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    async def sse(request):
        await request.body()
        async def gen():
            for i in range(30):
                yield ("data: " + json.dumps({"i": i, "text": "x" * 40}) + "\\n\\n").encode()
                await asyncio.sleep(0.02)
        return StreamingResponse(gen(), media_type="text/event-stream")

    async def upload(request):
        form = await request.form()
        sizes = []
        for _, f in form.multi_items():
            f.file.seek(0, 2)
            sizes.append(f.file.tell())
        await form.close()
        return JSONResponse({"code": 0, "sizes": sizes})

    async def health(request):
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/run_sse", sse, methods=["POST"]),
                            Route("/upload", upload, methods=["POST"]),
                            Route("/health", health)])
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
''')


def rss_kb(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process, in kB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def start_backend(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend", "--port", str(port), "--data-dir", str(data_dir),
         "--generation-seconds", "1", "--heartbeat-interval", "0.5", "--seed", "1",
         "--no-text-ratio", "0"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_up(url + "/_nemo/health", proc)
    return proc, url


def start_peer(script: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(script), str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_up(url + "/health", proc)
    return proc, url


def photo_bytes() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (160, 90), (30, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


async def setup_session(client: httpx.AsyncClient, url: str, png: bytes
                        ) -> tuple[dict, dict]:
    r = await client.post(url + "/api/auth/anonymous-token", headers={"X-Client-Id": str(uuid.uuid4())})
    token = r.json()["data"]["token"]
    h = {**HEADERS, "Authorization": f"Bearer {token}"}
    r = await client.post(url + "/api/tasks/me/with-session/nemo_agent",
                          json={"task_name": "project", "language": "en"}, headers=h)
    sid = r.json()["data"]["session_id"]
    r = await client.post(url + f"/api/upload-video/nemo_agent/me/{sid}",
                          files=[("files", ("p.png", png))], headers=h)
    assert r.json()["code"] == 0, r.text
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
            "new_message": {"parts": [{"text": "animate my photos, add a title \"Bench\""}]},
            "streaming": True}
    return body, h


async def timed_stream(client: httpx.AsyncClient, url: str, body: dict, headers: dict
                       ) -> tuple[float, int]:
    t0 = time.perf_counter()
    first = None
    events = 0
    async with client.stream("POST", url, json=body, headers=headers) as r:
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}")
        buf = b""
        async for chunk in r.aiter_bytes():
            buf += chunk
            while b"\n\n" in buf:
                frame, buf = buf.split(b"\n\n", 1)
                if frame.startswith(b"data: {"):
                    if first is None:
                        first = time.perf_counter() - t0
                    if b'"error"' in frame[:20]:
                        raise RuntimeError(frame.decode())
                    events += 1
    if first is None or events == 0:
        raise RuntimeError("no events")
    return first, events


async def load(url: str, n: int, peer: bool) -> tuple[list[float], list[str], int]:
    png = photo_bytes()
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    async with httpx.AsyncClient(timeout=120, limits=limits, trust_env=False) as client:
        if peer:
            jobs = [timed_stream(client, url + "/run_sse", {"x": 1}, {}) for _ in range(n)]
        else:  # sessions made first, then all the turns at once
            ready = await asyncio.gather(*[setup_session(client, url, png) for _ in range(n)])
            jobs = [timed_stream(client, url + "/run_sse", body, h) for body, h in ready]
        results = await asyncio.gather(*jobs, return_exceptions=True)
    firsts = [r[0] for r in results if isinstance(r, tuple)]
    errors = [repr(r) for r in results if not isinstance(r, tuple)]
    events = sum(r[1] for r in results if isinstance(r, tuple))
    return firsts, errors, events


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def big_file(folder: Path, mb: float) -> Path:
    path = folder / f"big_{mb:g}MB.png"
    png = photo_bytes()
    size = int(mb * 1024 * 1024) - 4096
    with path.open("wb") as fh:
        fh.write(png)
        block = b"\0" * (1024 * 1024)
        left = size - len(png)
        while left > 0:
            fh.write(block[: min(left, len(block))])
            left -= len(block)
    return path


def upload_backend(url: str, path: Path) -> dict:
    with httpx.Client(timeout=300, trust_env=False) as c:
        r = c.post(url + "/api/auth/anonymous-token", headers={"X-Client-Id": str(uuid.uuid4())})
        h = {**HEADERS, "Authorization": f"Bearer {r.json()['data']['token']}"}
        sid = c.post(url + "/api/tasks/me/with-session/nemo_agent", json={"task_name": "p"},
                     headers=h).json()["data"]["session_id"]
        with path.open("rb") as fh:
            r = c.post(url + f"/api/upload-video/nemo_agent/me/{sid}",
                       files=[("files", (path.name, fh))], headers=h)
        return r.json()  # type: ignore[no-any-return]


def upload_peer(url: str, path: Path) -> dict:
    with httpx.Client(timeout=300, trust_env=False) as c, path.open("rb") as fh:
        return c.post(url + "/upload", files=[("files", (path.name, fh))]).json()  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--upload-mb", type=float, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="nemo-bench-") as tmp:
        tmpdir = Path(tmp)
        peer_script = tmpdir / "peer_app.py"
        peer_script.write_text(PEER_APP)

        print(f"== {args.sessions} concurrent streaming turns ==")
        proc, url = start_backend(tmpdir / "data1")
        peer, peer_url = start_peer(peer_script)
        try:
            idle_rss, _ = rss_kb(proc.pid)
            t = time.perf_counter()
            firsts, errors, events = asyncio.run(load(url, args.sessions, peer=False))
            wall = time.perf_counter() - t
            _, peak = rss_kb(proc.pid)
            print(f"backend: {len(firsts)}/{args.sessions} turns completed, {len(errors)} errors, "
                  f"{events} events, wall {wall:.2f} s")
            if errors:
                print("  first error:", errors[0])
            if firsts:
                print(f"  time to first event: median {statistics.median(firsts) * 1000:.0f} ms, "
                      f"p99 {pct(firsts, 0.99) * 1000:.0f} ms (from sending POST /run_sse)")
            print(f"  server RSS: idle {idle_rss / 1024:.1f} MB, peak {peak / 1024:.1f} MB")
            _, peer_peak0 = rss_kb(peer.pid)
            pfirsts, perrors, _pevents = asyncio.run(load(peer_url, args.sessions, peer=True))
            _, ppeak = rss_kb(peer.pid)
            print(f"peer (bare Starlette StreamingResponse): {len(pfirsts)}/{args.sessions} ok, "
                  f"{len(perrors)} errors; first event median "
                  f"{statistics.median(pfirsts) * 1000:.0f} ms, p99 {pct(pfirsts, 0.99) * 1000:.0f} ms; "
                  f"peak RSS {ppeak / 1024:.1f} MB (idle {peer_peak0 / 1024:.1f} MB)")
        finally:
            for p in (proc, peer):
                p.terminate()
                p.wait(10)

        print(f"\n== {args.upload_mb:g} MB upload ==")
        big = big_file(tmpdir, args.upload_mb)
        proc, url = start_backend(tmpdir / "data2")
        peer, peer_url = start_peer(peer_script)
        try:
            before, _ = rss_kb(proc.pid)
            t = time.perf_counter()
            reply = upload_backend(url, big)
            took = time.perf_counter() - t
            _now, peak = rss_kb(proc.pid)
            ok = reply.get("code") == 0
            print(f"backend: accepted={ok} in {took:.1f} s; server RSS before {before / 1024:.1f} MB, "
                  f"peak {peak / 1024:.1f} MB (flat: {peak / 1024 <= 150})")
            over = big_file(tmpdir, args.upload_mb + 10)
            t = time.perf_counter()
            reply = upload_backend(url, over)
            took = time.perf_counter() - t
            _, peak2 = rss_kb(proc.pid)
            stored = sum(f.stat().st_size for f in (tmpdir / "data2" / "tmp").iterdir())
            print(f"backend: {args.upload_mb + 10:g} MB -> code {reply.get('code')} in {took:.1f} s; "
                  f"peak RSS {peak2 / 1024:.1f} MB; bytes left in tmp: {stored}")
            pbefore, _ = rss_kb(peer.pid)
            t = time.perf_counter()
            upload_peer(peer_url, big)
            took = time.perf_counter() - t
            _, ppeak = rss_kb(peer.pid)
            print(f"peer (Starlette request.form()): {took:.1f} s; RSS before "
                  f"{pbefore / 1024:.1f} MB, peak {ppeak / 1024:.1f} MB")
        finally:
            for p in (proc, peer):
                p.terminate()
                p.wait(10)


if __name__ == "__main__":
    main()
