"""The transcript file: what the Recorder writes, what it never writes, and how bad files read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.events import Notice, TextDelta, UserMessage
from agent.transcripts import FORMAT_VERSION, Recorder, TranscriptError, load, timing_settings
from agent.transcripts.recorder import http_payload

TOKEN = "nmv_usr_AbC123secretTOKENvalue"
CLAIM = "clm_Zz9claimSECRET77"
CLIENT_ID = "3f2b9c1e-7a44-4c1b-9a57-0e6f4d2a1b99"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _record(path: Path, home: Path, api: str = "http://127.0.0.1:5555") -> Recorder:
    return Recorder(
        path,
        app_version="0.1.0",
        lang="zh",
        api_base=api,
        secrets=[CLIENT_ID, None],
        settings={"poll_interval": 0.1, "out_dir": str(home / "videos")},
        home=home,
    )


def test_a_recording_holds_no_secret_and_keeps_chinese_readable(tmp_path: Path) -> None:
    home = tmp_path / "home" / "ana"
    api = "http://127.0.0.1:5555"
    rec = _record(tmp_path / "s.jsonl", home, api)
    rec.sink(UserMessage(text=f"上传 {home}/照片/海滩.png"))
    rec.observer.on_exchange(
        {
            "method": "POST",
            "path": "/api/auth/anonymous-token",
            "status": 200,
            "request_json": None,
            "response_json": {"code": 0, "data": {"token": TOKEN, "credits": 100, "claim": CLAIM}},
            "duration": 0.01,
        }
    )
    rec.observer.on_exchange(
        {
            "method": "GET",
            "path": "/api/credits/balance/simple",
            "status": 200,
            "request_json": {"authorization": f"Bearer {TOKEN}", "client_id": CLIENT_ID},
            "response_json": {"note": f"client {CLIENT_ID} used Bearer abc.def and {TOKEN}",
                              "url": f"{api}/files/a.mp4"},
            "duration": 0.02,
        }
    )
    rec.observer.on_sse_open("/run_sse", {"new_message": {"parts": [{"text": "你好"}]}}, 200)
    rec.observer.on_sse_frame("/run_sse", json.dumps({"token": TOKEN}), None, 0.1)
    rec.observer.on_sse_frame("/run_sse", None, "ping", 0.2)
    rec.observer.on_sse_close("/run_sse", "end")
    rec.sink(Notice(text=f"已保存到 {home}/videos/out.mp4"))
    rec.close()

    raw = (tmp_path / "s.jsonl").read_text(encoding="utf-8")
    for secret in (TOKEN, CLAIM, CLIENT_ID, str(home), "abc.def"):
        assert secret not in raw
    assert "\\u" not in raw and "海滩.png" in raw and "~/照片/海滩.png" in raw
    assert "<api>/files/a.mp4" in raw

    transcript = load(tmp_path / "s.jsonl")
    assert transcript.header.version == FORMAT_VERSION
    assert transcript.header.lang == "zh"
    assert transcript.header.api_base == api
    assert transcript.header.settings["out_dir"] == "~/videos"
    kinds = [line.kind for line in transcript.lines]
    assert kinds == ["event", "http", "http", "sse_open", "sse", "sse", "sse_close", "event"]
    assert transcript.lines[1].payload["response"]["data"]["token"] == "<token>"
    assert transcript.user_messages() == ["上传 ~/照片/海滩.png"]


def test_lines_carry_time_offsets_from_the_start(tmp_path: Path) -> None:
    clock = FakeClock()
    rec = Recorder(tmp_path / "t.jsonl", app_version="0.1.0", lang="en",
                   api_base="http://x", clock=clock)
    clock.now += 1.25
    rec.sink(TextDelta(text="Hello"))
    clock.now += 0.5
    rec.sink(TextDelta(text=" world"))
    rec.close()
    lines = load(tmp_path / "t.jsonl").lines
    assert [line.t for line in lines] == [1.25, 1.75]


def test_the_recorder_never_overwrites_a_file(tmp_path: Path) -> None:
    target = tmp_path / "mine.jsonl"
    target.write_text("precious\n")
    with pytest.raises(TranscriptError) as err:
        Recorder(target, app_version="0.1.0", lang=None, api_base="http://x")
    assert "already exists" in str(err.value)
    assert target.read_text() == "precious\n"


def test_a_failing_disk_stops_recording_without_breaking_the_chat(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "t.jsonl", app_version="0.1.0", lang=None, api_base="http://x")
    rec._file.close()  # type: ignore[union-attr]  # as if the disk went away
    rec.sink(TextDelta(text="still fine"))
    assert rec.failed
    rec.close()


def test_files_are_recorded_as_digests_never_bytes(tmp_path: Path) -> None:
    payload = http_payload(
        {
            "method": "post",
            "path": "/api/upload-video/nemo_agent/me/s1",
            "status": 200,
            "files": [{"name": "a.png", "size": 1234, "sha256": "ab" * 32}],
            "response_json": {"code": 0},
            "duration": 0.1234567,
        }
    )
    assert payload["method"] == "POST"
    assert payload["files"] == [{"name": "a.png", "size": 1234, "sha256": "ab" * 32}]
    download = http_payload(
        {"method": "GET", "path": "/files/x.mp4", "status": 200,
         "download": {"name": "x.mp4", "size": 99, "sha256": "cd" * 32}, "duration": 1}
    )
    assert download["download"]["size"] == 99 and "response" not in download


def test_settings_from_config_objects_leave_out_secrets(tmp_path: Path) -> None:
    from pydantic import BaseModel, SecretStr

    class Config(BaseModel):
        base_url: str = "http://x"
        token: SecretStr | None = SecretStr(TOKEN)
        client_id: str | None = CLIENT_ID
        sse_idle_timeout: float = 2.0
        config_dir: Path = tmp_path

    class Chat(BaseModel):
        poll_interval: float = 0.2
        out_dir: Path = tmp_path / "out"
        lang: str | None = None

    found = timing_settings(Config(), Chat())
    assert found == {
        "sse_idle_timeout": 2.0,
        "poll_interval": 0.2,
        "out_dir": str(tmp_path / "out"),
        "token_from_env": True,  # whether NEMO_TOKEN was set: never the token itself
    }


# -- files that cannot be replayed get a clear error ---------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = json.dumps({"format": "nemo-chat-transcript", "version": 1, "app_version": "0.1.0",
                     "created": "2026-01-01T00:00:00Z", "lang": "en", "api_base": "http://x"})


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("", "empty", "empty"),
        ("hello\n", "not_transcript", "not a nemo-chat transcript"),
        (HEADER.replace('"version": 1', '"version": 7') + "\n", "newer_version", "version 7"),
        (HEADER + '\n[0.1, "event", {"kind": "notice", "text": "hi"}]\n', "truncated", "cut short"),
        (HEADER + '\n[0.1, "event", {"kind": "notice", "te', "truncated", "line 2"),
        (HEADER + '\n[0.1, "event", {"kind": "no\n[0.2, "end", {}]\n', "corrupted", "line 2"),
        (HEADER + '\n{"t": 1}\n[0.2, "end", {}]\n', "corrupted", "line 2"),
        (HEADER + '\n[0.1, "http", {"method": "GET"}]\n[0.2, "end", {}]\n', "corrupted", "http"),
        # an event is read back as its typed event: a notice without text is no event
        (HEADER + '\n[0.1, "event", {"kind": "notice"}]\n[0.2, "end", {}]\n', "corrupted",
         "event.notice.text"),
    ],
)
def test_unusable_files_get_a_clear_error(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    with pytest.raises(TranscriptError) as err:
        load(_write(tmp_path, text))
    assert err.value.key == key
    assert fragment in err.value.message("en")
    assert err.value.message("zh") != err.value.message("en")


def test_a_missing_file_and_a_binary_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as err:
        load(tmp_path / "nope.jsonl")
    assert "nope.jsonl" in str(err.value)
    (tmp_path / "b.jsonl").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TranscriptError) as err:
        load(tmp_path / "b.jsonl")
    assert err.value.key == "not_utf8"


def test_unknown_line_kinds_of_the_same_version_are_skipped(tmp_path: Path) -> None:
    text = HEADER + '\n[0.1, "future_kind", {"x": 1}]\n[0.2, "event", {"kind": "ready", "greeting": "hi"}]\n[0.3, "end", {}]\n'
    transcript = load(_write(tmp_path, text))
    assert [line.kind for line in transcript.lines] == ["event"]
