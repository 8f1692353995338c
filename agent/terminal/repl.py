"""The interactive chat: prompt_toolkit for input, the renderer for output.

Keys: Enter sends, Alt-Enter (or Ctrl-J) starts a new line, a bracketed paste of several
lines stays one message, Tab completes commands and paths. Ctrl-C with text at the prompt
clears it; at an empty prompt it tells how to quit and a second Ctrl-C quits; Ctrl-D
quits. While a message is being handled, the terminal is in cooked mode, so Ctrl-C is a
SIGINT: the loop cancels only the task running `handle()` (the core closes what it opened
and says "Stopped.") and comes back to the prompt. Keys typed meanwhile wait for the next
prompt (see `typeahead`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TextIO, cast

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, get_common_complete_suffix
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.patch_stdout import StdoutProxy

from agent.messages import t
from agent.terminal.completion import ChatCompleter
from agent.terminal.options import ConversationLike

# How long prompt_toolkit's stdout proxy waits after a write while the prompt is on screen,
# to bundle writes into one repaint. Its default (0.2 s) held the greeting back by up to
# 0.2 s after the "Connecting..." line; 20 ms still bundles a burst of lines.
WRITE_BUNDLE_SECONDS = 0.02


@contextlib.contextmanager
def patch_stdout(raw: bool = False) -> Iterator[None]:
    """prompt_toolkit's `patch_stdout` (print above the prompt) with a shorter bundling delay."""
    with StdoutProxy(sleep_between_writes=WRITE_BUNDLE_SECONDS, raw=raw) as proxy:
        original_stdout, original_stderr = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = cast(TextIO, proxy)
        try:
            yield
        finally:
            sys.stdout, sys.stderr = original_stdout, original_stderr


class _StartFailed(Exception):
    """The connection made behind the first prompt failed: leave the prompt."""


class PromptInterrupted(Exception):
    """Ctrl-C at an empty prompt (not KeyboardInterrupt: asyncio re-raises that out of the loop)."""


def key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("escape", "enter")
    @kb.add("c-j")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @kb.add("tab")
    def _complete(event: KeyPressEvent) -> None:
        """Tab completes at once, even right after typing.

        prompt_toolkit computes completions in the background; a Tab that arrives while
        the completions "while typing" are still being computed was lost. Here Tab uses
        what is computed, or computes now (commands and one folder listing are fast).
        """
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.completions:
            if len(state.completions) == 1:
                buffer.apply_completion(state.completions[0])
            else:
                buffer.complete_next()
            return
        completer = buffer.completer
        if completer is None:
            return
        found = list(
            completer.get_completions(buffer.document, CompleteEvent(completion_requested=True))
        )
        if len(found) == 1:
            buffer.apply_completion(found[0])
        elif found:
            common = get_common_complete_suffix(buffer.document, found)
            if common:
                buffer.insert_text(common)
            buffer.start_completion(select_first=False)

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
    from agent.terminal.paths import private_file

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        private_file(path)  # what the person typed is theirs alone: 0600
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


def make_session(
    lang: str | Callable[[], str], history: History, *,
    activity: Callable[[], str | None] | None = None, **kwargs: Any
) -> PromptSession[str]:
    """The prompt. `lang` may follow the conversation (a function); `activity` is work still
    going on behind the prompt (a render picked up after --resume), shown in the bottom bar;
    `kwargs` go to PromptSession (tests pass `input=` and `output=`)."""
    session: PromptSession[str] | None = None
    current_lang: Callable[[], str] = lang if callable(lang) else (lambda: lang)

    redraw_due = False

    def redraw() -> None:
        nonlocal redraw_due
        redraw_due = False
        if session is not None:
            session.app.invalidate()

    def toolbar() -> FormattedText:
        nonlocal redraw_due
        busy = activity() if activity is not None else None
        if busy:
            # redrawn every second while it runs (its elapsed time); nothing at all when idle
            if not redraw_due and session is not None and session.app.is_running:
                redraw_due = True
                session.app.loop.call_later(1.0, redraw)  # type: ignore[union-attr]
            return FormattedText([("class:bottom-toolbar.text bold", f" {busy} "),
                                  ("class:bottom-toolbar.text", "·" + t("ui.toolbar", current_lang()))])
        return FormattedText([("class:bottom-toolbar.text", t("ui.toolbar", current_lang()))])

    def _typing_command() -> bool:
        return session is not None and session.default_buffer.text.startswith("/")

    session = PromptSession(
        history=history,
        completer=ChatCompleter(current_lang),
        complete_while_typing=Condition(_typing_command),
        key_bindings=key_bindings(),
        multiline=False,
        prompt_continuation=lambda width, line_number, wrap_count: " " * width,
        enable_history_search=False,
        bottom_toolbar=toolbar,
        **kwargs,
    )
    return session


