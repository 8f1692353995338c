"""Adding uploaded pictures to a video that exists: which uploads, where, and how they fit in.

The new photo should look as if it had been there when the video was made: it lasts as long
as its neighbours (the photos' one length, else the mean of the two beside it), its motion
continues the video's pattern (the Ken Burns cycle, or the one motion every photo shares), and
it joins the others with the video's transition (the one every join shares, else a crossfade).
Nothing else on the timeline changes. `Editor.op_insert` (apply.py) uses these.
"""

from __future__ import annotations

from collections.abc import Sequence

from backend.draft import Effect, Segment, Transition

KEN_BURNS = ("zoom_in", "pan_right", "zoom_out", "pan_left")  # the cycle op_animate gives photos


def slot(where: str, index: int | None, count: int) -> int:
    """Where the first new photo goes, 0-based, among `count` photos (index already checked)."""
    if where == "start":
        return 0
    if where == "end" or index is None:
        return count
    i = index - 1 if index > 0 else count + index  # -1: the last photo
    if where == "before" or where == "as":
        return i
    return i + 1  # "after", "between"


def duration(segs: list[Segment], at: int, default: int) -> int:
    """The length the photos share, else the mean of the two beside `at` (to 0.1 s)."""
    images = [s.d for s in segs if s.kind != "video"]
    if images and len(set(images)) == 1:
        return images[0]
    beside = [s.d for s in segs[max(0, at - 1):at + 1] if s.kind != "video"]
    return int(round(sum(beside) / len(beside) / 100) * 100) if beside else default


def _is_cycle(motions: Sequence[str]) -> bool:
    if len(motions) < 2 or motions[0] not in KEN_BURNS:
        return False
    first = KEN_BURNS.index(motions[0])
    return all(m == KEN_BURNS[(first + i) % 4] for i, m in enumerate(motions))


def effect(segs: list[Segment], at: int) -> Effect | None:
    """The motion that continues the video's pattern at `at` (None: the video has no motion)."""
    moving = [s for s in segs if s.fx is not None]
    if not moving:
        return None
    before = next((s for s in reversed(segs[:at]) if s.fx is not None), None)
    after = next((s for s in segs[at:] if s.fx is not None), None)
    like = (before or after or moving[0]).fx
    assert like is not None
    motions = [s.fx.motion for s in moving if s.fx is not None]
    motion: str = like.motion
    if _is_cycle(motions):
        # the step after the photo before it, never the same as the photo after it
        step = KEN_BURNS.index(before.fx.motion) + 1 if before and before.fx else KEN_BURNS.index(motions[0]) - 1
        nxt = after.fx.motion if after and after.fx else None
        motion = next(m for k in range(4) if (m := KEN_BURNS[(step + k) % 4]) != nxt)
    elif len(set(motions)) == 1:
        motion = motions[0]
    return like.model_copy(update={"motion": motion, "focus": "auto"})


def transition(segs: list[Segment], default: Transition) -> Transition:
    """The transition every join of the video shares, else `default` (a crossfade)."""
    joins = {(s.tr.type, s.tr.d) if s.tr else ("cut", 0) for s in segs[1:]}
    if len(joins) == 1:
        kind, ms = joins.pop()
        return Transition.model_validate({"type": kind, "d": ms})
    return default
