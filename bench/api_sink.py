"""A loopback server for the wire benchmarks, run in its own process by the bench scripts.

POST /api/upload-video/nemo_agent/me/<sid> drains the body (counting bytes) and answers like
the service; GET /files/<name> serves a file from --dir (Range supported by FileResponse).
Nothing is parsed or stored, so the client (ours or curl) is what gets measured.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route


def make_app(folder: Path) -> Starlette:
    async def upload(request: Request) -> Response:
        size = 0
        async for piece in request.stream():
            size += len(piece)
        return JSONResponse(
            {
                "code": 0,
                "data": {
                    "files": [
                        {
                            "filename": "bench.mp4",
                            "file_type": "video",
                            "cdn_url": "https://cdn/bench.mp4",
                            "bytes": size,
                        }
                    ]
                },
            }
        )

    async def files(request: Request) -> Response:
        return FileResponse(
            folder / request.path_params["name"], media_type="application/octet-stream"
        )

    async def ping(request: Request) -> Response:
        return Response("ok")

    routes: list[Any] = [
        Route("/api/upload-video/nemo_agent/me/{sid}", upload, methods=["POST"]),
        Route("/files/{name}", files),
        Route("/ping", ping),
    ]
    return Starlette(routes=routes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(
        make_app(args.dir), host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
