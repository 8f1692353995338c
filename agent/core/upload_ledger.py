"""Which local files this session has already uploaded, so naming one again does not resend it.

"add c.jpg to the end" right after "upload c.jpg" names a file the session already holds:
sending it again would put a second c.jpg in the media list. A file counts as already
uploaded when it is unchanged since (same resolved path, size and modification time), or when
its bytes are those of a file uploaded before (same SHA-256: a copy, a file touched but not
changed, a file changed and changed back). A file with other bytes is new, whatever its name.

The bytes are hashed once, after the upload, and a candidate only when a file of its size was
uploaded in this session (different sizes cannot be the same bytes). Entries belong to the
session they were uploaded in: a new session starts with none. They are kept in the chat's
state file (`ChatMemory.remember_upload`), so a session resumed with `--resume` still knows
them (the service does not say which local file a media item came from).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .memory import ChatMemory, UploadRecord

__all__ = ["UploadLedger", "file_sha256"]

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str | None:
    """The file's SHA-256 (None when it cannot be read). Blocking: call it in a thread."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while piece := fh.read(_CHUNK):
                digest.update(piece)
    except OSError:
        return None
    return digest.hexdigest()


@dataclass(frozen=True)
class _Entry:
    session_id: str
    path: str  # resolved
    size: int
    mtime_ns: int
    sha256: str | None
    name: str  # what the service calls it


def _stat(path: Path) -> tuple[str, int, int] | None:
    try:
        resolved = path.resolve()
        st = os.stat(resolved)
    except (OSError, RuntimeError):
        return None
    return str(resolved), st.st_size, st.st_mtime_ns


class UploadLedger:
    """The files uploaded from this machine, per session. Blocking methods: call them in a thread."""

    def __init__(self, memory: ChatMemory | None = None) -> None:
        self._memory = memory
        self._entries: list[_Entry] | None = None  # read from the memory on first use

    def _all(self) -> list[_Entry]:
        if self._entries is None:
            kept = self._memory.uploaded_files() if self._memory is not None else []
            self._entries = [_Entry(r.session_id, r.path, r.size, r.mtime_ns, r.sha256, r.name) for r in kept]
        return self._entries

    def known(self, session_id: str | None, path: Path) -> str | None:
        """The name the service has `path` under, if this session already holds its bytes."""
        mine = [e for e in self._all() if e.session_id == session_id]
        now = _stat(path)
        if session_id is None or not mine or now is None:
            return None
        resolved, size, mtime_ns = now
        for e in reversed(mine):
            if (e.path, e.size, e.mtime_ns) == (resolved, size, mtime_ns):
                return e.name
        same_size = [e for e in mine if e.size == size and e.sha256]
        if not same_size:
            return None
        digest = file_sha256(path)
        return next((e.name for e in reversed(same_size) if e.sha256 == digest), None)

    def add(self, session_id: str | None, path: Path, name: str) -> None:
        """Remember that `path` went up as `name` in this session (hashes it: a thread, please)."""
        now = _stat(path)
        if session_id is None or now is None:
            return
        resolved, size, mtime_ns = now
        entry = _Entry(session_id, resolved, size, mtime_ns, file_sha256(path), name)
        self._all().append(entry)
        if self._memory is not None:
            self._memory.remember_upload(UploadRecord(**asdict(entry)))
