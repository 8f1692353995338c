"""Connect the chat: the local backend (`--local`), the recorder (`--record`), the wire
client and the conversation core, each started here and closed by the caller's exit stack.

Every failure on the way ends in a clear line with what to try, and `None`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agent.messages import t
from agent.terminal.diagnostics import print_details, quiet_background_noise, report_crash
from agent.terminal.options import ConversationLike, Options
from agent.terminal.redact import redact
from agent.terminal.sink import Renderer, Sink

Connector = Callable[
    [Options, Sink, contextlib.AsyncExitStack], Awaitable["ConversationLike | None"]
]


def _local_settings(data_dir: Path) -> Any:
    """BackendSettings for `--local`; NEMO_LOCAL_SETTINGS (JSON) overrides fields (tests)."""
    from backend.settings import BackendSettings

    values: dict[str, Any] = {"data_dir": data_dir, "one_token_per_client": False}
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


def chat_settings_for(opts: Options, lang: str) -> Any:
    """The conversation's settings from the command line and the environment."""
    from agent.core import ChatSettings

    local_polls: dict[str, Any] = {}
    if opts.local and not os.environ.get("NEMO_POLL_INTERVAL", "").strip():
        # the service is polled every 30 s, as it asks; our own backend on this machine can be
        # asked every second, so a 15-s render is saved at 15 s instead of at the 30-s poll
        local_polls = {"poll_interval": 1.0, "first_poll": 0.5}
    return ChatSettings.from_env(lang=opts.lang, out_dir=opts.out, resume=opts.resume,
                                 locale_lang=lang, **local_polls)


async def connect_real(
    opts: Options, sink: Sink, stack: contextlib.AsyncExitStack
) -> ConversationLike | None:
    renderer = sink.renderer
    lang = renderer.lang
    try:
        from agent.api import ApiConfig, NemoClient
        from agent.core import Conversation
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
    chat_settings = chat_settings_for(opts, renderer.lang)

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
