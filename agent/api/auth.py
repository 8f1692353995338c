"""The token this run uses, and how it is renewed: NEMO_TOKEN > a stored one > a new anonymous one.

The contract's recovery rules for the token call live here: a 400 gets a new client id and one
retry; a 429 waits as long as its Retry-After asks (else `rate_limit_wait`) and retries once.
Getting a token is one run's turn at a time (across processes): a run that waited for its turn
first reads the token the other one stored. The token call itself goes through the
one send path (`Sender.send`), handed in as `send`, so this module never speaks HTTP.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import SecretStr

from .config import ApiConfig
from .envelope import Reply, data_of
from .errors import ApiError, MissingClientId, RateLimited
from .identity import CredentialStore, StoredToken, parse_expiry
from .models import ClientNotice

__all__ = ["TOKEN_PATH", "Credentials", "Send", "TokenSource", "is_this_machine"]

TOKEN_PATH = "/api/auth/anonymous-token"

TokenSource = Literal["env", "stored", "anonymous"]
Send = Callable[..., Awaitable[Reply]]


def is_this_machine(base_url: str) -> bool:
    """The API is served on this computer (a local backend on 127.0.0.1, ::1, localhost)."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Credentials:
    """The token, its source, the client id and the user id the service told us."""

    def __init__(self, config: ApiConfig, notify: Callable[[ClientNotice], None]) -> None:
        self.config = config
        self.token: SecretStr | None = None
        self.source: TokenSource | None = None
        self.user_id: str | None = None
        self.client_id: str | None = config.client_id
        self._notify = notify
        self._store = CredentialStore(config.config_dir)
        self._lock = asyncio.Lock()

    def secrets(self) -> tuple[str | None, ...]:
        """What must never appear in a record or a message."""
        return (self.token.get_secret_value() if self.token else None, self.client_id)

    async def ensure(self, send: Send) -> None:
        """Make sure a token exists: NEMO_TOKEN > a stored unexpired one > a new anonymous one."""
        async with self._lock:
            if self.token is not None:
                return
            if self.config.token is not None:
                self.token, self.source = self.config.token, "env"
                return
            if await self._use_stored():
                return
            async with self._store.turn():
                # another run may have got one while we waited for our turn: use the winner's
                if not await self._use_stored():
                    await self._fetch_anonymous(send)

    async def renew(self, failed: SecretStr | None, send: Send) -> None:
        """After 1001: a new anonymous token with the same client id (once per failure)."""
        async with self._lock:
            if self.token is not None and failed is not None and self.token != failed:
                return  # someone else already renewed it
            async with self._store.turn():
                if not await self._use_stored(unless=failed):  # another run renewed it
                    await self._fetch_anonymous(send)
        self._notify(ClientNotice(kind="reauthenticated"))

    async def _use_stored(self, unless: SecretStr | None = None) -> bool:
        """Take the stored token (not the one just refused); False when there is none."""
        stored = await asyncio.to_thread(self._store.load_token, self.config.base_url)
        self._drain_store()
        if stored is None or (unless is not None and stored.token == unless):
            return False
        self.token, self.source = stored.token, "stored"
        self.user_id = self.user_id or stored.user_id
        return True

    def _drain_store(self) -> None:
        for notice in self._store.drain():
            self._notify(notice)

    def _ensure_client_id(self) -> str:
        if self.client_id is None:
            self.client_id = self._sent_id(self._store.client_id(None))
            self._drain_store()
        return self.client_id

    def _sent_id(self, stored: str) -> str:
        """The stored client id, or with `client_id_per_address` one of this address's own,
        derived from it (the same every run, never stored).

        A backend gives one token per client id and we keep tokens per address: a local
        backend back on another port (same data) had already given the shared id a token,
        kept under the old address, so the token call was refused (429) and the run could not
        go on. The service keeps the shared id (its limit is shared with the official skills)."""
        if not self.config.client_id_per_address:
            return stored
        try:
            namespace = uuid.UUID(stored)
        except ValueError:
            namespace = uuid.NAMESPACE_URL
        return str(uuid.uuid5(namespace, self.config.base_url.rstrip("/")))

    async def _fetch_anonymous(self, send: Send) -> None:
        client_id = await asyncio.to_thread(self._ensure_client_id)
        renewed_id = waited = fresh_id = False
        while True:
            try:
                reply = await send(
                    "POST",
                    TOKEN_PATH,
                    idempotent=True,
                    auth=False,
                    token_call=True,
                    headers={"X-Client-Id": client_id},
                )
            except MissingClientId:
                if renewed_id:
                    raise
                renewed_id = True
                client_id = str(uuid.uuid4())
                if self.config.client_id is None:  # a NEMO_CLIENT_ID stays the person's own
                    await asyncio.to_thread(self._store.save_client_id, client_id)
                    self._drain_store()
                    client_id = self._sent_id(client_id)
                self.client_id = client_id
                self._notify(ClientNotice(kind="new_client_id"))
                continue
            except RateLimited as err:
                if self.config.client_id_per_address and not fresh_id:
                    # A backend on this machine that already gave this id a token we no
                    # longer hold (another backend took turns on this address and we kept
                    # its token instead): a fresh id for this run, once. Never for the service.
                    fresh_id = True
                    client_id = self.client_id = str(uuid.uuid4())
                    continue
                # the wait the service asks for (Retry-After), else the contract's; a wait
                # longer than retry_after_cap is reported, not waited for
                wait = self.config.rate_limit_wait if err.retry_after is None else err.retry_after
                if waited or wait > self.config.retry_after_cap:
                    raise
                waited = True
                self._notify(ClientNotice(kind="rate_limited_wait", detail=f"{wait:g}"))
                await asyncio.sleep(wait)
                continue
            await self._keep(data_of(reply.body), reply.status, client_id)
            return

    async def _keep(self, data: dict[str, Any], status: int, client_id: str) -> None:
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise ApiError("The service gave no token.", status=status)
        now = time.time()
        user_id = data.get("user_id")
        stored = StoredToken(
            token=SecretStr(token),
            expires_at=parse_expiry(data.get("expires_at"), now),
            user_id=str(user_id) if user_id else None,
            client_id=client_id,
        )
        self.token, self.source = stored.token, "anonymous"
        if stored.user_id:
            self.user_id = stored.user_id
        await asyncio.to_thread(self._store.save_token, self.config.base_url, stored)
        self._drain_store()
