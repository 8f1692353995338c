"""Edit operations applied to the draft (backend/draft.py's schema), one result per operation.

Each result names the tool call the agent reports (`functionCall` name and args), the tool's
response, and the reply sentence to say (a key into replies.json with its fields). Timing is
recomputed after every turn: video segments follow each other (a crossfade overlaps the
previous one), music spans the whole video, titles and captions are clamped to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.draft import (
    ASPECTS,
    TT_AUDIO,
    TT_TEXT,
    TT_VIDEO,
    Draft,
    Effect,
    Segment,
    Track,
    Transition,
)
from backend.editor import insert
from backend.editor.parse import Op

DEFAULT_ITEM_MS = 3000
DEFAULT_TITLE_MS = 3000
CROSSFADE_MS = 500
MAX_CLIP_MS = 10000
MIN_ITEM_MS = 500
MAX_ITEM_MS = 60_000  # one photo on screen longer than a minute is a typo, not a wish
MAX_TOTAL_MS = 600_000
MAX_TRANSITION_MS = 3000
MUSIC_NAMES = {"calm": "Soft piano", "upbeat": "Upbeat pop", "lofi": "Lo-fi beats"}
QUIETEST_STEP = 0.05  # where "quieter" stops (the renderer's loudness floor, backend/render/loudness.py)


@dataclass
class Result:
    call: str  # functionCall name
    args: dict[str, Any]
    ok: bool
    say: str  # replies.json key
    fields: dict[str, Any] = field(default_factory=dict)
    generation: bool = False  # takes the "generation" time (stage 1 clip, stage 2 music)
    stage: int = 1


@dataclass
class Media:
    media_id: str
    filename: str
    file_type: str
    url: str
    duration: float | None = None


class Editor:
    def __init__(self, draft: dict[str, Any] | None, media: list[Media],
                 music_names: dict[str, str] | None = None) -> None:
        self.draft = Draft.model_validate(draft or {})
        self.media = media
        self.music_names = music_names or MUSIC_NAMES  # a music bed's name, in the person's words
        self._next = 1 + max((int(s.id[4:]) for t in self.draft.t for s in t.sg
                              if s.id.startswith("seg_") and s.id[4:].isdigit()), default=0)

    # -- helpers ---------------------------------------------------------------------------------
    def _id(self) -> str:
        self._next += 1
        return f"seg_{self._next - 1}"

    def _track(self, tt: int, create: bool = True) -> Track | None:
        found = self.draft.tracks(tt)
        if found:
            return found[0]
        if not create:
            return None
        names = {TT_VIDEO: "Video", TT_AUDIO: "BGM", TT_TEXT: "Text"}
        track = Track(tt=tt, id=f"track_{tt}", n=names.get(tt, ""))
        self.draft.t.append(track)
        self.draft.t.sort(key=lambda t: {TT_VIDEO: 0, TT_AUDIO: 1, TT_TEXT: 2}.get(t.tt, 3))
        return track

    def _visuals(self) -> list[Media]:
        return [m for m in self.media if m.file_type in ("image", "video")]

    def _audios(self) -> list[Media]:
        return [m for m in self.media if m.file_type == "audio"]

    def has_visuals(self) -> bool:
        return bool(self._visuals())

    def has_video(self) -> bool:
        track = self._track(TT_VIDEO, create=False)
        return bool(track and track.sg)

    def has_music(self) -> bool:
        track = self._track(TT_AUDIO, create=False)
        return bool(track and track.sg)

    def _video_segments(self) -> list[Segment]:
        track = self._track(TT_VIDEO, create=False)
        return track.sg if track else []

    def _pick(self, segs: list[Segment], index: int | None) -> list[Segment]:
        if index is None:
            return segs
        i = index - 1 if index > 0 else len(segs) + index
        return [segs[i]] if 0 <= i < len(segs) else []

    def _segment_for(self, m: Media, ms: int | None = None) -> Segment:
        if m.file_type == "video":
            d = ms or min(MAX_CLIP_MS, int((m.duration or 3.0) * 1000))
        else:
            d = ms or DEFAULT_ITEM_MS
        return _seg(id=self._id(), n=m.filename, src=m.media_id, url=m.url,
                       kind="image" if m.file_type == "image" else "video", d=d)

    # -- operations ------------------------------------------------------------------------------
    def apply(self, op: Op) -> Result:
        handler = getattr(self, f"op_{op.kind}")
        result: Result = handler(**op.args)
        self.relayout()
        return result

    def op_animate(self, motion: str | None = None, smooth: bool = False) -> Result:
        visuals = self._visuals()
        if not visuals:
            return Result("generate_video", {}, False, "need_photos")
        track = self._track(TT_VIDEO)
        assert track is not None
        old = {s.src: s for s in track.sg}
        motion = motion or "ken_burns"
        cycle = insert.KEN_BURNS if motion == "ken_burns" else (motion,)
        segs = []
        for i, m in enumerate(visuals):
            seg = old.get(m.media_id) or self._segment_for(m)
            if seg.kind == "image" or motion != "ken_burns":
                seg.fx = _effect(cycle[i % len(cycle)] if motion == "ken_burns" else motion,
                                 smooth or motion == "ken_burns")
            if i > 0 and seg.tr is None:
                seg.tr = _transition("crossfade")
            segs.append(seg)
        track.sg = segs
        args = {"media_ids": [m.media_id for m in visuals], "motion": motion,
                "ease": "smooth" if smooth or motion == "ken_burns" else "linear"}
        return Result("generate_video", args, True, "animate",
                      {"count": len(segs), "motion": motion}, generation=True, stage=1)

    def _missing(self, call: str, index: int | None) -> Result | None:
        """The answer when there is no video, or no photo `index` ("the fifth" of three)."""
        segs = self._video_segments()
        if not segs:
            return Result(call, {}, False, "need_video")
        if index is not None and not self._pick(segs, index):
            return Result(call, {"index": index}, False, "no_such_photo",
                          {"index": index, "count": len(segs)})
        return None

    def op_motion(self, motion: str, smooth: bool = False, index: int | None = None) -> Result:
        if (missing := self._missing("set_motion", index)) is not None:
            return missing
        segs = self._pick(self._video_segments(), index)
        for seg in segs:
            seg.fx = _effect(motion, smooth or (seg.fx is not None and seg.fx.ease == "smooth"))
        args: dict[str, Any] = {"motion": motion, "ease": "smooth" if smooth else "linear"}
        if index is not None:
            args["index"] = index
        return Result("set_motion", args, True, "motion", {"motion": motion, "count": len(segs)})

    def op_duration(self, ms: int, per: str | None = None, index: int | None = None) -> Result:
        if (missing := self._missing("set_duration", index)) is not None:
            return missing
        segs = self._video_segments()
        limit = MAX_TOTAL_MS if per == "total" or (per is None and index is None and len(segs) > 1) \
            else MAX_ITEM_MS
        if ms < MIN_ITEM_MS or ms > limit:
            return Result("set_duration", {"ms": ms}, False, "bad_duration",
                          {"seconds": ms / 1000, "min": MIN_ITEM_MS / 1000, "max": limit / 1000})
        if index is not None:
            chosen = self._pick(segs, index)
            for seg in chosen:
                seg.d = ms
            return Result("set_duration", {"ms": ms, "index": index}, True, "duration_one",
                          {"seconds": ms / 1000, "index": index})
        if per is None:
            per = "item" if len(segs) == 1 else "total"
        if per == "item":
            for seg in segs:
                seg.d = ms
        else:
            overlap = sum(s.tr.d for s in segs[1:] if s.tr and s.tr.type == "crossfade")
            each = max(500, (ms + overlap) // len(segs))
            for seg in segs:
                seg.d = each
        return Result("set_duration", {"ms": ms, "per": per}, True,
                      "duration_each" if per == "item" else "duration_total",
                      {"seconds": ms / 1000})

    def op_aspect(self, aspect: str) -> Result:
        self.draft.m.aspect = aspect
        self.draft.m.width, self.draft.m.height = ASPECTS[aspect]
        return Result("set_aspect_ratio", {"aspect": aspect}, True, "aspect", {"aspect": aspect})

    def op_transition(self, type: str | None = None, index: int | None = None, ms: int | None = None,
                      factor: float | None = None) -> Result:
        """Every transition, or the one into photo `index`; its kind and/or its length."""
        segs = self._video_segments()
        args: dict[str, Any] = {k: v for k, v in (("type", type), ("index", index), ("ms", ms)) if v is not None}
        if len(segs) < 2:
            return Result("set_transition", args, False, "need_two")
        if (missing := self._missing("set_transition", index)) is not None:
            return missing
        chosen = [s for s in self._pick(segs, index) if s is not segs[0]]
        if not chosen:
            return Result("set_transition", args, False, "first_has_no_transition")
        if ms is not None and not 0 <= ms <= MAX_TRANSITION_MS:
            return Result("set_transition", args, False, "bad_transition",
                          {"seconds": ms / 1000, "max": MAX_TRANSITION_MS / 1000})
        for seg in chosen:
            kind = type or (seg.tr.type if seg.tr and seg.tr.type != "cut" else "crossfade")
            if kind == "cut":
                seg.tr = _transition("cut")
                continue
            length = seg.tr.d if seg.tr and seg.tr.d else CROSSFADE_MS
            if ms is not None:
                length = ms
            elif factor is not None:
                length = int(round(length * factor / 100) * 100)
            seg.tr = Transition.model_validate({"type": kind, "d": max(100, min(length, MAX_TRANSITION_MS))})
        return Result("set_transition", args, True, "transition", {"type": type or ""})

    def op_nudge(self, delta: int | None = None, factor: float | None = None,
                 index: int | None = None) -> Result:
        """Longer/shorter, faster/slower, "+2 s": relative to what each photo has now."""
        if (missing := self._missing("set_duration", index)) is not None:
            return missing
        chosen = self._pick(self._video_segments(), index)
        for seg in chosen:
            new = seg.d + delta if delta is not None else int(round(seg.d * (factor or 1.0) / 100) * 100)
            if new < MIN_ITEM_MS or new > MAX_ITEM_MS:
                return Result("set_duration", {"index": index}, False, "bad_duration",
                              {"seconds": new / 1000, "min": MIN_ITEM_MS / 1000, "max": MAX_ITEM_MS / 1000})
        for seg in chosen:
            seg.d = seg.d + delta if delta is not None else int(round(seg.d * (factor or 1.0) / 100) * 100)
        return Result("set_duration", {"index": index, "delta_ms": delta, "factor": factor}, True, "changed")

    def op_reorder(self, swap: list[int] | None = None, move: int | None = None,
                   to: int | None = None, reverse: bool = False) -> Result:
        video = self._track(TT_VIDEO, create=False)
        segs = video.sg if video else []
        wanted = [*(swap or []), *(x for x in (move, to) if x is not None)]
        for i in wanted:
            if (missing := self._missing("reorder", i)) is not None:
                return missing
        if video is None or len(segs) < 2:
            return Result("reorder", {}, False, "need_two_photos")
        transitions = [s.tr for s in segs]  # transitions stay where they are in the sequence
        pos = [(i - 1 if i > 0 else len(segs) + i) for i in wanted]
        if not reverse and len(pos) == 2 and pos[0] == pos[1]:  # "put a.jpg first" when it is
            return Result("reorder", {}, False, "already_placed",
                          {"name": segs[pos[0]].n or f"#{pos[0] + 1}", "index": pos[0] + 1})
        order = list(segs)
        if reverse:
            order.reverse()
        elif swap:
            order[pos[0]], order[pos[1]] = order[pos[1]], order[pos[0]]
        else:
            seg = order.pop(pos[0])
            order.insert(pos[1], seg)
        for seg, tr in zip(order, transitions, strict=True):
            seg.tr = tr
        video.sg = order
        return Result("reorder", {"order": [s.src for s in order]}, True, "changed")

    def op_amount(self, factor: float, index: int | None = None) -> Result:
        """Motion strength: how far each photo zooms or pans."""
        if (missing := self._missing("set_motion", index)) is not None:
            return missing
        for seg in self._pick(self._video_segments(), index):
            fx = seg.fx or _effect("zoom_in", True)
            fx.amount = round(max(0.02, min(0.5, fx.amount * factor)), 3)
            if fx.motion == "none":
                fx.motion = "zoom_in"
            seg.fx = fx
        return Result("set_motion", {"amount_factor": factor, "index": index}, True, "changed")

    def op_focus(self, focus: str, index: int | None = None) -> Result:
        """What stays in frame while the photo moves ("auto": the subject)."""
        if (missing := self._missing("set_motion", index)) is not None:
            return missing
        for seg in self._pick(self._video_segments(), index):
            seg.fx = seg.fx or _effect("zoom_in", True)
            seg.fx.focus = focus  # type: ignore[assignment]
        return Result("set_motion", {"focus": focus, "index": index}, True, "focus",
                      {"focus": focus})

    def op_text_place(self, role: str, pos: str | None = None, start: int | None = None,
                      end: int | None = None, anchor: str | None = None,
                      length: int | None = None, stretch: int | None = None) -> Result:
        """Move or retime a title or caption that is there, without retyping it."""
        track = self._track(TT_TEXT, create=False)
        same = [s for s in (track.sg if track else []) if s.role == role]
        args: dict[str, Any] = {"role": role, "position": pos, "start_ms": start, "end_ms": end}
        if not same:
            return Result("update_text", args, False, "no_text_to_move", {"what": role})
        seg = same[0]
        total = self.draft.d or self.draft.computed_duration()
        if start is not None and total and start >= total:
            return Result("update_text", args, False, "past_end",
                          {"at": start / 1000, "total": total / 1000})
        if pos is not None:
            seg.pos = pos  # type: ignore[assignment]
        if start is not None:
            seg.st = start
            seg.d = max(500, (end if end is not None else start + (length or seg.d)) - start)
        elif anchor == "end":
            seg.d = length or seg.d
            seg.st = max(0, total - seg.d)
        elif anchor == "start":
            seg.d = length or seg.d
            seg.st = 0
        elif stretch is not None:
            seg.d = max(500, min(seg.d + stretch, max(500, total - seg.st)))
        return Result("update_text", {**args, "start_ms": seg.st, "duration_ms": seg.d}, True, "changed")

    def op_text(self, role: str, text: str, start: int | None = None, end: int | None = None,
                length: int | None = None, anchor: str | None = None, pos: str | None = None,
                replace: bool = False, index: int | None = None) -> Result:
        if not text.strip():
            return Result("add_text", {"role": role}, False, "empty_text", {"what": role})
        video_ms = self.draft.d or self.draft.computed_duration()
        if video_ms and start is not None and start >= video_ms:
            return Result("add_text", {"role": role}, False, "past_end",
                          {"at": start / 1000, "total": video_ms / 1000})
        track = self._track(TT_TEXT)
        assert track is not None
        total = video_ms or DEFAULT_TITLE_MS
        same = [s for s in track.sg if s.role == role]
        if role == "title" or (replace and same):
            target = self._pick(same, index if role == "caption" else None)[-1:] if same else []
        else:
            target = []
        seg = target[0] if target else _seg(id=self._id(), role=role)
        # a caption spans the video unless it is "at the start"/"at the end": then it is short
        default_len = DEFAULT_TITLE_MS if role == "title" or anchor else total
        if start is None:
            span = length or (default_len if not target else seg.d or default_len)
            start = max(0, total - span) if anchor == "end" else (0 if not target else seg.st)
        if end is not None:
            length = max(500, end - start)
        seg.st = start
        seg.d = length or (seg.d if target and seg.d else default_len)
        seg.text, seg.n = text, text
        seg.pos = pos or seg.pos or ("center" if role == "title" else "bottom")  # type: ignore[assignment]
        seg.fi = seg.fo = 300
        if not target:
            track.sg.append(seg)
        if role == "title":
            self.draft.m.title = text
        args = {"role": role, "text": text, "start_ms": seg.st, "duration_ms": seg.d,
                "position": seg.pos}
        return Result("add_text", args, True, "title" if role == "title" else "caption",
                      {"text": text, "start": seg.st / 1000, "end": (seg.st + seg.d) / 1000,
                       "pos": seg.pos}, stage=2)

    def op_music(self, generated: bool = False, style: str | None = None,
                 volume: float | None = None, again: bool = False) -> Result:
        audios = self._audios()
        track = self._track(TT_AUDIO)
        assert track is not None
        old_vol = track.sg[0].vol if track.sg else 0.35
        if volume is not None:
            old_vol = round(max(0.0, min(1.0, volume)), 2)
        if audios and not generated:
            m = audios[-1]
            seg = _seg(id=self._id(), n=m.filename, src=m.media_id, url=m.url, kind="audio",
                          vol=old_vol, fi=500, fo=1000, loop=True)
            track.sg = [seg]
            return Result("add_music", {"media_id": m.media_id, "volume": old_vol}, True,
                          "music_upload", {"name": m.filename, "volume": round(old_vol * 100)},
                          stage=2)
        style = style or "calm"
        current = track.sg[0] if track.sg else None
        if current is not None and current.gen is not None and current.gen.style == style and not again:
            # "add soft music" when soft piano is already playing: keep it (nothing to generate)
            current.vol = old_vol
            return Result("generate_music", {"style": style}, True, "changed")
        bpm = {"calm": 72, "upbeat": 120, "lofi": 85}[style]
        seed = len(track.sg) + self._next
        name = self.music_names.get(style, MUSIC_NAMES[style])
        seg = _seg(id=self._id(), n=name, kind="audio", vol=old_vol, fi=500, fo=1000,
                      gen={"style": style, "bpm": bpm, "seed": seed})
        track.sg = [seg]
        return Result("generate_music", {"style": style, "bpm": bpm, "name": name}, True, "music_generated",
                      {"style": style, "volume": round(old_vol * 100)}, generation=True, stage=2)

    def op_volume(self, target: str = "music", level: float | None = None,
                  delta: float | None = None) -> Result:
        track = self._track(TT_AUDIO, create=False)
        if track is None or not track.sg:
            return Result("set_volume", {"target": target}, False, "need_music")
        for seg in track.sg:
            new = level if level is not None else seg.vol + (delta or 0.0)
            if level is None and (delta or 0.0) < 0:
                # "quieter" is a step down, never silence: only "mute" (a level of 0) mutes
                new = max(new, min(seg.vol, QUIETEST_STEP))
            seg.vol = round(max(0.0, min(1.0, new)), 2)
        vol = track.sg[0].vol
        return Result("set_volume", {"target": target, "volume": vol}, True, "volume",
                      {"volume": round(vol * 100)})

    def op_music_fade(self, fade_in: int | None = None, fade_out: int | None = None) -> Result:
        track = self._track(TT_AUDIO, create=False)
        args = {"fade_in_ms": fade_in, "fade_out_ms": fade_out}
        if track is None or not track.sg:
            return Result("set_audio_fade", args, False, "need_music")
        for seg in track.sg:
            half = max(0, (seg.d or 0) // 2) or None  # a fade takes at most half the music
            if fade_in is not None:
                seg.fi = min(fade_in, half) if half else fade_in
            if fade_out is not None:
                seg.fo = min(fade_out, half) if half else fade_out
        seg = track.sg[0]
        key = ("music_fade_both" if fade_in is not None and fade_out is not None
               else "music_fade_in" if fade_in is not None else "music_fade_out")
        return Result("set_audio_fade", {"fade_in_ms": seg.fi, "fade_out_ms": seg.fo}, True, key,
                      {"fade_in": _secs(seg.fi), "fade_out": _secs(seg.fo)})

    def op_remove(self, target: str, index: int | None = None) -> Result:
        args: dict[str, Any] = {"target": target, **({"index": index} if index else {})}
        if target in ("title", "caption"):
            track = self._track(TT_TEXT, create=False)
            segs = [s for s in (track.sg if track else []) if s.role == target]
            chosen = self._pick(segs, index) if target == "caption" else segs
            if not chosen or track is None:
                return Result("remove_element", args, False, "nothing_to_remove", {"what": target})
            track.sg = [s for s in track.sg if s not in chosen]
            if target == "title":
                self.draft.m.title = "project"
        elif target == "music":
            track = self._track(TT_AUDIO, create=False)
            if track is None or not track.sg:
                return Result("remove_element", args, False, "nothing_to_remove", {"what": target})
            track.sg = []
        elif target == "transition":
            segs = self._video_segments()
            if len(segs) < 2:
                return Result("remove_element", args, False, "nothing_to_remove", {"what": target})
            for seg in segs[1:]:
                seg.tr = _transition("cut")
        elif target == "motion":
            for seg in self._video_segments():
                seg.fx = _effect("none", False)
        else:
            video = self._track(TT_VIDEO, create=False)
            chosen = self._pick(video.sg if video else [], index if index is not None else -1)
            if not chosen or video is None:
                return Result("remove_element", args, False, "nothing_to_remove", {"what": target})
            video.sg = [s for s in video.sg if s not in chosen]
            if video.sg:
                video.sg[0].tr = None
        self.draft.t = [t for t in self.draft.t if t.sg]
        return Result("remove_element", args, True, "removed", {"what": target, "index": index})

    def op_replace(self, target: str, index: int | None = None, generated: bool = False,
                   style: str | None = None) -> Result:
        if target == "music":
            result = self.op_music(generated=generated, style=style, again=True)
            result.call = "replace_element" if not result.generation else result.call
            return result
        segs = self._video_segments()
        chosen = self._pick(segs, index if index is not None else -1)
        used = {s.src for s in segs}
        fresh = [m for m in self._visuals() if m.media_id not in used]
        if not chosen or not fresh:
            return Result("replace_element", {"target": target}, False, "nothing_to_replace")
        new = self._segment_for(fresh[-1], chosen[0].d)
        new.fx, new.tr = chosen[0].fx, chosen[0].tr
        video = self._track(TT_VIDEO)
        assert video is not None
        video.sg = [new if s is chosen[0] else s for s in video.sg]
        return Result("replace_element", {"target": target, "media_id": fresh[-1].media_id}, True,
                      "replaced", {"name": fresh[-1].filename})

    def op_insert(self, names: list[str] | None = None, where: str = "end", index: int | None = None,
                  other: int | None = None, every: bool = False, again: bool = False,
                  ms: int | None = None) -> Result:
        """Uploaded pictures added to the video that exists ("add c.jpg to the end"); `other`:
        the second photo of "between photo `index` and photo `other`"; `ms`: how long each lasts."""
        segs = self._video_segments()
        if not segs:
            return Result("add_element", {}, False, "insert_need_video", {"count": len(self._visuals())})
        if ms is not None and not MIN_ITEM_MS <= ms <= MAX_ITEM_MS:
            return Result("add_element", {"ms": ms}, False, "bad_duration",
                          {"seconds": ms / 1000, "min": MIN_ITEM_MS / 1000, "max": MAX_ITEM_MS / 1000})
        chosen = self._to_insert(names, every, again)
        if isinstance(chosen, Result):
            return chosen
        at = self._insert_slot(where, index, other)
        if isinstance(at, Result):
            return at
        video = self._track(TT_VIDEO)
        assert video is not None
        join = insert.transition(segs, _transition("crossfade"))
        new = [self._fitted(m, segs, at, ms) for m in chosen]
        order = [*segs[:at], *new, *segs[at:]]
        for i, seg in enumerate(order):
            seg.tr = None if i == 0 else (seg.tr or join.model_copy())
        video.sg = order
        return Result("add_element", {"media_ids": [m.media_id for m in chosen], "position": at + 1},
                      True, "changed")

    def _fitted(self, m: Media, segs: list[Segment], at: int, ms: int | None = None) -> Segment:
        """A segment for `m` that lasts (`ms`, else like the photos around `at`) and moves like them."""
        if ms is None and m.file_type != "video":
            ms = insert.duration(segs, at, DEFAULT_ITEM_MS)
        seg = self._segment_for(m, ms)
        if seg.kind == "image":
            seg.fx = insert.effect(segs, at)
        return seg

    def _to_insert(self, names: list[str] | None, every: bool, again: bool) -> list[Media] | Result:
        """The uploads to add: those named, else the newest not on the timeline (all with `every`)."""
        visuals, segs = self._visuals(), self._video_segments()
        used = {s.src for s in segs}
        if not names:
            fresh = [m for m in visuals if m.media_id not in used]
            if not fresh:
                return Result("add_element", {}, False, "no_new_photo",
                              {"names": [s.n for s in segs]})
            return fresh if every else fresh[-1:]
        chosen = []
        for name in names:
            same = [m for m in visuals if m.filename.casefold() == name.casefold()]
            if not same:
                return Result("add_element", {}, False, "not_uploaded",
                              {"name": name, "names": [m.filename for m in visuals]})
            fresh = [m for m in same if m.media_id not in used and m not in chosen]
            if not fresh and not again:
                at = next(i for i, s in enumerate(segs, 1) if s.src in {m.media_id for m in same})
                return Result("add_element", {}, False, "already_on_timeline", {"name": name, "index": at})
            chosen.append((fresh or same)[-1])
        return chosen

    def _insert_slot(self, where: str, index: int | None, other: int | None) -> int | Result:
        """Where the first new photo goes (0-based), or why that place does not exist."""
        segs = self._video_segments()
        for i in (index, other):
            if i is not None and (missing := self._missing("add_element", i)) is not None:
                return missing
        if where == "as" and index == len(segs) + 1:
            return len(segs)
        if other is not None and index is not None:
            a, b = sorted(x - 1 if x > 0 else len(segs) + x for x in (index, other))
            if b - a != 1:
                return Result("add_element", {}, False, "not_neighbours", {"a": a + 1, "b": b + 1})
            return b
        return insert.slot(where, index, len(segs))

    # -- timing ----------------------------------------------------------------------------------
    def relayout(self) -> None:
        t = 0
        for i, seg in enumerate(self._video_segments()):
            overlap = seg.tr.d if (i > 0 and seg.tr and seg.tr.type == "crossfade") else 0
            seg.st = max(0, t - overlap)
            t = seg.st + seg.d
        total = t
        audio = self._track(TT_AUDIO, create=False)
        if audio is not None and total:
            for seg in audio.sg:
                seg.st, seg.d = 0, total
        text = self._track(TT_TEXT, create=False)
        if text is not None and total:
            for seg in text.sg:
                seg.st = min(seg.st, max(0, total - 500))
                seg.d = max(500, min(seg.d or total, total - seg.st))
        self.draft.d = self.draft.computed_duration()
        w, h = ASPECTS.get(self.draft.m.aspect, ASPECTS["16:9"])
        self.draft.m.width, self.draft.m.height = w, h

    def wire(self) -> dict[str, Any]:
        return self.draft.to_wire()


def _seg(**fields: Any) -> Segment:
    return Segment.model_validate(fields)


def _effect(motion: str, smooth: bool) -> Effect:
    return Effect.model_validate({"motion": motion, "ease": "smooth" if smooth else "linear"})


def _transition(kind: str) -> Transition:
    return Transition.model_validate({"type": kind, "d": 0 if kind == "cut" else CROSSFADE_MS})


def _secs(ms: int | None) -> str:
    """1500 -> "1.5", 2000 -> "2": how a fade's length reads in a reply."""
    return f"{(ms or 0) / 1000:g}"
