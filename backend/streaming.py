"""A streaming response that can also break the connection on purpose.

Starlette's StreamingResponse always finishes the body properly. Faults need the opposite: a
stream that stops mid-way as a dropped network would (the client must see an incomplete
chunked body, not a clean end). Yielding `DROP` from the body iterator returns from the ASGI
call without the final message; uvicorn then closes the socket. The body iterator is also
stopped when the client goes away (http.disconnect), so abandoned streams cost nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
from starlette.concurrency import iterate_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

DROP = b"\x00__drop__"


class BreakableStream(Response):
    def __init__(self, body: AsyncIterator[bytes] | Iterator[bytes], *, status_code: int = 200,
                 headers: dict[str, str] | None = None, media_type: str | None = None) -> None:
        self.body_iterator: AsyncIterator[bytes] = (
            body if isinstance(body, AsyncIterator) else iterate_in_threadpool(body)
        )
        self.status_code = status_code
        self.media_type = media_type
        self.background = None
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as tg:

            async def watch_disconnect() -> None:
                while True:
                    msg: Any = await receive()
                    if msg["type"] == "http.disconnect":
                        tg.cancel_scope.cancel()
                        return

            tg.start_soon(watch_disconnect)
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            complete = True
            try:
                async for chunk in self.body_iterator:
                    if chunk == DROP:
                        complete = False
                        break
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            finally:
                closer = getattr(self.body_iterator, "aclose", None)
                if closer is not None:
                    with anyio.CancelScope(shield=True):
                        await closer()
            if complete:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            tg.cancel_scope.cancel()
