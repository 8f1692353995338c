"""The exit codes of `nemo-chat`, in one place: scripts rely on them, `--help` and the README list them.

Standard library only (the command line reads this before anything heavy). The numbers are a
promise to people's scripts: never renumber one, only add. 0 and 2 follow the usual meaning
(success, a wrong command line); 1 is "something failed" when no more specific code applies;
130 is the shell's "interrupted by Ctrl-C".

A run that met several failures exits with the code of the first one that has its own number
(`code_for_errors`): the first failure is usually the cause of the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AUTH",
    "BATCH_ITEMS_FAILED",
    "CODES",
    "FAILED",
    "INTERRUPTED",
    "NO_CREDITS",
    "OK",
    "RENDER_FAILED",
    "UNREACHABLE",
    "USAGE",
    "code_for_errors",
]

OK = 0
FAILED = 1  # a message did not succeed, and no code below says why
USAGE = 2  # the command line was wrong (argparse's own code), or a file named on it is unusable
AUTH = 3  # the token was refused (1001) or none could be had
NO_CREDITS = 4  # out of credits (2001) or the plan does not allow exports (402)
UNREACHABLE = 5  # the service or the local backend could not be reached
BATCH_ITEMS_FAILED = 6  # `nemo-chat batch`: some items failed, the others were made
RENDER_FAILED = 7  # the render of the video failed on the server
INTERRUPTED = 130  # Ctrl-C

# every code with the key of its one-line description in the message tables (`exit.<name>`)
CODES: dict[int, str] = {
    OK: "ok",
    FAILED: "failed",
    USAGE: "usage",
    AUTH: "auth",
    NO_CREDITS: "no_credits",
    UNREACHABLE: "unreachable",
    BATCH_ITEMS_FAILED: "batch_items_failed",
    RENDER_FAILED: "render_failed",
    INTERRUPTED: "interrupted",
}

# the stable `code` of an error event (agent/core/failures.py) → its exit code
_BY_ERROR_CODE: dict[str, int] = {
    "1001": AUTH,
    "auth": AUTH,
    "2001": NO_CREDITS,
    "402": NO_CREDITS,
    "unreachable": UNREACHABLE,
    "local_backend": UNREACHABLE,  # the local backend did not start
    "render_failed": RENDER_FAILED,
}


def code_for_errors(error_codes: Iterable[str], *, ok: bool) -> int:
    """The exit code of a run: OK when it succeeded, else the first error with its own code,
    else FAILED."""
    if ok:
        return OK
    for code in error_codes:
        if code in _BY_ERROR_CODE:
            return _BY_ERROR_CODE[code]
    return FAILED
