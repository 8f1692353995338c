"""What every handler needs: the client, the settings, the person's language, and the sink.

One object passed to the handler functions instead of a large class with a method per
command: handlers stay small modules, and tests can build a context around any client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from agent.events import Error, Event, Notice, Status, StatusClear, Timeline
from agent.messages import t, tn

from .memory import ChatMemory
from .settings import ChatSettings
from .upload_ledger import UploadLedger

if TYPE_CHECKING:
    from agent.api import NemoClient, SessionState

__all__ = ["Context"]

_NOTICE_LEVEL: dict[str, Literal["info", "success", "warning"]] = {
    "credentials_not_saved": "warning",
    "credentials_replaced": "warning",
}
_QUIET_NOTICES = {"retried", "download_resumed"}  # recovery the person need not hear about


@dataclass
class Context:
    client: NemoClient
    settings: ChatSettings
    emit: Callable[[Event], None]
    memory: ChatMemory
    lang: str = "en"
    seen_notice_kinds: set[str] = field(default_factory=set)
    # a relayed turn stopped with Ctrl-C: the state before it (the edit may still land on the
    # server; the next message first says what really changed)
    stopped_turn: SessionState | None = None
    # the timeline event shown last, while nothing else was shown after it (see readouts)
    last_timeline: Timeline | None = None
    credits: int | None = None  # the available balance last read (None: not read yet)
    # the files uploaded from this machine, by the name the service gave them: the workspace
    # page makes its thumbnails from these (and serves nothing else of the person's)
    local_media: dict[str, Path] = field(default_factory=dict)
    # the files each session already holds, so a file named again is not sent again (kept in
    # the memory's state file, so `--resume` knows them too)
    uploads: UploadLedger = field(init=False)

    def __post_init__(self) -> None:
        self.uploads = UploadLedger(self.memory)

    def say(self, key: str, /, **values: object) -> str:
        return t(key, self.lang, **values)

    def say_n(self, key: str, count: int, /, **values: object) -> str:
        """`key` for `count` things, in the plural form the language uses ("1 link", "2 links")."""
        return tn(key, count, self.lang, **values)

    def notice(
        self, key: str, /, level: Literal["info", "success", "warning"] = "info", **values: object
    ) -> None:
        self.emit(Notice(text=self.say(key, **values), level=level))

    def notice_n(
        self,
        key: str,
        count: int,
        /,
        level: Literal["info", "success", "warning"] = "info",
        **values: object,
    ) -> None:
        """A notice about `count` things, in the plural form the language uses."""
        self.emit(Notice(text=self.say_n(key, count, **values), level=level))

    def status(self, key: str, /, **values: object) -> None:
        self.emit(Status(text=self.say(key, **values)))

    def clear_status(self) -> None:
        self.emit(StatusClear())

    def error(self, code: str, key: str, hint_key: str | None = None, /, **values: object) -> None:
        hint = self.say(hint_key, **values) if hint_key else ""
        self.emit(Error(code=code, message=self.say(key, **values), hint=hint))

    def emit_error(self, code: str, message: str, hint: str = "") -> None:
        self.emit(Error(code=code, message=message, hint=hint))

    def drain_notices(self) -> None:
        """Tell the person what the client did by itself (new token, new client id, …)."""
        notices, self.client.notices[:] = list(self.client.notices), []
        for notice in notices:
            kind = str(notice.kind)
            if kind in _QUIET_NOTICES:
                continue
            # the same repair twice in one run is said once
            if (
                kind in ("permissions_fixed", "credentials_not_saved")
                and kind in self.seen_notice_kinds
            ):
                continue
            self.seen_notice_kinds.add(kind)
            text = self.say(f"notice.{kind}", detail=notice.detail)
            if text == f"notice.{kind}":
                continue  # a kind we have no words for: nothing useful to say
            self.emit(Notice(text=text, level=_NOTICE_LEVEL.get(kind, "info")))

    @property
    def web_url(self) -> str:
        return self.client.config.web_url.rstrip("/")
