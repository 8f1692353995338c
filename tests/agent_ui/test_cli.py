"""`nemo-chat` as a person runs it: a subprocess with its real arguments and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def nemo_chat(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=full_env,
    )


def test_version_prints_the_version_and_exits_0() -> None:
    result = nemo_chat("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("nemo-chat ")
    assert result.stdout.split()[1][0].isdigit()


def test_version_imports_nothing_heavy() -> None:
    code = (
        "import sys; from agent.cli import main; main(['--version']); "
        "heavy = [m for m in ('httpx', 'rich', 'prompt_toolkit', 'pydantic', 'backend', 'uvicorn')"
        " if m in sys.modules]; print('HEAVY', heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert "HEAVY []" in result.stdout


def test_help_lists_every_option() -> None:
    result = nemo_chat("--help")
    assert result.returncode == 0
    for option in (
        "--message",
        "--local",
        "--out",
        "--lang",
        "--resume",
        "--record",
        "--debug",
        "--version",
        "replay",
    ):
        assert option in result.stdout


def test_help_in_chinese() -> None:
    result = nemo_chat("--lang", "zh", "--help")
    assert "本地后端" in result.stdout


def test_bad_arguments_exit_2_with_usage_and_no_traceback() -> None:
    result = nemo_chat("--lang", "fr")
    assert result.returncode == 2
    assert "usage: nemo-chat" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["-m", "hello"], []])
def test_unreachable_service_exits_1_and_suggests_local(args: list[str], tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "NEMO_API_URL": f"http://127.0.0.1:{port}",
        "NEMO_CONFIG_DIR": str(tmp_path / "config"),
        "NEMO_DATA_DIR": str(tmp_path / "data"),
    }
    result = nemo_chat(*args, env=env, stdin="hello\n")
    assert result.returncode == 1
    text = result.stdout + result.stderr
    assert "--local" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("where", ["--out", "NEMO_OUTPUT_DIR"])
def test_an_output_folder_that_cannot_be_made_is_said_before_anything_runs(
    where: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = {"NEMO_CONFIG_DIR": str(tmp_path / "config"), "NEMO_DATA_DIR": str(tmp_path / "data"),
           "NEMO_API_URL": "http://127.0.0.1:9"}  # never reached: the folder is checked first
    args = ["-m", "hello"]
    if where == "--out":
        args += ["--out", str(blocker / "videos")]
    else:
        env["NEMO_OUTPUT_DIR"] = str(blocker / "videos")
    result = nemo_chat(*args, env=env)
    assert result.returncode == 1
    assert f"Cannot save videos to {blocker / 'videos'}" in result.stdout
    assert "--out DIR" in result.stdout and "Traceback" not in result.stdout + result.stderr
