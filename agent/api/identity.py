"""The client id and the stored anonymous token, kept in the config folder.

Folder 0700, files 0600, every write atomic (temp file, fsync, rename, fsync folder). A file
that cannot be read as ours is reported (a notice) and replaced at once; an unusable folder
means we keep things in memory for this run. A token from NEMO_TOKEN never reaches this module.
Two runs starting together take turns (`CredentialStore.turn`, an flock on a lock file), so
the second reads the token the first one got instead of asking the service for another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import stat
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from .models import ClientNotice

__all__ = ["CLIENT_ID_FILE", "TOKEN_FILE", "CredentialStore", "StoredToken"]

CLIENT_ID_FILE = "client_id"  # shared with the official NemoVideo skills
TOKEN_FILE = "nemo-chat-token.json"
LOCK_FILE = ".nemo-chat-credentials.lock"
TOKEN_LIFETIME = 7 * 24 * 3600.0
EXPIRY_MARGIN = 300.0
_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


class StoredToken(BaseModel):
    token: SecretStr
    expires_at: float
    user_id: str | None = None
    client_id: str | None = None

    def valid(self, now: float | None = None) -> bool:
        return self.expires_at - EXPIRY_MARGIN > (now if now is not None else time.time())


def parse_expiry(value: Any, obtained_at: float) -> float:
    """`expires_at` as epoch seconds/milliseconds or ISO text; else 7 days from now."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value) / 1000.0 if value > 1e11 else float(value)
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return obtained_at + TOKEN_LIFETIME


class CredentialStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.notices: list[ClientNotice] = []
        self._usable: bool | None = None

    # -- the folder -------------------------------------------------------------------------
    def _ensure_folder(self) -> bool:
        if self._usable is not None:
            return self._usable
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = self.folder.stat()
            if not stat.S_ISDIR(st.st_mode):
                raise NotADirectoryError(str(self.folder))
            if st.st_uid == os.getuid() and st.st_mode & 0o077:
                os.chmod(self.folder, 0o700)
                self.notices.append(ClientNotice(kind="permissions_fixed", detail=str(self.folder)))
            self._usable = os.access(self.folder, os.W_OK | os.X_OK)
        except OSError:
            self._usable = False
        if not self._usable:
            self.notices.append(ClientNotice(kind="credentials_not_saved", detail=str(self.folder)))
        return self._usable

    def _read(self, name: str) -> str | None:
        """The text of one of our files, or None when absent; odd files are reported."""
        if self._usable is None and self.folder.is_dir():
            self._ensure_folder()  # tighten a folder left too open before reading secrets from it
        path = self.folder / name
        try:
            st = path.lstat()
        except FileNotFoundError:
            return None
        except OSError:
            self._report(name)
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            self._report(name)  # a symlink, a folder, someone else's file: not ours to trust
            return None
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read(65536)
        except (OSError, UnicodeDecodeError):
            self._report(name)
            return None
        if st.st_mode & 0o077:
            with contextlib.suppress(OSError):
                os.chmod(path, 0o600)
                self.notices.append(ClientNotice(kind="permissions_fixed", detail=name))
        return text

    def _report(self, name: str) -> None:
        self.notices.append(ClientNotice(kind="credentials_replaced", detail=name))

    def _write(self, name: str, text: str) -> bool:
        if not self._ensure_folder():
            return False
        path = self.folder / name
        tmp = self.folder / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, text.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            with contextlib.suppress(OSError):
                st = path.lstat()
                if stat.S_ISDIR(st.st_mode):  # a folder squatting on our name: move it aside
                    os.replace(path, self.folder / f"{name}.replaced-{int(time.time())}")
            os.replace(tmp, path)
            _fsync_dir(self.folder)
            return True
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            self.notices.append(ClientNotice(kind="credentials_not_saved", detail=name))
            return False

    # -- client id --------------------------------------------------------------------------
    def load_client_id(self) -> str | None:
        text = self._read(CLIENT_ID_FILE)
        if text is None:
            return None
        value = text.strip()
        if _CLIENT_ID_RE.match(value):
            return value
        self._report(CLIENT_ID_FILE)
        return None

    def save_client_id(self, client_id: str) -> None:
        self._write(CLIENT_ID_FILE, client_id + "\n")

    def client_id(self, from_env: str | None) -> str:
        """`NEMO_CLIENT_ID` > the stored one > a new UUID (stored)."""
        if from_env:
            return from_env
        found = self.load_client_id()
        if found:
            return found
        return self.new_client_id()

    def new_client_id(self) -> str:
        made = str(uuid.uuid4())
        self.save_client_id(made)
        return made

    # -- token ------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def turn(self, patience: float = 90.0) -> AsyncIterator[None]:
        """One run at a time may get and write credentials (across processes).

        Waits for the lock at most `patience` seconds (the holder may be waiting out a rate
        limit), then goes on without it: the files are still written atomically."""
        fd = await asyncio.to_thread(self._open_lock)
        if fd is None:
            yield
            return
        try:
            import fcntl

            deadline = time.monotonic() + patience
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    await asyncio.sleep(0.05)
                except OSError:
                    break
            yield
        finally:
            os.close(fd)  # releases the lock

    def _open_lock(self) -> int | None:
        if not self._ensure_folder():
            return None
        try:
            return os.open(
                self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
            )
        except OSError:
            return None

    def _load_tokens(self) -> dict[str, dict[str, Any]]:
        """The stored tokens; a file we cannot use is replaced now (atomically), not at the
        next save, so it is never reported "replaced" while it is left as it was."""
        text = self._read(TOKEN_FILE)
        if text is None:
            if os.path.lexists(self.folder / TOKEN_FILE):  # there, but not ours (reported)
                self._write_tokens({})
            return {}
        try:
            data = json.loads(text)
            tokens = data["tokens"]
            if not isinstance(tokens, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self._report(TOKEN_FILE)
            self._write_tokens({})
            return {}
        return {k: v for k, v in tokens.items() if isinstance(v, dict)}

    def _write_tokens(self, tokens: dict[str, dict[str, Any]]) -> None:
        self._write(TOKEN_FILE, json.dumps({"version": 1, "tokens": tokens}, indent=1) + "\n")

    def load_token(self, base_url: str) -> StoredToken | None:
        tokens = self._load_tokens()
        raw = tokens.get(base_url)
        if raw is None:
            return None
        try:
            found = StoredToken.model_validate(raw)
        except ValidationError:
            self._report(TOKEN_FILE)
            del tokens[base_url]
            self._write_tokens(tokens)
            return None
        return found if found.valid() else None

    def save_token(self, base_url: str, token: StoredToken) -> None:
        tokens = self._load_tokens()
        now = time.time()
        kept = {k: v for k, v in tokens.items() if float(v.get("expires_at") or 0) > now}
        kept[base_url] = {
            "token": token.token.get_secret_value(),
            "expires_at": token.expires_at,
            "user_id": token.user_id,
            "client_id": token.client_id,
        }
        self._write_tokens(kept)

    def drain(self) -> list[ClientNotice]:
        out, self.notices = self.notices, []
        return out


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
