"""Secrets never reach `--debug` output or crash lines."""

from __future__ import annotations

import pytest

from agent.terminal.redact import redact


def test_token_shapes_and_headers_are_redacted() -> None:
    text = (
        "POST /x Authorization: Bearer nmv_usr_abc.DEF-123 token=nmv_usr_zzz "
        '{"token": "secret-value-1"} X-Client-Id: 0c1d2e3f-aaaa'
    )
    out = redact(text)
    for secret in ("nmv_usr_abc.DEF-123", "nmv_usr_zzz", "secret-value-1", "0c1d2e3f-aaaa"):
        assert secret not in out
    assert "POST /x" in out


def test_values_of_the_secret_environment_variables_are_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEMO_TOKEN", "plain-token-without-prefix")
    monkeypatch.setenv("NEMO_CLIENT_ID", "client-1234567")
    out = redact("sent plain-token-without-prefix for client-1234567 to the API")
    assert out == "sent <redacted> for <redacted> to the API"


def test_ordinary_text_is_left_alone() -> None:
    text = "Saved /tmp/out/video.mp4 (12.0 s, 3.0 MB); session 1234567890"
    assert redact(text) == text
