"""The conversation: one message in, typed events out.

`start()` connects (token, session, or the last session with `--resume`) and greets;
`handle()` takes one message (slash commands bypass the router), sends it to the right
handler and ends with `TurnEnd`. Nothing escapes `handle()` but `CancelledError` (Ctrl-C): the
terminal cancels the task, the core says "Stopped.", remembers a running render and re-raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from agent.api import NemoError, RateLimited, ServiceUnreachable, SessionNotFound
from agent.events import Action, Event, Notice, Ready, Routed, TurnEnd, UserMessage

from .context import Context
from .failures import report
from .language import Language, session_language
from .memory import ChatMemory, PendingRender
from .settings import ChatSettings

# The handlers (commands, export, readouts, relay, upload and what they use) are imported at the
# first message, not at start-up: the greeting comes sooner. `load_handlers()` imports them
# ahead of time (the terminal does, in a thread, while the person reads the greeting).
if TYPE_CHECKING:
    from agent.api import NemoClient
    from intents import Decision

    from .translate import PlannedAction
    from .workspace import WorkspaceSnapshot

__all__ = ["Conversation"]

log = logging.getLogger("agent.core")

# events that show nothing new: the timeline shown before them is still the last thing shown
_NOT_SHOWING = frozenset({"status", "status_clear", "turn_end", "user_message", "routed",
                          "text_done", "action"})


def load_handlers() -> None:
    """Import every handler and the router's vocabulary now (otherwise the first message
    that needs them does): ~0.15 s of pydantic validation and pattern compiling."""
    import intents

    intents.load()
    from . import commands, export, readouts, relay, subtitles, upload  # noqa: F401


async def _done(step: Awaitable[None]) -> bool:
    await step
    return True


class Conversation:
    def __init__(
        self, client: NemoClient, settings: ChatSettings, sink: Callable[[Event], None]
    ) -> None:
        self.client = client
        self.settings = settings
        self._sink = sink
        self.memory = ChatMemory(client.config.config_dir, client.config.base_url)
        self.language = Language(settings.lang, settings.locale_lang)
        self.ctx = Context(
            client=client,
            settings=settings,
            emit=self._emit,
            memory=self.memory,
            lang=self.language.current,
        )
        self.last_decision: Decision | None = None
        self._session_language: str | None = None
        self._may_switch_session = settings.lang is None  # until the first message is handled
        self._background: asyncio.Task[bool] | None = None
        self._unremembered: tuple[str, str] | None = None  # a new session not yet used
        # one turn at a time: the terminal's and the workspace page's messages queue here
        self._turn = asyncio.Lock()
        # set by the composition root when the workspace page can be served (`--web`, `/web`)
        self.workspace_opener: Callable[[], Awaitable[bool]] | None = None
        # `/batch`: made by the composition root from the batch consumer (the core cannot
        # import its consumers); None where no batch is wired (a replay)
        self.batch_command: Callable[[str], Awaitable[bool]] | None = None

    # -- the sink -------------------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        if event.kind == "timeline":
            self.ctx.last_timeline = event
        elif event.kind not in _NOT_SHOWING:
            self.ctx.last_timeline = None
        try:
            self._sink(event)
        except Exception:  # a broken renderer must not break the conversation
            log.debug("event sink failed", exc_info=True)

    @property
    def lang(self) -> str:
        return self.ctx.lang

    @property
    def pending_render(self) -> str | None:
        """The id of a render still running on the server (for the "how to resume" note)."""
        found = self.memory.pending_render()
        return found.id if found else None

    # -- start ----------------------------------------------------------------------------------
    async def start(self) -> bool:
        ctx = self.ctx
        ctx.status("start.connecting")
        resumed = False
        comeback = ""
        try:
            await self.client.connect()
            if self.settings.resume:
                resumed = await self._resume_session()
            else:
                comeback = await self._last_project()
            if not resumed:
                # with a last project still there, the new (empty) one is remembered only
                # once it is used: `--resume` must still find the last project
                await self.new_session(remember=not comeback)
        except asyncio.CancelledError:
            ctx.clear_status()
            raise
        except Exception as exc:
            ctx.clear_status()
            ctx.drain_notices()
            self._report_start(exc)
            return False
        ctx.clear_status()
        ctx.drain_notices()
        greeting = ctx.say("ready.greeting")
        if not self.language.known:
            greeting += "\n" + ctx.say("ready.also_chinese" if ctx.lang == "en" else "ready.also_english")
        examples = [ctx.say(f"ready.example{i}") for i in (1, 2, 3)]
        self._emit(Ready(greeting=greeting, examples=examples))
        if comeback:
            self._emit(Notice(text=comeback))
        if self.settings.resume:
            from .export import pending_render_of_this_session

            pending = pending_render_of_this_session(ctx)
            if pending is not None:
                ctx.notice("resume.render")
                self._background = asyncio.create_task(self._follow_in_background(pending))
        return True

    def _report_start(self, exc: BaseException) -> None:
        ctx = self.ctx
        if isinstance(exc, ServiceUnreachable):
            ctx.error(
                "unreachable",
                "start.unreachable",
                "start.unreachable.hint",
                url=exc.url or self.client.config.base_url,
            )
        elif isinstance(exc, RateLimited):
            ctx.error("429", "start.rate_limited", "start.rate_limited.hint")
        else:
            report(ctx, exc)

    async def _resume_session(self) -> bool:
        session_id, language = self.memory.last_session()
        if not session_id:
            self.ctx.notice("resume.nothing")
            return False
        self.client.use_session(session_id)
        try:
            await self.client.state()
        except SessionNotFound:
            self.ctx.notice("resume.gone", "warning")
            return False
        self._session_language = language
        self._may_switch_session = False
        self.language.resumed(language)
        self.ctx.lang = self.language.current
        self.ctx.notice("resume.continued")
        return True

    async def _last_project(self) -> str:
        """Starting without `--resume`: the line that says the last project is still there
        ("" when there is none, it is empty, or it is gone). One state request."""
        session_id, _ = self.memory.last_session()
        if not session_id:
            return ""
        from .comeback import comeback_line

        self.client.use_session(session_id)
        try:
            state = await self.client.state()
        except NemoError:
            return ""
        return comeback_line(state, self.ctx.lang)

    async def new_session(self, *, remember: bool = True) -> None:
        language = session_language(self.ctx.lang)
        info = await self.client.create_session(language)
        self._session_language = language
        self._unremembered = None
        if remember:
            self.memory.remember_session(info.session_id, language)
        else:
            self._unremembered = (info.session_id, language)

    # -- one message ----------------------------------------------------------------------------
    async def handle(self, text: str, *, source: str = "terminal") -> bool:
        """One message, slash commands included; True when it succeeded.

        Messages from the workspace page (`source="web"`) wait for the turn before them and
        are announced, so the terminal shows what the page asked for."""
        stripped = text.strip()
        if not stripped:
            return True
        async with self._turn:
            return await self._handle(text, stripped, source)

    async def _handle(self, text: str, stripped: str, source: str) -> bool:
        ctx = self.ctx
        self.language.hear(stripped)
        ctx.lang = self.language.current
        self._emit(UserMessage(text=text))
        if self._unremembered is not None:  # the new project is used: it is the last one now
            self.memory.remember_session(*self._unremembered)
            self._unremembered = None
        if source == "web":
            self._emit(Notice(text=ctx.say("web.from_page", text=stripped)))
        ok = False
        try:
            ok = await self._dispatch(stripped)
        except asyncio.CancelledError:
            ctx.clear_status()
            ctx.drain_notices()
            ctx.notice("stopped")
            if ctx.stopped_turn is not None:
                ctx.notice("relay.stopped_will_check")
            if self.memory.pending_render() is not None:
                ctx.notice("export.left_running")
            self._emit(TurnEnd(ok=False))
            raise
        except Exception as exc:  # the last net: nothing but Ctrl-C leaves handle()
            log.debug("handle failed", exc_info=True)
            ctx.clear_status()
            report(ctx, exc)
            ok = False
        ctx.drain_notices()
        self._emit(TurnEnd(ok=ok))
        return ok

    async def _dispatch(self, text: str) -> bool:
        if self.ctx.stopped_turn is not None:
            from .relay import check_stopped_turn

            await self._guarded(lambda: _done(check_stopped_turn(self.ctx)))
        if self._may_switch_session:
            self._may_switch_session = False
            wanted = session_language(self.ctx.lang)
            if wanted != self._session_language:
                # the person writes Chinese: the (still empty) session should know it
                switched = await self._guarded(self._switch_session)
                if not switched:
                    return False
        from .commands import COMMANDS, parse_slash

        slash = parse_slash(text)
        if slash is not None:
            name, args = slash
            command = COMMANDS.get(name)
            if command is None:
                import difflib

                close = difflib.get_close_matches(name, list(COMMANDS), n=1)
                hint = (
                    self.ctx.say("cmd.unknown.suggest", suggestion=close[0])
                    if close
                    else self.ctx.say("cmd.unknown.hint")
                )
                self.ctx.emit_error("unknown_command", self.ctx.say("cmd.unknown", name=name), hint)
                return False
            return await self._guarded(lambda: command.run(self, args))
        from intents import route

        decision = route(text)
        self.last_decision = decision
        self._emit(
            Routed(
                route=decision.route,
                confidence=decision.confidence,
                evidence=decision.evidence,
                paths=list(decision.paths),
            )
        )
        return await self._guarded(lambda: self._run_route(decision, text))

    async def _switch_session(self) -> bool:
        await self.new_session()
        return True

    async def _run_route(self, decision: Decision, text: str) -> bool:
        from .readouts import show_credits, show_state

        if decision.route == "export" and "subtitles" in decision.also:
            return await self.run_export_and_subtitles(text)
        if decision.route == "export":
            return await self.run_export(text)
        if decision.route == "subtitles":
            return await self.run_subtitles(text)
        if decision.route == "credits":
            return await show_credits(self.ctx)
        if decision.route == "state":
            return await show_state(self.ctx)
        if decision.route == "upload":
            return await self._upload_then_relay(list(decision.paths), decision.remainder, text)
        from .upload import bare_upload_path

        here = bare_upload_path(text)  # "upload trip", trip being a folder in this one
        if here is not None:
            return await self._upload_then_relay([here], "")
        if decision.route in ("preview", "open"):  # /preview and /open, from words
            from .commands import COMMANDS

            return await COMMANDS[decision.route].run(self, "")
        return await self.run_relay(text)

    # -- handlers the commands share ------------------------------------------------------------
    async def run_upload_text(self, args: str) -> bool:
        """`/upload PATH…`: the paths as the router reads them (quotes, escapes, URLs)."""
        if not args.strip():
            return await self._upload_then_relay([], "")
        from intents import route

        decision = route(args)
        paths = list(decision.paths)
        if not paths:
            import shlex

            try:
                paths = shlex.split(args)
            except ValueError:
                paths = args.split()
            return await self._upload_then_relay(paths, "")
        return await self._upload_then_relay(paths, decision.remainder, args)

    async def _upload_then_relay(self, paths: list[str], remainder: str, text: str = "") -> bool:
        """Upload, then relay what else `text` says (its paths named as the service has them);
        a file already uploaded is said to be so only when nothing else was asked."""
        ctx = self.ctx
        if not paths:
            ctx.notice("upload.ask")
            return True
        from .upload import named_instruction, upload

        names: dict[str, str] = {}
        done, failed = await upload(ctx, paths, say_known=not remainder.strip(), names=names)
        ok = failed == 0
        if remainder.strip():
            if done:
                ok = await self.run_relay(named_instruction(text, names) if text else remainder) and ok
            else:
                ctx.notice("upload.not_relayed", text=remainder.strip())
        return ok

    async def run_export(self, words: str = "") -> bool:
        if self._background is not None and not self._background.done():
            self.ctx.notice("export.following")
            return await asyncio.shield(self._background)
        from .export import export

        return await export(self.ctx, words)

    async def run_export_and_subtitles(self, words: str) -> bool:
        """"export the video and subtitles": both, the subtitles even when the render fails."""
        ok = await self._guarded(lambda: self.run_export(words))
        return await self.run_subtitles(words) and ok

    async def run_subtitles(self, words: str = "", *, strict: bool = False) -> bool:
        from .subtitles import write_subtitles

        return await write_subtitles(self.ctx, words, strict=strict)

    async def run_batch(self, args: str) -> bool:
        if self.batch_command is None:
            self.ctx.notice("batch.chat.unavailable")
            return False
        return await self.batch_command(args)

    async def run_relay(self, text: str, *, allow_action: bool = True) -> bool:
        from .relay import relay

        outcome = await relay(self.ctx, text)
        if allow_action and outcome.ok and outcome.actions:
            await self._run_action(outcome.actions[0])  # at most one, and never a chain
        return outcome.ok

    async def _run_action(self, action: PlannedAction) -> None:
        from .readouts import show_credits, show_state

        ctx = self.ctx
        self._emit(Action(text=ctx.say(f"action.{action.kind}", text=action.text)))
        runners: dict[str, Callable[[], Awaitable[bool]]] = {
            "export": lambda: self.run_export(""),
            "credits": lambda: show_credits(ctx),
            "state": lambda: show_state(ctx),
            "timeline": lambda: show_state(ctx, full=False),
            "sse": lambda: self.run_relay(action.text, allow_action=False),
        }
        runner = runners.get(action.kind)
        if runner is not None:
            await self._guarded(runner)
        if action.rule.endswith("open.panel") and self.workspace_opener is not None:
            await self._guarded(self.workspace_opener)  # the panel exists: the workspace page

    # -- the workspace page ---------------------------------------------------------------------
    async def open_workspace(self) -> bool:
        """`/web`: serve the workspace page (once) and say where it is."""
        if self.workspace_opener is None:
            self.ctx.notice("web.unavailable")
            return False
        return await self.workspace_opener()

    async def workspace(self) -> WorkspaceSnapshot | None:
        """What the page shows now, read between turns (never in the middle of one)."""
        from .workspace import workspace_snapshot

        async with self._turn:
            return await workspace_snapshot(self.ctx)

    # -- failures -------------------------------------------------------------------------------
    async def _guarded(self, run: Callable[[], Awaitable[bool]]) -> bool:
        """Run a handler; report failures; a lost session is replaced and the step retried once."""
        ctx = self.ctx
        for attempt in (1, 2):
            try:
                return await run()
            except asyncio.CancelledError:
                raise
            except SessionNotFound as exc:
                ctx.clear_status()
                ctx.drain_notices()
                if attempt == 2:
                    report(ctx, exc)
                    return False
                ctx.notice("session.renewed", "warning")
                try:
                    await self.new_session()
                except NemoError as again:
                    report(ctx, again)
                    return False
            except Exception as exc:
                log.debug("handler failed", exc_info=True)
                ctx.clear_status()
                ctx.drain_notices()
                report(ctx, exc)
                return False
        return False

    # -- background work ------------------------------------------------------------------------
    async def _follow_in_background(self, pending: PendingRender) -> bool:
        ok = await self._guarded(lambda: self._follow(pending))
        self.ctx.drain_notices()
        return ok

    async def _follow(self, pending: PendingRender) -> bool:
        from .export import follow_render

        outcome = await follow_render(self.ctx, pending)
        return bool(outcome)

    async def wait_background(self) -> bool | None:
        """Piped mode: let a picked-up render finish before the next line (or the end).

        Its outcome (True: saved), or None when nothing was running in the background."""
        task = self._background
        if task is None:
            return None
        try:
            return bool(await task)
        except Exception:
            return False

    async def aclose(self) -> None:
        """Stop background work (a render keeps running on the server and stays remembered)."""
        task, self._background = self._background, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
