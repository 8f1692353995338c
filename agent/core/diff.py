"""What changed between two session states, in sentences a person reads.

Used when a turn ends with no text (about 30% of edits do) and after a broken stream: the
only way to know what the backend did is to compare the state before and after. Segments are
matched by id when the draft has ids, else by kind and label, so a moved clip reads as moved
and a retitled title (without ids) as one removed and one added.
"""

from __future__ import annotations

import json

from agent.api import DraftSegment, MediaItem, SessionState
from agent.messages import t

from .timeline import canvas_text, display_name, format_span

__all__ = ["describe_changes", "state_fingerprint"]


def _noun(seg: DraftSegment, lang: str) -> str:
    noun = t(f"diff.noun.{seg.role}", lang)
    if noun.startswith("diff.noun."):
        noun = t("diff.noun.other", lang)
    name = display_name(seg, lang)
    return t("diff.what", lang, noun=noun, label=name) if name else noun


def _span(seg: DraftSegment, lang: str) -> str:
    return format_span(seg.start, seg.end, lang, key="diff.span")


def _segments(state: SessionState | None) -> dict[str, DraftSegment]:
    if state is None or state.draft is None:
        return {}
    return {seg.key: seg for track in state.draft.tracks for seg in track.segments}


def _media(state: SessionState | None, generated: bool = False) -> list[MediaItem]:
    if state is None:
        return []
    return state.generated if generated else state.uploaded


def describe_changes(
    before: SessionState | None, after: SessionState | None, lang: str = "en"
) -> list[str]:
    """One sentence per change, in timeline order; [] when nothing visible changed."""
    old, new = _segments(before), _segments(after)
    lines: list[tuple[int, str]] = []

    def order(seg: DraftSegment) -> int:
        return seg.start if seg.start is not None else 0

    for key, seg in new.items():
        prev = old.get(key)
        if prev is None:
            span = _span(seg, lang)
            text_key = "diff.added" if span else "diff.added_bare"
            lines.append((order(seg), t(text_key, lang, what=_noun(seg, lang), span=span)))
            continue
        old_name, new_name = display_name(prev, lang), display_name(seg, lang)
        if old_name != new_name and old_name and new_name:
            noun = t(f"diff.noun.{seg.role}", lang)
            lines.append(
                (order(seg), t("diff.renamed", lang, noun=noun, old=old_name, new=new_name))
            )
        if (prev.start, prev.end) != (seg.start, seg.end):
            lines.append(
                (order(seg), t("diff.moved", lang, what=_noun(seg, lang), span=_span(seg, lang)))
            )
        if prev.volume != seg.volume and seg.volume is not None:
            volume = f"{round(seg.volume * 100)}%"
            lines.append((order(seg), t("diff.volume", lang, what=_noun(seg, lang), volume=volume)))
        seen_as = (old_name, prev.start, prev.end, prev.volume)
        if prev.fingerprint != seg.fingerprint and seen_as == (
            new_name,
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

    old_canvas = canvas_text(before.canvas if before is not None else None)
    new_canvas = canvas_text(after.canvas if after is not None else None)
    if new_canvas and old_canvas and new_canvas != old_canvas:
        out.append(t("diff.canvas", lang, canvas=new_canvas))

    known = {item.key for item in _media(before)}
    for item in _media(after):
        if item.key not in known:
            out.append(t("diff.media_added", lang, name=item.name or item.key))
    generated = len(_media(after, generated=True)) - len(_media(before, generated=True))
    if generated > 0:
        out.append(
            t("diff.generated_one" if generated == 1 else "diff.generated", lang, count=generated)
        )
    return out


def state_fingerprint(state: SessionState) -> str:
    """A cheap identity of a state, for "did anything at all change?"."""
    parts = {
        "draft": state.draft.raw if state.draft is not None else None,
        "video_infos": state.video_infos,
        "generated_media": state.generated_media,
        "canvas_config": state.canvas_config,
    }
    return json.dumps(parts, sort_keys=True, default=str)
