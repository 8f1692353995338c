"""Router latency and import cost, beside a naive fuzzy matcher run on the same messages.

    .venv/bin/python bench/bench_router.py [--rounds N] [--set tests/intents/labeled.tsv]

Prints, for ``intents.route`` and for the peer ``rapidfuzz.process.extractOne(text,
keywords)`` (the obvious one-liner, which knows nothing of clauses, negation or paths):
median and p99 latency per message and messages per second over the labeled set. Then
the import time of ``intents`` in fresh interpreters (median of several), from ``-X
importtime``, and the cost of the first call (loading and compiling the vocabulary).
Goals: median <= 20 us, p99 <= 100 us, import <= 30 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
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


def _import_ms(runs: int) -> tuple[float, float]:
    """Median self+children time of ``import intents`` and ``from intents import route``."""
    results = []
    for stmt in ("import intents", "from intents import route"):
        samples = []
        for _ in range(runs):
            p = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", stmt],
                capture_output=True, text=True, cwd=ROOT, check=True,
            )
            for line in p.stderr.splitlines():
                parts = line.split("|")
                if len(parts) == 3 and parts[2].strip() == "intents":
                    samples.append(int(parts[1]) / 1000)
        results.append(statistics.median(samples))
    return results[0], results[1]


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
    a = time.perf_counter()
    ours = _timings(intents.route, texts, args.rounds)
    b = time.perf_counter()
    peer = _timings(naive, texts, args.rounds)
    c = time.perf_counter()

    print(f"labeled set: {len(texts)} messages x {args.rounds} rounds; {len(keywords)} keyword phrases")
    print(_row("intents.route", ours, n, b - a))
    print(_row("peer: rapidfuzz extractOne", peer, n, c - b))
    imp, imp_route = _import_ms(args.import_runs)
    print(f"import intents (fresh interpreter, -X importtime, median of {args.import_runs}): {imp:.1f} ms")
    print(f"from intents import route (same):                      {imp_route:.1f} ms")
    print(f"in this process: import {1000 * (t1 - t0):.1f} ms; first call (load+validate+compile vocabulary, rapidfuzz) {1000 * (t2 - t1):.1f} ms")
    print("goals: median <= 20 us, p99 <= 100 us, import <= 30 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
