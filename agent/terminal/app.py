"""Put the chat together and run it: renderer, local backend, client, recorder, conversation.

Everything here is imported only after the command line was parsed, so `--version` and
`--help` stay fast. The conversation core is driven through the small interface of
interfaces §6; `chat()` takes a `connect` function so tests can drive the real loop with
a scripted conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agent.messages import lang_of, t
from agent.terminal.options import ConversationLike, Options
from agent.terminal.redact import redact

if TYPE_CHECKING:
    from agent.events import Event


class Renderer(Protocol):
    lang: str
    idle: bool

    def handle(self, event: Event) -> None: ...

    def settle(self) -> None: ...

    def note(self, text: str, style: str = ...) -> None: ...


def make_renderer(*, rich: bool, lang: str, debug: bool) -> Renderer:
    if rich:
        from rich.console import Console

        from agent.terminal.rich_renderer import RichRenderer

        # force_terminal: under patch_stdout sys.stdout is a proxy that is not a tty
        console = Console(force_terminal=True, highlight=False, soft_wrap=False)
        return RichRenderer(console, lang, debug=debug)
    from agent.terminal.plain_renderer import PlainRenderer

    return PlainRenderer(sys.stdout, lang, debug=debug)


class Sink:
    """The one event sink handed to the core: renderer first, then the recorder."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self.extra: list[Callable[[Any], None]] = []
        self.quit = False
        self.output_closed = False

    def __call__(self, event: Event) -> None:
        if event.kind == "quit":
            self.quit = True
        if not self.output_closed:
            try:
                self.renderer.handle(event)
            except BrokenPipeError:
                # the reader of our stdout went away (`| head`): stop writing, keep quiet
                self.output_closed = True
                with contextlib.suppress(OSError):
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, sys.stdout.fileno())
        for extra in self.extra:
            extra(event)


Connector = Callable[
    [Options, Sink, contextlib.AsyncExitStack], Awaitable["ConversationLike | None"]
]


