"""Measure the router on a labeled set: ``python -m intents.evaluate FILE``.

FILE is tab-separated: ``route<TAB>lang<TAB>category<TAB>text`` (``#`` starts a comment
line; a header row starting with ``route`` is skipped). It prints accuracy, the
confusion matrix (rows: expected, columns: routed), accuracy per language, the count of
false local actions (a backend message routed to a local handler) and every miss with its
evidence. Exit status 1 when there is a false local action or accuracy is below 99% (the bar
the tests hold the shipped set to), 2 when the file cannot be read.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from intents.decision import ROUTES

MIN_ACCURACY = 0.99


class Row(NamedTuple):
    route: str
    lang: str
    category: str
    text: str
    line: int


class Report(NamedTuple):
    total: int
    correct: int
    confusion: dict[tuple[str, str], int]
    by_lang: dict[str, tuple[int, int]]
    false_local: list[tuple[Row, str]]
    misses: list[tuple[Row, str, str]]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def read_rows(path: Path) -> list[Row]:
    """Parse a labeled file; a malformed line raises ValueError naming the line."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("route\t"):
            continue
        parts = line.split("\t", 3)
        if len(parts) != 4 or parts[0] not in ROUTES:
            raise ValueError(f"{path}:{n}: expected route<TAB>lang<TAB>category<TAB>text")
        text = parts[3].replace("\\n", "\n") if parts[2] == "multiline" else parts[3]
        rows.append(Row(parts[0], parts[1], parts[2], text, n))
    return rows


def evaluate(rows: list[Row]) -> Report:
    from intents import route

    confusion: Counter[tuple[str, str]] = Counter()
    lang_total: Counter[str] = Counter()
    lang_ok: Counter[str] = Counter()
    false_local: list[tuple[Row, str]] = []
    misses: list[tuple[Row, str, str]] = []
    for row in rows:
        d = route(row.text)
        confusion[(row.route, d.route)] += 1
        lang_total[row.lang] += 1
        if d.route == row.route:
            lang_ok[row.lang] += 1
        else:
            misses.append((row, d.route, d.evidence))
            if row.route == "sse":
                false_local.append((row, d.route))
    correct = sum(lang_ok.values())
    by_lang = {lang: (lang_ok[lang], n) for lang, n in sorted(lang_total.items())}
    return Report(len(rows), correct, dict(confusion), by_lang, false_local, misses)


def format_report(rep: Report) -> str:
    out = [f"accuracy: {rep.correct}/{rep.total} = {rep.accuracy:.2%}", ""]
    width = max(len(r) for r in ROUTES) + 2
    out.append("expected \\ routed".ljust(18) + "".join(r.rjust(width) for r in ROUTES))
    for exp in ROUTES:
        cells = "".join(str(rep.confusion.get((exp, got), 0)).rjust(width) for got in ROUTES)
        out.append(exp.ljust(18) + cells)
    out.append("")
    out.append("per language:")
    for lang, (ok, n) in rep.by_lang.items():
        out.append(f"  {lang:10} {ok}/{n} = {ok / n:.2%}")
    out.append("")
    out.append(f"false local actions: {len(rep.false_local)}")
    for row, got, why in rep.misses:
        out.append(f"  miss line {row.line}: expected {row.route}, got {got}: {row.text!r}  [{why}]")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m intents.evaluate FILE   (route<TAB>lang<TAB>category<TAB>text)")
        return 2
    path = Path(args[0])
    try:
        rows = read_rows(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"cannot read the labeled set: {exc}")
        return 2
    rep = evaluate(rows)
    print(format_report(rep))
    return 0 if not rep.false_local and rep.accuracy >= MIN_ACCURACY else 1


if __name__ == "__main__":
    raise SystemExit(main())
