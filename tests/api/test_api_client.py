"""The client against a real HTTP server on 127.0.0.1: endpoints, identity, errors, recovery."""

from __future__ import annotations

import json
import logging
import os
import stat
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from agent.api import (
    ApiError,
    AuthExpired,
    ExportBlocked,
    FileTooLarge,
    MissingClientId,
    NemoClient,
    NoCredits,
    RateLimited,
    ServiceUnreachable,
    SessionNotFound,
    UnsupportedFile,
)

from .conftest import until_rendered


async def test_first_start_gets_a_token_and_stores_it_privately(
    fake_api: Any, tmp_path: Path
) -> None:
    cfg = fake_api.config(tmp_path)
    async with NemoClient(cfg) as client:
        info = await client.create_session("zh-CN")
    assert info.session_id == "5529798706024415232" and info.task_id == "t-1"
    assert client.token_source == "anonymous" and client.user_id == "anon_abc123"
    folder = cfg.config_dir
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("client_id", "nemo-chat-token.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    client_id = (folder / "client_id").read_text().strip()
    token_call = fake_api.hits("anonymous-token")[0]
    assert (
        token_call.headers["x-client-id"] == client_id and "authorization" not in token_call.headers
    )
    session_call = fake_api.hits("with-session")[0]
    assert session_call.headers["authorization"] == f"Bearer {fake_api.tokens_issued[0]}"
    assert json.loads(session_call.body) == {"task_name": "project", "language": "zh-CN"}
    for seen in fake_api.requests:  # attribution on every call
        assert seen.headers["x-skill-source"] == "best-image-to-video-ai"
        assert seen.headers["x-skill-version"] == version("nemo-chat")
        assert seen.headers["x-skill-platform"] == "unknown"
    # a second start reuses the stored token and the same client id: no new token
    async with NemoClient(fake_api.config(tmp_path)) as again:
        await again.credits()
    assert again.token_source == "stored" and len(fake_api.tokens_issued) == 1
    assert not list(folder.glob(".*.tmp"))


async def test_env_token_is_used_and_never_written(fake_api: Any, tmp_path: Path) -> None:
    fake_api.valid_tokens.add("nmv_usr_fromenv")
    cfg = fake_api.config(tmp_path, token="nmv_usr_fromenv")
    async with NemoClient(cfg) as client:
        credits = await client.credits()
    assert (credits.available, credits.frozen, credits.total) == (90, 10, 100)
    assert client.token_source == "env" and not fake_api.hits("anonymous-token")
    assert not cfg.config_dir.exists() or "nmv_usr_fromenv" not in "".join(
        p.read_text() for p in cfg.config_dir.iterdir() if p.is_file()
    )


async def test_expired_token_is_renewed_with_the_same_client_id_and_retried_once(
    fake_api: Any, tmp_path: Path
) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.connect()
        fake_api.fail("credits", code=1001, message="token expired")
        credits = await client.credits()
        assert credits.available == 90
        assert [n.kind for n in client.notices] == ["reauthenticated"]
    ids = {r.headers["x-client-id"] for r in fake_api.hits("anonymous-token")}
    assert len(fake_api.tokens_issued) == 2 and len(ids) == 1
    stored = json.loads((tmp_path / "nemo-config" / "nemo-chat-token.json").read_text())
    assert next(iter(stored["tokens"].values()))["token"] == fake_api.tokens_issued[1]


async def test_env_token_refused_raises_auth_expired_without_leaking(
    fake_api: Any, tmp_path: Path
) -> None:
    secret = "nmv_usr_personal_9f8e7d"
    async with NemoClient(fake_api.config(tmp_path, token=secret)) as client:
        with pytest.raises(AuthExpired) as info:
            await client.credits()
    assert not fake_api.hits("anonymous-token")
    assert (
        secret not in str(info.value)
        and secret not in repr(info.value)
        and secret not in repr(client)
    )
    assert secret not in repr(client.config)


async def test_400_on_token_call_makes_a_new_client_id_once(fake_api: Any, tmp_path: Path) -> None:
    fake_api.fail("token", status=400, message="missing X-Client-Id")
    cfg = fake_api.config(tmp_path)
    async with NemoClient(cfg) as client:
        await client.connect()
    first, second = (r.headers["x-client-id"] for r in fake_api.hits("anonymous-token"))
    assert first != second and (cfg.config_dir / "client_id").read_text().strip() == second
    assert [n.kind for n in client.notices] == ["new_client_id"]
    fake_api.fail("token", times=2, status=400, message="missing X-Client-Id")
    async with NemoClient(fake_api.config(tmp_path / "other")) as client2:
        with pytest.raises(MissingClientId):
            await client2.connect()


async def test_429_on_token_call_waits_and_retries_once_then_says_so(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.fail("token", status=429, message="one token per client per 7 days")
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.connect()
        assert [n.kind for n in client.notices] == ["rate_limited_wait"]
    fake_api.fail("token", times=2, status=429, message="slow down")
    async with NemoClient(fake_api.config(tmp_path / "b")) as client2:
        with pytest.raises(RateLimited):
            await client2.connect()
    assert len(fake_api.hits("anonymous-token")) == 4


async def test_transient_5xx_is_retried_on_gets_honouring_retry_after(
    fake_api: Any, tmp_path: Path
) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.connect()
        fake_api.fail("credits", times=2, status=503, headers={"Retry-After": "0.05"})
        assert (await client.credits()).available == 90
        assert len(fake_api.hits("balance")) == 3
        fake_api.fail("credits", times=3, status=502)
        with pytest.raises(ApiError) as info:
            await client.credits()
        assert info.value.status == 502
        fake_api.fail("credits", status=503, headers={"Retry-After": "3600"})
        with pytest.raises(ApiError):  # asked to wait an hour: reported, not waited for
            await client.credits()


async def test_calls_that_start_work_are_not_resent_on_5xx(fake_api: Any, tmp_path: Path) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        fake_api.fail("sse", status=503)
        with pytest.raises(ApiError):
            async for _ in client.run_sse("make it pop"):
                pass
        assert len(fake_api.hits("/run_sse")) == 1


async def test_a_5xx_on_session_create_is_retried(fake_api: Any, tmp_path: Path) -> None:
    """A new session starts no work a second try could repeat (at worst an empty session is
    left behind), so one 500 must not end the run."""
    async with NemoClient(fake_api.config(tmp_path)) as client:
        fake_api.fail("session", status=500)
        info = await client.create_session()
        assert info.session_id and len(fake_api.hits("with-session")) == 2
        assert [n.kind for n in client.notices] == ["retried"]


async def test_connection_refused_is_retried_then_unreachable(
    tmp_path: Path, config_dir: Path
) -> None:
    from agent.api import ApiConfig
    from backend.serve import free_port

    url = f"http://127.0.0.1:{free_port()}"
    cfg = ApiConfig.from_env(
        base_url=url, config_dir=tmp_path / "c", retry_base=0.01, retry_cap=0.02
    )
    async with NemoClient(cfg) as client:
        with pytest.raises(ServiceUnreachable) as info:
            await client.credits()
    assert info.value.url == url and url in str(info.value)
    assert [n.kind for n in client.notices] == ["retried", "retried"]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"code": 1002, "message": "session not found"}, SessionNotFound),
        ({"code": 4001, "message": "unsupported"}, UnsupportedFile),
        ({"code": 4002, "message": "too big"}, FileTooLarge),
        ({"status": 402, "message": "free plan"}, ExportBlocked),
        ({"code": 7777, "message": "the moon is full"}, ApiError),
    ],
)
async def test_error_codes_become_typed_errors(
    fake_api: Any, tmp_path: Path, fault: dict[str, Any], expected: type
) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        fake_api.fail("state", **fault)
        with pytest.raises(expected) as info:
            await client.state()
    if expected is ApiError:
        assert "the moon is full" in str(info.value) and info.value.code == 7777


