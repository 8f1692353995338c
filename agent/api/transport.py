"""The connection pool under the client, with TLS set up only for https:// URLs.

httpx loads the CA bundle into a new SSL context whenever a transport is created (~50 ms),
even for an http:// base such as the local backend, where it is never used. Here:

- http:// requests go through a pool whose SSL context trusts no certificate at all. Plain
  HTTP never uses it; it is there because httpx wants one, and it could only ever refuse.
- https:// requests go through a pool with httpx's own verified default context
  (`httpx.create_ssl_context()`: certifi, or SSL_CERT_FILE / SSL_CERT_DIR), so verification
  is exactly what httpx does by default. That context is built once per process and shared
  (an SSLContext may serve many connections); `prepare_tls()` starts building it in a thread
  (OpenSSL reads the bundle without holding the GIL), so an https client pays for it while
  the rest of the chat is still starting.
"""

from __future__ import annotations

import os
import ssl
import threading
from concurrent.futures import Future
from typing import Any

import httpx

__all__ = ["OnDemandTLSTransport", "prepare_tls", "verified_context"]

_lock = threading.Lock()
_contexts: dict[tuple[str, str], Future[ssl.SSLContext]] = {}


def _env_key() -> tuple[str, str]:
    """httpx's default context depends on these two variables (trust_env)."""
    return os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", "")


def _build(future: Future[ssl.SSLContext]) -> None:
    try:
        future.set_result(httpx.create_ssl_context())
    except BaseException as exc:  # handed to whoever needs the context
        future.set_exception(exc)


def prepare_tls() -> None:
    """Start building the verified context in the background (once per process)."""
    key = _env_key()
    with _lock:
        if key in _contexts:
            return
        future: Future[ssl.SSLContext] = Future()
        _contexts[key] = future
    threading.Thread(target=_build, args=(future,), name="nemo-tls", daemon=True).start()


def verified_context() -> ssl.SSLContext:
    """httpx's default verified SSL context (built at most once per process)."""
    prepare_tls()
    with _lock:
        future = _contexts[_env_key()]
    try:
        return future.result()
    except BaseException:
        with _lock:  # not cached: the next client tries again (e.g. a fixed SSL_CERT_FILE)
            if _contexts.get(_env_key()) is future:
                del _contexts[_env_key()]
        raise


def _trusts_nothing() -> ssl.SSLContext:
    """Verification on, no CA loaded: any TLS handshake through it fails. Never used for
    http://; it only satisfies httpx, which wants a context for every pool."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class OnDemandTLSTransport(httpx.AsyncBaseTransport):
    """Two httpx pools chosen by the URL's scheme, each created at its first request.

    `options` go to `httpx.AsyncHTTPTransport` (socket options, limits, …), never `verify`.
    """

    def __init__(self, **options: Any) -> None:
        if "verify" in options:
            raise TypeError("OnDemandTLSTransport chooses the SSL context itself")
        self._options = options
        self._plain: httpx.AsyncHTTPTransport | None = None
        self._tls: httpx.AsyncHTTPTransport | None = None

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        if url.scheme == "http":
            if self._plain is None:
                self._plain = httpx.AsyncHTTPTransport(verify=_trusts_nothing(), **self._options)
            return self._plain
        if self._tls is None:
            self._tls = httpx.AsyncHTTPTransport(verify=verified_context(), **self._options)
        return self._tls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        for pool in (self._plain, self._tls):
            if pool is not None:
                await pool.aclose()
        self._plain = self._tls = None
