"""One turn of the scripted agent: what it does to the draft and what it says, as steps.

`plan_turn` is pure (draft and media in, `Plan` out); the SSE layer plays the plan's steps
as events, with the waits of the "generation" in between. Replies are picked from
replies.json with a random generator seeded per (seed, session, turn), so a test run is
repeatable; the same generator decides which edits get no text at all (`no_text_ratio`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from backend.draft import TT_VIDEO, Draft
from backend.editor.answer import answer
from backend.editor.apply import Editor, Media, Result
from backend.editor.parse import MAX_CHARS, MAX_INSTRUCTIONS, Op, parse
from backend.editor.receipt import receipt
from backend.editor.speak import Speaker, detect_language

__all__ = ["Plan", "Respond", "Say", "Speaker", "Step", "Wait", "detect_language", "plan_turn", "undo_steps"]

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


def _photo_names(draft: dict[str, Any] | None) -> tuple[str, ...]:
    return tuple(s.n for t in Draft.model_validate(draft or {}).tracks(TT_VIDEO) for s in t.sg)


def _not_done(op: Op, reason: str, speak: Speaker) -> str:
    return speak.raw("rc_not_done", source=op.source or op.kind, reason=reason)


def _settled(draft: dict[str, Any] | None, media: list[Media]) -> dict[str, Any]:
    """The draft as the editor lays it out, to compare a turn's result with."""
    editor = Editor(draft, media)
    editor.relayout()
    return editor.wire()


def _with_prerequisites(ops: list[Op], editor: Editor) -> list[Op]:
    """Steps a request implies: a clip to set a duration on, music for "fade the music"."""
    first = next((o for o in ops if o.kind in ("motion", "duration", "transition")), None)
    if not editor.has_video() and editor.has_visuals() and first is not None:
        ops = [Op("animate", {"motion": None, "smooth": False}, first.source), *ops]  # build it first
    fade_at = next((i for i, o in enumerate(ops) if o.kind == "music_fade"), None)
    if (fade_at is not None and editor.has_video() and not editor.has_music()
            and not any(o.kind == "music" for o in ops)):
        # "背景音乐淡入淡出" on a video with no music yet: it asks for music that fades
        ops = [*ops[:fade_at], Op("music", {"generated": False, "style": None}, ops[fade_at].source),
               *ops[fade_at:]]
    return ops


def _perform(ops: list[Op], editor: Editor, media: list[Media], speak: Speaker) -> tuple[list[Result], list[str]]:
    """Apply the edits in order; the notes are the answers, what was left alone, what was not done."""
    results: list[Result] = []
    notes: list[str] = []
    for op in ops:
        if op.kind == "ask":
            uploaded = sum(m.file_type in ("image", "video") for m in media)
            topic = op.args.get("topic")
            notes.append(answer(topic if isinstance(topic, str) else None, editor.wire(), uploaded, speak))
        elif op.kind == "keep":
            notes.append(speak.say("rc_kept", what=str(op.args.get("what") or "it")))
        elif op.kind in ("help", "export"):
            notes.append(speak.say(op.kind))
        elif op.kind == "which_photo":
            names = speak.listing(list(_photo_names(editor.wire())))
            notes.append(_not_done(op, speak.raw("which_photo", names=names), speak))
        elif op.kind == "unknown":
            notes.append(_not_done(op, speak.say("rc_unknown_reason"), speak))
        else:
            result = editor.apply(op)
            results.append(result)
            if not result.ok:
                fields = {k: speak.listing(v) if isinstance(v, list) else v for k, v in result.fields.items()}
                notes.append(_not_done(op, speak.say(result.say, **fields), speak))
    return results, notes


def _unchanged_note(ops: list[Op], good: list[Result], speak: Speaker) -> str | None:
    """Why nothing changed: a question is free; what was asked is already so."""
    if all(o.kind == "ask" for o in ops):
        return speak.say("ans_free") if any(o.args.get("topic") for o in ops) else None
    if not good:
        return None
    focus = next((r.fields["focus"] for r in good if "focus" in r.fields), None)
    if focus is None:
        return speak.say("rc_nothing")
    return speak.raw("rc_already", what=speak.name("auto" if focus == "auto" else f"focus_{focus}"))