async def test_no_credits_carries_the_bind_id(fake_api: Any, tmp_path: Path) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        fake_api.fail("sse", code=2001, message="no credits")
        with pytest.raises(NoCredits) as info:
            async for _ in client.run_sse("generate"):
                pass
    assert info.value.bind_id == "anon_abc123" and info.value.registered is False
    fake_api.fail("credits", code=2001, message="no credits", data={"bind": "usr_42"})
    async with NemoClient(fake_api.config(tmp_path)) as client2:
        with pytest.raises(NoCredits) as info2:
            await client2.credits()
    assert info2.value.bind_id == "usr_42" and info2.value.registered is True


async def test_state_render_and_cancel(fake_api: Any, tmp_path: Path) -> None:
    fake_api.download_body = b"\x00" * 1000
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        state = await client.state()
        assert state.draft and state.draft.raw == {"t": [{"tt": 0, "sg": [{"src": "m1", "d": 3000}]}]}
        assert state.draft.tracks[0].segments[0].name == "m1"
        assert state.canvas_config == {"width": 1920, "height": 1080} and state.task_id == "t-1"
        rid = client.new_render_id()
        assert rid.startswith("render_") and len(rid) == 39
        job = await client.submit_render(state.draft.raw, render_id=rid, resolution="1080p")
        assert (job.id, job.status, job.progress) == (rid, "pending", 5)
        sent = json.loads(fake_api.hits("/api/render/proxy/lambda")[0].body)
        assert sent == {
            "id": rid,
            "sessionId": "5529798706024415232",
            "draft": state.draft.raw,
            "output": {"format": "mp4", "quality": "high", "resolution": "1080p"},
        }
        assert (await client.render_status(rid)).status == "processing"
        done = await client.render_status(rid)
        assert (
            done.status == "completed"
            and done.url
            and done.url.endswith(f"/files/{rid}.mp4")
            and done.size == 1000
        )
        # the same id again (e.g. a retry after a lost reply) picks up the existing job
        again = await client.submit_render(state.draft.raw, render_id=rid)
        assert again.id == rid and again.status == "completed"
        fake_api.render_form = "wrapped"
        rid2 = client.new_render_id()
        await client.submit_render({"t": []}, render_id=rid2)
        job2 = await until_rendered(client, rid2, 0.01)
        assert job2.status == "completed" and job2.url and job2.url.endswith(f"{rid2}.mp4")
        await client.cancel_render(rid2)
        assert fake_api.hits(f"{rid2}/cancel")


