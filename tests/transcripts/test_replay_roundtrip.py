"""Record a session over the real wire against the local backend, replay it, check it.

The conversation here is a small driver of the real NemoClient (the real core has its own
golden transcripts): what is under test is the record → replay → compare machinery with the
real client code path, real sockets and real SSE.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.api import ApiConfig, NemoClient
from agent.api import StreamText as WireText
from agent.assemble import replay_wiring
from agent.cli import replay as main
from agent.events import MediaUploaded, Ready, Table, TextDelta, TurnEnd, UserMessage
from agent.transcripts import Recorder, load, timing_settings
from agent.transcripts.check import check_files
from agent.transcripts.replay import replay
from agent.transcripts.standins import standin_bytes
from backend.serve import ServerThread
from backend.settings import BackendSettings


class MiniConversation:
    """Just enough of a conversation to drive the real client: credits, upload, relay."""

    def __init__(self, client: NemoClient, settings: Any, sink: Callable[[Any], None]) -> None:
        self.client, self.sink = client, sink

    async def start(self) -> bool:
        await self.client.connect()
        await self.client.create_session("en")
        self.sink(Ready(greeting="Ready."))
        return True

    async def handle(self, text: str) -> bool:
        self.sink(UserMessage(text=text))
        if text == "credits":
            c = await self.client.credits()
            self.sink(Table(title="Credits", columns=["available", "total"],
                            rows=[[str(c.available), str(c.total)]]))
        elif text.startswith("upload "):
            for f in await self.client.upload_files([Path(text.split(" ", 1)[1])]):
                self.sink(MediaUploaded(name=f.filename, file_type=f.file_type or "",
                                        width=f.width, height=f.height))
        else:
            async for event in self.client.run_sse(text):
                if isinstance(event, WireText):
                    self.sink(TextDelta(text=event.text))
        self.sink(TurnEnd())
        return True

    async def wait_background(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def factory(client: Any, settings: Any, sink: Callable[[Any], None]) -> MiniConversation:
    return MiniConversation(client, settings, sink)


WIRING = replay_wiring(factory)  # the real client, this small conversation, the backend's door


@pytest.fixture
def backend_url(tmp_path: Path, serve_app: Callable[[Any], ServerThread]) -> str:
    from backend.app import create_app

    return serve_app(create_app(BackendSettings.for_tests(tmp_path / "data"))).url


async def _record(path: Path, url: str, work: Path, messages: list[str]) -> None:
    config = ApiConfig.from_env(base_url=url, config_dir=work / "cfg", token=None, client_id=None)
    recorder = Recorder(path, app_version="test", lang="en", api_base=url,
                        settings=timing_settings(config))
    async with NemoClient(config, observer=recorder.observer) as client:
        conversation = MiniConversation(client, None, recorder.sink)
        await conversation.start()
        for text in messages:
            await conversation.handle(text)
    recorder.close()


@pytest.fixture
def recorded(tmp_path: Path, backend_url: str, config_dir: Path) -> Path:
    photo = tmp_path / "pics" / "beach.png"
    photo.parent.mkdir()
    photo.write_bytes(standin_bytes("beach.png"))
    path = tmp_path / "session.jsonl"
    asyncio.run(_record(path, backend_url, tmp_path, [
        "credits", f"upload {photo}", "add a title “Urban Dreams”",
    ]))
    return path


def test_a_recorded_session_replays_as_recorded(recorded: Path) -> None:
    transcript = load(recorded)
    kinds = [line.kind for line in transcript.lines]
    assert {"http", "sse_open", "sse", "sse_close", "event"} <= set(kinds)
    assert "beach.png" in recorded.read_text()
    shown: list[Any] = []
    result = asyncio.run(replay(transcript, speed=20, wiring=WIRING, on_event=shown.append))
    assert result.diff_lines() == []
    assert result.ok
    assert any(isinstance(e, MediaUploaded) and e.name == "beach.png" for e in shown)
    streamed = "".join(e.text for e in shown if isinstance(e, TextDelta))
    recorded_text = "".join(e.text for e in transcript.events() if isinstance(e, TextDelta))
    assert streamed and streamed == recorded_text


def _tamper(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_check_reports_a_changed_reply_as_a_readable_diff(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = recorded.read_text(encoding="utf-8").splitlines()
    # what the person saw was different from what the agent now shows for the same replies
    for i, line in enumerate(lines):
        if '"kind":"table"' in line:
            data = json.loads(line)
            data[2]["rows"] = [["7", "7"]]
            lines[i] = json.dumps(data, ensure_ascii=False)
    recorded.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = asyncio.run(replay(load(recorded), speed=20, wiring=WIRING))
    assert not result.ok
    diff = "\n".join(result.diff_lines())
    assert '-table: {"columns":["available","total"],"rows":[["7","7"]]' in diff
    assert "+table:" in diff and "--- recorded events" in diff


def test_check_reports_a_request_the_agent_no_longer_sends(recorded: Path) -> None:
    _tamper(recorded, '"language":"en"', '"language":"fr"')
    result = asyncio.run(replay(load(recorded), speed=20, wiring=WIRING))
    diff = "\n".join(result.diff_lines())
    assert '-POST /api/tasks/me/with-session/nemo_agent {"language":"fr"' in diff
    assert "+POST /api/tasks/me/with-session/nemo_agent" in diff


def test_the_check_command_exits_1_with_the_diff_and_0_when_equal(recorded: Path) -> None:
    out = io.StringIO()
    assert check_files([recorded], wiring=WIRING, speed=20, out=out) == 0
    assert "ok" in out.getvalue()
    _tamper(recorded, "Ready.", "Welcome.")
    out = io.StringIO()
    assert check_files([recorded], wiring=WIRING, speed=20, out=out) == 1
    assert "DIFFERS" in out.getvalue() and '-ready: {"examples":[],"greeting":"Welcome."}' in out.getvalue()


def test_bad_files_exit_2_with_a_message_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.jsonl"
    cut.write_text('{"format": "nemo-chat-transcript", "version": 1, "app_version": "x", '
                   '"created": "x", "api_base": "http://x"}\n[0.1, "event", {"kind": "re')
    assert main(["--check", str(cut)]) == 2
    out = capsys.readouterr().out
    assert "cut short" in out and "Traceback" not in out
    assert main([str(tmp_path / "none.jsonl")]) == 2
    assert "No such file" in capsys.readouterr().err
    newer = tmp_path / "newer.jsonl"
    newer.write_text('{"format": "nemo-chat-transcript", "version": 99}\n')
    assert main([str(newer)]) == 2
    assert "version 99" in capsys.readouterr().err
    assert main(["--speed", "0", str(newer)]) == 2


def test_a_replay_uploads_stand_ins_of_the_recorded_size_or_the_originals(
    recorded: Path, tmp_path: Path
) -> None:
    transcript = load(recorded)
    upload = next(line.payload for line in transcript.lines if line.payload.get("files"))
    digest = upload["files"][0]
    result = asyncio.run(replay(transcript, speed=20, wiring=WIRING))
    assert [(f["name"], f["size"]) for f in result.uploads] == [("beach.png", digest["size"])]
    originals = tmp_path / "originals"
    originals.mkdir()
    (originals / "beach.png").write_bytes(standin_bytes("beach.png"))
    result = asyncio.run(replay(transcript, speed=20, wiring=WIRING, files_dir=originals))
    assert result.ok and result.uploads[0]["sha256"] == digest["sha256"]


def test_the_client_id_and_tokens_never_reach_the_file(
    tmp_path: Path, backend_url: str, config_dir: Path
) -> None:
    client_id = "5b1f7c7e-93a0-4d8e-b1c2-7f00d1e2a3b4"

    async def run() -> None:
        config = ApiConfig.from_env(base_url=backend_url, config_dir=tmp_path / "cfg",
                                    token=None, client_id=client_id)
        recorder = Recorder(tmp_path / "s.jsonl", app_version="test", lang="en",
                            api_base=backend_url, secrets=[client_id])
        async with NemoClient(config, observer=recorder.observer) as client:
            conversation = MiniConversation(client, None, recorder.sink)
            await conversation.start()
            await conversation.handle(f"say {client_id} please")
            await conversation.handle("credits")
        recorder.close()

    asyncio.run(run())
    text = (tmp_path / "s.jsonl").read_text(encoding="utf-8")
    assert client_id not in text and "<client-id>" in text
    assert "nmv_usr_" not in text and "<token>" in text
    assert backend_url not in text.split("\n", 1)[1]  # bodies say <api>: replayable anywhere


@pytest.mark.parametrize("source", ["stored", "env"])
def test_a_session_that_already_had_a_token_replays(
    tmp_path: Path, backend_url: str, config_dir: Path, source: str
) -> None:
    async def run(path: Path, token: str | None) -> None:
        config = ApiConfig.from_env(base_url=backend_url, config_dir=tmp_path / "cfg",
                                    token=token, client_id=None)
        recorder = Recorder(path, app_version="test", lang="en", api_base=backend_url,
                            settings=timing_settings(config))
        async with NemoClient(config, observer=recorder.observer) as client:
            conversation = MiniConversation(client, None, recorder.sink)
            await conversation.start()
            await conversation.handle("credits")
        recorder.close()

    first = tmp_path / "first.jsonl"
    asyncio.run(run(first, None))  # gets and stores a token
    token = None
    if source == "env":  # NEMO_TOKEN set to a token the backend knows
        stored = json.loads((tmp_path / "cfg" / "nemo-chat-token.json").read_text())
        token = next(iter(stored["tokens"].values()))["token"]
    second = tmp_path / "second.jsonl"
    asyncio.run(run(second, token))
    transcript = load(second)
    assert not any(str(line.payload.get("path", "")).endswith("anonymous-token")
                   for line in transcript.lines)
    assert transcript.header.settings["token_from_env"] is (source == "env")
    result = asyncio.run(replay(transcript, speed=20, wiring=WIRING))
    assert result.diff_lines() == []


@pytest.mark.parametrize(("name", "size"), [("city.png", 8657), ("beach.jpg", 3000), ("a.wav", 9000)])
def test_a_stand_in_has_the_recorded_size_even_for_a_small_photo(name: str, size: int) -> None:
    """A replay uploads a stand-in of exactly the recorded size: an 8 KB photo once replayed
    as 17 KB and `--check` reported a difference the person had not made."""
    from PIL import Image

    body = standin_bytes(name, size)
    assert len(body) == size
    if not name.endswith(".wav"):
        with Image.open(io.BytesIO(body)) as img:
            img.load()
