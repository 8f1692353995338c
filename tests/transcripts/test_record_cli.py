"""`nemo-chat --local --record FILE` end to end: the file is safe to share and replays as recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agent.transcripts import load
from agent.transcripts.standins import standin_bytes

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent", *args], env=env, cwd=cwd, capture_output=True,
        text=True, timeout=120,
    )


def test_record_then_check_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home" / "ana"
    photo = home / "Pictures" / "seaside.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(standin_bytes("seaside.png"))
    client_id = "c0ffee00-1234-4abc-8def-0123456789ab"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
    env.update({"HOME": str(home), "NEMO_CLIENT_ID": client_id,
                "NEMO_CONFIG_DIR": str(tmp_path / "cfg"), "NEMO_OUTPUT_DIR": str(tmp_path / "out"),
                "PYTHONPATH": str(ROOT)})
    record = tmp_path / "session.jsonl"
    done = _run(["--local", "--record", str(record), "-m", f"上传 {photo}", "-m", "积分"],
                env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr

    text = record.read_text(encoding="utf-8")
    assert client_id not in text
    assert "nmv_usr_" not in text
    assert str(home) not in text and "~/Pictures/seaside.png" in text  # readable, no \\u escapes
    transcript = load(record)
    assert transcript.user_messages() == ["上传 ~/Pictures/seaside.png", "积分"]

    env.pop("HOME")
    check = _run(["replay", "--check", str(record)], {**env, "HOME": str(tmp_path)}, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Traceback" not in check.stdout + check.stderr
