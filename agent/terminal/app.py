"""Run the chat: interactive (prompt first, connection behind it) or piped, one loop each.

Everything here is imported only after the command line was parsed, so `--version` and
`--help` stay fast, and nothing heavy (pydantic, httpx, the core) is imported before the
first prompt is on screen. The conversation is made by the composition root
(`agent/assemble.py`) and handed in as a `connect` function, so tests drive the real loop
with a scripted conversation. Our own lines start in the language the root settled and
then follow the conversation's.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from agent.messages import t
from agent.terminal import gc_pause
from agent.terminal.diagnostics import quiet_background_noise, report_crash, setup_debug_logging
from agent.terminal.options import ConversationLike, Options
from agent.terminal.sink import Renderer, Sink, make_renderer

Connector = Callable[
    [Options, Sink, contextlib.AsyncExitStack], Awaitable["ConversationLike | None"]
]

# The warm-up starts this long after the greeting, so its thread does not compete with the
# greeting being drawn above the prompt.
WARM_UP_DELAY = 0.3


def warm_up() -> None:
    """What the first message needs, loaded in a thread while the person reads the greeting:
    the core's handlers and the router's vocabulary (~0.15 s: pydantic validation, pattern
    compiling) and rich's Markdown (~0.1 s: markdown-it, pygments). A failure here is left for
    the first message to meet and report, exactly as without the warm-up."""
    import threading

    def load() -> None:
        try:
            from agent.core import load_handlers

            load_handlers()
            import rich.markdown  # noqa: F401
        except Exception:
            pass

    threading.Thread(target=load, name="nemo-warm-up", daemon=True).start()


async def _connected(
    connect: Connector, opts: Options, sink: Sink, stack: contextlib.AsyncExitStack
) -> ConversationLike | None:
    """The conversation from the root; from now on our lines follow its language."""
    try:
        conv = await connect(opts, sink, stack)
    finally:
        gc_pause.resume()
    if conv is not None:
        sink.follow_language(lambda: conv.lang)
    return conv


async def chat(
    opts: Options,
    *,
    connect: Connector,
    lang: str = "en",
    interactive: bool | None = None,
    rich: bool | None = None,
    prompt_kwargs: dict[str, Any] | None = None,
) -> int:
    """Run the chat; the exit code (`agent/exit_codes.py`)."""
    if interactive is None:
        interactive = not opts.messages and not opts.json and sys.stdin.isatty()
    if rich is None:
        rich = interactive and sys.stdout.isatty()
    renderer = make_renderer(rich=rich, lang=lang, debug=opts.debug, json=opts.json,
                             quiet=opts.quiet)
    sink = Sink(renderer)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(renderer.settle)
        if interactive:
            return await _interactive(opts, connect, sink, stack, prompt_kwargs or {})
        return await _piped(opts, connect, sink, stack)
    return 1  # pragma: no cover - the stack does not swallow exceptions


def _crash_reporter(renderer: Renderer, debug: bool) -> Callable[[BaseException], None]:
    def crash(exc: BaseException) -> None:
        report_crash(renderer, exc, debug=debug)

    return crash


async def _interactive(
    opts: Options,
    connect: Connector,
    sink: Sink,
    stack: contextlib.AsyncExitStack,
    prompt_kwargs: dict[str, Any],
) -> int:
    """The prompt comes first; the connection is made behind it."""
    from agent.terminal.paths import history_file, private_data_dir
    from agent.terminal.repl import Repl, make_session, open_history

    renderer = sink.renderer
    with contextlib.suppress(OSError):  # else the history stays in memory (open_history)
        private_data_dir()
    history = open_history(history_file())
    kwargs = dict(prompt_kwargs)
    if "output" not in kwargs and not sys.stdout.isatty() and sys.stderr.isatty():
        # `nemo-chat > chat.txt`: the replies go to the file, the prompt stays visible
        from prompt_toolkit.output import create_output

        kwargs["output"] = create_output(stdout=sys.stderr)
    session = make_session(lambda: renderer.lang, history,
                           activity=getattr(renderer, "activity", None), **kwargs)
    if hasattr(renderer, "on_activity"):
        renderer.on_activity = session.app.invalidate  # thread-safe; no-op when not shown

    def set_idle(value: bool) -> None:
        renderer.idle = value

    async def connect_then_warm_up() -> ConversationLike | None:
        conv = await _connected(connect, opts, sink, stack)
        if conv is not None:
            asyncio.get_running_loop().call_later(WARM_UP_DELAY, warm_up)
        return conv

    repl = Repl(
        connect_then_warm_up,
        session,
        note=renderer.note,
        set_idle=set_idle,
        settle=renderer.settle,
        report_crash=_crash_reporter(renderer, opts.debug),
        quit_requested=lambda: sink.quit,
        lang=lambda: renderer.lang,
    )
    try:
        return await repl.run()
    finally:
        await repl.stop_connecting()


async def _piped(
    opts: Options, connect: Connector, sink: Sink, stack: contextlib.AsyncExitStack
) -> int:
    """Each -m message or stdin line in turn, each waiting for the work it started.

    Nothing on stdin: say so and exit 0 without connecting (no greeting, no session), except
    with --resume, which connects to finish the render it picks up.
    The exit code says why a run failed (`agent/exit_codes.py`): the first error that has
    its own code (no credits, unreachable…), else 1."""
    from agent.exit_codes import code_for_errors
    from agent.terminal.piped import list_lines, run_piped, stdin_lines, unless_empty

    renderer = sink.renderer
    lines = list_lines(opts.messages) if opts.messages else await unless_empty(stdin_lines(
        on_invalid=lambda: renderer.note(t("ui.stdin_not_utf8", renderer.lang))
    ))
    if lines is None and opts.resume:
        lines = list_lines(())  # nothing to send, but the render --resume picks up is finished
    if lines is None:
        gc_pause.resume()
        renderer.note(t("ui.stdin_empty", renderer.lang))
        return 0
    conv = await _connected(connect, opts, sink, stack)
    if conv is None:
        return code_for_errors(sink.error_codes, ok=False)
    pending_before = conv.pending_render
    code = await run_piped(
        conv,
        lines,
        settle=renderer.settle,
        report_crash=_crash_reporter(renderer, opts.debug),
        quit_requested=lambda: sink.quit or sink.output_closed,
    )
    if conv.pending_render and conv.pending_render != pending_before:
        renderer.note(t("ui.render_running", renderer.lang))  # one this run left running
    return code_for_errors(sink.error_codes, ok=code == 0)


def run(opts: Options, *, connect: Connector, lang: str) -> int:
    if opts.debug:
        setup_debug_logging()
    quiet_background_noise()
    return asyncio.run(chat(opts, connect=connect, lang=lang))