def _stages(good: list[Result], seconds: float, words: Any) -> list[Step]:
    """The generation's two stages (clip, then music and titles), or one edit step."""
    steps: list[Step] = []
    stage1 = [r for r in good if r.stage == 1]
    stage2 = [r for r in good if r.stage == 2]
    if not any(r.generation for r in stage1):
        steps.append(Say(words("intro"), good))
        if any(r.generation for r in good):
            steps.append(Wait(0.5))
        return [*steps, Respond(good, commit=True)]
    count = next(r.fields.get("count", 0) for r in stage1 if r.generation)
    steps += [Say(words("intro_generate", count=count), stage1), Wait(1.0)]
    if not stage2:
        return [*steps, Respond(stage1, commit=True)]
    steps += [Respond(stage1), Say(words("stage1_done", seconds=seconds), stage2)]
    if any(r.generation for r in stage2):
        steps.append(Wait(0.5))
    return [*steps, Respond(stage2, commit=True)]


def plan_turn(text: str, draft: dict[str, Any] | None, media: list[Media], *,
              session_language: str, rng: random.Random, no_text: bool, edit_cost: int,
              generation_cost: int, temporary_issue: bool = False) -> Plan:
    language = detect_language(text, session_language)
    speak = Speaker(language, rng)
    parsed = parse(text, _photo_names(draft), tuple(m.filename for m in media if m.file_type in ("image", "video")))
    if parsed.too_long:
        return Plan(language, [Say(speak.say("rc_too_long", chars=parsed.too_long, max=MAX_CHARS))], draft, 0,
                    base_draft=draft)
    if not parsed.ops:
        key = "help" if parsed.help else "export" if parsed.export else "uploaded" if parsed.uploaded else "unknown"
        return Plan(language, [Say(speak.say(key))], draft, 0, base_draft=draft)
    if parsed.ops[0].kind == "undo":
        return Plan(language, [], draft, 0, undo=True, base_draft=draft)

    editor = Editor(draft, media, music_names={
        style: speak.name(f"music_{style}").capitalize() for style in ("calm", "upbeat", "lofi")})
    ops = _with_prerequisites(parsed.ops, editor)
    results, notes = _perform(ops, editor, media, speak)
    if parsed.left_out:
        notes.append(speak.say("rc_too_many", max=MAX_INSTRUCTIONS, more=parsed.left_out))
    good = [r for r in results if r.ok]
    new_draft = editor.wire()
    before = _settled(draft, media)
    if not good or new_draft == before:
        notes += [n for n in [_unchanged_note(ops, good, speak)] if n]
        return Plan(language, [Say(speak.join(notes))], draft, 0, base_draft=draft)
    generation = any(r.generation for r in good)
    cost = edit_cost + (generation_cost if generation else 0)

    def words(key: str, **fields: Any) -> str | None:
        return None if no_text else speak.say(key, **fields)

    steps = _stages(good, round(new_draft.get("d", 0) / 1000, 1), words)
    lines: list[str] = []
    silent = no_text and not notes  # the client summarises a silent edit itself; what was not
    if not silent:                  # done must be said, and then so is what was done
        lines = [*receipt(before, new_draft, speak),
                 speak.say("rc_cost_gen", cost=cost, gen=generation_cost) if generation
                 else speak.say("rc_cost_one" if cost == 1 else "rc_cost", cost=cost), *notes]
        steps.append(Say(speak.join([*lines, *([] if no_text else [speak.say("outro")])])))
    if temporary_issue:
        steps.append(Say(speak.say("temporary_issue")))
    return Plan(language, steps, new_draft, cost, changed=True, base_draft=draft)


def undo_steps(plan: Plan, undone: bool, rng: random.Random, no_text: bool,
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> list[Step]:
    """The steps of an undo turn, once the store has said whether there was anything to undo;
    with the drafts before and after it, the reply says what was undone."""
    speak = Speaker(plan.language, rng)
    call = Result("undo_edit", {}, undone, "undo" if undone else "undo_nothing")
    steps: list[Step] = [Say(None, [call]), Respond([call])]
    if undone and before is not None:
        lines = receipt(before, after, speak)
        steps.append(Say(speak.join([speak.say("rc_undid"), *(lines or [speak.say("rc_nothing")])])))
    elif not no_text or not undone:
        steps.append(Say(speak.say(call.say)))
    return steps
