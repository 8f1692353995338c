"""Questions answered from the draft ("how long is it", "有几张照片"): read, never executed."""

from __future__ import annotations

from typing import Any

from backend.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft
from backend.editor.receipt import motion_name, music_name, transition_name, where
from backend.editor.speak import Speaker, secs


def answer(topic: str | None, draft: dict[str, Any] | None, uploaded: int, speak: Speaker) -> str:
    """The answer to a question about `topic` (a key of the grammar's `topics`, or None)."""
    d = Draft.model_validate(draft or {})
    video = [s for t in d.tracks(TT_VIDEO) for s in t.sg]
    if topic is None:  # "what's the weather?": not about the video; say what it can do
        return speak.say("unknown")
    if not video and topic != "aspect":
        return speak.say("ans_no_video", count=uploaded)
    sep = ", " if speak.language == "en" else "、"
    names = sep.join(f"{i}. {s.n}" for i, s in enumerate(video, 1))
    unit = " s" if speak.language == "en" else speak.to_script(" 秒")

    def length() -> str:
        lengths = {s.d for s in video}
        each = (str(speak.name("seconds_each")).replace("{s}", secs(video[0].d)) if len(lengths) == 1
                else sep.join(f"{i}: {secs(s.d)}{unit}" for i, s in enumerate(video, 1)))
        return speak.raw("ans_length", seconds=secs(d.computed_duration()), count=len(video), durations=each)

    def music() -> str:
        audio = [s for t in d.tracks(TT_AUDIO) for s in t.sg]
        if not audio:
            return speak.say("ans_no_music")
        m = audio[0]
        return speak.raw("ans_music", name=music_name(m, speak), volume=round(m.vol * 100),
                         fi=secs(m.fi), fo=secs(m.fo))

    def texts(role: str) -> str:
        segs = [s for t in d.tracks(TT_TEXT) for s in t.sg if s.role == role]
        if not segs:
            return speak.say(f"ans_no_{role}")
        return speak.join([speak.raw(f"ans_{role}", text=s.text or "", where=where(s, speak)) for s in segs])

    def transitions() -> str:
        listed = sep.join(f"→{i}: {transition_name(s, speak)}" for i, s in enumerate(video[1:], 2))
        return speak.raw("ans_transition", list=listed or speak.name("no_transition"))

    def motion() -> str:
        listed = sep.join(f"{i}: {motion_name(s, speak)} ({round((s.fx.amount if s.fx else 0) * 100)}%)"
                          for i, s in enumerate(video, 1))
        return speak.raw("ans_motion", list=listed)

    parts = {
        "length": length,
        "count": lambda: speak.raw("ans_count", count=len(video), names=names),
        "music": music,
        "volume": music,
        "title": lambda: texts("title"),
        "caption": lambda: texts("caption"),
        "aspect": lambda: speak.raw("ans_aspect", aspect=d.m.aspect, width=d.m.width, height=d.m.height),
        "transition": transitions,
        "motion": motion,
        "order": lambda: speak.raw("ans_order", names=names),
    }
    if topic in parts:
        return parts[topic]()
    return speak.join([fn() for key, fn in parts.items() if key not in ("volume", "order")])