class Repl:
    """One interactive session over a conversation.

    `conv` may be a function that connects: the prompt comes first and the connection is
    made once the prompt is on screen, so the person can type while the token and session
    are set up; a message sent meanwhile waits for them, and a failed start ends the prompt
    (exit code 1).
    """

    def __init__(
        self,
        conv: ConversationLike | Callable[[], Awaitable[ConversationLike | None]],
        session: PromptSession[str],
        *,
        note: Callable[[str], None],
        set_idle: Callable[[bool], None],
        settle: Callable[[], None],
        report_crash: Callable[[BaseException], None] = lambda exc: None,
        quit_requested: Callable[[], bool] = lambda: False,
        lang: Callable[[], str] = lambda: "en",
    ) -> None:
        self._starting: asyncio.Future[ConversationLike | None] | None = None
        self._connect: Callable[[], Awaitable[ConversationLike | None]] | None = None
        self.conv: ConversationLike | None = None
        if callable(conv):
            self._connect = conv
        else:
            self.conv = conv
        self._start_failed = False
        self.session = session
        self.note = note
        self.set_idle = set_idle
        self.settle = settle
        self.report_crash = report_crash
        self.quit_requested = quit_requested
        self.lang = lang
        self._running: asyncio.Task[bool] | None = None

    def interrupt(self) -> bool:
        """Cancel the message being handled (SIGINT); False when nothing was running."""
        task = self._running
        if task is None or task.done():
            return False
        task.cancel()
        return True

    def start_connecting(self, *_: object) -> None:
        """Begin connecting (once): at the first render of the prompt, or at the first message."""
        if self._connect is None or self._starting is not None:
            return
        self._starting = asyncio.ensure_future(self._connect())
        self._starting.add_done_callback(self._on_started)

    async def stop_connecting(self) -> None:
        task = self._starting
        if task is not None and not task.done():
            task.cancel()
        if task is not None:
            with contextlib.suppress(BaseException):
                await task

    def _on_started(self, fut: asyncio.Future[ConversationLike | None]) -> None:
        if fut.cancelled():
            self._start_failed = True
        elif fut.exception() is not None:
            self._start_failed = True
            self.report_crash(fut.exception())  # type: ignore[arg-type]
        elif fut.result() is None:
            self._start_failed = True
        else:
            self.conv = fut.result()
        if self._start_failed:
            app = self.session.app
            if app.is_running and not app.is_done:
                with contextlib.suppress(Exception):
                    app.exit(exception=_StartFailed())

    async def _conversation(self) -> ConversationLike | None:
        self.start_connecting()
        if self.conv is None and self._starting is not None and not self._start_failed:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._starting)
        return None if self._start_failed else self.conv

    async def read(self) -> str | None:
        """The next message, or None to quit (Ctrl-D, or Ctrl-C twice at an empty prompt)."""
        ctrl_c_once = False
        while True:
            if self._start_failed:
                return None
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
            except (EOFError, _StartFailed):
                return None
            finally:
                self.set_idle(False)
            if text.strip():
                return text
            ctrl_c_once = False

    async def run_one(self, text: str) -> bool:
        conv = await self._conversation()
        if conv is None:
            return False
        task = asyncio.ensure_future(conv.handle(text))
        self._running = task
        try:
            with self._sigint_cancels():
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
        if self._connect is not None:
            self.session.app.after_render += self.start_connecting
        while True:
            text = await self.read()
            if text is None:
                break
            await self.run_one(text)
            if self._start_failed:
                break
            if self.quit_requested():
                break
            self.note("")  # air between one turn and the next prompt
        if self._start_failed:
            return 1
        if self.conv is not None and self.conv.pending_render:
            self.note(t("ui.render_running", self.lang()))
        self.note(t("ui.bye", self.lang()))
        return 0
