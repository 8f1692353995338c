"""What a turn changed, read from the draft before and after it: the reply's receipt.

Nothing here trusts what an operation said it did: the lines are computed from the two drafts
(durations, motion and its strength and framing, transitions, order, photos added or removed,
titles and captions with their time range and position, the music's name, volume and fades,
the canvas, the length). `undo` uses the same lines with the drafts swapped.
"""

from __future__ import annotations

from typing import Any

from backend.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Segment
from backend.editor.speak import Speaker, secs


def music_name(seg: Segment, speak: Speaker) -> str:
    """A human name: "soft piano" for a generated calm bed, the file name for an upload."""
    if seg.gen is not None:
        return str(speak.name(f"music_{seg.gen.style}"))
    return seg.n or "music"


def motion_name(seg: Segment, speak: Speaker) -> str:
    return str(speak.name(seg.fx.motion if seg.fx else "none"))


def transition_name(seg: Segment, speak: Speaker) -> str:
    if seg.tr is None or seg.tr.type == "cut":
        return str(speak.name("cut"))
    return f"{speak.name(seg.tr.type)} {secs(seg.tr.d)} s" if speak.language == "en" \
        else f"{speak.name(seg.tr.type)} {secs(seg.tr.d)} " + speak.to_script("秒")


def where(seg: Segment, speak: Speaker) -> str:
    return speak.raw("rc_where", pos=speak.name(seg.pos or "center"), start=secs(seg.st), end=secs(seg.end))


def _video(d: Draft) -> list[Segment]:
    return [s for t in d.tracks(TT_VIDEO) for s in t.sg]


def _same_all(pairs: list[tuple[int, Segment, Segment]], key: Any) -> tuple[Any, Any] | None:
    """(old, new) when every photo changed the same way and there is more than one."""
    if len(pairs) < 2:
        return None
    olds = {key(a) for _, a, _ in pairs}
    news = {key(b) for _, _, b in pairs}
    return (olds.pop(), news.pop()) if len(olds) == 1 and len(news) == 1 else None


def _per_photo(lines: list[str], speak: Speaker, before: list[Segment], after: list[Segment],
               key: Any, show: Any, one: str, every: str) -> None:
    old_by_id = {s.id: s for s in before}
    pairs = [(i, old_by_id[s.id], s) for i, s in enumerate(after, 1)
             if s.id in old_by_id and key(old_by_id[s.id]) != key(s)]
    if not pairs:
        return
    common = _same_all(pairs, key) if len(pairs) == len(after) else None
    if common is not None:
        lines.append(speak.raw(every, old=show(pairs[0][1]), new=show(pairs[0][2])))
        return
    for i, a, b in pairs:
        lines.append(speak.raw(one, index=i, name=b.n, old=show(a), new=show(b)))


def added_line(after: list[Segment], i: int, speak: Speaker) -> str:
    """Photo `i` (1-based) is new: where it went and when it shows ("at the end (5–8 s)")."""
    s = after[i - 1]
    key = "rc_photo_added_end" if i == len(after) else "rc_photo_added_start" if i == 1 else "rc_photo_added"
    return speak.raw(key, index=i, name=s.n, prev=after[i - 2].n if i > 1 else "",
                     noun=speak.name("clip" if s.kind == "video" else "photo"), start=secs(s.st), end=secs(s.end))


