"""What the person sees while the batch runs, and the table at the end.

In a terminal: a live region (rich) with a line per running or recently finished item and an
overall bar (done/total, elapsed, an estimate of what remains). Piped: one plain line per
state change on stderr, so stdout holds only the final table. File names and reasons come
from outside (the disk, the network): control characters are replaced before they are shown.
"""

from __future__ import annotations

import sys
import time
import unicodedata
from typing import IO, Any, Protocol

from agent.messages import t

from .plan import Item

__all__ = [
    "Display", "PlainDisplay", "RichDisplay", "clean", "clock", "columns", "make_display",
    "result_rows", "state_text", "summary",
]

RECENT = 4  # finished items kept on screen under the running ones


def clean(text: str, limit: int = 300) -> str:
    """Untrusted text made safe to print: no control or format characters, bounded."""
    out = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
    )
    return out if len(out) <= limit else out[: limit - 1] + "…"


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def state_text(item: Item, lang: str) -> str:
    if item.state == "rendering" and item.percent is not None:
        return t("batch.state.rendering_pct", lang, percent=int(item.percent))
    if item.state in ("failed", "not started", "cancelled") and item.reason:
        return t(f"batch.state.{item.state.replace(' ', '_')}_reason", lang,
                 reason=clean(item.reason))
    return t(f"batch.state.{item.state.replace(' ', '_')}", lang)


class Display(Protocol):
    def changed(self, item: Item) -> None: ...
    def note(self, text: str, style: str = "") -> None: ...
    def close(self) -> None: ...
    def table(self, items: list[Item], elapsed: float) -> None: ...


def result_rows(items: list[Item], lang: str) -> list[list[str]]:
    rows = []
    for item in items:
        result = (t("batch.result.saved", lang) if item.state == "saved"
                  else t("batch.result.skipped", lang) if item.state == "skipped"
                  else state_text(item, lang))
        rows.append([
            clean(item.label, 60), result, clean(item.path or ""),
            clock(item.duration) if item.duration is not None else "",
            clock(item.seconds) if item.state != "skipped" else "",
        ])
    return rows


def columns(lang: str) -> list[str]:
    return [t(f"batch.table.{c}", lang) for c in ("item", "result", "path", "duration", "time")]


def summary(items: list[Item], elapsed: float, lang: str) -> str:
    done = sum(1 for i in items if i.done)
    failed = sum(1 for i in items if i.state in ("failed", "cancelled"))
    waiting = sum(1 for i in items if i.state == "not started")
    return t("batch.summary", lang, done=done, total=len(items), failed=failed,
             waiting=waiting, elapsed=clock(elapsed))


class PlainDisplay:
    """A line per state change on stderr; the table as tab-separated lines on stdout."""

    def __init__(self, items: list[Item], lang: str, err: IO[str] | None = None,
                 out: IO[str] | None = None) -> None:
        self.items = items
        self.lang = lang
        self.err = err or sys.stderr
        self.out = out or sys.stdout
        self._last: dict[int, str] = {}
        self.total = len(items)

    def changed(self, item: Item) -> None:
        if self._last.get(item.index) == item.state:
            return  # the percent moved: not a state change
        self._last[item.index] = item.state
        line = f"[{item.index}/{self.total}] {clean(item.label, 80)}: {state_text(item, self.lang)}"
        if item.state == "saved" and item.path:
            line += f" → {clean(item.path)}"
        print(line, file=self.err, flush=True)

    def note(self, text: str, style: str = "") -> None:
        print(clean(text, 2000), file=self.err, flush=True)

    def close(self) -> None:
        pass

    def table(self, items: list[Item], elapsed: float) -> None:
        print("\t".join(columns(self.lang)), file=self.out)
        for row in result_rows(items, self.lang):
            print("\t".join(row), file=self.out)
        print(summary(items, elapsed, self.lang), file=self.err, flush=True)


class RichDisplay:
    """The live region: running items, the last finished ones, the overall bar."""

    def __init__(self, items: list[Item], lang: str) -> None:
        from rich.console import Console
        from rich.live import Live

        self.items = items
        self.lang = lang
        self.started = time.monotonic()
        self.console = Console(stderr=True, highlight=False)
        self.out = Console(highlight=False)
        self._recent: list[Item] = []
        self._live = Live(console=self.console, refresh_per_second=4, transient=True,
                          get_renderable=self._render)
        self._live.start()

    def changed(self, item: Item) -> None:
        if item.finished_state and item.state != "skipped" and item not in self._recent:
            self._recent = ([*self._recent, item])[-RECENT:]
            from rich.text import Text

            style = "green" if item.state == "saved" else "red"
            line = Text(f"{clean(item.label, 60)}  ")
            line.append(state_text(item, self.lang), style=style)
            if item.path:
                line.append(f"  {clean(item.path)}", style="dim")
            self._live.console.print(line)

    def note(self, text: str, style: str = "") -> None:
        from rich.text import Text

        self._live.console.print(Text(clean(text, 2000), style=style or ""))

    def _render(self) -> Any:
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, max_width=40)
        grid.add_column(no_wrap=True)
        for item in self.items:
            if item.started is not None and not item.finished_state:
                grid.add_row(Text(clean(item.label, 40)),
                             Text(f"{state_text(item, self.lang)} · {clock(item.seconds)}",
                                  style="cyan"))
        total = len(self.items)
        finished = sum(1 for i in self.items if i.finished_state)
        ran = [i for i in self.items if i.finished_state and i.state != "skipped"]
        elapsed = time.monotonic() - self.started
        left = ""
        running = sum(1 for i in self.items if i.started is not None and not i.finished_state)
        remaining = total - finished
        if ran and remaining:
            per_item = elapsed / max(1, len(ran))
            left = t("batch.eta", self.lang, left=clock(per_item * remaining))
        bar = Table.grid(padding=(0, 1))
        bar.add_column(width=30)
        bar.add_column()
        bar.add_row(
            ProgressBar(total=max(1, total), completed=finished, width=30),
            Text(t("batch.overall", self.lang, done=finished, total=total,
                   elapsed=clock(elapsed), running=running) + (f" · {left}" if left else "")),
        )
        return Group(grid, bar)

    def close(self) -> None:
        self._live.stop()

    def table(self, items: list[Item], elapsed: float) -> None:
        from rich.table import Table
        from rich.text import Text

        table = Table(title=t("batch.table.title", self.lang))
        for column in columns(self.lang):
            table.add_column(column)
        for item, row in zip(items, result_rows(items, self.lang), strict=True):
            style = ("green" if item.done else "red")
            table.add_row(Text(row[0]), Text(row[1], style=style), *(Text(c) for c in row[2:]))
        self.out.print(table)
        self.console.print(Text(summary(items, elapsed, self.lang)))


def make_display(items: list[Item], lang: str) -> Display:
    if sys.stderr.isatty() and sys.stdout.isatty():
        return RichDisplay(items, lang)
    return PlainDisplay(items, lang)
