"""Who may use the workspace: the token, the Host, the Origin; and what files it serves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

Start = Callable[..., Awaitable[Any]]


@pytest.fixture
async def served(fake_workspace: Start, fake_conversation: Any, draft_of: Any,
                 make_photo: Callable[..., Path]) -> Any:
    photo = make_photo("p0.jpg", size=(1600, 900), seed=2)
    conv = fake_conversation(draft_of(), photos={"p0.jpg": photo})
    return await fake_workspace(conv)


async def test_the_token_opens_the_page_once_then_a_strict_cookie(served: Any) -> None:
    async with httpx.AsyncClient(base_url=served.origin) as http:
        first = await http.get(f"/?t={served.token}")
        assert first.status_code == 303 and first.headers["location"] == "/"
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        page = await http.get("/")  # the cookie from now on, no token in the URL
        assert page.status_code == 200 and "<html" in page.text
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "<script>" not in page.text  # no inline script: one module from /static
    assert len(served.token) >= 22  # ≥ 128 bits, URL-safe base64


@pytest.mark.parametrize("how", ["no token", "wrong token", "wrong cookie"])
async def test_without_the_token_every_route_is_403(served: Any, how: str) -> None:
    wrong = "x" * len(served.token)
    params = {"t": wrong} if how == "wrong token" else {}
    cookies = {"nemo_ws": wrong} if how == "wrong cookie" else {}
    async with httpx.AsyncClient(base_url=served.origin, cookies=cookies) as http:
        for path in ("/", "/api/words", "/events", "/files/export", "/static/workspace.js"):
            reply = await http.get(path, params=params)
            assert reply.status_code == 403, path
            assert "link the chat printed" in reply.text


async def test_a_foreign_host_is_refused_even_with_the_token(served: Any) -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 sends its own Host."""
    async with httpx.AsyncClient(base_url=served.origin) as http:
        reply = await http.get(f"/?t={served.token}", headers={"host": f"evil.example:{served.port}"})
        assert reply.status_code == 403


async def test_a_post_needs_the_cookie_and_this_page_as_its_origin(
    served: Any, fake_conversation: Any
) -> None:
    conv = served.hub.conv
    async with httpx.AsyncClient(base_url=served.origin) as http:
        await http.get(f"/?t={served.token}")  # the cookie
        body = {"text": "add a title"}
        cross = await http.post("/api/message", json=body, headers={"origin": "http://evil.example"})
        assert cross.status_code == 403
        no_origin = await http.post("/api/message", json=body)
        assert no_origin.status_code == 403
        in_url = await http.post(f"/api/message?t={served.token}", json=body,
                                 headers={"origin": "http://evil.example"})
        assert in_url.status_code == 403
        assert conv.handled == []  # nothing of it reached the conversation
        ok = await http.post("/api/message", json=body, headers={"origin": served.origin})
        assert ok.status_code == 202
    for _ in range(50):
        if conv.handled:
            break
        import asyncio

        await asyncio.sleep(0.01)
    assert conv.handled == [("add a title", "web")]


async def test_only_the_chats_own_files_are_served(served: Any, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.mp4"
    outside.write_bytes(b"\0" * 100)
    from agent.events import FileSaved

    served.on_event(FileSaved(path=str(outside), size=100))  # not in the output folder
    async with httpx.AsyncClient(base_url=served.origin) as http:
        await http.get(f"/?t={served.token}")
        assert (await http.get("/files/export")).status_code == 404
        assert (await http.get("/thumb", params={"k": str(outside)})).status_code == 404
        assert (await http.get("/static/../guard.py")).status_code == 404
        inside = tmp_path / "out" / "video.mp4"
        inside.write_bytes(b"\0" * 100)
        served.on_event(FileSaved(path=str(inside), size=100))
        reply = await http.get("/files/export")
        assert reply.status_code == 200 and reply.content == b"\0" * 100


async def test_a_thumbnail_is_small_and_made_once(served: Any) -> None:
    from PIL import Image

    key = next(iter(served.hub.photos))
    async with httpx.AsyncClient(base_url=served.origin) as http:
        await http.get(f"/?t={served.token}")
        first = await http.get("/thumb", params={"k": key})
        again = await http.get("/thumb", params={"k": key})
    assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
    assert first.content == again.content
    import io

    with Image.open(io.BytesIO(first.content)) as img:
        assert img.width <= 320 and img.height <= 180  # never the 1600×900 photo
    assert len(first.content) < 30_000
    assert served.thumbs.made == 1
