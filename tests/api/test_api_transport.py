"""TLS only where it is used: http:// needs no CA bundle, https:// is verified as httpx does."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.api import NemoClient
from agent.api.transport import OnDemandTLSTransport, _trusts_nothing, verified_context


async def test_http_base_talks_without_building_a_tls_pool(fake_api: Any, tmp_path: Path) -> None:
    async with NemoClient(fake_api.config(tmp_path)) as client:
        transport = client.sender.http._transport
        assert isinstance(transport, OnDemandTLSTransport)
        info = await client.create_session("en")
        assert info.session_id
        assert transport._plain is not None and transport._tls is None


def test_https_uses_httpx_verified_default_context() -> None:
    context = verified_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # the CA bundle is loaded
    assert verified_context() is context  # built once per process, shared


def test_http_pool_context_can_only_refuse() -> None:
    """The context handed to the plain-HTTP pool trusts no certificate at all."""
    context = _trusts_nothing()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


async def test_https_request_goes_through_the_verified_pool() -> None:
    transport = OnDemandTLSTransport()
    try:
        pool = transport._pool(httpx.URL("https://example.invalid/"))
        assert transport._tls is pool and transport._plain is None
        assert transport._pool(httpx.URL("http://127.0.0.1/")) is not pool
    finally:
        await transport.aclose()


def test_verify_cannot_be_overridden() -> None:
    with pytest.raises(TypeError):
        OnDemandTLSTransport(verify=False)


def test_wire_import_leaves_httpx_cli_out_but_importable() -> None:
    """click/pygments (httpx's CLI) stay out of the chat's start-up, yet httpx is whole."""
    code = (
        "import sys, agent.api, httpx\n"
        "print('httpx._main' in sys.modules, 'pygments' in sys.modules)\n"
        "import httpx._main\n"
        "print(callable(httpx._main.main))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["False", "False", "True"]