async def test_upload_files_and_urls(
    fake_api: Any, tmp_path: Path, make_photo: Any, recorder: Any
) -> None:
    rec = recorder
    photos = [make_photo("beach.png", seed=1), make_photo("城市.png", seed=2)]
    seen: list[Any] = []
    async with NemoClient(fake_api.config(tmp_path), observer=rec) as client:
        await client.create_session()
        files = await client.upload_files(photos, on_progress=seen.append)
        urls = await client.upload_urls(["https://example.com/a.jpg"])
    assert [f.filename for f in files] == ["beach.png", "城市.png"]
    assert (
        files[0].width == 640
        and files[0].id == "77"
        and files[0].cdn_url == "https://cdn/beach.png"
    )
    import hashlib

    assert [u["sha256"] for u in fake_api.uploads] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in photos
    ]
    assert all(u["content_type"] == "image/png" for u in fake_api.uploads)
    assert seen[-1].sent == seen[-1].total and seen[-1].file_count == 2
    assert urls[0].cdn_url == "https://example.com/a.jpg"
    upload_record = next(r for r in rec.records if r.files)
    assert [f.name for f in upload_record.files or []] == ["beach.png", "城市.png"]
    assert upload_record.files and upload_record.files[0].sha256 == fake_api.uploads[0]["sha256"]


async def test_upload_after_1001_is_sent_again_in_full(
    fake_api: Any, tmp_path: Path, make_photo: Any
) -> None:
    photo = make_photo("a.png")
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        fake_api.fail("upload", code=1001)
        files = await client.upload_files([photo])
    assert files[0].filename == "a.png" and fake_api.uploads[0]["size"] == photo.stat().st_size


async def test_secrets_never_reach_logs_errors_or_records(
    fake_api: Any, tmp_path: Path, caplog: Any, recorder: Any
) -> None:
    rec = recorder
    caplog.set_level(logging.DEBUG)
    fake_api.sse_script = [(0, b'data: {"type":"text","content":"token is nmv_usr_secret_0"}\n\n')]
    async with NemoClient(fake_api.config(tmp_path), observer=rec) as client:
        await client.create_session()
        async for _ in client.run_sse("hello"):
            pass
        fake_api.fail("credits", code=9999, message=f"bad token {fake_api.tokens_issued[0]}")
        with pytest.raises(ApiError) as info:
            await client.credits()
        client_id = client.sender.credentials.client_id
    token = fake_api.tokens_issued[0]
    dumped = (
        json.dumps([r.model_dump(mode="json") for r in rec.records])
        + json.dumps(rec.frames)
        + json.dumps(rec.opened)
    )
    assert "<token>" in dumped
    for secret in (token, client_id):
        assert secret and secret not in dumped
        assert secret not in caplog.text
        assert secret not in str(info.value) and secret not in repr(info.value)
        assert secret not in repr(client)
    assert token not in str(info.value.server_message)


