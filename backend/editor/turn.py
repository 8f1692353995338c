"""One turn of the scripted agent: what it does to the draft and what it says, as steps.

`plan_turn` is pure (draft and media in, `Plan` out); the SSE layer plays the plan's steps
as events, with the waits of the "generation" in between. Replies are picked from
replies.json with a random generator seeded per (seed, session, turn), so a test run is
repeatable; the same generator decides which edits get no text at all (`no_text_ratio`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from backend.editor.apply import Editor, Media, Result
from backend.editor.parse import parse
from backend.editor.vocab import replies

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def detect_language(text: str, session_language: str = "en") -> str:
    """"en", "zh-Hans" or "zh-Hant": the script of the message wins over the session's."""
    if _CJK.search(text):
        markers = replies().hant_markers
        return "zh-Hant" if any(ch in markers for ch in text) else "zh-Hans"
    if not re.search(r"[A-Za-z]", text) and session_language.lower().startswith("zh"):
        return "zh-Hant" if session_language.lower() in ("zh-tw", "zh-hk", "zh-hant") else "zh-Hans"
    return "en"


@dataclass
class Say:
    text: str | None  # None: no text (the "30% of edits" case); calls still go out
    calls: list[Result] = field(default_factory=list)


@dataclass
class Respond:
    results: list[Result]
    commit: bool = False  # the draft is saved after these responses


@dataclass
class Wait:
    factor: float = 1.0  # times settings.generation_seconds


Step = Say | Respond | Wait


@dataclass
class Plan:
    language: str
    steps: list[Step]
    draft: dict[str, Any] | None
    cost: int
    undo: bool = False
    changed: bool = False
    base_draft: dict[str, Any] | None = None


class Speaker:
    def __init__(self, language: str, rng: random.Random) -> None:
        self.language = language
        self.rng = rng
        data = replies()
        self.table = data.en if language == "en" else data.zh_hans
        self.names = data.names["en" if language == "en" else "zh-Hans"]
        self.hant = data.hant if language == "zh-Hant" else None

    def name(self, value: Any) -> Any:
        return self.names.get(value, value) if isinstance(value, str) else value

    def say(self, key: str, **fields: Any) -> str:
        template = self.rng.choice(self.table[key])
        shown = {k: (f"{v:g}" if isinstance(v, float) else self.name(v)) for k, v in fields.items()}
        text = template.format_map(_Blank(shown))
        if self.hant:
            text = text.translate({ord(k): v for k, v in self.hant.items()})
        return text


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def plan_turn(text: str, draft: dict[str, Any] | None, media: list[Media], *,
              session_language: str, rng: random.Random, no_text: bool, edit_cost: int,
              generation_cost: int, temporary_issue: bool = False) -> Plan:
    language = detect_language(text, session_language)
    speak = Speaker(language, rng)
    parsed = parse(text)
    if not parsed.ops:
        key = "help" if parsed.help else "export" if parsed.export else "unknown"
        return Plan(language, [Say(speak.say(key))], draft, 0, base_draft=draft)
    if parsed.ops[0].kind == "undo":
        return Plan(language, [], draft, 0, undo=True, base_draft=draft)

    editor = Editor(draft, media)
    ops = parsed.ops
    if not editor.has_video() and any(o.kind in ("motion", "duration", "transition") for o in ops):
        from backend.editor.parse import Op

        ops = [Op("animate", {"motion": None, "smooth": False}), *ops]  # build it first
    fade_at = next((i for i, o in enumerate(ops) if o.kind == "music_fade"), None)
    if (fade_at is not None and editor.has_video() and not editor.has_music()
            and not any(o.kind == "music" for o in ops)):
        from backend.editor.parse import Op

        # "背景音乐淡入淡出" on a video with no music yet: it asks for music that fades
        ops = [*ops[:fade_at], Op("music", {"generated": False, "style": None}), *ops[fade_at:]]
    results = [editor.apply(op) for op in ops]
    good = [r for r in results if r.ok]
    # two operations can report the same change ("animate" built the clip, then the motion
    # word set the same Ken Burns): say each sentence once
    lines = list(dict.fromkeys(speak.say(r.say, **r.fields) for r in results))
    if not good:
        return Plan(language, [Say(" ".join(lines))], draft, 0, base_draft=draft)
    generation = any(r.generation for r in good)
    cost = edit_cost + (generation_cost if generation else 0)
    quiet = no_text

    def words(key: str, **fields: Any) -> str | None:
        return None if quiet else speak.say(key, **fields)

    steps: list[Step] = []
    stage1 = [r for r in good if r.stage == 1]
    stage2 = [r for r in good if r.stage == 2]
    new_draft = editor.wire()
    seconds = round(new_draft.get("d", 0) / 1000, 1)
    if any(r.generation for r in stage1):
        count = next(r.fields.get("count", 0) for r in stage1 if r.generation)
        steps += [Say(words("intro_generate", count=count), stage1), Wait(1.0), Respond(stage1)]
        if stage2:
            steps += [Say(words("stage1_done", seconds=seconds), stage2)]
            if any(r.generation for r in stage2):
                steps.append(Wait(0.5))
            steps.append(Respond(stage2, commit=True))
        else:
            steps[-1] = Respond(stage1, commit=True)
    else:
        steps.append(Say(words("intro"), good))
        if generation:
            steps.append(Wait(0.5))
        steps.append(Respond(good, commit=True))
    if not quiet:
        steps.append(Say(" ".join([*lines, speak.say("outro")])))
    if temporary_issue:
        steps.append(Say(speak.say("temporary_issue")))
    return Plan(language, steps, new_draft, cost, changed=True, base_draft=draft)


def undo_steps(plan: Plan, undone: bool, rng: random.Random, no_text: bool) -> list[Step]:
    """The steps of an undo turn, once the store has said whether there was anything to undo."""
    speak = Speaker(plan.language, rng)
    call = Result("undo_edit", {}, undone, "undo" if undone else "undo_nothing")
    steps: list[Step] = [Say(None, [call]), Respond([call])]
    if not no_text or not undone:
        steps.append(Say(speak.say(call.say)))
    return steps
