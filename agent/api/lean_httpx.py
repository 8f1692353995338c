"""Import httpx without its command-line client.

`import httpx` also imports httpx's CLI (`httpx._main`: click, pygments, rich.syntax; ~40 ms
of the chat's start-up) whenever click happens to be installed, and the wire never uses it.
Importing httpx while `httpx._main` is marked absent makes httpx keep its stub `httpx.main`
(which only says how to install the CLI). The mark is removed at once, so a later
`import httpx._main` works as usual. `agent.api` imports this module before anything else.
"""

from __future__ import annotations

import sys


def import_httpx_without_its_cli() -> None:
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx  # noqa: F401
    finally:
        if sys.modules.get("httpx._main", False) is None:
            del sys.modules["httpx._main"]


import_httpx_without_its_cli()
