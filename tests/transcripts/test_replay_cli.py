"""`nemo-chat replay FILE` shows the session as it appeared; multipart names survive."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from agent.cli import replay as main
from agent.transcripts.server import multipart_files

GOLDEN = Path(__file__).resolve().parents[2] / "transcripts"


def test_replaying_a_chinese_session_shows_it_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(GOLDEN / "quick_edit_zh.jsonl"), "--speed", "20"]) == 0
    out = capsys.readouterr().out
    assert "正在回放 quick_edit_zh.jsonl" in out
    assert "导出" in out and "haitan.png" in out
    assert out.rstrip().endswith("录制内容已全部回放。")
    assert "\x1b[" not in out  # plain text, as when piped


def test_replay_takes_one_file_unless_checking(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(GOLDEN / "errors_400.jsonl"), str(GOLDEN / "errors_429.jsonl")]
    assert main(files) == 2
    assert "--check" in capsys.readouterr().err
    assert main(["--check", *files]) == 0
    assert "2 transcripts replayed as recorded." in capsys.readouterr().out


def test_help_is_a_clean_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--check" in capsys.readouterr().out
    assert main([]) == 2


def test_multipart_file_names_in_utf8_are_read() -> None:
    boundary = "b0undary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="files"; filename="海滩.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + b"\x89PNG-bytes\r\n" + f"--{boundary}--\r\n".encode()
    files = multipart_files(body, f"multipart/form-data; boundary={boundary}")
    assert files == [{"name": "海滩.png", "size": 10, "sha256": hashlib.sha256(b"\x89PNG-bytes").hexdigest()}]
