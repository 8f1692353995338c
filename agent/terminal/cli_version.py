"""The installed version, found without importlib.metadata (which costs ~30 ms at start-up).

The installed distribution's folder name carries the version (`nemo_chat-0.1.0.dist-info`,
also for editable installs), so a directory listing of the import path is enough;
importlib.metadata is the fallback for unusual installs (zip imports, eggs).
"""

from __future__ import annotations

import os
import sys

_PREFIX, _SUFFIX = "nemo_chat-", ".dist-info"


def version() -> str:
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.startswith(_PREFIX) and name.endswith(_SUFFIX):
                return name[len(_PREFIX) : -len(_SUFFIX)]
    try:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        return dist_version("nemo-chat")
    except (ImportError, PackageNotFoundError):
        return "0+unknown"
