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

from .segment_words import fades_text, motion_text, position_text, seconds_text, transition_text
from .status_table import row_role
from .timeline import canvas_text, display_name, format_span

__all__ = ["describe_changes", "state_fingerprint"]


def _noun(seg: DraftSegment, lang: str) -> str:
    role = row_role(seg)  # a photo is a photo, not a "clip"
    noun = t(f"diff.noun.{role}", lang)
    if noun.startswith("diff.noun."):
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


def _settings(prev: DraftSegment, seg: DraftSegment, lang: str) -> list[str]:
    """What changed in one segment's settings (besides its name, time and volume)."""
    what = _noun(seg, lang)
    lines: list[str] = []
    if prev.duration != seg.duration and seg.duration is not None and prev.start == seg.start:
        lines.append(t("diff.duration", lang, what=what, length=seconds_text(seg.duration, lang),
                       old=seconds_text(prev.duration, lang) or "?"))
    if prev.motion != seg.motion and seg.motion:
        lines.append(t("diff.motion", lang, what=what, motion=motion_text(seg, lang)))
    first = seg.start == 0 and not transition_text(seg, lang)  # nothing comes before it
    if (prev.transition, prev.transition_ms) != (seg.transition, seg.transition_ms) and (
        prev.transition or seg.transition
    ) and not first:
        shown = transition_text(seg, lang) or t("status.transition.cut", lang)
        lines.append(t("diff.transition", lang, what=what, transition=shown))
    if prev.position != seg.position and seg.position:
        lines.append(t("diff.position", lang, what=what, position=position_text(seg, lang)))
    if (prev.fade_in, prev.fade_out) != (seg.fade_in, seg.fade_out):
        fades = fades_text(seg, lang)
        key = "diff.fades" if fades else "diff.fades_off"
        lines.append(t(key, lang, what=what, fades=fades))
    return lines


def _video_order(state: SessionState | None) -> list[str]:
    if state is None or state.draft is None:
        return []
    return [s.key for tr in state.draft.tracks if tr.kind == "video" for s in tr.segments]


def describe_changes(
    before: SessionState | None, after: SessionState | None, lang: str = "en"
) -> list[str]:
    """One sentence per change, in timeline order; [] when nothing visible changed.

    Covers what a person can ask for: added and removed segments (with their time), names and
    words, times and lengths, motion, transitions, text positions, volume, fades, the order
    of the photos, the canvas, new media."""
    old, new = _segments(before), _segments(after)
    lines: list[tuple[int, str]] = []

    def order(seg: DraftSegment) -> int:
        return seg.start if seg.start is not None else 0

    old_order = [k for k in _video_order(before) if k in new]
    new_order = [k for k in _video_order(after) if k in old]
    reordered = old_order != new_order
    added_names: set[str] = set()
    for key, seg in new.items():
        prev = old.get(key)
        if prev is None:
            span = _span(seg, lang)
            text_key = "diff.added" if span else "diff.added_bare"
            lines.append((order(seg), t(text_key, lang, what=_noun(seg, lang), span=span)))
            added_names.add(seg.name)
            continue
        old_name, new_name = display_name(prev, lang), display_name(seg, lang)
        said = len(lines)
        if old_name != new_name and old_name and new_name:
            noun = t(f"diff.noun.{row_role(seg)}", lang)
            if noun.startswith("diff.noun."):
                noun = t(f"diff.noun.{seg.role}", lang)
            lines.append(
                (order(seg), t("diff.renamed", lang, noun=noun, old=old_name, new=new_name))
            )
        moved = prev.start != seg.start or (prev.end != seg.end and prev.duration == seg.duration)
        if moved and not (reordered and seg.kind == "video"):
            lines.append(
                (order(seg), t("diff.moved", lang, what=_noun(seg, lang), span=_span(seg, lang)))
            )
        if prev.volume != seg.volume and seg.volume is not None:
            volume = f"{round(seg.volume * 100)}%"
            lines.append((order(seg), t("diff.volume", lang, what=_noun(seg, lang), volume=volume)))
        lines.extend((order(seg), line) for line in _settings(prev, seg, lang))
        if prev.fingerprint != seg.fingerprint and len(lines) == said and not reordered:
            lines.append((order(seg), t("diff.updated", lang, what=_noun(seg, lang))))
    for key, seg in old.items():
        if key not in new:
            lines.append((order(seg), t("diff.removed", lang, what=_noun(seg, lang))))
    lines.sort(key=lambda pair: pair[0])
    out = [text for _, text in lines]
    if reordered:
        names = [display_name(new[k], lang) or "?" for k in new_order]
        out.insert(0, t("diff.order", lang, names=t("diff.order_join", lang).join(names)))

    old_canvas = canvas_text(before.canvas if before is not None else None)
    new_canvas = canvas_text(after.canvas if after is not None else None)
    if new_canvas and old_canvas and new_canvas != old_canvas:
        out.append(t("diff.canvas", lang, canvas=new_canvas))

    known = {item.key for item in _media(before)}
    for item in _media(after):
        if item.key not in known:
            out.append(t("diff.media_added", lang, name=item.name or item.key))
    known_generated = {item.key for item in _media(before, generated=True)}
    fresh = [g for g in _media(after, generated=True) if g.key not in known_generated]
    unnamed = [g for g in fresh if not g.name or g.name not in added_names]  # music said above
    if len(unnamed) > 0:
        out.append(
            t("diff.generated_one" if len(unnamed) == 1 else "diff.generated", lang,
              count=len(unnamed))
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
