"""Reply parsing (every documented form), error mapping, and the retry policy's arithmetic."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent.api import ApiConfig
from agent.api.config import detect_platform
from agent.api.envelope import error_for, server_text
from agent.api.errors import (
    ApiError,
    AuthExpired,
    ExportBlocked,
    LocalFileError,
    MissingClientId,
    NoCredits,
    RateLimited,
    SessionNotFound,
    scrub_text,
)
from agent.api.identity import parse_expiry
from agent.api.models import Credits, RenderJob, SessionInfo, SessionState
from agent.api.retry import backoff_delay, parse_retry_after


@pytest.mark.parametrize(
    "body",
    [
        {
            "status": "completed",
            "progress": 100,
            "output": {"url": "https://x/r.mp4", "duration": 30.5, "size": 15728640},
        },
        {
            "success": True,
            "data": {
                "id": "render_1",
                "status": "completed",
                "progress": 100,
                "outputUrl": "https://x/r.mp4",
            },
        },
        {"success": True, "data": {"status": "completed", "output": {"url": "https://x/r.mp4"}}},
        {"status": "success", "outputUrl": "https://x/r.mp4"},
    ],
)
def test_render_status_in_every_documented_form(body: dict) -> None:
    job = RenderJob.from_reply(body, "render_1")
    assert (job.id, job.status, job.progress, job.url) == (
        "render_1",
        "completed",
        100.0,
        "https://x/r.mp4",
    )


def test_render_job_in_progress_and_failed() -> None:
    job = RenderJob.from_reply(
        {
            "success": True,
            "data": {"id": 123456789012345678, "status": "PROCESSING", "progress": "42"},
        },
        "x",
    )
    assert (job.id, job.status, job.progress, job.url) == (
        "123456789012345678",
        "processing",
        42.0,
        None,
    )
    failed = RenderJob.from_reply({"status": "failed", "error": "draft has no tracks"}, "r")
    assert failed.status == "failed" and failed.error == "draft has no tracks" and failed.finished


def test_ids_stay_strings_and_numbers_are_tolerated() -> None:
    info = SessionInfo.model_validate({"task_id": 17, "session_id": 5529798706024415232})
    assert info.session_id == "5529798706024415232" and info.task_id == "17"
    assert Credits.from_data({"available": "90", "frozen": 10.0}) == Credits(
        available=90, frozen=10, total=100
    )
    state = SessionState.from_data(
        {"state": {"draft": '{"t": []}', "video_infos": {"a": {"id": 1}}}, "user_id": "anon_1"}
    )
    assert (
        state.draft is not None
        and state.draft.raw == {"t": []}
        and state.draft.tracks == ()
        and state.video_infos == [{"id": 1}]
        and state.user_id == "anon_1"
    )
    assert SessionState.from_data({}).draft is None


def test_error_text_is_read_from_message_msg_or_error() -> None:
    assert server_text({"code": 5, "message": "a", "msg": "b"}) == "a"
    assert server_text({"code": 5, "msg": "b", "error": "c"}) == "b"
    assert server_text({"error": {"message": "nested"}}) == "nested"
    assert server_text({"detail": "Session not found: 1"}) == "Session not found: 1"
    assert server_text(None, b"<html>oops</html>") is None


def test_error_mapping() -> None:
    assert isinstance(error_for(200, {"code": "1001"}), AuthExpired)
    assert isinstance(error_for(401, None), AuthExpired)
    assert isinstance(error_for(404, {"detail": "Session not found: 9"}), SessionNotFound)
    credits = error_for(200, {"code": 2001, "data": {"bind": "anon_x"}})
    assert isinstance(credits, NoCredits) and credits.bind_id == "anon_x"
    assert isinstance(error_for(402, {"code": 0}), ExportBlocked)
    limited = error_for(429, {}, retry_after=3.0)
    assert isinstance(limited, RateLimited) and limited.retry_after == 3.0
    assert isinstance(error_for(400, {}, token_call=True), MissingClientId)
    assert type(error_for(400, {"message": "bad draft"})) is ApiError
    assert (
        error_for(200, {"code": 0, "data": {}}) is None
        and error_for(200, {"success": True}) is None
    )
    assert isinstance(error_for(200, {"success": False, "error": "nope"}), ApiError)


def test_backoff_is_jittered_exponential_and_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, 0.5, 8.0, rng) for n in range(8)]
    for n, d in enumerate(delays):
        ceiling = min(0.5 * 2**n, 8.0)
        assert 0.75 * ceiling <= d <= ceiling


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    when = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= (parse_retry_after({"retry-after": format_datetime(when, usegmt=True)}) or 0) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None and parse_retry_after({}) is None


def test_token_expiry_forms() -> None:
    assert parse_expiry(1_900_000_000, 0) == 1_900_000_000
    assert parse_expiry(1_900_000_000_000, 0) == 1_900_000_000
    assert parse_expiry("2030-01-01T00:00:00Z", 0) == datetime(2030, 1, 1, tzinfo=UTC).timestamp()
    assert parse_expiry(None, 100.0) == 100.0 + 7 * 24 * 3600


def test_config_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEMO_API_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("NEMO_WEB_URL", "http://web.local")
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("NEMO_TOKEN", " nmv_usr_abc ")
    monkeypatch.setenv("NEMO_CLIENT_ID", "cid-1")
    monkeypatch.setenv("SKILL_SOURCE", "clawhub")
    cfg = ApiConfig.from_env()
    assert cfg.base_url == "http://127.0.0.1:9" and cfg.web_url == "http://web.local"
    assert (
        cfg.token == SecretStr("nmv_usr_abc")
        and cfg.client_id == "cid-1"
        and cfg.platform == "clawhub"
    )
    assert "nmv_usr_abc" not in repr(cfg) and "nmv_usr_abc" not in str(cfg.model_dump())
    assert ApiConfig.from_env(base_url="http://other", sse_idle_timeout=0.1).sse_idle_timeout == 0.1
    monkeypatch.delenv("NEMO_TOKEN")
    monkeypatch.delenv("NEMO_CONFIG_DIR")
    assert ApiConfig.from_env().token is None
    assert ApiConfig.from_env().config_dir == Path.home() / ".config" / "nemovideo"


def test_platform_from_install_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SKILL_SOURCE", raising=False)
    home = tmp_path
    assert detect_platform(home / ".clawhub" / "skills" / "x" / "agent.py", home) == "clawhub"
    assert detect_platform(home / ".cursor" / "skills" / "x" / "agent.py", home) == "cursor"
    assert detect_platform(home / "src" / "agent.py", home) == "unknown"


def test_scrubbing() -> None:
    assert scrub_text("Bearer nmv_usr_abc.def-1 was refused") == "Bearer <token> was refused"
    assert scrub_text("id cid-123456 here", "cid-123456") == "id <secret> here"
    err = LocalFileError(Path("/x/holiday.heic"), "heic_failed")
    assert "holiday.heic" in str(err) and err.reason == "heic_failed"


def test_error_codes_inside_the_stream_are_typed_by_the_wire() -> None:
    from agent.api import ExportBlocked, NoCredits, StreamError, StreamFailed

    assert isinstance(StreamError(message="expired", code="1001").failure(), AuthExpired)
    credits = StreamError(message="no credits", code=" 2001 ").failure()
    assert isinstance(credits, NoCredits) and credits.server_message == "no credits"
    assert isinstance(StreamError(message="upgrade", code="402").failure(), ExportBlocked)
    odd = StreamError(message="MALFORMED_FUNCTION_CALL", code="MALFORMED_FUNCTION_CALL").failure()
    assert type(odd) is StreamFailed and odd.server_message == "MALFORMED_FUNCTION_CALL"
