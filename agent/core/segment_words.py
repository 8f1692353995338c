"""A segment's settings in words: its motion, transition, position, fades, volume, length.

Shared by the status table (one row per segment) and the change list of a silent edit, so
that `status` and "what changed" name a setting the same way. Words come from the message
tables (`status.*`); a value we have no words for is shown as the draft spells it, tidied.
"""

from __future__ import annotations

from agent.api import DraftSegment
from agent.messages import t

__all__ = [
    "fades_text",
    "motion_text",
    "position_text",
    "seconds_text",
    "span_text",
    "transition_text",
    "volume_text",
]


def seconds_text(ms: int | None, lang: str) -> str:
    """`3 s`, `2.5 s`, `3 秒`; "" when unknown."""
    if ms is None:
        return ""
    return t("status.seconds", lang, s=_number(ms))


def span_text(start: int | None, end: int | None, lang: str) -> str:
    """`0–3 s`; "" when neither end is known."""
    if start is None and end is None:
        return ""
    return t("status.span", lang, start=_number(start or 0), end=_number(end or 0))


def _number(ms: int) -> str:
    value = round(ms / 1000.0, 1)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _named(group: str, value: str | None, lang: str) -> str:
    if not value:
        return ""
    key = f"status.{group}.{value.lower()}"
    text = t(key, lang)
    return text if text != key else value.replace("_", " ")


def motion_text(seg: DraftSegment, lang: str) -> str:
    return _named("motion", seg.motion, lang)


def transition_text(seg: DraftSegment, lang: str) -> str:
    """`crossfade 0.5 s`; "" for a cut or none (the default, not worth a word in a row)."""
    name = seg.transition
    if not name or name.lower() in ("cut", "none"):
        return ""
    words = _named("transition", name, lang)
    if seg.transition_ms:
        return t("status.transition_len", lang, name=words, s=_number(seg.transition_ms))
    return words


def position_text(seg: DraftSegment, lang: str) -> str:
    return _named("position", seg.position, lang)


def volume_text(seg: DraftSegment, lang: str) -> str:
    if seg.volume is None:
        return ""
    return t("status.volume", lang, pct=round(seg.volume * 100))


def fades_text(seg: DraftSegment, lang: str) -> str:
    """`fade 0.3 s in, 1 s out`, `fade in 0.3 s`; "" when the segment has no fades."""
    if seg.fade_in and seg.fade_out:
        return t("status.fades_both", lang, fi=_number(seg.fade_in), fo=_number(seg.fade_out))
    parts = []
    if seg.fade_in:
        parts.append(t("status.fade_in", lang, s=_number(seg.fade_in)))
    if seg.fade_out:
        parts.append(t("status.fade_out", lang, s=_number(seg.fade_out)))
    return t("status.detail_join", lang).join(parts)
