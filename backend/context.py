"""The state one backend instance shares between its routes: settings, store, faults, paths.

Also the checks every authenticated route does (Bearer token → user, session → owner), so a
route reads as what it does, not as plumbing.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from backend.envelope import ApiFailure, message
from backend.faults import Fault, FaultBoard
from backend.settings import BackendSettings
from backend.store import Store

if TYPE_CHECKING:
    from backend.analysis import Analyst
    from backend.jobs import JobRunner

ATTRIBUTION_HEADERS = ("x-skill-source", "x-skill-version", "x-skill-platform")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@dataclass
class Backend:
    settings: BackendSettings
    store: Store
    faults: FaultBoard = field(default_factory=FaultBoard)
    shutting_down: threading.Event = field(default_factory=threading.Event)
    jobs: JobRunner | None = None
    analyst: Analyst | None = None  # examines uploaded photos as they arrive (analysis.py)
    session_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    turn_tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    @property
    def renders_dir(self) -> Path:
        return self.settings.data_dir / "renders"

    @property
    def analysis_dir(self) -> Path:
        return self.settings.data_dir / "analysis"

    @property
    def tmp_dir(self) -> Path:
        return self.settings.data_dir / "tmp"

    def session_lock(self, session_id: str) -> asyncio.Lock:
        return self.session_locks.setdefault(session_id, asyncio.Lock())


def backend_of(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


async def faults_for(request: Request, route: str, *, sse: bool = False) -> list[Fault]:
    """Consume this call's faults: sleep for delays, raise for errors, return the rest."""
    hits = backend_of(request).faults.for_call(route)
    for fault in hits:
        if fault.kind == "delay" and fault.seconds:
            await asyncio.sleep(fault.seconds)
    for fault in hits:
        if fault.kind == "error":
            if fault.code == 1001:
                token = bearer_token(request)
                if token:  # the token really is bad now, so re-authentication can succeed
                    backend_of(request).store.revoke(token)
            raise ApiFailure.from_fault(fault, sse=sse)
    return hits


def bearer_token(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_user(request: Request) -> str:
    token = bearer_token(request)
    user = backend_of(request).store.user_for_token(token) if token else None
    if user is None:
        raise ApiFailure(1001, message("bad_token"))
    return user


def require_session(request: Request, user_id: str, session_id: str) -> dict[str, Any]:
    """The session, if it exists and belongs to this user (else 1002, as if it did not exist)."""
    row = backend_of(request).store.session(session_id) if _SAFE_ID.match(session_id) else None
    if row is None or row["user_id"] != user_id:
        raise ApiFailure(1002, message("session_not_found", session_id=session_id[:64]))
    return row


def has_attribution(request: Request) -> bool:
    return all(request.headers.get(h, "").strip() for h in ATTRIBUTION_HEADERS)
