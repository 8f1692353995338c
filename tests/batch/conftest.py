"""Batch runs end to end, in this process: `nemo-chat batch --local` over the real local
backend on 127.0.0.1 (tiny renders), a private config and data folder per test."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class BatchRun:
    code: int
    out: str
    err: str


@pytest.fixture
def batch_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              fast_backend: dict[str, Any]) -> Callable[..., None]:
    """batch_env(**backend_settings): a private config/data folder, a fast local backend."""
    for var in ("NEMO_TOKEN", "NEMO_CLIENT_ID", "NEMO_API_URL", "SKILL_SOURCE", "NEMO_OUTPUT_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NEMO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEMO_POLL_INTERVAL", "0.2")

    def _set(**backend: Any) -> None:
        monkeypatch.setenv("NEMO_LOCAL_SETTINGS", json.dumps({**fast_backend, **backend}))

    _set()
    return _set


@pytest.fixture
def run_batch(batch_env: Callable[..., None], capsys: pytest.CaptureFixture[str]
              ) -> Callable[..., BatchRun]:
    """run_batch("--out", DIR, "-m", TEXT, photo, …) → exit code, stdout, stderr."""
    from agent.cli import main

    def _run(*args: object) -> BatchRun:
        capsys.readouterr()
        code = main(["batch", "--local", *map(str, args)])
        captured = capsys.readouterr()
        return BatchRun(code, captured.out, captured.err)

    return _run