class _Redacting(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_debug_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacting("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for noisy in ("httpcore", "hpack", "asyncio", "PIL", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.INFO)


def quiet_background_noise() -> None:
    """Nothing from a library or a thread prints to the terminal on its own.

    Without a handler, Python's last-resort logging prints warnings and errors (asyncio's
    "exception was never retrieved", uvicorn's tracebacks of the local backend) straight
    into the chat, and a failing thread prints its traceback. Everything goes through the
    root logger instead: dropped normally, shown redacted with --debug.
    """
    import threading

    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True

    def _thread_failed(args: threading.ExceptHookArgs) -> None:
        logging.getLogger("agent.terminal").debug(
            "thread %s failed",
            getattr(args.thread, "name", "?"),
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )

    threading.excepthook = _thread_failed


def print_details() -> None:
    """--debug: the exception being handled, with its traceback, secrets redacted."""
    print(redact(traceback.format_exc()), file=sys.stderr, flush=True)


def report_crash(renderer: Renderer, exc: BaseException, *, debug: bool) -> None:
    """A failure nobody planned for: one clear line, details only with --debug."""
    lang = renderer.lang
    renderer.settle()
    detail = redact(str(exc)) or type(exc).__name__
    renderer.note(t("ui.crash", lang, error=detail), style="red")
    renderer.note(t("ui.crash_hint", lang))
    if debug:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        print(redact(text), file=sys.stderr, flush=True)


# -- the real wiring ----------------------------------------------------------------------


def _local_settings(data_dir: Path) -> Any:
    """BackendSettings for `--local`; NEMO_LOCAL_SETTINGS (JSON) overrides fields (tests)."""
    from backend.settings import BackendSettings

    values: dict[str, Any] = {"data_dir": data_dir}
    raw = os.environ.get("NEMO_LOCAL_SETTINGS", "").strip()
    if raw:
        extra = json.loads(raw)
        if isinstance(extra, dict):
            values.update(extra)
    return BackendSettings.model_validate(values)


def _port_is_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _start_local(start: Callable[..., Any], settings: Any, folder: Path) -> Any:
    """Start the local backend on the port it had last time when that port is free.

    The wire keeps its token per API address, and the backend gives one anonymous token per
    client id: a new port each run would mean a new token request, refused (429) and
    retried after a 30-s wait. A stable address keeps the stored token valid.
    """
    port_file = folder / "port"
    port = 0
    with contextlib.suppress(OSError, ValueError):
        remembered = int(port_file.read_text().strip())
        if 1024 <= remembered <= 65535 and _port_is_free(remembered):
            port = remembered
    try:
        server = start(settings, port=port)
    except RuntimeError:
        if port == 0:
            raise
        server = start(settings, port=0)
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        port_file.write_text(f"{server.port}\n")
    return server


async def connect_real(
    opts: Options, sink: Sink, stack: contextlib.AsyncExitStack
) -> ConversationLike | None:
    renderer = sink.renderer
    lang = renderer.lang
    try:
        from agent.api import ApiConfig, NemoClient
        from agent.core import ChatSettings, Conversation
    except ImportError:
        renderer.note(t("ui.core_missing", lang), style="red")
        renderer.note(t("ui.core_missing_hint", lang))
        if opts.debug:
            print_details()
        return None

    if opts.out is not None:
        try:
            opts.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            renderer.note(t("ui.bad_output_dir", lang, path=opts.out, error=exc.strerror), "red")
            renderer.note(t("ui.bad_output_dir_hint", lang))
            return None

    base_url: str | None = None
    if opts.local:
        from agent.events import Status, StatusClear
        from agent.terminal.paths import local_backend_dir

        folder = local_backend_dir()
        renderer.handle(Status(text=t("ui.local_starting", lang)))
        try:
            from backend.local import start_local_backend

            settings = _local_settings(folder)
            server = await asyncio.to_thread(_start_local, start_local_backend, settings, folder)
        except Exception as exc:
            renderer.note(
                t("ui.local_failed", lang, error=redact(str(exc)) or type(exc).__name__), "red"
            )
            renderer.note(t("ui.local_failed_hint", lang))
            if opts.debug:
                print_details()
            return None
        renderer.handle(StatusClear())
        quiet_background_noise()  # uvicorn configured its own loggers when it started
        stack.callback(server.stop)
        base_url = server.url
        if opts.debug:
            renderer.note(t("ui.local_ready", lang, url=base_url, folder=folder))

    overrides: dict[str, Any] = {}
    if base_url is not None and not os.environ.get("NEMO_CLIENT_ID", "").strip():
        # the local backend, like the service, gives one anonymous token per client id, and
        # the wire keeps tokens per address: a backend on another port (a second chat
        # running) would refuse a new token. One client id per local address avoids that.
        import uuid

        overrides["client_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, base_url))
    config = ApiConfig.from_env(base_url=base_url, **overrides)
    chat_settings = ChatSettings.from_env(lang=opts.lang, out_dir=opts.out, resume=opts.resume)

    observer = None
    if opts.record is not None:
        recorder = _open_recorder(opts, config, chat_settings, renderer)
        if recorder is None:
            return None
        stack.callback(recorder.close)
        sink.extra.append(recorder.sink)
        observer = recorder.observer

    client = NemoClient(config, observer=observer)
    stack.push_async_callback(client.aclose)
    conv = Conversation(client, chat_settings, sink)
    stack.push_async_callback(conv.aclose)
    try:
        started = await conv.start()
    except Exception as exc:
        renderer.settle()
        renderer.note(t("ui.connect_failed", lang, url=config.base_url), style="red")
        renderer.note(t("ui.connect_failed_hint", lang))
        if opts.debug:
            report_crash(renderer, exc, debug=True)
        return None
    renderer.settle()
    renderer.lang = getattr(conv, "lang", renderer.lang)  # e.g. a resumed Chinese session
    return conv if started else None


def _open_recorder(opts: Options, config: Any, chat_settings: Any, renderer: Renderer) -> Any:
    try:
        from agent.transcripts.format import TranscriptError
        from agent.transcripts.recorder import Recorder, timing_settings
    except ImportError:
        renderer.note(t("ui.record_missing", renderer.lang), "red")
        return None
    from agent.terminal.cli_version import version

    assert opts.record is not None
    token = config.token.get_secret_value() if config.token is not None else None
    try:
        return Recorder(
            opts.record,
            app_version=version(),
            lang=opts.lang,
            api_base=config.base_url,
            secrets=[token, config.client_id],
            settings=timing_settings(config, chat_settings),
        )
    except TranscriptError as exc:  # its text already says what to do
        renderer.note(redact(str(exc)), "red")
        return None
    except Exception as exc:
        renderer.note(
            t("ui.record_failed", renderer.lang, path=opts.record, error=redact(str(exc))), "red"
        )
        renderer.note(t("ui.record_failed_hint", renderer.lang))
        return None


# -- the loop -------------------------------------------------------------------------------


async def chat(
    opts: Options,
    *,
    connect: Connector = connect_real,
    interactive: bool | None = None,
    rich: bool | None = None,
    prompt_kwargs: dict[str, Any] | None = None,
) -> int:
    """Run the chat; the exit code (0 ok, 1 something failed)."""
    if interactive is None:
        interactive = not opts.messages and sys.stdin.isatty()
    if rich is None:
        rich = interactive and sys.stdout.isatty()
    lang = opts.lang or (lang_of(opts.messages[0]) if opts.messages else "en")
    renderer = make_renderer(rich=rich, lang=lang, debug=opts.debug)
    sink = Sink(renderer)

    seen_first = False

    def on_message(text: str) -> None:
        """Our own lines follow the language of the first message (unless --lang)."""
        nonlocal seen_first
        if opts.lang is None and not seen_first:
            renderer.lang = lang_of(text)
        seen_first = True

    def crash(exc: BaseException) -> None:
        report_crash(renderer, exc, debug=opts.debug)

    async with contextlib.AsyncExitStack() as stack:
        stack.callback(renderer.settle)
        if interactive:
            from agent.terminal.paths import history_file
            from agent.terminal.repl import Repl, make_session, open_history

            history = open_history(history_file())
            session = make_session(lambda: renderer.lang, history, **(prompt_kwargs or {}))

            def set_idle(value: bool) -> None:
                renderer.idle = value

            # the prompt comes first; the connection is made behind it
            repl = Repl(
                lambda: connect(opts, sink, stack),
                session,
                note=renderer.note,
                set_idle=set_idle,
                settle=renderer.settle,
                on_message=on_message,
                report_crash=crash,
                quit_requested=lambda: sink.quit,
                lang=lambda: renderer.lang,
            )
            try:
                return await repl.run()
            finally:
                await repl.stop_connecting()

        conv = await connect(opts, sink, stack)
        if conv is None:
            return 1
        from agent.terminal.piped import list_lines, run_piped, stdin_lines

        lines = list_lines(opts.messages) if opts.messages else stdin_lines()
        pending_before = conv.pending_render
        code = await run_piped(
            conv,
            lines,
            on_message=on_message,
            settle=renderer.settle,
            report_crash=crash,
            quit_requested=lambda: sink.quit or sink.output_closed,
        )
        if conv.pending_render and conv.pending_render != pending_before:
            renderer.note(t("ui.render_running", renderer.lang))  # one this run left running
        return code
    return 1  # pragma: no cover - the stack does not swallow exceptions


def run(opts: Options) -> int:
    if opts.debug:
        setup_debug_logging()
    quiet_background_noise()
    return asyncio.run(chat(opts))
