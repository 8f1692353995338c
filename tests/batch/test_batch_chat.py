"""`/batch PHOTO… -- INSTRUCTION` in the chat: the same batch, its progress and table as the
chat's own lines (a piped chat here, a real process over the local backend)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.batch.chat import parse_chat_batch

from .test_batch_interrupt import ROOT


def test_the_chat_command_reads_photos_before_the_double_dash() -> None:
    assert parse_chat_batch('a.jpg "my b.png" -- make it move') == (
        ["a.jpg", "my b.png"], "make it move")
    assert parse_chat_batch("a.jpg b.jpg") is None  # no instruction
    assert parse_chat_batch("-- make it move") is None  # no photos


@pytest.mark.slow
def test_batch_from_the_chat_saves_one_video_per_photo_and_shows_the_table(
    tmp_path: Path, make_photo: Callable[..., Path], chat_env: Callable[..., dict[str, str]]
) -> None:
    a = make_photo("a.png", size=(320, 180), seed=1)
    b = make_photo("b.png", size=(320, 180), seed=2)
    out = tmp_path / "videos"
    script = f"/batch {a} {b} -- turn it into a smooth animated video\n"
    result = subprocess.run(
        [sys.executable, "-m", "agent", "--local", "--out", str(out)], input=script,
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=chat_env(),
    )
    shown = result.stdout + result.stderr
    assert result.returncode == 0, shown
    assert sorted(p.name for p in out.glob("*.mp4")) == ["a.mp4", "b.mp4"]
    assert f"a.png: saved → {out / 'a.mp4'}" in shown
    assert "Batch" in shown and "2 of 2 videos saved" in shown
    assert "Traceback" not in shown
