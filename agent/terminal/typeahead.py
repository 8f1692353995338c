"""Keep what a person types ahead (before the first prompt, during a reply) for the prompt.

In the terminal's cooked mode, keys typed while the chat starts or while a reply streams
are echoed into the output, and Enter arrives as "\\n" (ICRNL), which the prompt reads as
Ctrl-J, a new line, instead of "send". With ECHO and ICRNL off for the whole session the
keys stay invisible until the prompt shows them, and Enter still sends. ISIG stays on, so
Ctrl-C is still a SIGINT that stops the running step. prompt_toolkit switches to raw mode
for each prompt and back to this mode after it. Standard library only: used before the
chat's heavy imports.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_typeahead() -> Iterator[None]:
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):
        yield  # not a terminal (or not POSIX): nothing to do
        return
    quiet = list(saved)
    quiet[0] = quiet[0] & ~termios.ICRNL
    quiet[3] = quiet[3] & ~termios.ECHO
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        yield
    finally:
        with contextlib.suppress(OSError):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
