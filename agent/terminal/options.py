"""What the command line asked for, as plain data (stdlib only: parsed before anything heavy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Options:
    messages: list[str] = field(default_factory=list)  # -m/--message, in order
    local: bool = False
    out: Path | None = None  # --out (NEMO_OUTPUT_DIR is read by the core's settings only)
    lang: str | None = None
    resume: bool = False
    record: Path | None = None
    debug: bool = False
    web: bool = False  # --web: serve the workspace page from the start
    open_browser: bool = True  # --no-browser: print its address only


class ConversationLike(Protocol):
    """The part of `agent.core.Conversation` the terminal drives (interfaces §6)."""

    @property
    def lang(self) -> str: ...  # the person's language, as the core settled it

    @property
    def pending_render(self) -> str | None: ...

    async def start(self) -> bool: ...

    async def handle(self, text: str) -> bool: ...

    async def wait_background(self) -> None: ...

    async def aclose(self) -> None: ...
