"""Tab completion: slash commands at the start of a message, file paths anywhere.

Paths complete after any word ("use ~/Pic<Tab>"), inside quotes, with `~` kept as typed;
folders complete with a trailing "/" so the next Tab goes inside. Hidden files show only
when the typed name starts with a dot. A name with a space is inserted in quotes so the
router reads it as one path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from agent.messages import t


def core_commands() -> tuple[str, ...]:
    """The slash commands the conversation core has, in its order."""
    from agent.core import COMMANDS

    return tuple("/" + name for name in COMMANDS)


_QUOTED = re.compile(r"""(["'])([^"']*)$""")
_WORD = re.compile(r"(\S*)$")
MAX_PATHS = 200


class ChatCompleter(Completer):
    def __init__(
        self, lang: str | Callable[[], str] = "en", commands: Sequence[str] | None = None
    ) -> None:
        """`lang` may be a function (the conversation's language can change); `commands`
        None: the core's own table, looked up at the first completion (the core's imports
        would otherwise delay the first prompt)."""
        self._lang = lang
        self._names = tuple(commands) if commands is not None else None

    @property
    def lang(self) -> str:
        return self._lang() if callable(self._lang) else self._lang

    @property
    def commands(self) -> tuple[str, ...]:
        if self._names is None:
            self._names = core_commands()
        return self._names

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        before = document.text_before_cursor
        if before.startswith("/") and not any(ch.isspace() for ch in before):
            # "/ex" is a command; "/tmp/pt/for" (or "/tm", which no command starts with)
            # is an absolute path, as a person drops it at the start of a message
            commands = [] if "/" in before[1:] else list(self._commands(before))
            if commands:
                yield from commands
                return
        yield from self._paths(before, explicit=complete_event.completion_requested)

    def _commands(self, typed: str) -> Iterable[Completion]:
        for name in self.commands:
            if name.startswith(typed.lower()):
                key = f"cmd.{name[1:]}.help"  # the core's one-line help of the command
                meta = t(key, self.lang)
                yield Completion(
                    name + " ",
                    start_position=-len(typed),
                    display=name,
                    display_meta="" if meta == key else meta,
                )

    def _paths(self, before: str, *, explicit: bool) -> Iterable[Completion]:
        quoted = _QUOTED.search(before)
        if quoted and before.count(quoted.group(1)) % 2 == 1:
            quote, token = quoted.group(1), quoted.group(2)
            replace_len = len(token) + 1
        else:
            match = _WORD.search(before)
            token = match.group(1) if match else ""
            quote, replace_len = "", len(token)
            if not explicit and not token.startswith(("/", "~", ".")) and "/" not in token:
                return  # while typing, only things that look like paths
        head, _, prefix = token.rpartition("/")
        folder_typed = head + "/" if "/" in token else ""
        folder = Path(os.path.expanduser(folder_typed or ".")) if folder_typed != "/" else Path("/")
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name.lower())
        except OSError:
            return
        shown = 0
        for entry in entries:
            name = entry.name
            if not name.startswith(prefix) or (name.startswith(".") and not prefix.startswith(".")):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            full = folder_typed + name + ("/" if is_dir else "")
            q = quote or ('"' if " " in full else "")
            text = q + full + (q if q and not is_dir else "")
            yield Completion(
                text, start_position=-replace_len, display=name + ("/" if is_dir else "")
            )
            shown += 1
            if shown >= MAX_PATHS:
                return
