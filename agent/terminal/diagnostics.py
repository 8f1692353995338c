"""What a person sees when something unplanned happens: one clear line, never a traceback.

`--debug` adds the details on stderr, with secrets redacted; otherwise libraries and
threads are kept from printing into the chat on their own.
"""

from __future__ import annotations

import logging
import sys
import traceback

from agent.messages import t
from agent.terminal.redact import redact
from agent.terminal.sink import Renderer
from agent.terminal.untrusted import clean


class _Redacting(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_debug_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacting("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for noisy in ("httpcore", "hpack", "asyncio", "PIL", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.INFO)


def quiet_background_noise() -> None:
    """Nothing from a library or a thread prints to the terminal on its own.

    Without a handler, Python's last-resort logging prints warnings and errors (asyncio's
    "exception was never retrieved", uvicorn's tracebacks of the local backend) straight
    into the chat, and a failing thread prints its traceback. Everything goes through the
    root logger instead: dropped normally, shown redacted with --debug.
    """
    import threading

    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
    logging.captureWarnings(True)  # a library's warnings.warn() too (Pillow, numpy, …)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True

    def _thread_failed(args: threading.ExceptHookArgs) -> None:
        logging.getLogger("agent.terminal").debug(
            "thread %s failed",
            getattr(args.thread, "name", "?"),
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )

    threading.excepthook = _thread_failed


def print_details() -> None:
    """--debug: the exception being handled, with its traceback, secrets redacted."""
    print(clean(redact(traceback.format_exc())), file=sys.stderr, flush=True)


def report_crash(renderer: Renderer, exc: BaseException, *, debug: bool) -> None:
    """A failure nobody planned for: one clear line, details only with --debug."""
    lang = renderer.lang
    renderer.settle()
    detail = redact(str(exc)) or type(exc).__name__
    renderer.note(t("ui.crash", lang, error=detail), style="red")
    renderer.note(t("ui.crash_hint", lang))
    if debug:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        print(clean(redact(text)), file=sys.stderr, flush=True)
