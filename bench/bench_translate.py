"""The streaming GUI-phrase translator on 1 MB of deltas: this version beside the old one.

Issue 18.5: the old `StreamTranslator` looked at all of the unshown text again for every
delta, so a sentence held back after a trigger word ("Click the …" and then a 1 MB title)
cost the square of its length (minutes for 1 MB), and memory held it whole. This feeds the
same deltas to
  - the translator in this tree (agent/core/translate.py), and
  - the old one, read from git at OLD_COMMIT (the version before the fix), run in a child
    process with a time limit so that a quadratic case is reported, not waited for,
in the same run, for four 1 MB replies: prose with GUI phrases, a title with no sentence end
after "Click the", a 1 MB word after "open", and a GUI phrase in every delta. Each at two
delta sizes: 16 characters (a few words, as the local backend streams) and 64. Printed: the
seconds for the whole reply (the target is < 1 s), and the most text held back at once.

Run: .venv/bin/python bench/bench_translate.py [--size 1000000] [--old-limit 60]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "74b9dee"  # main before the fix of issue 18.5

CASES = ("prose", "title", "word", "phrases")


def make_text(case: str, size: int) -> str:
    if case == "title":
        return "Click the " + "x" * size
    if case == "word":
        return "Please open " + "a" * size
    if case == "phrases":
        return ("click the button and keep going " * (size // 32 + 1))[:size]
    rng = random.Random(1)
    words = ["the", "photo", "video", "zoom", "slowly", "across", "a", "beach", "at", "sunset",
             "with", "music", "and", "soft", "title", "over", "last", "frame"]
    extras = ["Click the Export button to download it.", "Open the timeline panel to check.",
              "点击「导出」按钮下载视频。", "Done! Added the title."]
    parts: list[str] = []
    length = 0
    while length < size:
        if rng.random() < 0.1:
            sentence = rng.choice(extras) + " "
        else:
            sentence = " ".join(rng.choice(words) for _ in range(rng.randint(5, 15)))
            sentence = sentence.capitalize() + ". "
        parts.append(sentence)
        length += len(sentence)
    return "".join(parts)[:size]


def run_one(module_path: str | None, case: str, size: int, step: int) -> dict[str, float]:
    """Time one reply through one translator (this process imports it fresh)."""
    if module_path is None:
        from agent.core.translate import StreamTranslator
    else:
        import importlib.util

        sys.path.insert(0, str(ROOT))
        spec = importlib.util.spec_from_file_location("old_translate", module_path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        StreamTranslator = module.StreamTranslator
    text = make_text(case, size)
    translator = StreamTranslator()
    translator.feed("warm up. ")
    translator = StreamTranslator()
    held = 0
    shown = 0
    started = time.perf_counter()
    for i in range(0, len(text), step):
        shown += len(translator.feed(text[i : i + step]))
        held = max(held, len(translator._pending))
    shown += len(translator.finish())
    return {"seconds": time.perf_counter() - started, "held": held, "shown": shown}


def in_child(module_path: str | None, case: str, size: int, step: int,
             limit: float) -> dict[str, float] | None:
    """run_one in a child process; None when it did not finish within `limit` seconds."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
            "from bench.bench_translate import run_one; "
            f"print(json.dumps(run_one({module_path!r}, {case!r}, {size}, {step})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=limit, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def old_module(folder: Path) -> str | None:
    try:
        source = subprocess.run(["git", "show", f"{OLD_COMMIT}:agent/core/translate.py"],
                                capture_output=True, text=True, check=True, cwd=ROOT).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = folder / "translate_old.py"
    path.write_text(source, encoding="utf-8")
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="characters per reply")
    parser.add_argument("--old-limit", type=float, default=60.0,
                        help="seconds the old translator gets per case before it is stopped")
    parser.add_argument("--steps", default="16,64", help="delta sizes, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old = old_module(Path(folder))
        print(f"{args.size:,} characters per reply; old = agent/core/translate.py at "
              f"{OLD_COMMIT}" + ("" if old else " (not found: git history needed)"))
        print(f"{'case':<8} {'delta':>5}  {'new s':>7} {'new held':>9}   {'old s':>9} "
              f"{'old held':>9}")
        for case in CASES:
            for step in (int(s) for s in args.steps.split(",")):
                new = in_child(None, case, args.size, step, 600)
                assert new is not None
                if old is None:
                    old_s, old_held = "n/a", "n/a"
                else:
                    was = in_child(old, case, args.size, step, args.old_limit)
                    old_s = f"{was['seconds']:.2f}" if was else f"> {args.old_limit:.0f}"
                    old_held = f"{int(was['held']):,}" if was else "(stopped)"
                print(f"{case:<8} {step:>5}  {new['seconds']:>7.2f} {int(new['held']):>9,}   "
                      f"{old_s:>9} {old_held:>9}", flush=True)


if __name__ == "__main__":
    main()
