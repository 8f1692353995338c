"""Uploading what the person pointed at: files one by one, URLs together, then the rest.

Files go up one request each, so one refused file (missing, HEIC that will not convert, too
large) is reported on its own and the others still arrive. An instruction that came with the
files ("use ~/bgm.mp3 as background music") is relayed once the uploads are done, and only if
at least one of them succeeded (it almost always refers to them), with each path replaced by
the name the service has the file under ("add ~/Pictures/c.jpg to the end" is relayed as "add
c.jpg to the end": the editor needs to know which upload is meant, never where it lives here).

A file this session already holds (`upload_ledger`: unchanged, or the same bytes) is not sent
again: "add c.jpg to the end" after "upload c.jpg" reuses it silently; a bare "upload c.jpg"
says it is already there.

A folder stands for the photos in it (not its subfolders, not hidden files), in name order
with numbers counted as numbers (IMG_2 before IMG_10); at most `FOLDER_LIMIT` of them, checked
before anything is sent.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from agent.api import FileTooLarge, LocalFileError, UnsupportedFile, UploadedFile, UploadProgress
from agent.events import MediaUploaded

from .context import Context
from .failures import report
from .progress import ProgressReporter

__all__ = ["FOLDER_LIMIT", "bare_upload_path", "folder_photos", "is_url", "local_path", "named_instruction",
           "upload"]

FOLDER_LIMIT = 100  # photos one folder upload takes
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif")
_DIGITS = re.compile(r"(\d+)")


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


async def _already_there(ctx: Context, path: Path, say_known: bool) -> str | None:
    """The service's name for `path` when this session already holds its bytes (said if asked)."""
    name = await asyncio.to_thread(ctx.uploads.known, ctx.client.session_id, path)
    if name is not None:
        ctx.local_media.setdefault(name, path)
        if say_known:
            key = "upload.already" if name == path.name else "upload.already_as"
            ctx.notice(key, name=name, file=path.name)
    return name


async def _upload_file(ctx: Context, path: Path, say_known: bool = True, *, checked: bool = False) -> str | None:
    """Send one file; the name the service gave it (None: it did not go up). `checked`: the
    caller already knows the session does not hold it."""
    if not checked and (known := await _already_there(ctx, path, say_known)) is not None:
        return known
    size = _size(path)
    bar = ProgressReporter(ctx.emit, f"upload:{path.name}", ctx.say("upload.progress", name=path.name))
    bar.update(0, size)

    def on_progress(p: UploadProgress) -> None:
        bar.update(p.sent, p.total)

    try:
        uploaded = await ctx.client.upload_files([path], on_progress=on_progress)
    except (LocalFileError, UnsupportedFile, FileTooLarge) as exc:
        bar.done(0, label=ctx.say("upload.failed", name=path.name), failed=True)
        report(ctx, exc, file=path.name)
        return None
    bar.done(size)
    for item in uploaded or []:
        _announce(ctx, item, path.name, size)
        ctx.local_media[item.filename or path.name] = path
    if not uploaded:
        ctx.notice("upload.no_reply", name=path.name)
    name = (uploaded[0].filename if uploaded else "") or path.name
    await asyncio.to_thread(ctx.uploads.add, ctx.client.session_id, path, name)
    return name


async def _upload_urls(ctx: Context, urls: list[str], names: dict[str, str]) -> bool:
    bar = ProgressReporter(ctx.emit, "upload:urls", ctx.say_n("upload.fetching", len(urls)))
    bar.update(0, len(urls))
    try:
        uploaded = await ctx.client.upload_urls(urls)
    except (UnsupportedFile, FileTooLarge) as exc:
        bar.done(0, failed=True)
        report(ctx, exc)
        return False
    bar.done(len(urls))
    for item, url in zip(uploaded, urls + [""] * len(uploaded), strict=False):
        _announce(ctx, item, os.path.basename(urlsplit(url).path) or url, None)
        if url and item.filename:
            names[url] = item.filename
    return True


