"""Scrub secrets out of anything we print for `--debug` or a crash report.

The wire never puts tokens in exception text, but a traceback also shows reprs and URLs
from libraries we do not control, so the last line of defence is here: known token shapes,
Authorization headers, and the literal values of the secret environment variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

_PATTERNS = [
    re.compile(r"nmv_[A-Za-z]{2,5}_[A-Za-z0-9._\-]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-~+/=]+"),
    re.compile(
        r"(?i)((?:authorization|x-client-id|client_id|clientid|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"
    ),
]
REDACTED = "<redacted>"


def _secret_values(extra: Iterable[str | None]) -> list[str]:
    values = [os.environ.get("NEMO_TOKEN"), os.environ.get("NEMO_CLIENT_ID"), *extra]
    return sorted({v for v in values if v and len(v) >= 6}, key=len, reverse=True)


def redact(text: str, extra: Iterable[str | None] = ()) -> str:
    """`text` with every secret we can recognise replaced by <redacted>."""
    for value in _secret_values(extra):
        text = text.replace(value, REDACTED)
    text = _PATTERNS[0].sub(REDACTED, text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text
