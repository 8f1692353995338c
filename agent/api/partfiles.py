"""The `.part` file a download is written to: named for us, locked while written, and the
stale ones a killed run left behind removed at the next start.

A run killed mid-download (SIGKILL, a closed laptop, a crash) cannot remove its `.part`; the
next run must, but never one that another running nemo-chat is still writing. The writer holds
an exclusive `flock` on the file for as long as it writes: the kernel drops it when the process
ends, however it ends, so "nobody holds the lock" is exactly "nobody is writing" (no pid reuse
to guess around). Only files named the way we name them are touched (a browser's
`movie.mp4.part` in the same folder is the person's).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

__all__ = ["open_locked", "part_exists", "part_path", "remove_stale_parts"]

_OURS = re.compile(r"^\..+\.nemo-\d+\.part$")


def part_path(final: Path) -> Path:
    """Hidden, beside the final file (same folder: the rename is atomic), with our pid."""
    return final.with_name(f".{final.name}.nemo-{os.getpid()}.part")


def part_exists(final: Path) -> bool:
    """Some download (ours, another run's, or an older version's) is writing toward `final`."""
    legacy = final.with_name(final.name + ".part")
    if legacy.exists() or legacy.is_symlink():
        return True
    prefix = f".{final.name}.nemo-"
    with contextlib.suppress(OSError):
        return any(p.name.startswith(prefix) and _OURS.match(p.name)
                   for p in final.parent.iterdir())
    return False


def _lock(fd: int, *, wait: bool) -> bool:
    """An exclusive lock on the open file; False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the part is still removed by its own run
        return wait
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def open_locked(part: Path) -> int:
    """The part opened for writing (emptied) and locked for as long as it is open."""
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)  # the video's mode
    try:
        _lock(fd, wait=False)
        os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def remove_stale_parts(folder: Path) -> list[Path]:
    """Remove our `.part` files in `folder` that no running process writes; what was removed."""
    removed: list[Path] = []
    if os.name != "posix":  # without flock nothing can be known: leave them
        return removed
    try:
        entries = [p for p in folder.iterdir() if _OURS.match(p.name)]
    except OSError:
        return removed
    for part in entries:
        try:
            fd = os.open(part, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue  # gone meanwhile, a link, or not ours to read
        try:
            if os.fstat(fd).st_uid != os.getuid() or not _lock(fd, wait=False):
                continue  # someone else's, or being written right now
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
                removed.append(part)
        finally:
            os.close(fd)
    return removed
