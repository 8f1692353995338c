"""The REPL's input with prompt_toolkit's pipe input and DummyOutput (no real terminal)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from agent.terminal.repl import PromptInterrupted, Repl, make_session, open_history

ENTER, ALT_ENTER, CTRL_C, CTRL_D = "\r", "\x1b\r", "\x03", "\x04"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


@pytest.fixture
def pipe() -> Iterator[Any]:
    with create_pipe_input() as inp:
        yield inp


def session(pipe: Any, lang: str = "en") -> Any:
    return make_session(lang, InMemoryHistory(), input=pipe, output=DummyOutput())


async def prompt(pipe: Any, keys: str) -> str:
    pipe.send_text(keys)
    return await asyncio.wait_for(session(pipe).prompt_async("› "), timeout=5)


async def test_enter_sends_the_line(pipe: Any) -> None:
    assert await prompt(pipe, "make it cinematic" + ENTER) == "make it cinematic"


async def test_alt_enter_adds_a_line_instead_of_sending(pipe: Any) -> None:
    assert await prompt(pipe, "title:" + ALT_ENTER + "城市之梦" + ENTER) == "title:\n城市之梦"


async def test_a_multi_line_paste_is_one_message(pipe: Any) -> None:
    pasted = "first line\r\nsecond line\r\nthird line"
    text = await prompt(pipe, PASTE_START + pasted + PASTE_END + ENTER)
    assert text == "first line\nsecond line\nthird line"


async def test_ctrl_c_clears_typed_text_then_interrupts_at_an_empty_prompt(pipe: Any) -> None:
    assert await prompt(pipe, "oops" + CTRL_C + "fine" + ENTER) == "fine"
    with pytest.raises(PromptInterrupted):
        await prompt(pipe, CTRL_C)


async def test_ctrl_d_at_an_empty_prompt_ends_input(pipe: Any) -> None:
    with pytest.raises(EOFError):
        await prompt(pipe, CTRL_D)


async def test_tab_completes_a_slash_command_even_right_after_typing(pipe: Any) -> None:
    assert await prompt(pipe, "/cre\t\r") == "/credits "  # one burst: no key is lost


async def test_tab_completes_a_path_after_words(pipe: Any, tmp_path: Any, monkeypatch: Any) -> None:
    (tmp_path / "beach.png").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    assert await prompt(pipe, "use bea\t as the first clip\r") == "use beach.png as the first clip"


def test_history_is_kept_in_a_file(tmp_path: Any) -> None:
    path = tmp_path / "data" / "history"
    history = open_history(path)
    history.append_string("turn my photo into a video")
    assert "turn my photo into a video" in path.read_text(encoding="utf-8")
    assert list(open_history(path).load_history_strings()) == ["turn my photo into a video"]


class _Noted:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(text)


def make_repl(pipe: Any, conv: Any, noted: _Noted, quit_flag: list[bool]) -> Repl:
    return Repl(
        conv,
        session(pipe),
        note=noted,
        set_idle=lambda value: None,
        settle=lambda: None,
        quit_requested=lambda: bool(quit_flag),
    )


async def test_double_ctrl_c_at_the_prompt_quits_and_says_how(
    pipe: Any, fake_conversation: Any
) -> None:
    conv = fake_conversation(lambda e: None)
    noted = _Noted()
    pipe.send_text(CTRL_C + CTRL_C)
    code = await asyncio.wait_for(make_repl(pipe, conv, noted, []).run(), timeout=5)
    assert code == 0
    assert noted.lines[0] == "Press Ctrl-C again or Ctrl-D to quit."
    assert conv.log == []


async def test_interrupt_cancels_the_running_message_and_the_next_one_works(
    pipe: Any, fake_conversation: Any
) -> None:
    events: list[Any] = []
    conv = fake_conversation(events.append)
    noted = _Noted()
    repl = make_repl(pipe, conv, noted, [])

    async def press_ctrl_c_during_reply() -> None:
        while not any(getattr(e, "text", "").startswith("word3") for e in events):
            await asyncio.sleep(0.01)
        assert repl.interrupt()  # what the SIGINT handler does

    pipe.send_text("slow reply please" + ENTER)
    presser = asyncio.create_task(press_ctrl_c_during_reply())
    assert await asyncio.wait_for(repl.run_one(await repl.read() or ""), timeout=5) is False
    await presser
    assert conv.log == ["handle:slow reply please", "cancelled"]
    assert not repl.interrupt()  # nothing runs any more
    pipe.send_text("hello" + ENTER)
    assert await asyncio.wait_for(repl.run_one(await repl.read() or ""), timeout=5) is True
    assert conv.log[-1] == "handle:hello"


async def test_quit_with_a_render_running_says_how_to_resume(
    pipe: Any, fake_conversation: Any
) -> None:
    conv = fake_conversation(lambda e: None)
    noted = _Noted()
    pipe.send_text("render it" + ENTER + CTRL_D)
    await asyncio.wait_for(make_repl(pipe, conv, noted, []).run(), timeout=5)
    assert any("nemo-chat --resume" in line and "/export" in line for line in noted.lines)


async def test_a_crash_in_a_handler_is_reported_and_the_chat_goes_on(
    pipe: Any, fake_conversation: Any
) -> None:
    conv = fake_conversation(lambda e: None)
    crashes: list[BaseException] = []
    repl = make_repl(pipe, conv, _Noted(), [])
    repl.report_crash = crashes.append
    pipe.send_text("crash now" + ENTER + "hello" + ENTER + CTRL_D)
    await asyncio.wait_for(repl.run(), timeout=5)
    assert len(crashes) == 1 and conv.log[-1] == "handle:hello"


async def test_prompt_comes_first_and_a_failed_connection_ends_it(
    pipe: Any, fake_conversation: Any
) -> None:
    started: list[str] = []

    async def connect() -> Any:
        started.append("connecting")
        await asyncio.sleep(0.05)
        return None  # could not connect (the core has said why)

    repl = make_repl(pipe, connect, _Noted(), [])
    assert await asyncio.wait_for(repl.run(), timeout=5) == 1  # no key was pressed
    assert started == ["connecting"]


async def test_a_message_typed_while_connecting_waits_for_the_connection(
    pipe: Any, fake_conversation: Any
) -> None:
    conv = fake_conversation(lambda e: None)

    async def connect() -> Any:
        await asyncio.sleep(0.2)
        conv.log.append("connected")
        return conv

    pipe.send_text("hello" + ENTER)
    repl = make_repl(pipe, connect, _Noted(), [])
    asyncio.get_running_loop().call_later(0.5, pipe.send_text, CTRL_D)
    assert await asyncio.wait_for(repl.run(), timeout=5) == 0
    assert conv.log[:2] == ["connected", "handle:hello"]
