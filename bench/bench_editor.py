"""The local editor on its labelled set: accuracy per language, drafts changed by questions and
negations (goal 0), and how long a turn takes, beside a peer run in the same process.

    .venv/bin/python bench/bench_editor.py [--set tests/editor/cases.jsonl] [--rounds N]

The peer is the same editor reading each message with the "set" extractors alone
(`extract_set.parse_set`, the vocabulary the editor had before clauses, questions, negations,
relative edits and reordering): what the table of extractors adds, measured on the same cases.
Then the time of one turn (`plan_turn`, median and p99 over the set) and of a pasted brief of
50 instructions in one turn. Goals: >= 95% per language, 0 drafts changed by questions or
negations, a 50-instruction brief well under a second.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _accuracy(outcomes: list) -> str:  # type: ignore[type-arg]
    langs = sorted({o.case.lang for o in outcomes})
    parts = []
    for lang in langs:
        mine = [o for o in outcomes if o.case.lang == lang]
        parts.append(f"{lang} {100 * sum(o.ok for o in mine) / len(mine):5.1f}%")
    changed = sum(o.changed for o in outcomes if o.case.kind in ("question", "negation"))
    asked = sum(o.case.kind in ("question", "negation") for o in outcomes)
    total = 100 * sum(o.ok for o in outcomes) / len(outcomes)
    return f"{'   '.join(parts)}   all {total:5.1f}%   drafts changed by questions/negations: {changed}/{asked}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default=str(ROOT / "tests" / "editor" / "cases.jsonl"))
    ap.add_argument("--holdout", default=str(ROOT / "tests" / "editor" / "holdout.jsonl"))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    import backend.editor.turn as turn
    from backend.editor.evaluate import PHOTOS, evaluate, fixture, read_cases
    from backend.editor.extract_set import parse_set

    cases = read_cases(Path(args.set))
    ours = evaluate(cases)
    full_parse = turn.parse
    turn.parse = lambda text, photos=(), media=(): parse_set(text)  # type: ignore[assignment]
    try:
        peer = evaluate(cases)
    finally:
        turn.parse = full_parse
    print(f"labelled set: {len(cases)} cases ({args.set})")
    print(f"{'editor (extractor table)':34} {_accuracy(ours)}")
    print(f"{'peer: set extractors only':34} {_accuracy(peer)}")
    held = read_cases(Path(args.holdout))
    print(f"held-out set: {len(held)} cases ({args.holdout})")
    print(f"{'editor (extractor table)':34} {_accuracy(evaluate(held))}")

    draft = fixture()

    def one(text: str) -> None:
        turn.plan_turn(text, draft, PHOTOS, session_language="en", rng=random.Random(1),
                       no_text=False, edit_cost=1, generation_cost=5)

    times = []
    for _ in range(args.rounds):
        for c in cases:
            a = time.perf_counter()
            one(c.text)
            times.append(time.perf_counter() - a)
    times.sort()
    print(f"one turn (plan_turn) over the set x {args.rounds}: median {1000 * statistics.median(times):.2f} ms, "
          f"p99 {1000 * times[int(len(times) * 0.99)]:.2f} ms")
    lines = [c.text for c in cases if c.kind == "edit" and c.setup == "video"][:50]
    brief = "\n".join(lines)
    a = time.perf_counter()
    one(brief)
    print(f"a brief of {len(lines)} instructions in one turn: {1000 * (time.perf_counter() - a):.1f} ms")
    print("goals: >= 95% per language; 0 drafts changed by questions/negations; a 50-instruction brief < 1 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
