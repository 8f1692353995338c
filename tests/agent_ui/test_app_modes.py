"""The chat loop in piped mode and with -m, driven with a scripted conversation."""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

import pytest

from agent.terminal.app import chat
from agent.terminal.options import Options
from agent.terminal.sink import Sink


def connector(fake_conversation: Any, made: list[Any], **kw: Any) -> Any:
    async def connect(opts: Options, sink: Sink, stack: contextlib.AsyncExitStack) -> Any:
        conv = fake_conversation(sink, **kw)
        made.append(conv)
        stack.push_async_callback(conv.aclose)
        return conv if await conv.start() else None

    return connect


async def run(fake_conversation: Any, opts: Options, **kw: Any) -> tuple[int, Any]:
    made: list[Any] = []
    code = await chat(opts, connect=connector(fake_conversation, made, **kw), interactive=False)
    return code, made[0]


async def test_messages_run_in_order_each_waiting_for_its_work(
    fake_conversation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, conv = await run(fake_conversation, Options(messages=["hello", "and more"]))
    assert code == 0
    assert conv.log == ["handle:hello", "wait_background", "handle:and more", "wait_background",
                        "wait_background"]  # and at the end: nothing picked up is left behind
    assert conv.closed
    captured = capsys.readouterr()
    # results on stdout, the echoes (and the greeting) on stderr
    assert captured.out == "You said: hello \nYou said: and more \n"
    assert "> hello\n> and more\n" in captured.err
    assert "Ready." in captured.err
    assert "\x1b" not in captured.out + captured.err


async def test_exit_code_is_1_when_any_message_failed(
    fake_conversation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, conv = await run(fake_conversation, Options(messages=["fail this", "hello"]))
    assert code == 1
    assert conv.log[-3] == "handle:hello"  # later messages still run
    assert "That failed." in capsys.readouterr().err  # errors on stderr


async def test_stdin_lines_are_messages_and_blank_lines_are_skipped(
    fake_conversation: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"first\n\n  \nsecond\n/quit\nnever\n"))
    monkeypatch.setattr("sys.stdin", stdin)
    code, conv = await run(fake_conversation, Options())
    assert code == 0
    handled = [x for x in conv.log if x.startswith("handle:")]
    assert handled == ["handle:first", "handle:second", "handle:/quit"]


async def test_connection_failure_exits_5_with_a_way_forward(
    fake_conversation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, conv = await run(fake_conversation, Options(messages=["hi"]), start_ok=False)
    assert code == 5 and conv.log == []  # exit_codes.UNREACHABLE
    captured = capsys.readouterr()
    assert "nemo-chat --local" in captured.err and captured.out == ""


async def test_a_crash_is_one_line_without_traceback_or_secret(
    fake_conversation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = await run(fake_conversation, Options(messages=["crash", "hello"]))
    assert code == 1
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text and "nmv_usr_SECRET123" not in text
    assert re.search(r"Something went wrong: boom with <redacted> inside", text)
    assert "You said: hello" in text


async def test_debug_shows_details_with_secrets_redacted(
    fake_conversation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    await run(fake_conversation, Options(messages=["crash"], debug=True))
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError" in err
    assert "SECRET123" not in err


async def test_render_left_running_says_how_to_resume(
    fake_conversation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    await run(fake_conversation, Options(messages=["render it"]))
    assert "nemo-chat --resume" in capsys.readouterr().err


async def test_our_lines_follow_the_language_the_core_settled(
    fake_conversation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    await run(fake_conversation, Options(messages=["渲染一下"]))  # the fake core switches to zh
    assert "服务器上还有一个渲染在进行" in capsys.readouterr().err


def test_the_first_message_or_the_locale_decides_where_the_chat_starts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.core.language import starting_language

    monkeypatch.setenv("LC_ALL", "zh_TW.UTF-8")
    assert starting_language(None) == "zh-Hant"  # before any message: the locale
    assert starting_language(None, "make a video") == "en"  # a first -m message wins
    assert starting_language(None, "/credits") == "zh-Hant"  # a command shows no language
    assert starting_language("zh", "make a video") == "zh"  # --lang wins over both


async def test_interactive_chat_end_to_end_with_pipe_input(
    fake_conversation: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    monkeypatch.setenv("NEMO_DATA_DIR", str(tmp_path / "data"))
    made: list[Any] = []
    with create_pipe_input() as pipe:
        pipe.send_text("hello\r")
        asyncio.get_running_loop().call_later(0.5, pipe.send_text, "\x04")
        code = await asyncio.wait_for(
            chat(
                Options(),
                connect=connector(fake_conversation, made),
                interactive=True,
                rich=False,
                prompt_kwargs={"input": pipe, "output": DummyOutput()},
            ),
            timeout=10,
        )
    assert code == 0
    assert made[0].log[0] == "handle:hello" and made[0].closed
    assert "hello" in (tmp_path / "data" / "history").read_text(encoding="utf-8")
    captured = capsys.readouterr()
    assert "You said: hello" in captured.out and captured.err.rstrip().endswith("Bye.")


async def test_interactive_chat_exits_1_when_it_cannot_connect(
    fake_conversation: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    monkeypatch.setenv("NEMO_DATA_DIR", str(tmp_path / "data"))
    made: list[Any] = []
    with create_pipe_input() as pipe:
        code = await asyncio.wait_for(
            chat(
                Options(),
                connect=connector(fake_conversation, made, start_ok=False),
                interactive=True,
                rich=False,
                prompt_kwargs={"input": pipe, "output": DummyOutput()},
            ),
            timeout=10,
        )
    assert code == 1  # without a key pressed: the failed start ends the prompt


def test_the_local_backend_is_polled_every_second_the_service_every_30(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.assemble import chat_settings_for

    monkeypatch.delenv("NEMO_POLL_INTERVAL", raising=False)
    assert chat_settings_for(Options(), "en").poll_interval == 30.0  # as the service asks
    local = chat_settings_for(Options(local=True), "zh")
    assert (local.poll_interval, local.first_poll, local.locale_lang) == (1.0, 0.5, "zh")
    monkeypatch.setenv("NEMO_POLL_INTERVAL", "7")
    assert chat_settings_for(Options(local=True), "en").poll_interval == 7.0  # the person's wins


async def test_the_exit_code_says_why_a_run_failed(
    fake_conversation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from agent import events as ev
    from agent.exit_codes import NO_CREDITS

    class OutOfCredits(fake_conversation):  # type: ignore[misc, valid-type]
        async def handle(self, text: str) -> bool:
            self.sink(ev.UserMessage(text=text))
            self.sink(ev.Error(code="2001", message="No credits left.", hint="Register."))
            self.sink(ev.TurnEnd(ok=False))
            return False

    code, _ = await run(OutOfCredits, Options(messages=["export", "credits"]))
    assert code == NO_CREDITS == 4
    assert "No credits left." in capsys.readouterr().err
