"""One batch run: check everything, connect once, run the items, show the table, exit code.

Nothing starts until the photos (or the spec) are valid and the output folder takes a file;
a rerun whose items are all done answers from the manifest without connecting at all. The
connection (client, token, local backend) is the composition root's: `connect` is handed in.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.messages import t

from .args import (
    EXIT_FAILED_ITEMS,
    EXIT_INTERRUPTED,
    EXIT_NOT_STARTED,
    EXIT_OK,
    EXIT_USAGE,
    BatchOptions,
)
from .display import Display, clean, make_display
from .manifest import Manifest, read_manifest
from .plan import Item, assign_names, make_items
from .runner import BatchRunner
from .spec import SpecError, SpecItem, read_spec

__all__ = [
    "BatchStartFailed",
    "Connect",
    "Connected",
    "item_runner",
    "prepare",
    "record_item",
    "run",
    "run_items",
]


class BatchStartFailed(Exception):
    """The connection could not be made; `message` and `hint` are in the person's language."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class Connected:
    client: Any  # the core's client (opaque here: the batch never calls the wire itself)
    settings: Any  # the core's ChatSettings, with the output folder


Connect = Callable[[BatchOptions, Path, str], AbstractAsyncContextManager[Connected]]


@dataclass
class Outcome:
    interrupted: bool = False
    credits_note: list[str] = field(default_factory=list)


def _say_problems(problems: list[str]) -> None:
    for line in problems:
        print(clean(line, 1000), file=sys.stderr)


def out_folder(opts: BatchOptions) -> Path:
    if opts.out is not None:
        return opts.out
    env = os.environ.get("NEMO_OUTPUT_DIR", "").strip()
    return Path(env).expanduser() if env else Path.cwd()


