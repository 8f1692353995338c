"""Every recording in transcripts/ replays through today's agent exactly as it was recorded.

These are the golden sessions of the issue (quick edit EN/ZH, batch, iterative, no-text turn,
long turn, broken stream, GUI phrases, every error of the contract), recorded against the
local backend by `transcripts/record_all.py`. A failure prints the readable diff of what the
agent now sends or shows differently; re-record with that script when the change is meant.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from agent.assemble import replay_wiring
from agent.events import Event, Notice, Status
from agent.transcripts import load
from agent.transcripts.check import CHECK_SPEED
from agent.transcripts.replay import replay

GOLDEN = Path(__file__).resolve().parents[2] / "transcripts"
FILES = sorted(GOLDEN.glob("*.jsonl"))
EXPECTED = {
    "quick_edit_en", "quick_edit_zh", "batch", "iterative", "no_text", "long_turn",
    "broken_stream", "gui_phrases", "errors_1001", "errors_1002", "errors_2001",
    "errors_4001", "errors_4002", "errors_400", "errors_402", "errors_429",
}  # fmt: skip


def test_every_golden_scenario_is_present() -> None:
    assert {p.stem for p in FILES} >= EXPECTED


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden_transcript_replays_as_recorded(path: Path) -> None:
    result = asyncio.run(replay(load(path), wiring=replay_wiring(), speed=CHECK_SPEED))
    assert result.problem is None
    diff = "\n".join(result.diff_lines())
    assert diff == "", (
        f"{path.name} no longer replays as recorded (diff above). If the change is meant, "
        f"re-record it: .venv/bin/python transcripts/record_all.py {path.stem}"
    )


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden_transcript_is_safe_to_share(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"nmv_usr_[A-Za-z0-9]", text)
    assert not re.search(r"\bclm_[A-Za-z0-9]", text)
    assert not re.search(r"(?i)bearer (?!<token>)", text)
    assert "\\u" not in text  # Chinese stays readable
    home = str(Path.home())
    if len(home) > 1:
        assert home + "/" not in text
    assert len(text) < 120_000  # small: digests, not bytes


def test_the_chinese_session_reads_as_chinese() -> None:
    text = (GOLDEN / "quick_edit_zh.jsonl").read_text(encoding="utf-8")
    assert "导出" in text and "把我的照片" in text


def test_the_errors_are_told_to_the_person() -> None:
    def events(name: str) -> list[Event]:
        return load(GOLDEN / f"{name}.jsonl").events()

    kinds_2001 = {e.kind for e in events("errors_2001")}
    assert "link" in kinds_2001 or any("bind=" in str(e) for e in events("errors_2001"))
    assert any(e.kind == "error" for e in events("errors_4001"))
    assert any("⏳" in e.text for e in events("long_turn") if isinstance(e, Status | Notice))
