"""The composition root: the one place that builds the chat and the replay from their parts.

`agent/cli.py` parses the command line and calls `run_chat` or `run_replay`. Here the token
and the session (the wire's client and the core's conversation), the local backend (through
`backend/local.py`, its one door), the recorder and the output folder are put together, and
the finished conversation is handed to a consumer: the terminal, or a replay. The consumers
import none of this; they get what they need as arguments.

Every failure on the way is one clear line with what to try (and `None` for "not
connected"): the terminal's loop then ends with exit code 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.messages import t
from agent.terminal.diagnostics import print_details, quiet_background_noise, report_crash
from agent.terminal.options import ConversationLike, Options
from agent.terminal.redact import redact
from agent.terminal.sink import Renderer, Sink

if TYPE_CHECKING:
    from agent.api import ApiConfig
    from agent.batch.app import Connected
    from agent.batch.args import BatchOptions
    from agent.core import ChatSettings
    from agent.events import Event
    from agent.transcripts.recorder import Recorder
    from agent.transcripts.replay import ReplaySetup, ReplayWiring

    ConversationFactory = Callable[[Any, ChatSettings, Callable[[Event], None]], Any]


# -- the chat ---------------------------------------------------------------------------------


def run_chat(opts: Options) -> int:
    """The chat in this terminal; the exit code."""
    from agent.core.language import starting_language
    from agent.terminal.app import run

    lang = starting_language(opts.lang, opts.messages[0] if opts.messages else None)

    async def connect(
        opts: Options, sink: Sink, stack: contextlib.AsyncExitStack
    ) -> ConversationLike | None:
        return await connect_chat(opts, sink, stack, lang=lang)

    return run(opts, connect=connect, lang=lang)


def chat_settings_for(opts: Options, lang: str) -> ChatSettings:
    """The conversation's settings from the command line and the environment."""
    from agent.core import ChatSettings

    local_polls: dict[str, Any] = {}
    if opts.local and not os.environ.get("NEMO_POLL_INTERVAL", "").strip():
        # the service is polled every 30 s, as it asks; our own backend on this machine can be
        # asked every second, so a 15-s render is saved at 15 s instead of at the 30-s poll
        local_polls = {"poll_interval": 1.0, "first_poll": 0.5}
    return ChatSettings.from_env(lang=opts.lang, out_dir=opts.out, resume=opts.resume,
                                 locale_lang=lang, **local_polls)


async def connect_chat(
    opts: Options, sink: Sink, stack: contextlib.AsyncExitStack, *, lang: str
) -> ConversationLike | None:
    """Output folder, local backend, recorder, client, conversation: started, or None."""
    from agent.api import NemoClient
    from agent.core import Conversation

    renderer = sink.renderer
    chat_settings = chat_settings_for(opts, lang)
    try:
        chat_settings.make_out_dir()
    except OSError as exc:
        _fail(sink, "output_dir", t("ui.bad_output_dir", lang, path=chat_settings.out_dir,
                                     error=exc.strerror), t("ui.bad_output_dir_hint", lang))
        return None
    from agent.api.partfiles import remove_stale_parts

    # a download a killed run left half-written (never one another run is writing)
    await asyncio.to_thread(remove_stale_parts, chat_settings.out_dir)

    base_url: str | None = None
    if opts.local:
        base_url = await _start_local(opts, sink, stack)
        if base_url is None:
            return None

    config = _api_config(base_url)

    observer = None
    if opts.record is not None:
        recorder = _open_recorder(opts.record, opts.lang, config, chat_settings, sink)
        if recorder is None:
            return None
        stack.callback(recorder.close)
        sink.extra.append(recorder.sink)
        observer = recorder.observer

    client = NemoClient(config, observer=observer)
    stack.push_async_callback(client.aclose)
    conv = Conversation(client, chat_settings, sink)
    stack.push_async_callback(conv.aclose)
    from agent.batch.chat import make_batch_command

    conv.batch_command = make_batch_command(
        client, chat_settings, sink, lambda: conv.lang, jobs=2 if opts.local else 4
    )
    try:
        started = await conv.start()
    except Exception as exc:
        renderer.settle()
        _fail(sink, "unreachable", t("ui.connect_failed", lang, url=config.base_url),
              t("ui.connect_failed_hint", lang))
        if opts.debug:
            report_crash(renderer, exc, debug=True)
        return None
    renderer.settle()
    if not started:
        return None
    opener = workspace_opener(opts, sink, stack, conv, chat_settings)
    conv.workspace_opener = opener
    if opts.web:
        await opener()
    return conv


