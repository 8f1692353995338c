"""The server harness every integration test stands on."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from backend.serve import ServerThread


def _app() -> Starlette:
    async def hello(request: object) -> PlainTextResponse:
        return PlainTextResponse("hi")

    return Starlette(routes=[Route("/", hello)])


def test_serves_on_loopback_free_port_and_stops() -> None:
    server = ServerThread(_app()).start()
    try:
        assert server.host == "127.0.0.1" and server.port > 0
        assert httpx.get(server.url + "/").text == "hi"
    finally:
        server.stop()
    try:
        httpx.get(server.url + "/", timeout=1)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("the server still answers after stop()")
