"""Why a render failed, in words a person can act on."""

from __future__ import annotations


class RenderError(Exception):
    """The render cannot finish; `reason` says why (a missing photo, a damaged file, ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RenderCancelled(RenderError):
    """The job was cancelled; the encoder was stopped and its temporary files removed."""

    def __init__(self, reason: str = "the render was cancelled") -> None:
        super().__init__(reason)
