"""Identity, sessions, credits and state: the small JSON routes of the contract."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backend.context import backend_of, faults_for, require_session, require_user
from backend.draft import ASPECTS
from backend.envelope import ApiFailure, message, ok
from backend.render_quality import advertised
from backend.uploads import media_entry

TOKEN_PREFIX = "nmv_usr_"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def anonymous_token(request: Request) -> Response:
    be = backend_of(request)
    await faults_for(request, "token")
    client_id = request.headers.get("x-client-id", "").strip()
    if not client_id:
        raise ApiFailure(400, message("missing_client_id"), status=400)
    client_id = client_id[:200]
    now = time.time()
    window = now - be.settings.token_days * 86400
    if be.settings.one_token_per_client and be.store.live_tokens(client_id=client_id, since=window):
        raise ApiFailure(429, message("token_rate_limited"), status=429, retry_after="30")
    ip = request.client.host if request.client else "?"
    limit = be.settings.tokens_per_ip
    if limit is not None and be.store.recent_tokens(ip=ip, since=window) >= limit:
        raise ApiFailure(429, message("ip_rate_limited"), status=429, retry_after="30")
    user_id = be.store.user_for_client(client_id) or f"anon_{secrets.token_hex(8)}"
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + be.settings.token_days * 86400
    be.store.add_token(token, user_id, client_id, ip, expires, be.settings.initial_credits)
    credits = be.store.credits(user_id)["available"]
    return ok({"token": token, "credits": credits, "user_id": user_id,
               "expires_at": _iso(expires), "expires_in": int(expires - now)})


async def create_session(request: Request) -> Response:
    be = backend_of(request)
    await faults_for(request, "session")
    user = require_user(request)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ApiFailure(400, message("bad_json"), status=400) from None
    language = str(body.get("language") or "en")[:16] if isinstance(body, dict) else "en"
    session_id = str(10**18 + secrets.randbelow(9 * 10**18))  # long numeric, like the service
    task_id = f"task_{secrets.token_hex(8)}"
    be.store.add_session(session_id, task_id, user, language)
    return ok({"task_id": task_id, "session_id": session_id, "user_id": user})


async def credits(request: Request) -> Response:
    be = backend_of(request)
    await faults_for(request, "credits")
    user = require_user(request)
    return ok(be.store.credits(user))


def canvas_config(draft: dict[str, Any] | None) -> dict[str, Any]:
    meta = (draft or {}).get("m") or {}
    aspect = meta.get("aspect", "16:9")
    width, height = ASPECTS.get(aspect, ASPECTS["16:9"])
    return {"width": meta.get("width", width), "height": meta.get("height", height),
            "aspect": aspect}


def rebase_urls(draft: dict[str, Any] | None, base_url: str) -> dict[str, Any] | None:
    """Segment urls point at this server as it is reached now (the port may have changed)."""
    if not draft:
        return draft
    for track in draft.get("t") or []:
        for seg in track.get("sg") or []:
            url = seg.get("url")
            if isinstance(url, str) and "/files/uploads/" in url:
                seg["url"] = base_url.rstrip("/") + "/files/uploads/" + url.rsplit("/", 1)[-1]
    return draft


def _playing_length(meta: dict[str, Any], draft: dict[str, Any] | None) -> dict[str, Any]:
    """A generated music bed is made as long as the video it plays under: while it is on the
    audio track its length is the track's, not the video's length when it was generated (a bed
    made for 5.5 s was listed at 5.5 s under an 8-s video after a photo was added)."""
    if meta.get("kind") != "music" or not draft:
        return meta
    for track in draft.get("t") or []:
        for seg in track.get("sg") or []:
            gen = seg.get("gen")
            if (isinstance(gen, dict) and seg.get("n") == meta.get("name")
                    and gen.get("style") == meta.get("style") and isinstance(seg.get("d"), int | float)):
                return {**meta, "duration": round(seg["d"] / 1000, 3)}
    return meta


async def state(request: Request) -> Response:
    be = backend_of(request)
    await faults_for(request, "state")
    user = require_user(request)
    session_id = request.path_params["session_id"]
    row = require_session(request, user, session_id)
    base = str(request.base_url)
    draft = rebase_urls(be.store.draft(session_id), base)
    media = be.store.session_media(session_id)
    uploads = [media_entry(m, base) for m in media if not m["generated"]]
    generated = [_playing_length(json.loads(m["meta"] or "{}"), draft) for m in media if m["generated"]]
    reply = {
        "state": {"draft": draft, "video_infos": uploads, "generated_media": generated,
                  "canvas_config": canvas_config(draft)},
        "session_id": session_id, "task_id": row["task_id"], "user_id": user,
    }
    render = advertised(be.settings.draft_quality)  # the draft quality it offers (previews)
    if render is not None:
        reply["render"] = render
    return ok(reply)

