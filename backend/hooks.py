"""The `/_nemo` test hooks (faults, credits, token expiry): off unless asked for, then guarded.

They exist so that a client's recovery paths can be tested against a real server, and they
can break a person's session, so they must not be reachable by whoever can reach the port.
The backend is on 127.0.0.1, but a web page in the person's browser can reach that too: a
cross-origin `POST` with a "simple" content type is sent without any preflight. So:

- off by default: without `test_hooks` (`python -m backend --test-hooks`) the routes answer
  404, as if they did not exist;
- the run's token: every call carries `X-Nemo-Hooks-Token`, compared in constant time with
  the token of this run (`test_hooks_token`, or one made at start: `app.state.hooks_token`;
  `python -m backend` writes it to a 0600 file and prints that file's path, never the token);
  a custom header also makes a browser preflight, which we never grant;
- same origin only: a request with an `Origin` other than the backend's own, or that a
  browser labels `Sec-Fetch-Site: cross-site`/`same-site`, is refused even with the token.

`GET /_nemo/health` stays open: it changes nothing and tells only that the server is up.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.context import backend_of
from backend.envelope import JSON, message, ok
from backend.faults import FaultBoard, parse_faults
from backend.settings import BackendSettings

HEADER = "X-Nemo-Hooks-Token"
Handler = Callable[[Request], Awaitable[Response]]


def run_token(settings: BackendSettings) -> str | None:
    """This run's token: the configured one, or a new random one; None when hooks are off."""
    if not settings.test_hooks:
        return None
    return settings.test_hooks_token or secrets.token_urlsafe(24)


def _refusal(request: Request) -> Response | None:
    token: str | None = request.app.state.hooks_token
    if token is None:
        return JSON({"code": 404, "message": "Not found", "data": None}, status_code=404)
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    fetch_site = request.headers.get("sec-fetch-site", "same-origin")
    if (origin is not None and origin != own) or fetch_site not in ("same-origin", "none"):
        return JSON({"code": 403, "message": message("hooks_cross_origin"), "data": None},
                    status_code=403)
    sent = request.headers.get(HEADER, "")
    if not hmac.compare_digest(sent.encode("utf-8"), token.encode("utf-8")):
        return JSON({"code": 403, "message": message("hooks_token", header=HEADER),
                     "data": None}, status_code=403)
    return None


def _guarded(handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        return _refusal(request) or await handler(request)

    return guarded


async def _set_faults(request: Request) -> Response:
    board: FaultBoard = request.app.state.faults
    try:
        added = board.add(*parse_faults(json.loads(await request.body())))
    except (ValueError, ValidationError) as exc:
        reason = str(exc).splitlines()[0][:300]
        return JSON({"code": 4000, "message": message("bad_fault", reason=reason),
                     "data": None}, status_code=400)
    return ok({"armed": [f.model_dump() for f in board.armed()],
               "added": len(added)})


async def _get_faults(request: Request) -> Response:
    return ok({"armed": [f.model_dump() for f in request.app.state.faults.armed()]})


async def _clear_faults(request: Request) -> Response:
    request.app.state.faults.clear()
    return ok({"armed": []})


async def _set_credits(request: Request) -> Response:
    """Test hook: {"user_id": "anon_…", "available": 3} sets a user's available credits."""
    try:
        body = json.loads(await request.body())
        user_id, available = str(body["user_id"]), int(body["available"])
    except (ValueError, KeyError, TypeError):
        return JSON({"code": 4000, "message": 'send {"user_id": "anon_…", "available": N}',
                     "data": None}, status_code=400)
    be = backend_of(request)
    be.store.set_credits(user_id, available)
    return ok(be.store.credits(user_id))


async def _expire_tokens(request: Request) -> Response:
    """Test hook: every token issued so far expires now (the next call gets 1001)."""
    backend_of(request).store.expire_tokens()
    return ok({})


def routes() -> list[Route]:
    return [
        Route("/_nemo/faults", _guarded(_set_faults), methods=["POST"]),
        Route("/_nemo/faults", _guarded(_get_faults), methods=["GET"]),
        Route("/_nemo/faults", _guarded(_clear_faults), methods=["DELETE"]),
        Route("/_nemo/credits", _guarded(_set_credits), methods=["POST"]),
        Route("/_nemo/tokens/expire", _guarded(_expire_tokens), methods=["POST"]),
    ]