async def test_corrupt_and_foreign_files_are_reported_and_replaced(
    fake_api: Any, tmp_path: Path
) -> None:
    cfg = fake_api.config(tmp_path)
    folder = cfg.config_dir
    folder.mkdir(mode=0o755)
    (folder / "client_id").write_text("not a valid id at all!\n")
    (folder / "nemo-chat-token.json").write_text("{broken")
    async with NemoClient(cfg) as client:
        await client.connect()
    kinds = [(n.kind, n.detail) for n in client.notices]
    assert ("credentials_replaced", "client_id") in kinds
    assert ("credentials_replaced", "nemo-chat-token.json") in kinds
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert json.loads((folder / "nemo-chat-token.json").read_text())["tokens"]
    # a symlink planted where the client id lives is not followed
    target = tmp_path / "elsewhere"
    target.write_text("11111111-2222-3333-4444-555555555555\n")
    (folder / "client_id").unlink()
    os.symlink(target, folder / "client_id")
    (folder / "nemo-chat-token.json").unlink()
    async with NemoClient(cfg) as client2:
        await client2.connect()
    assert ("credentials_replaced", "client_id") in [(n.kind, n.detail) for n in client2.notices]
    assert target.read_text() == "11111111-2222-3333-4444-555555555555\n"
    assert not (folder / "client_id").is_symlink()


async def test_unusable_config_folder_keeps_working_in_memory(
    fake_api: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("mine")
    async with NemoClient(fake_api.config(tmp_path, config_dir=blocker)) as client:
        assert (await client.credits()).total == 100
    assert blocker.read_text() == "mine"
    assert "credentials_not_saved" in [n.kind for n in client.notices]


async def test_render_submit_is_retried_with_the_same_id(fake_api: Any, tmp_path: Path) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        fake_api.fail("render", status=503)
        job = await client.submit_render({"t": [{"tt": 0, "sg": [{"src": "m1"}]}]})
    ids = [
        json.loads(r.body)["id"]
        for r in fake_api.hits("/api/render/proxy/lambda")
        if r.method == "POST"
    ]
    assert len(ids) == 2 and ids[0] == ids[1] == job.id and list(fake_api.renders) == [job.id]


async def test_rate_limit_on_other_calls(fake_api: Any, tmp_path: Path) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.create_session()
        fake_api.fail("credits", status=429, headers={"Retry-After": "0.01"})
        assert (await client.credits()).total == 100  # a GET waits as asked and retries
        fake_api.fail("upload", status=429, headers={"Retry-After": "7"})
        with pytest.raises(RateLimited) as info:
            await client.upload_urls(["https://cdn.test/a.png"])  # starts work: reported, not re-sent
        assert len(fake_api.hits("upload-video")) == 1
    assert info.value.retry_after == 7.0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a file owned by someone else")
async def test_a_file_owned_by_someone_else_is_not_trusted(fake_api: Any, tmp_path: Path) -> None:
    cfg = fake_api.config(tmp_path)
    cfg.config_dir.mkdir(mode=0o700)
    planted = cfg.config_dir / "client_id"
    planted.write_text("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n")
    os.chown(planted, 65534, 65534)
    async with NemoClient(cfg) as client:
        await client.connect()
    used = fake_api.hits("anonymous-token")[0].headers["x-client-id"]
    assert used != "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert ("credentials_replaced", "client_id") in [(n.kind, n.detail) for n in client.notices]
    assert planted.stat().st_uid == os.getuid() and planted.read_text().strip() == used


async def test_an_open_config_folder_is_tightened_before_a_stored_token_is_used(
    fake_api: Any, tmp_path: Path
) -> None:
    cfg = fake_api.config(tmp_path)
    async with NemoClient(cfg) as client:
        await client.connect()
    os.chmod(cfg.config_dir, 0o755)
    os.chmod(cfg.config_dir / "nemo-chat-token.json", 0o644)
    async with NemoClient(cfg) as again:
        await again.credits()
    assert again.token_source == "stored"
    assert stat.S_IMODE(cfg.config_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((cfg.config_dir / "nemo-chat-token.json").stat().st_mode) == 0o600
    assert {n.kind for n in again.notices} == {"permissions_fixed"}
