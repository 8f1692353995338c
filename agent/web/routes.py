"""The workspace's routes: the page, its static files, its SSE stream, its three actions.

Nothing here names a file from the request: the export is the latest video the chat saved in
its output folder, a preview's video and contact sheets are looked up by the random id the hub
gave them (an id it never gave is a 403), a thumbnail is looked up by the media key of the
current snapshot, and the static files are a fixed list inside this package.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from agent.messages import t, table

from .hub import CACHE_TYPES

if TYPE_CHECKING:
    from .hub import Hub
    from .thumbs import ThumbCache

__all__ = ["make_app"]

_STATIC = {
    "workspace.css": "text/css; charset=utf-8",
    "workspace.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
MAX_MESSAGE = 4000  # characters a message from the page may have
_MAX_BODY = 16 * 1024
_NO_STORE = {"cache-control": "no-store"}


def _static(name: str) -> bytes:
    return resources.files("agent.web").joinpath("static", name).read_bytes()


def strings(lang: str) -> dict[str, str]:
    """The page's words (`web.*`) in `lang`, English where a word is missing."""
    words = {k: v for k, v in table("en").items() if k.startswith("web.")}
    words.update({k: v for k, v in table(lang).items() if k.startswith("web.")})
    return words


def make_app(hub: Hub, thumbs: ThumbCache, *, commands: frozenset[str] = frozenset()) -> Starlette:
    def lang() -> str:
        return hub.conv.lang

    async def page(request: Request) -> Response:
        return Response(_static("index.html"), media_type="text/html; charset=utf-8",
                        headers=_NO_STORE)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        media_type = _STATIC.get(name)
        if media_type is None:
            return Response(status_code=404)
        return Response(_static(name), media_type=media_type, headers=_NO_STORE)

    async def words(request: Request) -> Response:
        wanted = request.query_params.get("lang") or lang()
        return JSONResponse({"lang": wanted, "words": strings(wanted)}, headers=_NO_STORE)

    async def events(request: Request) -> Response:
        return StreamingResponse(
            hub.stream(),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    async def export_file(request: Request) -> Response:
        path = hub.export
        if path is None or not hub.allowed(path) or not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, media_type="video/mp4", headers=_NO_STORE)

    async def cache_file(request: Request) -> Response:
        path = hub.cache_file(request.path_params["key"])
        if path is None:  # not a file this session's previews or exports made
            return Response(t("web.forbidden_file", lang()) + "\n", status_code=403,
                            media_type="text/plain; charset=utf-8", headers=_NO_STORE)
        if not path.is_file():  # made by this session, since dropped from the cache
            return Response(status_code=404, headers=_NO_STORE)
        return FileResponse(path, media_type=CACHE_TYPES[path.suffix.lower()],
                            headers=_NO_STORE)

    async def thumb(request: Request) -> Response:
        import asyncio

        photo = hub.photos.get(request.query_params.get("k", ""))
        if photo is None:
            return Response(status_code=404)
        made = await asyncio.to_thread(thumbs.thumbnail, photo)
        if made is None:
            return Response(status_code=404)
        return FileResponse(made, media_type="image/jpeg",
                            headers={"cache-control": "private, max-age=3600"})

    async def message(request: Request) -> Response:
        body = await request.body()
        if len(body) > _MAX_BODY:
            return JSONResponse({"ok": False, "error": "too_long"}, status_code=413)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return JSONResponse({"ok": False, "error": "bad_json"}, status_code=400)
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE:
            return JSONResponse({"ok": False, "error": "bad_text"}, status_code=400)
        queued = hub.send(text.strip())
        return JSONResponse({"ok": True, "queued": queued}, status_code=202)

    async def action(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "preview":
            # the preview command, once the core has one; until then the word, through the router
            text = "/preview" if "preview" in commands else strings(lang())["web.preview_message"]
        elif name == "export":
            text = strings(lang())["web.export_message"]
        else:
            return Response(status_code=404)
        queued = hub.send(text)
        return JSONResponse({"ok": True, "queued": queued, "text": text}, status_code=202)

    return Starlette(routes=[
        Route("/", page),
        Route("/static/{name}", static),
        Route("/api/words", words),
        Route("/events", events),
        Route("/files/export", export_file),
        Route("/files/cache/{key:path}", cache_file),
        Route("/thumb", thumb),
        Route("/api/message", message, methods=["POST"]),
        Route("/api/{name}", action, methods=["POST"]),
    ])
