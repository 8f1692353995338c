"""The reply envelope `{"code": 0, "data": {...}}` and the error replies of the contract.

Body codes (1001, 1002, 2001, 4001, 4002) travel with HTTP 200 on the JSON routes, as in the
contract's table ("where: body"); /run_sse sends them with a 4xx status because a stream
cannot carry an envelope (401/404/403/415/413, like ADK's 404 for an unknown session).
HTTP-only codes (400, 402, 429) are the status itself, with the same envelope in the body.
Server messages live in data/messages.json.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from starlette.responses import JSONResponse

from backend.faults import BODY_STATUS_ON_SSE, Fault


@lru_cache(maxsize=1)
def _messages() -> dict[str, str]:
    text = resources.files("backend").joinpath("data/messages.json").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError("backend/data/messages.json must map names to strings")
    return data


def message(key: str, /, **fields: Any) -> str:
    return _messages()[key].format(**fields)


class JSON(JSONResponse):
    """Compact UTF-8 JSON (Chinese stays raw, as the service sends it)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def ok(data: Any) -> JSON:
    return JSON({"code": 0, "message": "success", "data": data})


class ApiFailure(Exception):
    """Raised by handlers; turned into an envelope reply by the app's exception handler."""

    def __init__(self, code: int, text: str, *, status: int | None = None,
                 data: Any = None, retry_after: str | None = None) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.status = status if status is not None else (code if 400 <= code <= 599 else 200)
        self.data = data
        self.retry_after = retry_after

    def response(self, *, sse: bool = False) -> JSON:
        status = self.status
        if sse and status == 200:
            status = BODY_STATUS_ON_SSE.get(self.code, 400)
        body: dict[str, Any] = {"code": self.code, "message": self.text, "data": self.data}
        if sse:
            body["detail"] = self.text  # ADK's key for errors before the stream
        headers = {"Retry-After": self.retry_after} if self.retry_after else None
        return JSON(body, status_code=status, headers=headers)

    @classmethod
    def from_fault(cls, fault: Fault, *, sse: bool = False) -> ApiFailure:
        code = fault.code or 500
        return cls(code, fault.message or message("injected", code=code),
                   status=fault.http_status(sse=sse), retry_after=fault.retry_after_header())