def check_writable(folder: Path) -> str | None:
    """None when videos can be saved in `folder` (made if missing), else the reason."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".nemo-batch-check-"):
            pass
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def _specs(opts: BatchOptions, lang: str) -> list[SpecItem]:
    if opts.spec is not None:
        return read_spec(opts.spec, lang)
    from .photos import expand_photos

    photos, missing = expand_photos(opts.photos)
    problems = [t("batch.photo_not_found", lang, photo=raw) for raw in missing]
    if not photos and not problems:
        problems.append(t("batch.no_photos", lang))
    if problems:
        raise SpecError(problems)
    return [SpecItem(0, [p], opts.instruction or "") for p in photos]


def prepare(opts: BatchOptions, folder: Path, lang: str,
            specs: list[SpecItem] | None = None) -> list[Item]:
    """The items with names and what a rerun skips; SpecError when the input is wrong."""
    items = make_items(specs if specs is not None else _specs(opts, lang))
    kept: dict[str, str] = {}
    if not opts.force:
        records = read_manifest(folder)
        for item in items:
            record = records.get(item.key)
            if record is None or record.get("state") != "saved":
                continue
            name = str(record.get("name") or "")
            if name and (folder / name).is_file():
                kept[item.key] = name
                item.state = "skipped"
                item.path = str(folder / name)
                duration = record.get("duration")
                item.duration = float(duration) if isinstance(duration, int | float) else None
    assign_names(items, folder, kept)
    return items


def run(opts: BatchOptions, *, connect: Connect, lang: str) -> int:
    """`nemo-chat batch`: the exit code (see `args.py`)."""
    try:
        specs = _specs(opts, lang)  # the photos or the spec first: a mistake makes nothing
    except SpecError as exc:
        _say_problems(exc.problems)
        print(t("batch.nothing_started", lang), file=sys.stderr)
        return EXIT_USAGE
    folder = out_folder(opts)
    problem = check_writable(folder)
    if problem is not None:
        print(t("batch.out_not_writable", lang, path=folder, error=problem), file=sys.stderr)
        print(t("batch.out_not_writable.hint", lang), file=sys.stderr)
        return EXIT_NOT_STARTED
    items = prepare(opts, folder, lang, specs)
    started = time.monotonic()
    display = make_display(items, lang)
    try:
        if all(item.done for item in items):
            display.note(t("batch.all_done", lang, count=len(items)))
            outcome = Outcome()
        else:
            try:
                outcome = asyncio.run(
                    run_items(items, opts, folder, connect=connect, display=display, lang=lang)
                )
            except BatchStartFailed as exc:
                display.close()
                print(clean(exc.message, 2000), file=sys.stderr)
                if exc.hint:
                    print(clean(exc.hint, 2000), file=sys.stderr)
                return EXIT_NOT_STARTED
    finally:
        display.close()
    display.table(items, time.monotonic() - started)
    for line in outcome.credits_note:
        print(clean(line, 2000), file=sys.stderr)
    return exit_code(items, outcome)


def exit_code(items: list[Item], outcome: Outcome) -> int:
    if all(item.done for item in items):
        return EXIT_OK
    return EXIT_INTERRUPTED if outcome.interrupted else EXIT_FAILED_ITEMS


async def run_items(
    items: list[Item], opts: BatchOptions, folder: Path, *, connect: Connect, display: Display,
    lang: str,
) -> Outcome:
    """Connect, then run every queued item (at most `jobs` at once); Ctrl-C as documented."""
    from agent.core import run_batch_item

    outcome = Outcome()
    async with connect(opts, folder, lang) as conn:
        if await _no_credits(conn, items, display, lang, outcome):
            return outcome
        manifest = Manifest(folder)
        try:
            def record(item: Item) -> None:
                record_item(manifest, item)

            def changed(item: Item) -> None:
                display.changed(item)
                if item.state == "not started":
                    record(item)

            runner = BatchRunner(items, opts.default_jobs(), item_runner(
                conn, display, record, lang, outcome, run_batch_item, lambda: runner),
                changed)
            with _interrupts(runner, display, lang, outcome):
                await runner.run()
        finally:
            manifest.close()
    if outcome.interrupted:
        display.note(t("batch.interrupted", lang))
    return outcome


async def _no_credits(conn: Connected, items: list[Item], display: Display, lang: str,
                      outcome: Outcome) -> bool:
    """No credits at all: start nothing, say how to get more (True), else False."""
    from agent.core import check_batch_credits

    refused = await check_batch_credits(conn.client, conn.settings, lang=lang)
    if refused is None:
        return False
    outcome.credits_note = [refused.reason, refused.hint, *refused.links,
                            t("batch.credits_resume", lang)]
    for item in items:
        if item.state == "queued":
            item.state, item.reason = "not started", t("batch.reason.no_credits", lang)
            display.changed(item)
    return True


def record_item(manifest: Manifest, item: Item) -> None:
    """One line in the manifest: the item as it is now."""
    manifest.append(
        key=item.key, item=item.label, photos=[str(p) for p in item.photos],
        instruction=item.instruction, title=item.title, name=item.name, state=item.state,
        path=item.path, duration=item.duration, reason=item.reason or None,
    )


def item_runner(conn: Any, display: Display, record: Callable[[Item], None],
                     lang: str, outcome: Outcome, run_batch_item: Any,
                     get_runner: Callable[[], BatchRunner]) -> Callable[[Item], Any]:
    async def run_one(item: Item) -> None:
        item.started = time.monotonic()

        def on_stage(stage: str, percent: float | None) -> None:
            moved = stage != item.state
            item.state, item.percent = stage, percent
            display.changed(item)
            if moved:
                record(item)

        try:
            result = await run_batch_item(
                conn.client, conn.settings, photos=item.photos, instruction=item.instruction,
                title=item.title, file_name=item.name, on_stage=on_stage, lang=lang,
            )
        except asyncio.CancelledError:
            item.state, item.reason = "cancelled", t("batch.reason.cancelled", lang)
            item.finished = time.monotonic()
            record(item)
            display.changed(item)
            raise
        item.finished = time.monotonic()
        if result.ok:
            item.state, item.path, item.duration = "saved", result.path, result.duration
        else:
            item.state, item.reason = "failed", result.reason
            if result.out_of_credits:
                runner = get_runner()
                if runner.stop_reason is None:
                    outcome.credits_note = [result.reason, result.hint, *result.links,
                                            t("batch.credits_resume", lang)]
                    display.note(t("batch.credits_stop", lang), "yellow")
                runner.stop_starting(t("batch.reason.no_credits", lang))
        record(item)
        display.changed(item)

    return run_one


@contextlib.contextmanager
def _interrupts(runner: BatchRunner, display: Display, lang: str, outcome: Outcome) -> Any:
    """First Ctrl-C: start nothing new, let running items finish. Second: cancel them."""
    loop = asyncio.get_running_loop()
    presses = 0

    def on_sigint() -> None:
        nonlocal presses
        presses += 1
        outcome.interrupted = True
        if presses == 1:
            runner.stop_starting(t("batch.reason.interrupted", lang))
            display.note(t("batch.stopping", lang), "yellow")
        else:
            display.note(t("batch.cancelling", lang), "yellow")
            runner.cancel_running()

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
        installed = True
    except (NotImplementedError, RuntimeError, ValueError):
        installed = False
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)
