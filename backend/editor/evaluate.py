"""Measure the local editor on a labelled set: ``python -m backend.editor.evaluate FILE``.

FILE holds one JSON object a line: ``{"lang": "en"|"zh-Hans"|"zh-Hant", "kind":
"edit"|"question"|"negation"|"error"|"other", "text": ..., "expect": {...}, "say": [...],
"setup": "video"|"caption"}``. Each message is played through `plan_turn` (the path /run_sse
takes) on a fixed draft: three photos (beach, dog, sunset; 3 s each, 0.5 s crossfades, zoom in
/ pan left / zoom out), the title "Summer" (0–3 s, center) and a soft piano bed at 35%
("caption" adds the caption "Day one" over the whole video). The draft is 8 s long.

``expect`` names what must change, as keys of `view` ("d2": photo 2's duration, "d*": every
photo's, "tr3"/"trd3": the transition into photo 3, "fx1", "amt*", "focus*", "order", "vol",
"style", "music", "fi", "fo", "title", "title.st", "title.end", "title.pos", "caption…",
"aspect", "total"); a value is exact, or ">"/"<" (than before), "+N" (N more than before),
"~N" (within 100 of N). Everything not named must stay as it was; a question, negation,
error or other message must change nothing. ``say`` lists words the reply must contain.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from backend.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft
from backend.editor.apply import Editor, Media
from backend.editor.parse import Op
from backend.editor.turn import Say, plan_turn

PHOTOS = [Media(f"m{i}", name, "image", f"http://x/{name}")
          for i, name in enumerate(("beach.jpg", "dog.jpg", "sunset.jpg"))]
NO_CHANGE = ("question", "negation", "error", "other")
DERIVED = ("total",)  # follows from the others: only compared when named
GROUPS = {"vol": "music", "style": "music", "fi": "music", "fo": "music", "titles": "title",
          "captions": "caption"}  # a key that comes and goes with its group ("music": false)


def _group(key: str) -> str:
    return GROUPS.get(key, key.split(".")[0])


class Case(NamedTuple):
    lang: str
    kind: str
    text: str
    expect: dict[str, Any]
    say: list[str]
    setup: str
    line: int


class Outcome(NamedTuple):
    case: Case
    ok: bool
    changed: bool
    reply: str
    why: str


def read_cases(path: Path) -> list[Case]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        row = json.loads(line)
        out.append(Case(row["lang"], row["kind"], row["text"], row.get("expect", {}),
                        row.get("say", []), row.get("setup", "video"), n))
    return out


def fixture(setup: str = "video") -> dict[str, Any]:
    """The draft every case starts from (built with operations, not phrases)."""
    ed = Editor(None, PHOTOS)
    ops = [Op("animate", {"motion": None, "smooth": False}),
           Op("motion", {"motion": "pan_left", "index": 2}),
           Op("music", {"generated": True, "style": "calm"}),
           Op("text", {"role": "title", "text": "Summer"})]
    if setup == "caption":
        ops.append(Op("text", {"role": "caption", "text": "Day one"}))
    for op in ops:
        ed.apply(op)
    return ed.wire()


def view(draft: dict[str, Any] | None) -> dict[str, Any]:
    """The flat facts a person can ask to change, keyed as in ``expect``."""
    d = Draft.model_validate(draft or {})
    out: dict[str, Any] = {"aspect": d.m.aspect, "total": d.computed_duration()}
    video = [s for t in d.tracks(TT_VIDEO) for s in t.sg]
    out["order"] = [s.n for s in video]
    for i, s in enumerate(video, 1):
        out[f"d{i}"] = s.d
        out[f"fx{i}"] = s.fx.motion if s.fx else None
        out[f"amt{i}"] = s.fx.amount if s.fx else None
        out[f"focus{i}"] = getattr(s.fx, "focus", None) if s.fx else None
        out[f"ease{i}"] = s.fx.ease if s.fx else None
        if i > 1:
            out[f"tr{i}"] = s.tr.type if s.tr else None
            out[f"trd{i}"] = s.tr.d if s.tr else None
    music = [s for t in d.tracks(TT_AUDIO) for s in t.sg]
    out["music"] = bool(music)
    if music:
        m = music[0]
        out.update({"vol": m.vol, "style": m.gen.style if m.gen else m.src, "fi": m.fi, "fo": m.fo})
    for role in ("title", "caption"):
        texts = [s for t in d.tracks(TT_TEXT) for s in t.sg if s.role == role]
        out[role] = texts[0].text if texts else None
        if texts:
            out.update({f"{role}.st": texts[0].st, f"{role}.end": texts[0].end,
                        f"{role}.pos": texts[0].pos, f"{role}s": len(texts)})
    return out


def _expand(expect: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, want in expect.items():
        if key.endswith("*"):
            stem = key[:-1]
            for k in before:
                if k.startswith(stem) and k[len(stem):].isdigit():
                    out[k] = want
        else:
            out[key] = want
    return out


def _meets(want: Any, old: Any, new: Any) -> bool:
    if isinstance(want, str) and want[:1] in "<>+~" and want not in ("<", ">") and want[1:].lstrip("-").isdigit():
        n = int(want[1:])
        if want[0] == "+":
            return isinstance(old, (int, float)) and isinstance(new, (int, float)) and new == old + n
        if want[0] == "~":
            return isinstance(new, (int, float)) and abs(new - n) <= 100
    if want == ">":
        return old is not None and new is not None and new > old
    if want == "<":
        return old is not None and new is not None and new < old
    return bool(new == want)


_PER_PHOTO = re.compile(r"(d|fx|amt|focus|ease)(\d+)$")


def _by_name(v: dict[str, Any]) -> dict[str, Any]:
    """Per-photo facts keyed by file name: after a reorder, photo 2 is another photo."""
    out = {}
    for key, value in v.items():
        if m := _PER_PHOTO.match(key):
            out[f"{v['order'][int(m.group(2)) - 1]}.{m.group(1)}"] = value
    return out


def judge(case: Case, before: dict[str, Any], after: dict[str, Any]) -> str:
    """"" when the case holds, else what went wrong."""
    want = _expand(case.expect, before) if case.kind not in NO_CHANGE else {}
    if "order" in want and before.get("order") != after.get("order"):
        b, a = _by_name(before), _by_name(after)
        for key in b.keys() & a.keys():
            if b[key] != a[key]:
                return f"{key} changed unasked: {b[key]!r} -> {a[key]!r}"
        left = len(after.get("order") or [])  # a removed photo takes the last place's transition
        before = {k: v for k, v in before.items() if not _PER_PHOTO.match(k)
                  and not (re.match(r"trd?(\d+)$", k) and int(re.sub(r"\D", "", k)) > left)}
        after = {k: v for k, v in after.items() if not _PER_PHOTO.match(k)}
    for key, value in want.items():
        if not _meets(value, before.get(key), after.get(key)):
            return f"{key}: wanted {value!r}, {before.get(key)!r} -> {after.get(key)!r}"
    for key in sorted(set(before) | set(after)):
        if key in want or key in DERIVED or (_group(key) in want and _group(key) != key):
            continue
        if before.get(key) != after.get(key):
            return f"{key} changed unasked: {before.get(key)!r} -> {after.get(key)!r}"
    return ""


def run_case(case: Case, seed: int = 7) -> Outcome:
    draft = fixture(case.setup)
    plan = plan_turn(case.text, draft, PHOTOS, session_language="en", rng=random.Random(seed),
                     no_text=False, edit_cost=1, generation_cost=5)
    after_draft = plan.draft if plan.changed else draft
    reply = " ".join(s.text for s in plan.steps if isinstance(s, Say) and s.text)
    before, after = view(draft), view(after_draft)
    why = judge(case, before, after)
    missing = [w for w in case.say if w.lower() not in reply.lower()]
    if not why and missing:
        why = f"reply lacks {missing}"
    return Outcome(case, not why, before != after or (plan.changed and plan.draft != draft), reply, why)


def evaluate(cases: list[Case]) -> list[Outcome]:
    return [run_case(c) for c in cases]


def format_report(outcomes: list[Outcome], misses: bool = True) -> str:
    by_lang: dict[str, Counter[str]] = {}
    for o in outcomes:
        c = by_lang.setdefault(o.case.lang, Counter())
        c["n"] += 1
        c["ok"] += o.ok
    lines = []
    for lang, c in sorted(by_lang.items()):
        lines.append(f"{lang:8} {c['ok']:3}/{c['n']:3}  {100 * c['ok'] / c['n']:5.1f}%")
    total = sum(o.ok for o in outcomes)
    lines.append(f"{'all':8} {total:3}/{len(outcomes):3}  {100 * total / max(1, len(outcomes)):5.1f}%")
    still = [o for o in outcomes if o.case.kind in ("question", "negation") and o.changed]
    lines.append(f"drafts changed by questions/negations: {len(still)} of "
                 f"{sum(o.case.kind in ('question', 'negation') for o in outcomes)}")
    if misses:
        for o in outcomes:
            if not o.ok:
                lines.append(f"  MISS {o.case.lang} {o.case.text!r}: {o.why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path("tests/editor/cases.jsonl")
    outcomes = evaluate(read_cases(path))
    print(format_report(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
