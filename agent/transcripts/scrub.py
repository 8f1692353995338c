"""Secrets out, placeholders in: applied to every line before it reaches the disk.

Scrubbing when writing (not when sharing) means a transcript is safe the moment it exists.
What goes: bearer tokens and `nmv_usr_…` tokens anywhere in text, claim tokens `clm_…`,
signatures and tokens in the query of signed URLs,
values under secret-looking keys (authorization, token, client id…), any value the caller
names as secret (the client id), and the home folder at the start of a path (`~`). The API
base becomes `<api>` so a recording made against a server on a random port replays against
any other one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TOKEN = "<token>"
CLAIM = "<claim>"
SECRET = "<secret>"
CLIENT_ID = "<client-id>"
API = "<api>"

_TOKEN_RE = re.compile(r"nmv_usr_[A-Za-z0-9._\-]+")
_CLAIM_RE = re.compile(r"\bclm_[A-Za-z0-9._\-]+")
# signed-URL parameters (X-Amz-Signature, Signature, token, Key-Pair-Id, …): temporary secrets
_SIGNED_QUERY_RE = re.compile(
    r"(?i)([?&][A-Za-z0-9_.\-]*(?:signature|token|credential|key|sig|policy|auth)[A-Za-z0-9_.\-]*=)"
    r"[^&\s\"'#<>]+"
)
_BEARER_RE = re.compile(r"(?i)\b(bearer\s+)(?!<token>)[^\s\"',;]+")

# keys whose string values are secret whatever they look like (compared lower-case,
# without "-" and "_")
_SECRET_KEYS = frozenset(
    {
        "authorization",
        "token",
        "accesstoken",
        "refreshtoken",
        "claimtoken",
        "apikey",
        "password",
        "secret",
        "cookie",
        "setcookie",
    }
)
_CLIENT_ID_KEYS = frozenset({"clientid", "xclientid"})


def _norm_key(key: str) -> str:
    return key.lower().replace("-", "").replace("_", "")


class Scrubber:
    """Replaces secrets in JSON-like values (dicts, lists, strings), returning new values."""

    def __init__(
        self,
        *,
        secrets: Iterable[str | None] = (),
        home: Path | str | None = None,
        api_base: str | None = None,
    ) -> None:
        self._secrets: list[str] = []
        for value in secrets:
            self.add_secret(value)
        home_text = str(home) if home is not None else ""
        self._home = home_text.rstrip("/")
        # "/" or "" as a home would turn every path into "~": only scrub a real folder
        self._home_re = (
            re.compile(re.escape(home_text.rstrip("/")) + r"(?=/|\\|$|[\s\"'])")
            if len(home_text.rstrip("/")) > 1
            else None
        )
        self._api = api_base.rstrip("/") if api_base else None

    def add_secret(self, value: str | None) -> None:
        """A value that must never be written (e.g. the client id); ignored if too short."""
        if value and len(value) >= 6 and value not in self._secrets:
            self._secrets.append(value)
            self._secrets.sort(key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, CLIENT_ID)
        if "nmv_usr_" in value:  # substring tests first: most text holds no secret at all
            value = _TOKEN_RE.sub(TOKEN, value)
        if "clm_" in value:
            value = _CLAIM_RE.sub(CLAIM, value)
        if "earer" in value or "EARER" in value:
            value = _BEARER_RE.sub(r"\1" + TOKEN, value)
        if "?" in value and "=" in value:
            value = _SIGNED_QUERY_RE.sub(r"\1" + SECRET, value)
        if self._api and self._api in value:
            value = value.replace(self._api, API)
        if self._home_re is not None and self._home in value:
            value = self._home_re.sub("~", value)
        return value

    def value(self, value: Any, key: str | None = None) -> Any:
        if key is not None and isinstance(value, str) and value:
            norm = _norm_key(key)
            if norm in _SECRET_KEYS:
                return TOKEN if "token" in norm or norm == "authorization" else SECRET
            if norm in _CLIENT_ID_KEYS:
                return CLIENT_ID
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {str(k): self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


def unscrub_api(value: Any, api_base: str) -> Any:
    """The reverse of the `<api>` placeholder, for serving recorded replies from `api_base`."""
    base = api_base.rstrip("/")
    if isinstance(value, str):
        return value.replace(API, base) if API in value else value
    if isinstance(value, dict):
        return {k: unscrub_api(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [unscrub_api(v, base) for v in value]
    return value
