"""Identity and recovery: the token (NEMO_TOKEN > stored > anonymous), the client id, and
`_call`, which applies the contract's recovery rules (1001 → new anonymous token with the same
client id and one retry; 400 on the token call → new client id, one retry; 429 on the token call
→ wait `rate_limit_wait`, one retry; 2001 → the bind id for the registration link).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from pydantic import SecretStr

from .base import APP, TOKEN_PATH, BaseClient
from .envelope import data_of, error_for
from .errors import (
    ApiError,
    AuthExpired,
    MissingClientId,
    NemoError,
    NoCredits,
    RateLimited,
)
from .identity import StoredToken, parse_expiry
from .models import SessionState
from .retry import parse_retry_after
from .uploads import MultipartBody

__all__ = ["AuthClient"]

log = logging.getLogger("agent.api")


class AuthClient(BaseClient):
    def _ensure_client_id(self) -> str:
        if self._client_id is None:
            self._client_id = self._store.client_id(None)
            self._drain_store()
        return self._client_id

    async def connect(self) -> None:
        """Make sure a token exists: NEMO_TOKEN > a stored unexpired one > a new anonymous one."""
        async with self._token_lock:
            if self._token is not None:
                return
            if self.config.token is not None:
                self._token, self.token_source = self.config.token, "env"
                return
            stored = await asyncio.to_thread(self._store.load_token, self.config.base_url)
            self._drain_store()
            if stored is not None:
                self._token, self.token_source = stored.token, "stored"
                self.user_id = self.user_id or stored.user_id
                return
            await self._fetch_anonymous_token()

    async def _reauthenticate(self, failed: SecretStr | None) -> None:
        """After 1001: a new anonymous token with the same client id (once per failure)."""
        async with self._token_lock:
            if self._token is not None and failed is not None and self._token != failed:
                return  # someone else already renewed it
            await self._fetch_anonymous_token()
        self._notice("reauthenticated")

    async def _fetch_anonymous_token(self) -> None:
        client_id = await asyncio.to_thread(self._ensure_client_id)
        renewed_id = waited = False
        while True:
            reply = await self._exchange(
                "POST",
                TOKEN_PATH,
                idempotent=True,
                auth=False,
                extra_headers={"X-Client-Id": client_id},
            )
            err = error_for(
                reply.status,
                reply.body,
                reply.raw,
                retry_after=parse_retry_after(reply.headers),
                token_call=True,
            )
            if isinstance(err, MissingClientId) and not renewed_id:
                renewed_id = True
                client_id = str(uuid.uuid4())
                if self.config.client_id is None:  # a NEMO_CLIENT_ID stays the person's own
                    await asyncio.to_thread(self._store.save_client_id, client_id)
                    self._drain_store()
                self._client_id = client_id
                self._notice("new_client_id")
                continue
            if isinstance(err, RateLimited) and not waited:
                waited = True
                self._notice("rate_limited_wait", f"{self.config.rate_limit_wait:g}")
                await asyncio.sleep(self.config.rate_limit_wait)
                continue
            if err is not None:
                raise err
            data = data_of(reply.body)
            token = data.get("token")
            if not isinstance(token, str) or not token:
                raise ApiError("The service gave no token.", status=reply.status)
            now = time.time()
            user_id = data.get("user_id")
            stored = StoredToken(
                token=SecretStr(token),
                expires_at=parse_expiry(data.get("expires_at"), now),
                user_id=str(user_id) if user_id else None,
                client_id=client_id,
            )
            self._token, self.token_source = stored.token, "anonymous"
            if stored.user_id:
                self.user_id = stored.user_id
            await asyncio.to_thread(self._store.save_token, self.config.base_url, stored)
            self._drain_store()
            return

    # -- one exchange ---------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        body: MultipartBody | None = None,
    ) -> dict[str, Any]:
        """An authenticated call: the envelope's `data`, or a typed failure (after recovery)."""
        return data_of(
            await self._call_body(method, path, idempotent=idempotent, json=json, body=body)
        )

    async def _call_body(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        body: MultipartBody | None = None,
    ) -> Any:
        """Like `_call`, but the whole reply body (render status has two forms)."""
        await self.connect()
        reauthed = False
        while True:
            used = self._token
            reply = await self._exchange(method, path, idempotent=idempotent, json=json, body=body)
            err = error_for(
                reply.status, reply.body, reply.raw, retry_after=parse_retry_after(reply.headers)
            )
            if err is None:
                return reply.body
            if isinstance(err, AuthExpired) and not reauthed:
                if self.token_source == "env":
                    raise err
                reauthed = True
                await self._reauthenticate(used)
                continue
            if isinstance(err, NoCredits):
                await self._complete_no_credits(err)
            raise err

    async def _complete_no_credits(self, err: NoCredits) -> None:
        """2001 needs the bind id for the registration link: from the reply, us, or the state."""
        if err.bind_id is None:
            err.bind_id = self.user_id
        if err.bind_id is None and self.session_id is not None:
            try:
                reply = await self._exchange("GET", self._state_path(), idempotent=True)
                state = SessionState.from_data(data_of(reply.body))
                if state.user_id:
                    self.user_id = err.bind_id = state.user_id
            except NemoError:
                pass
        err.registered = bool(err.bind_id) and not str(err.bind_id).startswith("anon_")
        if err.bind_id is None and self.token_source == "env":
            err.registered = True

    # -- endpoints --------------------------------------------------------------------------------
    def _need_session(self) -> str:
        if self.session_id is None:
            raise RuntimeError("no session: call create_session() or use_session() first")
        return self.session_id

    def _state_path(self) -> str:
        return f"/api/state/{APP}/me/{self._need_session()}/latest"
