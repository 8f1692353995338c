"""Benchmark the local backend under load, with the server in its own process.

1. 200 concurrent sessions (each: token, session, upload, then one streaming turn "animate
   my photos", all turns at once): all must complete without error; reports time to first
   event and to the end of the turn (median, p99) and the server's peak RSS (VmHWM). Peer, side by side in the same run: a bare Starlette StreamingResponse app
   that sends frames at the same pace (what the framework alone costs).
2. A 200 MB upload (just under the limit), then a 210 MB one (refused with 4002): the
   server's peak RSS before/after. Peer: the same upload to a bare Starlette app that reads
   it with `await request.form()` (python-multipart, spooled to disk).
3. Export limits and cancel (issue 18.1): a 10-hour draft (`"d": 36000000`) is submitted —
   the time to the refusal and the server's RSS before and after; then a 10-minute render with
   a 10-minute sound track is cancelled 2 s in — the time from the cancel to the job being
   failed and its render process gone. Peer for the refusal: a 1-second draft accepted.

Usage: .venv/bin/python bench/bench_backend.py [--sessions 200] [--upload-mb 200] [--skip-upload]
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
                       ) -> tuple[float, int, float]:
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
    return first, events, time.perf_counter() - t0


async def load(url: str, n: int, peer: bool
               ) -> tuple[list[float], list[str], int, list[float]]:
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
    totals = [r[2] for r in results if isinstance(r, tuple)]
    return firsts, errors, events, totals


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


def render_children(pid: int) -> list[int]:
    """Render processes the server started (`python -m backend.render_child`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"backend.render_child" in cmdline:
            found.append(int(entry.name))
    return found


def long_wav(path: Path, seconds: int) -> Path:
    import wave

    import numpy as np

    noise = np.random.default_rng(0).integers(-3000, 3000, size=seconds * 22050)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(noise.astype("<i2").tobytes())
    return path


def export_limits_and_cancel(url: str, pid: int, folder: Path) -> None:
    with httpx.Client(timeout=60, trust_env=False) as c:
        r = c.post(url + "/api/auth/anonymous-token", headers={"X-Client-Id": str(uuid.uuid4())})
        h = {**HEADERS, "Authorization": f"Bearer {r.json()['data']['token']}"}
        sid = c.post(url + "/api/tasks/me/with-session/nemo_agent", json={"task_name": "p"},
                     headers=h).json()["data"]["session_id"]
        wav = long_wav(folder / "ten_minutes.wav", 600)
        files = [("files", ("p.png", photo_bytes())), ("files", (wav.name, wav.read_bytes()))]
        up = c.post(url + f"/api/upload-video/nemo_agent/me/{sid}", files=files, headers=h).json()
        photo, track = (f["media_id"] for f in up["data"]["files"])

        def draft(ms: int, sound: bool = False) -> dict:
            tracks: list[dict] = [{"tt": 0, "sg": [{"src": photo, "st": 0, "d": ms}]},
                                  {"tt": 1, "sg": [{"gen": {"style": "upbeat"}, "st": 0, "d": ms}]}]
            if sound:
                tracks[1] = {"tt": 1, "sg": [{"src": track, "st": 0, "d": ms}]}
            return {"t": tracks, "d": ms}

        def submit(body: dict) -> tuple[httpx.Response, float, str]:
            render_id = f"render_{uuid.uuid4().hex}"
            t = time.perf_counter()
            r = c.post(url + "/api/render/proxy/lambda", headers=h, json={
                "id": render_id, "sessionId": sid, "draft": body, "output": {"format": "mp4"}})
            return r, time.perf_counter() - t, render_id

        before, peak_before = rss_kb(pid)
        r, took, _ = submit(draft(36_000_000))
        time.sleep(1.0)  # anything started would show by now
        after, peak_after = rss_kb(pid)
        print(f"10-hour draft: HTTP {r.status_code} in {took * 1000:.0f} ms: "
              f"{r.json().get('message', '')[:110]}")
        print(f"  server RSS {before / 1024:.1f} -> {after / 1024:.1f} MB (peak "
              f"{peak_before / 1024:.1f} -> {peak_after / 1024:.1f} MB); render processes: "
              f"{len(render_children(pid))}")
        r, took_ok, small = submit(draft(1000))
        print(f"peer: a 1-second draft: HTTP {r.status_code} in {took_ok * 1000:.0f} ms")
        c.post(url + f"/api/render/proxy/lambda/{small}/cancel", headers=h)

        r, _, render_id = submit(draft(600_000, sound=True))
        deadline = time.monotonic() + 30
        while c.get(url + f"/api/render/proxy/lambda/{render_id}",
                    headers=h).json()["status"] != "processing":
            if time.monotonic() > deadline:
                raise SystemExit("the render did not start")
            time.sleep(0.05)
        time.sleep(2.0)
        children = render_children(pid)
        t = time.perf_counter()
        c.post(url + f"/api/render/proxy/lambda/{render_id}/cancel", headers=h)
        failed_at = gone_at = None
        while failed_at is None or gone_at is None:
            now = time.perf_counter() - t
            if failed_at is None and c.get(url + f"/api/render/proxy/lambda/{render_id}",
                                           headers=h).json()["status"] == "failed":
                failed_at = now
            if gone_at is None and not set(children) & set(render_children(pid)):
                gone_at = now
            if now > 60:
                break
            time.sleep(0.01)
        print(f"cancel 2 s into a 10-minute render with a 10-minute sound track: job failed after "
              f"{(failed_at or 0) * 1000:.0f} ms, render process gone after "
              f"{(gone_at or 0) * 1000:.0f} ms ({len(children)} process(es) running before)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--upload-mb", type=float, default=200)
    ap.add_argument("--skip-upload", action="store_true")
    ap.add_argument("--skip-export", action="store_true")
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
            firsts, errors, events, totals = asyncio.run(load(url, args.sessions, peer=False))
            wall = time.perf_counter() - t
            _, peak = rss_kb(proc.pid)
            print(f"backend: {len(firsts)}/{args.sessions} turns completed, {len(errors)} errors, "
                  f"{events} events, wall {wall:.2f} s")
            if errors:
                print("  first error:", errors[0])
            if firsts:
                print(f"  time to first event: median {statistics.median(firsts) * 1000:.0f} ms, "
                      f"p99 {pct(firsts, 0.99) * 1000:.0f} ms (from sending POST /run_sse)")
                print(f"  whole turn: median {statistics.median(totals):.2f} s, "
                      f"p99 {pct(totals, 0.99):.2f} s (the agent's scripted 'generation' is 1 s)")
            print(f"  server RSS: idle {idle_rss / 1024:.1f} MB, peak {peak / 1024:.1f} MB")
            _, peer_peak0 = rss_kb(peer.pid)
            pfirsts, perrors, _pevents, _ptotals = asyncio.run(
                load(peer_url, args.sessions, peer=True))
            _, ppeak = rss_kb(peer.pid)
            print(f"peer (bare Starlette StreamingResponse): {len(pfirsts)}/{args.sessions} ok, "
                  f"{len(perrors)} errors; first event median "
                  f"{statistics.median(pfirsts) * 1000:.0f} ms, p99 {pct(pfirsts, 0.99) * 1000:.0f} ms; "
                  f"peak RSS {ppeak / 1024:.1f} MB (idle {peer_peak0 / 1024:.1f} MB)")
        finally:
            for p in (proc, peer):
                p.terminate()
                p.wait(10)

        if not args.skip_export:
            print("\n== export limits and cancel ==")
            proc, url = start_backend(tmpdir / "data3")
            try:
                export_limits_and_cancel(url, proc.pid, tmpdir)
            finally:
                proc.terminate()
                proc.wait(10)
        if args.skip_upload:
            return

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
