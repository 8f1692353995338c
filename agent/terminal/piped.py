"""Piped mode: each input line (or each -m message) is one message, handled in order.

A message is finished only when the work it started is finished (a render and its
download): the next line waits for `wait_background()`. The exit code says whether every
message succeeded, so a shell script can rely on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from typing import BinaryIO

from agent.terminal.options import ConversationLike


async def stdin_lines(
    stream: BinaryIO | None = None, *, on_invalid: Callable[[], None] = lambda: None
) -> AsyncIterator[str]:
    """Lines of stdin as they come (a coprocess may write the next line later).

    A daemon thread reads them: a blocked read in asyncio's default executor would keep
    the program from exiting after Ctrl-C until stdin closes. The bytes are read as UTF-8
    with each invalid byte replaced (U+FFFD): the locale's decoder would keep them as lone
    surrogates that break the first thing that encodes the text. `on_invalid` is called once,
    at the first line that had any.
    """
    source = stream or sys.stdin.buffer
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    said = False

    def _read() -> None:
        nonlocal said
        try:
            for raw in iter(source.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                if not said and "\ufffd" in line and line.encode() != raw:
                    said = True
                    loop.call_soon_threadsafe(on_invalid)
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):  # the loop may be gone already
                loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=_read, name="nemo-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line.rstrip("\r\n")


async def unless_empty(lines: AsyncIterator[str]) -> AsyncIterator[str] | None:
    """`lines` from its first non-blank one on, or None when there is none (empty stdin)."""
    async for line in lines:
        if line.strip():
            return _prepend(line, lines)
    return None


async def _prepend(first: str, rest: AsyncIterator[str]) -> AsyncIterator[str]:
    yield first
    async for line in rest:
        yield line


async def list_lines(messages: Iterable[str]) -> AsyncIterator[str]:
    for message in messages:
        yield message


async def run_piped(
    conv: ConversationLike,
    lines: AsyncIterator[str],
    *,
    settle: Callable[[], None] = lambda: None,
    report_crash: Callable[[BaseException], None] = lambda exc: None,
    quit_requested: Callable[[], bool] = lambda: False,
) -> int:
    """0 when every message succeeded, 1 otherwise."""
    all_ok = True
    async for line in lines:
        if not line.strip():
            continue
        try:
            ok = await conv.handle(line)
            ok = await conv.wait_background() is not False and ok
        except Exception as exc:  # a bug in a handler must not hide the next messages
            report_crash(exc)
            ok = False
        settle()
        all_ok = all_ok and ok
        if quit_requested():
            break
    else:
        # `--resume` with no line (or a render picked up after the last one): finish what
        # the start promised before exiting, and let the exit code say how it went
        try:
            all_ok = await conv.wait_background() is not False and all_ok
        except Exception as exc:
            report_crash(exc)
            all_ok = False
        settle()
    return 0 if all_ok else 1
