"""The `nemo-chat batch` command line (standard library only: parsed before anything heavy)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from agent import exit_codes
from agent.messages import LANGS, t

__all__ = ["EXIT_FAILED_ITEMS", "EXIT_INTERRUPTED", "EXIT_NOT_STARTED", "EXIT_OK", "EXIT_USAGE",
           "BatchOptions", "build_batch_parser", "parse_batch"]

# the program's one table of exit codes (agent/exit_codes.py), as the batch names them
EXIT_OK = exit_codes.OK  # every item has its video
EXIT_NOT_STARTED = exit_codes.FAILED  # nothing could run: no connection, an unwritable folder
EXIT_USAGE = exit_codes.USAGE  # the command line or the spec file is wrong (nothing started)
EXIT_FAILED_ITEMS = exit_codes.BATCH_ITEMS_FAILED  # some items failed or were not started
EXIT_INTERRUPTED = exit_codes.INTERRUPTED  # Ctrl-C: finished videos are kept; a rerun resumes


@dataclass
class BatchOptions:
    photos: list[str] = field(default_factory=list)
    instruction: str | None = None
    spec: Path | None = None
    out: Path | None = None
    jobs: int | None = None
    local: bool = False
    force: bool = False
    lang: str | None = None
    debug: bool = False

    def default_jobs(self) -> int:
        """2 against the local backend (its renders share this machine's cores), 4 against the
        service (its renders run on its farm)."""
        return self.jobs if self.jobs is not None else (2 if self.local else 4)


def _jobs(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError("1..16")
    return value


def build_batch_parser(lang: str = "en") -> argparse.ArgumentParser:
    lang = lang if lang in LANGS else "en"
    parser = argparse.ArgumentParser(
        prog="nemo-chat batch",
        description=t("batch.cli.description", lang),
        epilog=t("batch.cli.epilog", lang),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("photos", nargs="*", metavar="PHOTO", help=t("batch.cli.help.photos", lang))
    add("-m", "--message", dest="instruction", metavar="INSTRUCTION",
        help=t("batch.cli.help.message", lang))
    add("--spec", type=Path, metavar="FILE", help=t("batch.cli.help.spec", lang))
    add("--out", type=Path, metavar="DIR", help=t("batch.cli.help.out", lang))
    add("--jobs", type=_jobs, metavar="N", help=t("batch.cli.help.jobs", lang))
    add("--local", action="store_true", help=t("cli.help.local", lang))
    add("--force", action="store_true", help=t("batch.cli.help.force", lang))
    add("--lang", choices=list(LANGS), help=t("cli.help.lang", lang))
    add("--debug", action="store_true", help=t("cli.help.debug", lang))
    return parser


def parse_batch(argv: list[str], lang: str = "en") -> BatchOptions:
    """The options, or SystemExit (argparse's usage message, or ours for a wrong mix)."""
    parser = build_batch_parser(lang)
    ns = parser.parse_args(argv)
    if ns.spec is None and not ns.photos:
        parser.error(t("batch.cli.need_photos", lang))
    if ns.spec is None and not (ns.instruction or "").strip():
        parser.error(t("batch.cli.need_instruction", lang))
    if ns.spec is not None and (ns.photos or ns.instruction):
        parser.error(t("batch.cli.spec_alone", lang))
    return BatchOptions(
        photos=list(ns.photos),
        instruction=(ns.instruction or "").strip() or None,
        spec=ns.spec.expanduser() if ns.spec is not None else None,
        out=ns.out.expanduser() if ns.out is not None else None,
        jobs=ns.jobs,
        local=ns.local,
        force=ns.force,
        lang=ns.lang,
        debug=ns.debug,
    )
