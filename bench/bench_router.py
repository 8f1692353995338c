"""Router latency and import cost, beside a naive fuzzy matcher run on the same messages.

    .venv/bin/python bench/bench_router.py [--rounds N] [--set tests/intents/labeled.tsv]

Prints, for ``intents.route`` and for the peer ``rapidfuzz.process.extractOne(text,
keywords)`` (the obvious one-liner, which knows nothing of clauses, negation or paths):
median and p99 latency per message and messages per second over the labeled set. Then
the import time of ``intents`` in fresh interpreters (median of several; CPU and wall time),
with a bytecode cache and without one, and the cost of the first call (loading, validating
and compiling the vocabulary, importing rapidfuzz for the first typo).
Goals: median <= 20 us, p99 <= 100 us, import <= 30 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timings(fn: Callable[[str], object], texts: list[str], rounds: int) -> list[int]:
    out: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for t in texts:
            a = clock()
            fn(t)
            out.append(clock() - a)
    return out


def _row(name: str, ns: list[int], messages: int, total_s: float) -> str:
    ns = sorted(ns)
    med = statistics.median(ns) / 1000
    p99 = ns[min(len(ns) - 1, int(len(ns) * 0.99))] / 1000
    return f"{name:34} median {med:7.1f} us   p99 {p99:7.1f} us   {messages / total_s:9.0f} msg/s"


_PROBE = (
    "import time; c = time.process_time(); w = time.perf_counter(); {stmt}; "
    "print(time.process_time() - c, time.perf_counter() - w)"
)


def _import_ms(runs: int, *, bytecode: bool) -> dict[str, tuple[float, float]]:
    """Median (CPU ms, wall ms) of ``import intents`` and ``from intents import route``.

    Timed inside fresh interpreters. CPU time is the figure that does not depend on how busy
    the machine is. ``bytecode=True`` lets Python cache compiled modules (in a temporary
    pycache prefix, so the tree is not touched), as an installed package has them; ``False``
    uses the environment as it is (PYTHONDONTWRITEBYTECODE compiles every module from source).
    """
    env = dict(os.environ)
    out: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as cache:
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = cache
            subprocess.run([sys.executable, "-c", "import intents"], cwd=ROOT, env=env, check=True)
        for stmt in ("import intents", "from intents import route"):
            cpu, wall = [], []
            for _ in range(runs):
                p = subprocess.run(
                    [sys.executable, "-c", _PROBE.format(stmt=stmt)],
                    capture_output=True, text=True, cwd=ROOT, env=env, check=True,
                )
                c, w = (float(x) for x in p.stdout.split())
                cpu.append(1000 * c)
                wall.append(1000 * w)
            out[stmt] = (statistics.median(cpu), statistics.median(wall))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--set", default=str(ROOT / "tests" / "intents" / "labeled.tsv"))
    ap.add_argument("--import-runs", type=int, default=7)
    args = ap.parse_args()

    t0 = time.perf_counter()
    import intents
    from intents.evaluate import read_rows

    t1 = time.perf_counter()
    lex = intents.load()
    intents.route("exprot")  # first typo check imports rapidfuzz
    t2 = time.perf_counter()

    texts = [r.text for r in read_rows(Path(args.set))]
    keywords = sorted({p for p, ph in lex.phrases.items() if ph.keys})
    from rapidfuzz import process

    def naive(text: str) -> object:
        return process.extractOne(text, keywords, score_cutoff=80)

    for t in texts:  # warm both
        intents.route(t)
        naive(t)
    n = len(texts) * args.rounds
    a, ca = time.perf_counter(), time.process_time()
    ours = _timings(intents.route, texts, args.rounds)
    b, cb = time.perf_counter(), time.process_time()
    peer = _timings(naive, texts, args.rounds)
    c, cc = time.perf_counter(), time.process_time()

    print(f"labeled set: {len(texts)} messages x {args.rounds} rounds; {len(keywords)} keyword phrases")
    print(_row("intents.route", ours, n, b - a))
    print(_row("peer: rapidfuzz extractOne", peer, n, c - b))
    print(f"mean CPU time per message (load-independent): intents.route {1e6 * (cb - ca) / n:.1f} us, "
          f"peer {1e6 * (cc - cb) / n:.1f} us")
    for bytecode in (True, False):
        how = "with bytecode cache" if bytecode else "compiling from source (env as is)"
        for stmt, (cpu, wall) in _import_ms(args.import_runs, bytecode=bytecode).items():
            print(f"{stmt:26} fresh interpreter, {how:34} median of {args.import_runs}: "
                  f"{cpu:5.1f} ms CPU, {wall:5.1f} ms wall")
    print(f"in this process: import {1000 * (t1 - t0):.1f} ms; first call (load+validate+compile vocabulary, rapidfuzz) {1000 * (t2 - t1):.1f} ms")
    print("goals: median <= 20 us, p99 <= 100 us, import <= 30 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
