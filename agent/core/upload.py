"""Uploading what the person pointed at: files one by one, URLs together, then the rest.

Files go up one request each, so one refused file (missing, HEIC that will not convert, too
large) is reported on its own and the others still arrive. An instruction that came with the
files ("use ~/bgm.mp3 as background music") is relayed once the uploads are done, and only if
at least one of them succeeded (it almost always refers to them).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from agent.api import FileTooLarge, LocalFileError, UnsupportedFile, UploadedFile, UploadProgress
from agent.events import MediaUploaded

from .context import Context
from .failures import report
from .progress import ProgressReporter

__all__ = ["is_url", "local_path", "upload"]


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def local_path(text: str) -> Path:
    """A path as the router found it (already unquoted), made usable: file://, ~, \\-escapes."""
    value = text.strip()
    if value.lower().startswith("file://"):
        value = unquote(urlsplit(value).path)
    if not os.path.exists(os.path.expanduser(value)) and "\\ " in value:
        value = value.replace("\\ ", " ")
    return Path(os.path.expanduser(value))


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _announce(ctx: Context, item: UploadedFile, fallback_name: str, size: int | None) -> None:
    ctx.emit(
        MediaUploaded(
            name=item.filename or fallback_name,
            file_type=item.file_type or "",
            size=size if size is not None else getattr(item, "size", None),
            width=item.width,
            height=item.height,
            duration=item.duration,
        )
    )


async def _upload_file(ctx: Context, path: Path) -> bool:
    size = _size(path)
    bar = ProgressReporter(ctx.emit, f"upload:{path.name}", ctx.say("upload.progress", name=path.name))
    bar.update(0, size)

    def on_progress(p: UploadProgress) -> None:
        bar.update(p.sent, p.total)

    try:
        uploaded = await ctx.client.upload_files([path], on_progress=on_progress)
    except (LocalFileError, UnsupportedFile, FileTooLarge) as exc:
        bar.done(0, label=ctx.say("upload.failed", name=path.name))
        report(ctx, exc, file=path.name)
        return False
    bar.done(size)
    for item in uploaded or []:
        _announce(ctx, item, path.name, size)
        ctx.local_media[item.filename or path.name] = path
    if not uploaded:
        ctx.notice("upload.no_reply", name=path.name)
    return True


async def _upload_urls(ctx: Context, urls: list[str]) -> bool:
    bar = ProgressReporter(ctx.emit, "upload:urls", ctx.say_n("upload.fetching", len(urls)))
    bar.update(0, len(urls))
    try:
        uploaded = await ctx.client.upload_urls(urls)
    except (UnsupportedFile, FileTooLarge) as exc:
        bar.done(0)
        report(ctx, exc)
        return False
    bar.done(len(urls))
    for item, url in zip(uploaded, urls + [""] * len(uploaded), strict=False):
        _announce(ctx, item, os.path.basename(urlsplit(url).path) or url, None)
    return True


async def upload(ctx: Context, paths: list[str]) -> tuple[int, int]:
    """Upload every path/URL; (how many succeeded, how many failed)."""
    ok = failed = 0
    urls = [p for p in paths if is_url(p)]
    for raw in paths:
        if is_url(raw):
            continue
        if await _upload_file(ctx, local_path(raw)):
            ok += 1
        else:
            failed += 1
    if urls:
        if await _upload_urls(ctx, urls):
            ok += len(urls)
        else:
            failed += len(urls)
    return ok, failed
