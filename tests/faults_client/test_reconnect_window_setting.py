"""NEMO_RECONNECT_WINDOW: how long an export waits for a service that went away."""

from __future__ import annotations

import pytest

from agent.core import ChatSettings


@pytest.mark.parametrize(("value", "window"), [("2", 2.0), ("0", 0.0), ("", 270.0), ("soon", 270.0), ("-5", 270.0)])
def test_the_window_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, window: float) -> None:
    monkeypatch.setenv("NEMO_RECONNECT_WINDOW", value)
    assert ChatSettings.from_env().reconnect_window == window