def _name_order(path: Path) -> list[tuple[int, str]]:
    """IMG_2 before IMG_10, case ignored."""
    parts = _DIGITS.split(path.name.casefold())
    return [(int(p), "") if p.isdigit() else (0, p) for p in parts]


def bare_upload_path(text: str) -> str | None:
    """`upload trip` where `trip` is a folder (or file) here: the router, which never looks
    at the disk, cannot tell it from `upload music`; the disk can. The path, or None."""
    from intents.lexicon import lexicon

    words = text.split()
    if len(words) != 2 or words[0].lower() not in lexicon().path_rules.upload_verbs:
        return None
    return words[1] if local_path(words[1]).exists() else None


def folder_photos(folder: Path) -> list[Path]:
    """The photos directly in `folder`, in name order (OSError when it cannot be listed)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.name.lower().endswith(PHOTO_SUFFIXES):
                continue
            if entry.is_file():  # follows links, as opening the photo will
                found.append(Path(entry.path))
    return sorted(found, key=_name_order)


async def _upload_folder(ctx: Context, folder: Path, shown: str) -> tuple[int, int]:
    try:
        photos = await asyncio.to_thread(folder_photos, folder)
    except OSError:
        ctx.error("folder_unreadable", "upload.folder_unreadable", "upload.folder_unreadable.hint",
                  folder=shown)
        return 0, 1
    if not photos:
        formats = ", ".join(s.lstrip(".") for s in PHOTO_SUFFIXES)
        ctx.error("folder_empty", "upload.folder_empty", "upload.folder_empty.hint",
                  folder=shown, formats=formats)
        return 0, 1
    if len(photos) > FOLDER_LIMIT:
        ctx.error("folder_too_many", "upload.folder_too_many", "upload.folder_too_many.hint",
                  folder=shown, count=len(photos), limit=FOLDER_LIMIT)
        return 0, 1
    ctx.notice_n("upload.folder", len(photos), folder=shown)
    done = known = 0
    for photo in photos:
        if await _already_there(ctx, photo, say_known=False) is not None:
            done, known = done + 1, known + 1  # one line for them all, below
        else:
            done += await _upload_file(ctx, photo, checked=True) is not None
    if done == len(photos):
        ctx.notice_n("upload.folder_done", len(photos), "success", done=done, folder=shown)
    else:
        ctx.notice_n("upload.folder_done", len(photos), "warning", done=done, folder=shown)
    if known:
        ctx.notice_n("upload.folder_known", known)
    return done, len(photos) - done


async def upload(ctx: Context, paths: list[str], *, say_known: bool = True,
                 names: dict[str, str] | None = None) -> tuple[int, int]:
    """Upload every path/URL (a folder: its photos); (how many succeeded, how many failed).

    A file the session already holds counts as a success and is not sent; `say_known`: say so.
    `names` receives each file path's and URL's name at the service, keyed as given."""
    ok = failed = 0
    names = {} if names is None else names
    urls = [p for p in paths if is_url(p)]
    for raw in paths:
        if is_url(raw):
            continue
        path = local_path(raw)
        if path.is_dir():
            done, missed = await _upload_folder(ctx, path, raw.strip())
            ok, failed = ok + done, failed + missed
        elif (name := await _upload_file(ctx, path, say_known)) is not None:
            names[raw] = name
            ok += 1
        else:
            failed += 1
    if urls:
        if await _upload_urls(ctx, urls, names):
            ok += len(urls)
        else:
            failed += len(urls)
    return ok, failed


def named_instruction(text: str, names: dict[str, str]) -> str:
    """`text` as relayed after its uploads: each path or URL replaced by the file's name at the
    service (else its own file name), so "add ~/Pictures/c.jpg to the end" reaches the editor
    as "add c.jpg to the end" and nothing of this machine's folders goes with it."""
    from intents.paths import find_paths

    parts, pos = [], 0
    for found in find_paths(text):
        shown = names.get(found.path) or os.path.basename(urlsplit(found.path).path if is_url(found.path)
                                                          else found.path.replace("\\", "/"))
        parts += [text[pos:found.start], shown]
        pos = found.end
    parts.append(text[pos:])
    return "".join(parts).strip()
