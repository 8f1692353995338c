"""Text from outside (replies, titles, file names, error texts) made safe for a terminal.

A terminal obeys the bytes it is given: ESC/CSI/OSC sequences recolour, retitle, move the
cursor or rewrite what is on screen, a carriage return overwrites the line, and bidi controls
make text read differently from what it is. Every event passes through `clean_event` before a
renderer lays it out (`EventRenderer.handle`), so the rich and the plain renderer share one
rule: escape sequences are dropped whole, any other control character is shown as `\\xNN` (so
nothing is hidden silently), a carriage return is dropped, line breaks and tabs stay. Rich markup is not interpreted at all:
the rich renderer only ever hands rich `Text` objects, never markup strings.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.events import Event

__all__ = ["clean", "clean_event"]

# ESC sequences: CSI (ESC [ … final), OSC/DCS/SOS/PM/APC (ESC ] … BEL or ESC \), two-byte ESC x;
# and their 8-bit forms (CSI 0x9b, OSC 0x9d …)
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# what is left that a terminal would act on: C0 (but \t and \n), DEL, C1, bidi overrides
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def clean(text: str) -> str:
    """`text` without escape sequences and carriage returns, other controls made visible."""
    if text.isprintable():  # the common case: nothing to do (a line break is not printable)
        return text
    text = _SEQUENCE.sub("", text.replace("\r", ""))
    return _CONTROL.sub(_visible, text)


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_value(v) for v in value]
    return value


def clean_event(event: Event) -> Event:
    """The same event with every text in it cleaned (the event itself is left as it was)."""
    changed: dict[str, Any] = {}
    for name in type(event).model_fields:
        value = getattr(event, name)
        cleaned = _clean_value(value)
        if cleaned != value:
            changed[name] = cleaned
    return event.model_copy(update=changed) if changed else event
