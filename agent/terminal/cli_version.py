"""The installed version, looked up only when asked (importlib.metadata costs a few ms)."""

from __future__ import annotations


def version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version
    except ImportError:  # pragma: no cover
        return "0+unknown"
    try:
        return dist_version("nemo-chat")
    except PackageNotFoundError:
        return "0+unknown"
