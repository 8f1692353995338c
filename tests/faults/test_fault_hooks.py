"""Issue 18 (also found): the `/_nemo` fault hooks answered anyone, cross-origin, with no token.

A web page in the person's browser could POST to http://127.0.0.1:8765/_nemo/faults (a
"simple" cross-origin request needs no preflight) and break their next turns, or set
credits. Now the hooks exist only when the backend is started with the flag, need the run's
token, and refuse requests from another origin.
"""

from __future__ import annotations

import httpx
import pytest

FAULT = {"route": "credits", "kind": "error", "code": 1001}
HOOKS = [("POST", "/_nemo/faults", FAULT), ("GET", "/_nemo/faults", None),
         ("DELETE", "/_nemo/faults", None), ("POST", "/_nemo/tokens/expire", None),
         ("POST", "/_nemo/credits", {"user_id": "anon_x", "available": 5})]


@pytest.fixture(autouse=True)
def _http():
    global _HTTP
    with httpx.Client(timeout=10, trust_env=False) as _HTTP:
        yield


def _call(url, method, path, body, headers=None):
    return _HTTP.request(method, url + path, json=body, headers=headers or {})


def test_hooks_are_off_unless_the_backend_is_started_with_the_flag(backend_at):
    server = backend_at()
    for method, path, body in HOOKS:
        r = _call(server.url, method, path, body)
        assert r.status_code == 404, (method, path, r.text)
    assert server.app.state.faults.armed() == []
    assert httpx.get(server.url + "/_nemo/health").status_code == 200  # readiness stays open


def test_hooks_need_the_runs_token(backend_at):
    server = backend_at(test_hooks=True)
    token = server.app.state.hooks_token
    assert token and len(token) >= 16
    for headers in (None, {"X-Nemo-Hooks-Token": "guess-guess-guess-guess"},
                    {"Authorization": f"Bearer {token}"}):
        for method, path, body in HOOKS:
            r = _call(server.url, method, path, body, headers)
            assert r.status_code == 403, (method, path, headers)
            assert "X-Nemo-Hooks-Token" in r.json()["message"]
    assert server.app.state.faults.armed() == []
    r = _call(server.url, "POST", "/_nemo/faults", FAULT, {"X-Nemo-Hooks-Token": token})
    assert r.status_code == 200 and len(server.app.state.faults.armed()) == 1


def test_hooks_refuse_another_origin_even_with_the_token(backend_at):
    server = backend_at(test_hooks=True)
    token = {"X-Nemo-Hooks-Token": server.app.state.hooks_token}
    for extra in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                  {"Sec-Fetch-Site": "cross-site"}):
        r = _call(server.url, "POST", "/_nemo/faults", FAULT, {**token, **extra})
        assert r.status_code == 403 and "origin" in r.json()["message"].lower(), extra
    assert server.app.state.faults.armed() == []
    same = {**token, "Origin": server.url, "Sec-Fetch-Site": "same-origin"}
    assert _call(server.url, "POST", "/_nemo/faults", FAULT, same).status_code == 200


def test_a_token_can_be_chosen_for_the_run(backend_at):
    server = backend_at(test_hooks=True, test_hooks_token="chosen-token-0123456789")
    r = _call(server.url, "GET", "/_nemo/faults", None,
              {"X-Nemo-Hooks-Token": "chosen-token-0123456789"})
    assert r.status_code == 200


def test_the_command_line_documents_the_hooks_and_the_limits():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "backend", "--help"], capture_output=True,
                         text=True, timeout=30).stdout
    for needle in ("--test-hooks", "X-Nemo-Hooks-Token", "another origin", "render limits",
                   "--max-render-seconds", "--max-render-segments", "--max-render-side",
                   "--max-text-chars", "--render-workers", "round-robin", "within a second"):
        assert needle in out, needle


def test_the_command_line_keeps_the_token_in_a_private_file(tmp_path):
    import os
    import signal
    import stat
    import subprocess
    import sys
    import time

    from backend.serve import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "NEMO_HOOKS_TOKEN"}
    proc = subprocess.Popen([sys.executable, "-m", "backend", "--port", str(port), "--data-dir",
                             str(tmp_path / "d"), "--test-hooks"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    token_file = tmp_path / "d" / "hooks-token"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                _HTTP.get(f"http://127.0.0.1:{port}/_nemo/health")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        token = token_file.read_text().strip()
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        url = f"http://127.0.0.1:{port}"
        assert _call(url, "GET", "/_nemo/faults", None).status_code == 403
        assert _call(url, "GET", "/_nemo/faults", None,
                     {"X-Nemo-Hooks-Token": token}).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    assert str(token_file) in err and token not in err  # the path is shown, never the token
