"""`python -m backend`: help, refusal to listen beyond loopback, serving and stopping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from backend.serve import free_port


def _run(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "backend", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_help_documents_options_endpoints_and_faults():
    out = _run("--help").stdout
    for needle in ("--host", "--port", "--data-dir", "--allow-remote", "/_nemo/faults",
                   "heartbeats_only", "ignore_range", "stuck", "wrapped", "run_sse",
                   "/api/render/proxy/lambda"):
        assert needle in out, needle


def test_non_loopback_host_needs_an_explicit_flag(tmp_path):
    r = _run("--host", "0.0.0.0", "--data-dir", str(tmp_path))
    assert r.returncode == 2 and "--allow-remote" in r.stderr
    assert "Traceback" not in r.stderr


def test_serves_and_stops_cleanly(tmp_path):
    port = free_port()
    hooks = {"X-Nemo-Hooks-Token": "cli-test-hooks-token-0123"}
    proc = subprocess.Popen([sys.executable, "-m", "backend", "--port", str(port),
                             "--data-dir", str(tmp_path / "d"), "--test-hooks"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NEMO_HOOKS_TOKEN": hooks["X-Nemo-Hooks-Token"]})
    stream = None
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/_nemo/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert r.json()["data"]["service"] == "nemo-local-backend"
        assert (tmp_path / "d" / "backend.sqlite3").exists()
        # an open event stream must not hold the exit
        url = f"http://127.0.0.1:{port}"
        token = httpx.post(url + "/api/auth/anonymous-token",
                           headers={"X-Client-Id": "cli"}).json()["data"]["token"]
        auth = {"Authorization": f"Bearer {token}"}
        sid = httpx.post(url + "/api/tasks/me/with-session/nemo_agent", json={},
                         headers=auth).json()["data"]["session_id"]
        armed = httpx.post(url + "/_nemo/faults", headers=hooks, json={
            "route": "run_sse", "kind": "heartbeats_only", "seconds": None})
        assert armed.status_code == 200, armed.text
        stream = httpx.stream("POST", url + "/run_sse", headers=auth, timeout=20, json={
            "app_name": "nemo_agent", "user_id": "me", "session_id": sid,
            "new_message": {"parts": [{"text": "hi"}]}})
        response = stream.__enter__()
        assert response.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    if stream is not None:
        stream.__exit__(None, None, None)
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert f"127.0.0.1:{port}" in err


def test_port_in_use_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = _run("--port", str(port), "--data-dir", str(tmp_path))
    assert r.returncode == 1
    assert "could not listen" in r.stderr and "Traceback" not in r.stderr
