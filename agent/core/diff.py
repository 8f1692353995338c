"""What changed between two session states, in sentences a person reads.

Used when a turn ends with no text (about 30% of edits do) and after a broken stream: the
only way to know what the backend did is to compare the state before and after. Segments are
matched by id when the draft has ids, else by kind and label, so a moved clip reads as moved
and a retitled title (without ids) as one removed and one added.
"""

from __future__ import annotations

from typing import Any

from agent.messages import t

from .timeline import Seg, canvas_text, format_span, read_tracks

__all__ = ["describe_changes", "state_fingerprint"]


def _get(state: Any, name: str) -> Any:
    if state is None:
        return None
    if isinstance(state, dict):
        return state.get(name)
    return getattr(state, name, None)


def _noun(seg: Seg, lang: str) -> str:
    noun = t(f"diff.noun.{seg.role}", lang)
    if noun.startswith("diff.noun."):
        noun = t("diff.noun.other", lang)
    return t("diff.what", lang, noun=noun, label=seg.label) if seg.label else noun


def _span(seg: Seg, lang: str) -> str:
    return format_span(seg.start, seg.end, lang, key="diff.span")


def _segments(state: Any, lang: str) -> dict[str, Seg]:
    return {
        seg.key: seg for track in read_tracks(_get(state, "draft"), lang) for seg in track.segments
    }


def _media_keys(items: Any) -> list[str]:
    keys: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            key = (
                item.get("id")
                or item.get("hash")
                or item.get("cdn_url")
                or item.get("filename")
                or item.get("name")
            )
            keys.append(str(key) if key else repr(sorted(item.items())))
        else:
            keys.append(str(item))
    return keys


def _media_name(items: Any, key: str) -> str:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and key in {
            str(item.get(k)) for k in ("id", "hash", "cdn_url", "filename", "name")
        }:
            return str(item.get("filename") or item.get("name") or key)
    return key


def describe_changes(before: Any, after: Any, lang: str = "en") -> list[str]:
    """One sentence per change, in timeline order; [] when nothing visible changed."""
    old, new = _segments(before, lang), _segments(after, lang)
    lines: list[tuple[int, str]] = []

    def order(seg: Seg) -> int:
        return seg.start if seg.start is not None else 0

    for key, seg in new.items():
        prev = old.get(key)
        if prev is None:
            span = _span(seg, lang)
            text_key = "diff.added" if span else "diff.added_bare"
            lines.append((order(seg), t(text_key, lang, what=_noun(seg, lang), span=span)))
            continue
        if prev.label != seg.label and prev.label and seg.label:
            noun = t(f"diff.noun.{seg.role}", lang)
            lines.append(
                (order(seg), t("diff.renamed", lang, noun=noun, old=prev.label, new=seg.label))
            )
        if (prev.start, prev.end) != (seg.start, seg.end):
            lines.append(
                (order(seg), t("diff.moved", lang, what=_noun(seg, lang), span=_span(seg, lang)))
            )
        if prev.volume != seg.volume and seg.volume is not None:
            volume = f"{round(seg.volume * 100)}%"
            lines.append((order(seg), t("diff.volume", lang, what=_noun(seg, lang), volume=volume)))
        if prev.fingerprint != seg.fingerprint and (
            prev.label,
            prev.start,
            prev.end,
            prev.volume,
        ) == (
            seg.label,
            seg.start,
            seg.end,
            seg.volume,
        ):
            lines.append((order(seg), t("diff.updated", lang, what=_noun(seg, lang))))
    for key, seg in old.items():
        if key not in new:
            lines.append((order(seg), t("diff.removed", lang, what=_noun(seg, lang))))
    lines.sort(key=lambda pair: pair[0])
    out = [text for _, text in lines]

    old_canvas = canvas_text(_get(before, "canvas_config"), _get(before, "draft"))
    new_canvas = canvas_text(_get(after, "canvas_config"), _get(after, "draft"))
    if new_canvas and old_canvas and new_canvas != old_canvas:
        out.append(t("diff.canvas", lang, canvas=new_canvas))

    old_media, new_media = (
        _media_keys(_get(before, "video_infos")),
        _media_keys(_get(after, "video_infos")),
    )
    for key in new_media:
        if key not in old_media:
            out.append(
                t("diff.media_added", lang, name=_media_name(_get(after, "video_infos"), key))
            )
    generated = len(_media_keys(_get(after, "generated_media"))) - len(
        _media_keys(_get(before, "generated_media"))
    )
    if generated > 0:
        out.append(
            t("diff.generated_one" if generated == 1 else "diff.generated", lang, count=generated)
        )
    return out


def state_fingerprint(state: Any) -> str:
    """A cheap identity of a state, for "did anything at all change?"."""
    import json

    parts = {
        name: _get(state, name)
        for name in ("draft", "video_infos", "generated_media", "canvas_config")
    }
    return json.dumps(parts, sort_keys=True, default=str)