def video_lines(b: Draft, a: Draft, speak: Speaker) -> list[str]:
    lines: list[str] = []
    before, after = _video(b), _video(a)
    if not before and after:
        lengths = {s.d for s in after}
        each = (speak.name("seconds_each") if len(lengths) == 1 else "").replace("{s}", secs(after[0].d))
        sep = ", " if speak.language == "en" else "、"
        motions = list(dict.fromkeys(motion_name(s, speak) for s in after))
        kinds = list(dict.fromkeys(transition_name(s, speak) for s in after[1:])) or [speak.name("no_transition")]
        lines.append(speak.raw("rc_video_made", count=len(after), each=each or "…",
                               seconds=secs(a.computed_duration()), motion=sep.join(motions),
                               transition=sep.join(kinds)))
        return lines
    ids_b, ids_a = [s.id for s in before], [s.id for s in after]
    for i, s in enumerate(before, 1):
        if s.id not in ids_a:
            lines.append(speak.raw("rc_photo_removed", index=i, name=s.n))
    for i, s in enumerate(after, 1):
        if s.id not in ids_b:
            lines.append(added_line(after, i, speak))
    kept_b = [x for x in ids_b if x in ids_a]
    kept_a = [x for x in ids_a if x in ids_b]
    if kept_b != kept_a:
        names = {s.id: s.n for s in after}
        sep = ", " if speak.language == "en" else "、"
        lines.append(speak.raw("rc_order", old=sep.join(names[x] for x in kept_b),
                               new=sep.join(names[x] for x in kept_a)))
    _per_photo(lines, speak, before, after, lambda s: s.d, lambda s: secs(s.d),
               "rc_duration", "rc_duration_all")
    _per_photo(lines, speak, before, after, lambda s: (s.fx.motion, s.fx.ease) if s.fx else None,
               lambda s: motion_name(s, speak), "rc_motion", "rc_motion_all")
    _per_photo(lines, speak, before, after, lambda s: s.fx.amount if s.fx else None,
               lambda s: round((s.fx.amount if s.fx else 0) * 100), "rc_amount", "rc_amount_all")
    _per_photo(lines, speak, before, after, lambda s: getattr(s.fx, "focus", None),
               lambda s: speak.name("auto" if getattr(s.fx, "focus", "auto") == "auto"
                                    else f"focus_{getattr(s.fx, 'focus', 'auto')}"),
               "rc_focus", "rc_focus_all")
    # transitions belong to a place in the sequence: compared by position, not by photo
    trs = [(i, x, y) for i, (x, y) in enumerate(zip(before, after, strict=False), 1)
           if i > 1 and (x.tr.type if x.tr else None, x.tr.d if x.tr else 0)
           != (y.tr.type if y.tr else None, y.tr.d if y.tr else 0)]
    if trs and len(before) == len(after):
        olds = {transition_name(x, speak) for _, x, _ in trs}
        news = {transition_name(y, speak) for _, _, y in trs}
        if len(trs) == len(after) - 1 and len(trs) > 1 and len(olds) == 1 and len(news) == 1:
            lines.append(speak.raw("rc_transition_all", old=olds.pop(), new=news.pop()))
        else:
            for i, x, y in trs:
                lines.append(speak.raw("rc_transition", index=i, name=y.n,
                                       old=transition_name(x, speak), new=transition_name(y, speak)))
    return lines


def text_lines(b: Draft, a: Draft, speak: Speaker) -> list[str]:
    lines: list[str] = []
    before = {s.id: s for t in b.tracks(TT_TEXT) for s in t.sg}
    after = {s.id: s for t in a.tracks(TT_TEXT) for s in t.sg}
    for sid, s in before.items():
        if sid not in after:
            lines.append(speak.raw("rc_text_removed", role=speak.name(s.role or "caption"), text=s.text or ""))
    for sid, s in after.items():
        role = speak.name(s.role or "caption")
        old = before.get(sid)
        if old is None:
            lines.append(speak.raw("rc_text_added", role=role, text=s.text or "", where=where(s, speak)))
            continue
        if old.text != s.text:
            lines.append(speak.raw("rc_text_retyped", role=role, old=old.text or "", new=s.text or ""))
        if (old.pos, old.st, old.d) != (s.pos, s.st, s.d):
            lines.append(speak.raw("rc_text_moved", role=role, text=s.text or "",
                                   old=where(old, speak), new=where(s, speak)))
    return lines


def music_lines(b: Draft, a: Draft, speak: Speaker) -> list[str]:
    before = [s for t in b.tracks(TT_AUDIO) for s in t.sg]
    after = [s for t in a.tracks(TT_AUDIO) for s in t.sg]
    if not before and not after:
        return []
    if before and not after:
        return [speak.raw("rc_music_removed", name=music_name(before[0], speak))]
    m = after[0]
    if not before:
        return [speak.raw("rc_music_added", name=music_name(m, speak), volume=round(m.vol * 100),
                          fi=secs(m.fi), fo=secs(m.fo))]
    o = before[0]
    lines = []
    if (o.src, o.gen) != (m.src, m.gen) and music_name(o, speak) != music_name(m, speak):
        lines.append(speak.raw("rc_music_replaced", old=music_name(o, speak), new=music_name(m, speak)))
    if o.vol != m.vol:
        lines.append(speak.raw("rc_volume", old=round(o.vol * 100), new=round(m.vol * 100)))
    if (o.fi, o.fo) != (m.fi, m.fo):
        lines.append(speak.raw("rc_fades", ofi=secs(o.fi), ofo=secs(o.fo), fi=secs(m.fi), fo=secs(m.fo)))
    return lines


def receipt(before: dict[str, Any] | None, after: dict[str, Any] | None, speak: Speaker) -> list[str]:
    """Every change from `before` to `after`, one line each, in the person's language."""
    b, a = Draft.model_validate(before or {}), Draft.model_validate(after or {})
    lines = [*video_lines(b, a, speak), *text_lines(b, a, speak), *music_lines(b, a, speak)]
    if b.m.aspect != a.m.aspect:
        lines.append(speak.raw("rc_aspect", old=b.m.aspect, new=a.m.aspect))
    old_len, new_len = b.computed_duration(), a.computed_duration()
    if old_len and new_len and old_len != new_len:
        lines.append(speak.raw("rc_length", old=secs(old_len), new=secs(new_len)))
    return lines