# -- the workspace page ----------------------------------------------------------------------


def workspace_opener(
    opts: Options, sink: Sink, stack: contextlib.AsyncExitStack, conv: Any,
    chat_settings: ChatSettings,
) -> Callable[[], Awaitable[bool]]:
    """`--web`, `/web` and "open the timeline panel": serve the page once, say where it is."""
    running: list[str] = []

    async def open_workspace() -> bool:
        renderer = sink.renderer
        if running:
            renderer.note(t("ui.web_again", renderer.lang))
            _announce_workspace(renderer, running[0])
            return True
        from agent.core import COMMANDS
        from agent.web import start_workspace

        try:
            workspace = await start_workspace(conv, out_dir=chat_settings.out_dir,
                                              commands=frozenset(COMMANDS))
        except Exception as exc:
            renderer.note(t("ui.web_failed", renderer.lang,
                            error=redact(str(exc)) or type(exc).__name__), "red")
            renderer.note(t("ui.web_failed_hint", renderer.lang))
            return False
        stack.push_async_callback(workspace.aclose)
        sink.extra.append(workspace.on_event)
        running.append(workspace.url)
        _announce_workspace(renderer, workspace.url)
        if opts.open_browser and _has_display():
            import threading
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(workspace.url,), daemon=True).start()
        return True

    return open_workspace


def _announce_workspace(renderer: Renderer, url: str) -> None:
    """The address (it holds this run's token: never through the sink, so never recorded):
    a link in a terminal (OSC 8 where the terminal supports it), on stderr when piped."""
    from agent.events import Link

    if sys.stdout.isatty():
        renderer.handle(Link(label=t("ui.web_ready", renderer.lang, url="").rstrip(), url=url))
    else:
        print(t("ui.web_ready", renderer.lang, url=url), file=sys.stderr, flush=True)


