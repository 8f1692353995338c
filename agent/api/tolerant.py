"""Small readers that never fail: the pieces of the wire's tolerant reading of replies.

A reply may spell a value several ways (a number as text, a list as an object of entries, a
JSON document inside a string); these turn whatever came into the one form the models want,
or into "absent" (None, empty), never into an exception.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["as_list", "as_mapping", "basename", "first", "number"]


def as_list(value: Any) -> list[Any]:
    """A list as is; an object's values (some services send lists as keyed objects); else []."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []


def as_mapping(value: Any) -> dict[str, Any] | None:
    """An object, also when it arrives as JSON text; None for anything else."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def first(obj: Mapping[str, Any], keys: Iterable[str]) -> Any:
    """The value of the first key present with a non-empty value."""
    for key in keys:
        value = obj.get(key)
        if value not in (None, ""):
            return value
    return None


def number(value: Any) -> float | None:
    """A number, also from text such as "2000", "2.5s" or "300ms"; None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("sm").strip() or "x")
        except ValueError:
            return None
    return None


def basename(value: Any) -> str:
    """The last part of a path or URL (decoded, without the query), or "" when there is none."""
    if not isinstance(value, str) or not value.strip():
        return ""
    path = unquote(urlsplit(value).path) if "://" in value else value
    return os.path.basename(path.rstrip("/\\").replace("\\", "/")) or value
