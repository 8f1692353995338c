"""`/open`, "open it", "打开视频": play the latest preview or export in the system's player.

The latest is the newest of the last preview used (in the preview cache) and the newest MP4
in the export folder. The player is started without waiting for it (`agent.preview.player`);
where there is no opener program the person gets the path to open themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from agent.preview.cache import PreviewCache
from agent.preview.player import PlayerError, PlayerMissing, launch

from .context import Context

__all__ = ["latest_video", "open_latest"]


def latest_video(out_dir: Path, cache: PreviewCache) -> Path | None:
    """The newest of the most recently used preview and the newest export in `out_dir`."""
    found: list[tuple[float, Path]] = []
    for used, _, folder in reversed(cache.entries()):
        video = folder / "preview.mp4"
        if video.is_file():
            found.append((used, video))
            break
    with contextlib.suppress(OSError):
        for item in out_dir.glob("*.mp4"):
            if item.is_file() and not item.name.startswith("."):
                found.append((item.stat().st_mtime, item))
    return max(found)[1] if found else None


async def open_latest(ctx: Context, cache: PreviewCache | None = None) -> bool:
    cache = cache or PreviewCache()
    video = await asyncio.to_thread(latest_video, ctx.settings.out_dir, cache)
    if video is None:
        ctx.error("nothing_to_open", "open.nothing", "open.nothing.hint")
        return False
    try:
        await asyncio.to_thread(launch, video)
    except PlayerMissing as exc:
        ctx.error("no_player", "open.no_player", "open.no_player.hint", tool=exc.tool,
                  path=str(video))
        return False
    except PlayerError as exc:
        ctx.error("player_failed", "open.failed", "open.failed.hint", reason=str(exc),
                  path=str(video))
        return False
    ctx.notice("open.opening", "success", name=video.name)
    return True
