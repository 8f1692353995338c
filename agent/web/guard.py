"""Who may talk to the workspace: this run's token, on this machine, from this page only.

Every request must name the host we bound (`127.0.0.1:PORT`, against DNS rebinding) and carry
the per-run token: in the URL the chat printed (first load; answered with an HttpOnly,
SameSite=Strict cookie and a redirect that drops it from the address bar), then in the cookie.
A POST also needs an Origin of this very page. Anything else is a 403 with one short line.
Every answer carries a strict Content-Security-Policy: nothing but this server's own files.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["COOKIE", "Guard", "new_token"]

COOKIE = "nemo_ws"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


class Guard:
    """ASGI middleware in front of every route (see the module's docstring)."""

    def __init__(
        self, app: ASGIApp, *, token: str, port: int, forbidden: Callable[[], str]
    ) -> None:
        self.app = app
        self.token = token
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{host}" for host in self.hosts}
        self.forbidden = forbidden

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        from_url = (query.get("t") or [None])[0]
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            cookie = SimpleCookie()
        from_cookie = cookie[COOKIE].value if COOKIE in cookie else None
        allowed = headers.get("host") in self.hosts and method in ("GET", "HEAD", "POST")
        if allowed and method == "POST":
            # a POST proves it comes from our page: the cookie (never the URL) and our origin
            allowed = _same(from_cookie, self.token) and headers.get("origin") in self.origins
        elif allowed:
            allowed = _same(from_url, self.token) or _same(from_cookie, self.token)
        if not allowed:
            await self._deny(send)
            return
        if from_url is not None and method == "GET" and scope["path"] == "/":
            await self._welcome(send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + _SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, secured)

    async def _deny(self, send: Send) -> None:
        body = (self.forbidden() + "\n").encode("utf-8")
        await send({
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *_SECURITY_HEADERS,
            ],
        })
        await send({"type": "http.response.body", "body": body})

    async def _welcome(self, send: Send) -> None:
        """First load with the token in the URL: set the cookie, drop the token from the URL."""
        cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
        await send({
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", b"/"),
                (b"set-cookie", cookie.encode()),
                (b"cache-control", b"no-store"),
                (b"content-length", b"0"),
                *_SECURITY_HEADERS,
            ],
        })
        await send({"type": "http.response.body", "body": b""})