def _has_display() -> bool:
    """A browser can be shown: macOS and Windows always; elsewhere an X or Wayland display
    (without one, Python's webbrowser would start a text browser inside our terminal)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _fail(sink: Sink, code: str, message: str, hint: str = "") -> None:
    """A failure before the chat started, as an error event: every renderer shows it (with
    `--json` as a JSON line with its `code`) and the exit code follows it."""
    from agent.events import Error

    sink(Error(code=code, message=message, hint=hint))


def _api_config(base_url: str | None) -> ApiConfig:
    """The wire's settings: the environment's, and for a backend on this machine (--local or
    NEMO_API_URL) a client id per address, so one back on another port gives a token."""
    from agent.api import ApiConfig
    from agent.api.auth import is_this_machine

    config = ApiConfig.from_env(base_url=base_url)
    if is_this_machine(config.base_url):
        config = config.model_copy(update={"client_id_per_address": True})
    return config



def _local_overrides() -> dict[str, Any]:
    """NEMO_LOCAL_SETTINGS: backend settings as JSON (tests make renders tiny)."""
    raw = os.environ.get("NEMO_LOCAL_SETTINGS", "").strip()
    extra = json.loads(raw) if raw else {}
    return extra if isinstance(extra, dict) else {}


async def _start_local(
    opts: Options, sink: Sink, stack: contextlib.AsyncExitStack
) -> str | None:
    """`--local`: the backend in this process, through its one door; its URL, or None."""
    from agent.events import Status, StatusClear
    from agent.terminal.paths import local_backend_dir, private_data_dir

    renderer = sink.renderer
    lang = renderer.lang
    folder = local_backend_dir()
    with contextlib.suppress(OSError):  # a folder that cannot be made is said below
        private_data_dir()  # the backend's data holds tokens: in a 0700 folder
    renderer.handle(Status(text=t("ui.local_starting", lang)))
    try:
        from backend.local import start_in_folder

        server = await asyncio.to_thread(start_in_folder, folder, _local_overrides())
    except Exception as exc:
        _fail(sink, "local_backend",
              t("ui.local_failed", lang, error=redact(str(exc)) or type(exc).__name__),
              t("ui.local_failed_hint", lang))
        if opts.debug:
            print_details()
        return None
    renderer.handle(StatusClear())
    quiet_background_noise()  # uvicorn configured its own loggers when it started
    stack.callback(server.stop)
    if opts.debug:
        renderer.note(t("ui.local_ready", lang, url=server.url, folder=folder))
    return server.url


def _open_recorder(
    path: Path, lang: str | None, config: ApiConfig, chat_settings: ChatSettings, sink: Sink,
) -> Recorder | None:
    from agent.terminal.cli_version import version
    from agent.transcripts import Recorder, TranscriptError, timing_settings

    token = config.token.get_secret_value() if config.token is not None else None
    try:
        return Recorder(
            path,
            app_version=version(),
            lang=lang,
            api_base=config.base_url,
            secrets=[token, config.client_id],
            settings=timing_settings(config, chat_settings),
        )
    except TranscriptError as exc:  # its text already says what to do
        _fail(sink, "record", redact(str(exc)))
        return None
    except Exception as exc:
        lang = sink.renderer.lang
        _fail(sink, "record", t("ui.record_failed", lang, path=path, error=redact(str(exc))),
              t("ui.record_failed_hint", lang))
        return None


# -- the batch -------------------------------------------------------------------------------


def run_batch(opts: BatchOptions) -> int:
    """`nemo-chat batch`: the batch consumer over one client (and the local backend)."""
    from agent.batch.app import run
    from agent.core.language import starting_language

    lang = starting_language(opts.lang, opts.instruction)
    return run(opts, connect=_batch_connection, lang=lang)


@contextlib.asynccontextmanager
async def _batch_connection(
    opts: BatchOptions, out_dir: Path, lang: str
) -> AsyncIterator[Connected]:
    """The local backend (with --local), one client and its token, the items' settings."""
    from agent.api import NemoClient
    from agent.batch.app import BatchStartFailed, Connected
    from agent.core import ChatSettings

    async with contextlib.AsyncExitStack() as stack:
        base_url: str | None = None
        if opts.local:
            from agent.terminal.paths import local_backend_dir
            from backend.local import start_in_folder

            try:
                server = await asyncio.to_thread(
                    start_in_folder, local_backend_dir(), _local_overrides()
                )
            except Exception as exc:
                raise BatchStartFailed(
                    t("ui.local_failed", lang, error=redact(str(exc)) or type(exc).__name__),
                    t("ui.local_failed_hint", lang),
                ) from None
            quiet_background_noise()
            stack.callback(server.stop)
            base_url = server.url
        config = _api_config(base_url)
        client = NemoClient(config)
        stack.push_async_callback(client.aclose)
        try:
            await client.connect()
        except Exception:
            raise BatchStartFailed(
                t("ui.connect_failed", lang, url=config.base_url), t("ui.connect_failed_hint", lang)
            ) from None
        polls: dict[str, Any] = {}
        if opts.local and not os.environ.get("NEMO_POLL_INTERVAL", "").strip():
            # our own backend on this machine: a finished render is seen within half a second
            # (the chat's 1 s is for a person watching; a batch waits on every item)
            polls = {"poll_interval": 0.5, "first_poll": 0.25}
        settings = ChatSettings.from_env(lang=opts.lang, out_dir=out_dir, locale_lang=lang,
                                         **polls)
        yield Connected(client=client, settings=settings)


