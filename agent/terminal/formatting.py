"""Small formatting shared by the rich and the plain renderer: sizes, durations, file facts."""

from __future__ import annotations

from agent.messages import t


def human_size(size: int | float | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"  # pragma: no cover - loop always returns


def seconds(value: float | None, lang: str = "en") -> str:
    if value is None:
        return ""
    if value < 60:
        return t("ui.elapsed", lang, seconds=f"{value:.1f}")
    minutes, secs = divmod(round(value), 60)
    return f"{minutes}:{secs:02d}"


def media_details(
    file_type: str,
    size: int | None,
    width: int | None,
    height: int | None,
    duration: float | None,
    lang: str = "en",
) -> str:
    """ "image · 1.2 MB · 1920×1080" — the facts about one uploaded file, in one line."""
    kind = t(f"ui.kind.{file_type}", lang) if file_type else ""
    parts = [kind if not kind.startswith("ui.kind.") else file_type] if file_type else []
    if size is not None:
        parts.append(human_size(size))
    if width and height:
        parts.append(f"{width}×{height}")
    if duration:
        parts.append(seconds(duration, lang))
    return " · ".join(parts)


def percent(completed: float, total: float | None) -> int | None:
    if not total:
        return None
    return max(0, min(100, int(completed * 100 / total)))
