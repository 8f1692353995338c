"""Slash commands: a table from name to handler, bypassing the router.

`/upload PATH…`, `/export`, `/preview`, `/open`, `/subtitles [srt|vtt]`, `/credits`, `/status`,
`/send TEXT`, `/web`, `/batch PHOTO… -- INSTRUCTION`, `/why`, `/new`, `/help`,
`/quit`. A message that starts with "/" but reads as a path (`/Users/amy/beach.png`) is not a
command: it goes to the router like any other message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.events import QuitRequested, Table

from .readouts import show_credits, show_state

if TYPE_CHECKING:
    from .conversation import Conversation

__all__ = ["COMMANDS", "Command", "parse_slash"]

_SLASH = re.compile(r"^/(?P<name>[A-Za-z][\w-]*)(?:\s+(?P<args>.*))?$", re.S)


@dataclass(frozen=True)
class Command:
    name: str
    run: Callable[[Conversation, str], Awaitable[bool]]
    takes: str = ""  # the argument shown in /help ("PATH…", "TEXT")

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.takes}".strip()


async def _upload(conv: Conversation, args: str) -> bool:
    return await conv.run_upload_text(args)


async def _export(conv: Conversation, args: str) -> bool:
    if args:  # `/export subtitles`, `/export srt`, `/export 1080p and subtitles`
        from intents import route

        decision = route(f"export {args}")
        if decision.route == "subtitles":
            return await conv.run_subtitles(args)
        if "subtitles" in decision.also:
            return await conv.run_export_and_subtitles(args)
    return await conv.run_export(args)


async def _preview(conv: Conversation, args: str) -> bool:
    from .preview import preview

    return await preview(conv.ctx)


async def _open(conv: Conversation, args: str) -> bool:
    from .open_video import open_latest

    return await open_latest(conv.ctx)
async def _subtitles(conv: Conversation, args: str) -> bool:
    return await conv.run_subtitles(args, strict=True)


async def _credits(conv: Conversation, args: str) -> bool:
    return await show_credits(conv.ctx)


async def _status(conv: Conversation, args: str) -> bool:
    return await show_state(conv.ctx)


async def _send(conv: Conversation, args: str) -> bool:
    if not args.strip():
        conv.ctx.notice("cmd.send.usage")
        return False
    return await conv.run_relay(args)


async def _web(conv: Conversation, args: str) -> bool:
    return await conv.open_workspace()


async def _batch(conv: Conversation, args: str) -> bool:
    return await conv.run_batch(args)


async def _why(conv: Conversation, args: str) -> bool:
    decision = conv.last_decision
    if decision is None:
        conv.ctx.notice("cmd.why.none")
        return True
    conv.ctx.notice(
        "cmd.why.text",
        route=decision.route,
        confidence=f"{decision.confidence:.2f}",
        evidence=decision.evidence,
    )
    return True


async def _new(conv: Conversation, args: str) -> bool:
    await conv.new_session()
    conv.ctx.notice("cmd.new.done", "success")
    return True


async def _help(conv: Conversation, args: str) -> bool:
    ctx = conv.ctx
    rows = [[cmd.usage, ctx.say(f"cmd.{cmd.name}.help")] for cmd in COMMANDS.values()]
    ctx.emit(
        Table(
            title=ctx.say("cmd.help.title"),
            columns=[ctx.say("cmd.help.command"), ctx.say("cmd.help.what")],
            rows=rows,
        )
    )
    ctx.notice("cmd.help.more")
    return True


async def _quit(conv: Conversation, args: str) -> bool:
    conv.ctx.emit(QuitRequested())
    return True


COMMANDS: dict[str, Command] = {
    cmd.name: cmd
    for cmd in (
        Command("upload", _upload, "PATH…"),
        Command("export", _export, "[1080p]"),
        Command("preview", _preview),
        Command("open", _open),
        Command("subtitles", _subtitles, "[srt|vtt]"),
        Command("credits", _credits),
        Command("status", _status),
        Command("send", _send, "TEXT"),
        Command("web", _web),
        Command("batch", _batch, "PHOTO… -- INSTRUCTION"),
        Command("why", _why),
        Command("new", _new),
        Command("help", _help),
        Command("quit", _quit),
    )
}


def parse_slash(text: str) -> tuple[str, str] | None:
    """(name, arguments) for a slash command, or None when the text is not one."""
    m = _SLASH.match(text.strip())
    if m is None:
        return None
    name = m.group("name").lower()
    if name in COMMANDS:
        return name, (m.group("args") or "").strip()
    first = text.strip().split(maxsplit=1)[0]
    if "/" in first[1:] or "." in first or "\\" in first:
        return None  # a path such as /tmp/beach.png
    return name, (m.group("args") or "").strip()