# -- the replay ------------------------------------------------------------------------------


def replay_wiring(make_conversation: ConversationFactory | None = None) -> ReplayWiring:
    """What a replay runs on: a real conversation (or `make_conversation(client, settings,
    sink)`, for tests) over a real client, and the backend's door to serve the replay server."""
    from agent.transcripts.replay import ReplayWiring
    from backend.local import serve_app

    @contextlib.asynccontextmanager
    async def connect(
        setup: ReplaySetup, sink: Callable[[Event], None]
    ) -> AsyncIterator[Any]:
        from agent.api import NemoClient

        config, settings = _replay_settings(setup)
        if make_conversation is None:
            from agent.core import Conversation

            factory: ConversationFactory = Conversation
        else:
            factory = make_conversation
        async with NemoClient(config) as client:
            conversation = factory(client, settings, sink)
            try:
                yield conversation
            finally:
                await conversation.aclose()

    return ReplayWiring(connect=connect, serve=serve_app)


def _replay_settings(setup: ReplaySetup) -> tuple[ApiConfig, ChatSettings]:
    """The recorded session's settings with every wait divided by the replay's speed."""
    from pydantic import SecretStr

    from agent.api import ApiConfig
    from agent.api.config import DEFAULT_WEB_URL
    from agent.api.identity import CredentialStore, StoredToken
    from agent.core import ChatSettings
    from agent.messages import LANGS
    from agent.transcripts.replay import scaled_settings

    recorded = setup.recorded
    config_dir = setup.work / "config"
    if setup.token == "stored":  # the person had a token from an earlier run
        CredentialStore(config_dir).save_token(
            setup.base_url,
            StoredToken(token=SecretStr(setup.token_value), expires_at=time.time() + 7 * 86400),
        )
    config = scaled_settings(
        ApiConfig,
        recorded,
        setup.speed,
        base_url=setup.base_url,
        web_url=str(recorded.get("web_url") or DEFAULT_WEB_URL),
        config_dir=config_dir,
        token=setup.token_value if setup.token == "env" else None,
        client_id=None,
        platform=str(recorded.get("platform") or "unknown"),
    )
    locale = recorded.get("locale_lang")  # the recording machine's locale: the greeting's language
    settings = scaled_settings(
        ChatSettings, recorded, setup.speed, lang=setup.lang, out_dir=setup.work / "out",
        resume=False, locale_lang=locale if locale in LANGS else "en",
    )
    return config, settings


def run_replay(
    files: list[Path], *, speed: float, check: bool, files_dir: Path | None, lang: str
) -> int:
    """`nemo-chat replay`: watch one file, or `--check` several (exit codes as diff(1))."""
    from agent.transcripts import TranscriptError
    from agent.transcripts.check import agent_failed, check_files

    try:
        wiring = replay_wiring()
        if check:
            return check_files(files, wiring=wiring, speed=speed, files_dir=files_dir, lang=lang)
        if len(files) != 1:
            print(t("transcripts.cli.one_file", lang), file=sys.stderr)
            return 2
        return _watch(files[0], wiring, speed, files_dir, lang)
    except TranscriptError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback: say what failed, in one line
        print(t("transcripts.check.agent_failed", lang, error=agent_failed(exc)), file=sys.stderr)
        return 2


def _watch(
    path: Path, wiring: ReplayWiring, speed: float, files_dir: Path | None, lang: str
) -> int:
    from agent.terminal.replay_view import Show, watch
    from agent.transcripts import load
    from agent.transcripts.check import transcript_lang
    from agent.transcripts.replay import ReplayResult, replay

    transcript = load(path)

    async def run(show: Show) -> ReplayResult:
        return await replay(transcript, wiring=wiring, speed=speed, on_event=show,
                            files_dir=files_dir, pace=True)

    header = transcript.header
    return watch(run, out=sys.stdout, lang=transcript_lang(transcript, lang), file=path.name,
                 path=str(path), created=header.created, version=header.app_version,
                 speed=speed)
