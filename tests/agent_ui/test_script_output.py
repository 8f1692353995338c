"""What a shell script relies on: `--json` lines, results on stdout and the rest on stderr,
`--quiet`, the exit codes, and an empty stdin that does nothing, quietly."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAST_BACKEND = {"render_max_height": 180, "render_fps": 10, "generation_seconds": 0.05,
                "heartbeat_interval": 0.05, "no_text_ratio": 0.0}


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "LC_", "LANG"))}
    env.update(NEMO_CONFIG_DIR=str(tmp_path / "config"), NEMO_DATA_DIR=str(tmp_path / "data"),
               NEMO_LOCAL_SETTINGS=json.dumps(FAST_BACKEND), NEMO_POLL_INTERVAL="0.2",
               LANG="C.UTF-8", **extra)
    return env


def run(args: list[str], cwd: Path, env: dict[str, str], stdin: str | None = None,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent", *args], input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=90, cwd=cwd, env=env)


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_json_lines_give_a_script_the_saved_videos_path(
    tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    photo = make_photo("a.jpg", size=(320, 180), seed=3)
    args = ["--local", "--json", "-m", "upload a.jpg", "-m", "make it an animated video",
            "-m", "export"]
    result = run(args, photo.parent, env_for(tmp_path))
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]  # nothing but JSON
    assert all(e["type"] == e["kind"] for e in events)
    assert {"user_message", "media_uploaded", "text_delta", "file_saved", "turn_end"} <= {
        e["type"] for e in events}
    paths = [e["path"] for e in events if e.get("path")]
    assert len(paths) == 1 and paths[0].endswith(".mp4")
    video = Path(paths[0])
    assert video.is_absolute() and video.parent == photo.parent and video.stat().st_size > 0
    if shutil.which("jq"):  # the README's line, as a person runs it
        jq = subprocess.run(["jq", "-r", "select(.path) | .path"], input=result.stdout,
                            capture_output=True, text=True, timeout=30)
        assert jq.stdout == f"{video}\n"


@pytest.mark.slow
def test_a_failed_upload_is_an_error_on_stderr_never_a_tick(tmp_path: Path) -> None:
    plain = run(["--local", "-m", "upload nope.jpg"], tmp_path, env_for(tmp_path))
    assert plain.returncode == 1
    assert plain.stdout == ""  # no result
    assert "nope.jpg" in plain.stderr and "✓" not in plain.stderr
    assert "100%" not in plain.stderr
    as_json = run(["--local", "--json", "-m", "upload nope.jpg"], tmp_path, env_for(tmp_path))
    events = [json.loads(line) for line in as_json.stdout.splitlines()]
    errors = [e for e in events if e["type"] == "error"]
    assert [e["code"] for e in errors] == ["local_file"]
    bars = [e for e in events if e["type"] == "progress" and e["done"]]
    assert bars and all(e["failed"] for e in bars)


@pytest.mark.slow
def test_quiet_leaves_only_results_and_errors(tmp_path: Path) -> None:
    result = run(["--local", "-q", "-m", "credits", "-m", "export"], tmp_path, env_for(tmp_path))
    assert result.returncode == 1
    assert "available" in result.stdout
    # no greeting, no echo, no status: only the export's error (and its hint)
    assert "> credits" not in result.stderr and "Connecting" not in result.stderr
    assert "Ready" not in result.stderr and "Try:" not in result.stderr
    assert "nothing to export" in result.stderr.lower()


def test_empty_stdin_says_so_without_a_banner_or_a_connection(tmp_path: Path) -> None:
    # the service's address is a dead port: connecting at all would exit 5
    env = env_for(tmp_path, NEMO_API_URL=f"http://127.0.0.1:{dead_port()}")
    result = run([], tmp_path, env, stdin="\n  \n")
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.startswith("Nothing to do: stdin was empty")
    assert "Connecting" not in result.stderr and "Try:" not in result.stderr
    assert not (tmp_path / "config").exists()  # no token was asked for


def test_an_unreachable_service_is_an_error_event_and_exit_code_5(tmp_path: Path) -> None:
    env = env_for(tmp_path, NEMO_API_URL=f"http://127.0.0.1:{dead_port()}")
    result = run(["--json", "-m", "credits"], tmp_path, env)
    assert result.returncode == 5
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["code"] for e in events if e["type"] == "error"] == ["unreachable"]
    assert "Traceback" not in result.stderr
