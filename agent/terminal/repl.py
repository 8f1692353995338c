"""The interactive chat: prompt_toolkit for input, the renderer for output.

Keys: Enter sends, Alt-Enter (or Ctrl-J) starts a new line, a bracketed paste of several
lines stays one message, Tab completes commands and paths. Ctrl-C with text at the prompt
clears it; at an empty prompt it tells how to quit and a second Ctrl-C quits; Ctrl-D
quits. While a message is being handled, the terminal is in cooked mode, so Ctrl-C is a
SIGINT: the loop cancels only the task running `handle()` (the core closes what it opened
and says "Stopped.") and comes back to the prompt. Keys typed meanwhile are not echoed
over the output; they wait for the next prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.patch_stdout import patch_stdout

from agent.messages import t
from agent.terminal.completion import ChatCompleter, core_commands
from agent.terminal.options import ConversationLike


class PromptInterrupted(Exception):
    """Ctrl-C at an empty prompt (not KeyboardInterrupt: asyncio re-raises that out of the loop)."""


def key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("escape", "enter")
    @kb.add("c-j")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @kb.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()  # first clear what was typed; Ctrl-C at an empty prompt quits
        else:
            event.app.exit(exception=PromptInterrupted(), style="class:aborting")

    return kb


def open_history(path: Path | None) -> History:
    """The history file in the data folder; in memory when the folder cannot be written."""
    if path is None:
        return InMemoryHistory()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


def make_session(lang: str, history: History, **kwargs: Any) -> PromptSession[str]:
    """The prompt. `kwargs` go to PromptSession (tests pass `input=` and `output=`)."""
    session: PromptSession[str] | None = None

    def _typing_command() -> bool:
        return session is not None and session.default_buffer.text.startswith("/")

    session = PromptSession(
        history=history,
        completer=ChatCompleter(lang, core_commands()),
        complete_while_typing=Condition(_typing_command),
        key_bindings=key_bindings(),
        multiline=False,
        enable_history_search=False,
        bottom_toolbar=lambda: FormattedText(
            [("class:bottom-toolbar.text", t("ui.toolbar", lang))]
        ),
        **kwargs,
    )
    return session


@contextlib.contextmanager
def no_echo() -> Iterator[None]:
    """Keys typed while a reply streams are not echoed into it; they wait for the prompt."""
    try:
        import termios

        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        yield
        return
    new = list(old)
    new[3] = new[3] & ~termios.ECHO
    # keep Enter a CR: typed ahead in cooked mode it would become "\n", which the prompt
    # reads as Ctrl-J (new line) instead of "send"
    new[0] = new[0] & ~termios.ICRNL
    try:
        termios.tcsetattr(fd, termios.TCSANOW, new)
        yield
    finally:
        with contextlib.suppress(OSError):
            termios.tcsetattr(fd, termios.TCSANOW, old)


class Repl:
    """One interactive session over a started conversation."""

    def __init__(
        self,
        conv: ConversationLike,
        session: PromptSession[str],
        *,
        note: Callable[[str], None],
        set_idle: Callable[[bool], None],
        settle: Callable[[], None],
        on_message: Callable[[str], None] = lambda text: None,
        report_crash: Callable[[BaseException], None] = lambda exc: None,
        quit_requested: Callable[[], bool] = lambda: False,
        lang: Callable[[], str] = lambda: "en",
        echo_guard: Callable[[], contextlib.AbstractContextManager[None]] = no_echo,
    ) -> None:
        self.conv = conv
        self.session = session
        self.note = note
        self.set_idle = set_idle
        self.settle = settle
        self.on_message = on_message
        self.report_crash = report_crash
        self.quit_requested = quit_requested
        self.lang = lang
        self.echo_guard = echo_guard
        self._running: asyncio.Task[bool] | None = None

    def interrupt(self) -> bool:
        """Cancel the message being handled (SIGINT); False when nothing was running."""
        task = self._running
        if task is None or task.done():
            return False
        task.cancel()
        return True

    async def read(self) -> str | None:
        """The next message, or None to quit (Ctrl-D, or Ctrl-C twice at an empty prompt)."""
        ctrl_c_once = False
        while True:
            self.set_idle(True)
            try:
                with patch_stdout(raw=True):
                    # Ctrl-C at the prompt is a key (raw mode), handled by our key binding
                    text = await self.session.prompt_async(
                        FormattedText([("bold", t("ui.prompt", self.lang()))]),
                        handle_sigint=False,
                    )
            except (PromptInterrupted, KeyboardInterrupt):
                if ctrl_c_once:
                    return None
                ctrl_c_once = True
                self.note(t("ui.ctrl_c_again", self.lang()))
                continue
            except EOFError:
                return None
            finally:
                self.set_idle(False)
            if text.strip():
                return text
            ctrl_c_once = False

    async def run_one(self, text: str) -> bool:
        self.on_message(text)
        task = asyncio.ensure_future(self.conv.handle(text))
        self._running = task
        try:
            with self.echo_guard(), self._sigint_cancels():
                await asyncio.wait({task})
        finally:
            self._running = None
            self.settle()
        if task.cancelled():
            return False
        exc = task.exception()
        if exc is not None:
            if isinstance(exc, KeyboardInterrupt):
                return False
            self.report_crash(exc)
            return False
        return bool(task.result())

    @contextlib.contextmanager
    def _sigint_cancels(self) -> Iterator[None]:
        """While a message runs, SIGINT (Ctrl-C in cooked mode) cancels it, nothing more."""
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, self.interrupt)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, non-main thread
            yield
            return
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    async def run(self) -> int:
        while True:
            text = await self.read()
            if text is None:
                break
            await self.run_one(text)
            if self.quit_requested():
                break
            self.note("")  # air between one turn and the next prompt
        if self.conv.pending_render:
            self.note(t("ui.render_running", self.lang()))
        self.note(t("ui.bye", self.lang()))
        return 0
