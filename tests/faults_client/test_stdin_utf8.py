"""Issue 18: invalid UTF-8 piped into the chat is read with replacement and said once.

Before, the locale's decoder kept the bad bytes as lone surrogates and the first thing that
encoded the message (the request body) failed: "Something went wrong inside nemo-chat
(UnicodeEncodeError)" on every such line.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from agent.terminal.piped import stdin_lines

ROOT = Path(__file__).resolve().parents[2]


async def test_bad_bytes_become_replacement_characters_and_are_said_once() -> None:
    said: list[str] = []
    source = io.BytesIO(b"ok \xe2\x9c\x93 line\nbad \xff\xfe here\nagain \xc3(\nfine\n")
    lines = [line async for line in stdin_lines(source, on_invalid=lambda: said.append("!"))]
    assert lines == ["ok ✓ line", "bad \ufffd\ufffd here", "again \ufffd(", "fine"]
    assert said == ["!"]


async def test_a_real_replacement_character_is_not_reported() -> None:
    said: list[str] = []
    source = io.BytesIO("a \ufffd b\n".encode())
    lines = [line async for line in stdin_lines(source, on_invalid=lambda: said.append("!"))]
    assert lines == ["a \ufffd b"] and said == []


def test_the_chat_goes_on_after_invalid_utf8(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
    env.update(NEMO_CONFIG_DIR=str(tmp_path / "config"), NEMO_DATA_DIR=str(tmp_path / "data"),
               NEMO_LOCAL_SETTINGS=json.dumps({"generation_seconds": 0.05,
                                               "heartbeat_interval": 0.05, "chunk_delay": 0}),
               LC_ALL="C.UTF-8", PYTHONIOENCODING="")
    result = subprocess.run(
        [sys.executable, "-m", "agent", "--local"],
        input=b"hello \xff\xfe there\nwhat can you do \xc0\ncredits\n",
        capture_output=True, timeout=120, cwd=ROOT, env=env,
    )
    out = result.stdout.decode() + result.stderr.decode()
    assert "UnicodeEncodeError" not in out and "went wrong" not in out, out
    assert result.returncode == 0, out
    assert "hello \ufffd\ufffd there" in out
    assert out.count("not valid UTF-8") == 1
    assert "available" in out  # the credits line after them still ran
