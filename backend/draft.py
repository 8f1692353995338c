"""The draft (timeline) the local backend keeps, and the renderer turns into an MP4.

The contract documents only the short keys `t` (tracks), `tt` (track type: 0 video, 1 audio,
7 text), `sg` (segments), `d` (duration, ms) and `m` (metadata). The segment keys below are
ours; they are short for the same reason the service's are (the draft travels in every state
reply and every export request), and every one is optional so that a draft from elsewhere
still validates. Times are integer milliseconds on the timeline.

Track `tt=0` (video) segment:
    id      segment id ("seg_…")
    n       label shown in the timeline summary (the file name by default)
    src     media id of an upload (resolves to a file in the backend's data folder)
    url     its cdn_url (informative; the renderer resolves `src`)
    kind    "image" | "video"
    st, d   start and duration on the timeline
    in      (video) trim: where in the source clip the segment starts, ms
    mute    (video) drop the clip's own audio
    vol     (video) the clip's own audio volume, 0..1
    fx      motion: {"motion": "zoom_in"|"zoom_out"|"pan_left"|"pan_right"|"pan_up"|
                     "pan_down"|"ken_burns"|"none", "ease": "smooth"|"linear",
                     "amount": 0.0..0.5 (how far it zooms or pans; default 0.15),
                     "focus": "auto"|"left"|"right"|"top"|"bottom"|"center" (what stays in frame)}
    tr      the transition *into* this segment: {"type": "crossfade"|"fade"|"cut", "d": ms}.
            With crossfade the segment starts `d` ms before the previous one ends (they
            overlap); with fade the previous one fades to black and this one fades in.

Track `tt=1` (audio) segment:
    id, n, st, d as above; src/url of an uploaded audio file, or `gen` for a music bed made
    on this machine: {"style": "calm"|"upbeat"|"lofi", "bpm": int, "seed": int}
    vol     0..1 (default 1.0);  fi / fo  fade in / out, ms;  loop  repeat a short track

Track `tt=7` (text) segment:
    id, n, st, d as above
    text    the words (any script; Chinese needs a CJK font)
    role    "title" | "caption"
    pos     "top" | "center" | "bottom"
    fi / fo fade in / out, ms

`m`: {"title": str, "width": int, "height": int, "aspect": "16:9"|"9:16"|"1:1", "fps": int}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TT_VIDEO = 0
TT_AUDIO = 1
TT_TEXT = 7

Motion = Literal["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down", "ken_burns", "none"]
TransitionType = Literal["crossfade", "fade", "cut"]

ASPECTS: dict[str, tuple[int, int]] = {
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Effect(_Loose):
    motion: Motion = "none"
    ease: Literal["smooth", "linear"] = "smooth"
    amount: float = Field(0.15, ge=0.0, le=0.5)
    focus: Literal["auto", "left", "right", "top", "bottom", "center"] = "auto"


class Transition(_Loose):
    type: TransitionType = "cut"
    d: int = Field(0, ge=0)


class MusicBed(_Loose):
    style: Literal["calm", "upbeat", "lofi"] = "calm"
    bpm: int = Field(90, ge=40, le=200)
    seed: int = 0


class Segment(_Loose):
    id: str = ""
    n: str = ""
    st: int = Field(0, ge=0)
    d: int = Field(0, ge=0)
    # video / audio media
    src: str | None = None
    url: str | None = None
    kind: Literal["image", "video", "audio"] | None = None
    in_: int = Field(0, ge=0, alias="in")
    mute: bool = False
    vol: float = Field(1.0, ge=0.0, le=2.0)
    fx: Effect | None = None
    tr: Transition | None = None
    # audio
    gen: MusicBed | None = None
    fi: int = Field(0, ge=0)
    fo: int = Field(0, ge=0)
    loop: bool = False
    # text
    text: str | None = None
    role: Literal["title", "caption"] | None = None
    pos: Literal["top", "center", "bottom"] | None = None

    @property
    def end(self) -> int:
        return self.st + self.d


class Track(_Loose):
    tt: int
    id: str = ""
    n: str = ""
    sg: list[Segment] = Field(default_factory=list)


class Meta(_Loose):
    title: str = "project"
    width: int = 1920
    height: int = 1080
    aspect: str = "16:9"
    fps: int = 30


class Draft(_Loose):
    t: list[Track] = Field(default_factory=list)
    d: int = 0
    m: Meta = Field(default_factory=Meta)

    def tracks(self, tt: int) -> list[Track]:
        return [track for track in self.t if track.tt == tt]

    def computed_duration(self) -> int:
        ends = [seg.end for track in self.t for seg in track.sg]
        return max(ends, default=0)

    def is_exportable(self) -> bool:
        """The contract's rule: at least one track with a segment."""
        return any(track.sg for track in self.t)

    def to_wire(self) -> dict[str, object]:
        """The JSON the API sends: short keys, no Nones, `in` spelled as on the wire."""
        return self.model_dump(by_alias=True, exclude_none=True)
