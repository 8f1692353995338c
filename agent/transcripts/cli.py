"""`nemo-chat replay FILE [--speed N]` and `nemo-chat replay --check FILE…`.

Exit codes follow diff(1): 0 = replayed as recorded, 1 = a replay differed (the diff is
printed), 2 = a file could not be used (missing, not a transcript, cut short, damaged, from a
newer nemo-chat) or the command line was wrong. No traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from agent.messages import LANGS, lang_of, locale_lang, t
from agent.transcripts.format import Transcript, TranscriptError, load

DEFAULT_SPEED = 10.0
CHECK_SPEED = 4.0  # slow enough that timing-dependent lines (still working…) hold on a busy machine


def _safe(exc: BaseException) -> str:
    from agent.transcripts.scrub import Scrubber

    return Scrubber(home=Path.home()).text(f"{type(exc).__name__}: {exc}")


def _parser(lang: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nemo-chat replay",
        description=t("transcripts.cli.description", lang),
        epilog=t("transcripts.cli.epilog", lang),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help=t("transcripts.cli.help.files", lang)
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=None,
        metavar="N",
        help=t("transcripts.cli.help.speed", lang, default=f"{DEFAULT_SPEED:g}",
               check=f"{CHECK_SPEED:g}"),
    )
    parser.add_argument("--check", action="store_true", help=t("transcripts.cli.help.check", lang))
    parser.add_argument(
        "--files",
        dest="files_dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=t("transcripts.cli.help.files_dir", lang),
    )
    return parser


def _renderer(out: TextIO, lang: str) -> Any:
    """The terminal's own renderer, so a replay looks the way the session did."""
    if out.isatty():
        from rich.console import Console

        from agent.terminal.rich_renderer import RichRenderer

        return RichRenderer(Console(file=out), lang)
    from agent.terminal.plain_renderer import PlainRenderer

    return PlainRenderer(out, lang)


def _shown_by(renderer: Any) -> Callable[[Any], None]:
    """Feed the renderer; settle it when a turn ends (as the terminal does before its prompt)."""
    settle = getattr(renderer, "settle", None)

    def show(event: Any) -> None:
        renderer(event)
        if callable(settle) and getattr(event, "kind", "") == "turn_end":
            settle()

    return show


def _transcript_lang(transcript: Transcript, fallback: str) -> str:
    if transcript.header.lang in LANGS:
        return transcript.header.lang
    messages = transcript.user_messages()
    return lang_of(messages[0]) if messages else fallback


def _replay_one(path: Path, speed: float, files_dir: Path | None, out: TextIO, lang: str) -> int:
    from agent.transcripts.replay import replay

    transcript = load(path)
    lang = _transcript_lang(transcript, lang)
    header = transcript.header
    print(
        t(
            "transcripts.replay.header",
            lang,
            file=path.name,
            created=header.created,
            version=header.app_version,
            speed=f"{speed:g}",
        ),
        file=out,
    )
    renderer = _renderer(out, lang)
    result = asyncio.run(
        replay(transcript, speed=speed, on_event=_shown_by(renderer), files_dir=files_dir, pace=True)
    )
    settle = getattr(renderer, "settle", None)
    if callable(settle):
        settle()
    if result.problem is not None:
        print(t(f"transcripts.check.{result.problem}", lang), file=out)
        return 1
    print(t("transcripts.replay.done", lang), file=out)
    if not result.ok:
        print(t("transcripts.replay.differs", lang, file=str(path)), file=out)
        return 1
    return 0


def check_files(
    paths: list[Path],
    *,
    speed: float = CHECK_SPEED,
    files_dir: Path | None = None,
    out: TextIO | None = None,
    lang: str = "en",
) -> int:
    """Replay each file and compare; print ok/DIFFERS per file and the diffs."""
    from agent.transcripts.replay import replay

    out = out or sys.stdout
    bad = 0
    broken = 0
    for path in paths:
        try:
            transcript = load(path)
            result = asyncio.run(replay(transcript, speed=speed, files_dir=files_dir))
        except TranscriptError as exc:
            print(
                t("transcripts.check.failed", lang, file=str(path), message=exc.message(lang)),
                file=out,
            )
            broken += 1
            continue
        except Exception as exc:  # the agent crashed: that is a difference, not a traceback
            bad += 1
            print(
                t(
                    "transcripts.check.failed",
                    lang,
                    file=str(path),
                    message=t("transcripts.check.agent_failed", lang, error=_safe(exc)),
                ),
                file=out,
            )
            continue
        if result.ok:
            print(t("transcripts.check.ok", lang, file=str(path)), file=out)
            continue
        bad += 1
        print(
            t("transcripts.check.differs", lang, file=str(path),
              version=transcript.header.app_version),
            file=out,
        )
        if result.problem is not None:
            print("  " + t(f"transcripts.check.{result.problem}", lang), file=out)
        for line in result.diff_lines():
            print("  " + line, file=out)
    count = len(paths)
    if bad or broken:
        print(t("transcripts.check.summary_bad", lang, bad=bad + broken, count=count), file=out)
        return 2 if broken and not bad else 1
    print(t("transcripts.check.summary_ok", lang, count=count), file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    lang = locale_lang()
    parser = _parser(lang)
    try:
        args = parser.parse_args(args_in)
    except SystemExit as exc:  # argparse already printed usage or help
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    speed = args.speed if args.speed is not None else (CHECK_SPEED if args.check else DEFAULT_SPEED)
    if not speed > 0:
        print(t("transcripts.cli.bad_speed", lang), file=sys.stderr)
        return 2
    try:
        if args.check:
            return check_files(args.files, speed=speed, files_dir=args.files_dir, lang=lang)
        if len(args.files) != 1:
            print(t("transcripts.cli.one_file", lang), file=sys.stderr)
            return 2
        return _replay_one(args.files[0], speed, args.files_dir, sys.stdout, lang)
    except TranscriptError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback: say what failed, in one line
        print(t("transcripts.check.agent_failed", lang, error=_safe(exc)), file=sys.stderr)
        return 2
