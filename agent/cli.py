"""`nemo-chat` and `nemo-chat replay`: parse the command line, then hand over to the root.

Start-up cost matters (`nemo-chat --version` ≤ 0.15 s), so this module imports only the
standard library; the chat (rich, prompt_toolkit, httpx, pydantic) is imported after the
arguments are known. What was asked for goes to the composition root (`agent/assemble.py`),
which builds the chat or the replay. No traceback ever reaches the terminal: the guard
below turns anything unexpected into one clear line (`--debug` adds the details, secrets
redacted).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def _t(key: str, lang: str, **values: object) -> str:
    from agent.messages import t

    return t(key, lang, **values)


def _help_lang(argv: Sequence[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return "en"


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    import argparse

    class _Version(argparse.Action):
        def __call__(self, parser: argparse.ArgumentParser, *args: object, **kw: object) -> None:
            from agent.terminal.cli_version import version

            print(f"nemo-chat {version()}")
            parser.exit()

    from agent.messages import LANGS

    lang = lang if lang in LANGS else "en"
    parser = _new_parser("nemo-chat", "cli", lang)
    add = parser.add_argument
    add(
        "-m",
        "--message",
        action="append",
        default=[],
        metavar="TEXT",
        help=_t("cli.help.message", lang),
    )
    add("--local", action="store_true", help=_t("cli.help.local", lang))
    add("--out", type=Path, metavar="DIR", help=_t("cli.help.out", lang))
    add("--lang", choices=list(LANGS), help=_t("cli.help.lang", lang))
    add("--resume", action="store_true", help=_t("cli.help.resume", lang))
    add("--record", type=Path, metavar="FILE", help=_t("cli.help.record", lang))
    add("--debug", action="store_true", help=_t("cli.help.debug", lang))
    add("--version", action=_Version, nargs=0, help=_t("cli.help.version", lang))
    return parser


def _new_parser(prog: str, keys: str, lang: str) -> argparse.ArgumentParser:
    """A parser whose description and epilog are `<keys>.description` / `<keys>.epilog`."""
    import argparse

    return argparse.ArgumentParser(
        prog=prog,
        description=_t(f"{keys}.description", lang),
        epilog=_t(f"{keys}.epilog", lang),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_replay_parser(lang: str) -> argparse.ArgumentParser:
    from agent.transcripts.check import CHECK_SPEED, DEFAULT_SPEED

    parser = _new_parser("nemo-chat replay", "transcripts.cli", lang)
    add = parser.add_argument
    add("files", nargs="+", type=Path, metavar="FILE", help=_t("transcripts.cli.help.files", lang))
    add(
        "--speed",
        type=float,
        default=None,
        metavar="N",
        help=_t("transcripts.cli.help.speed", lang, default=f"{DEFAULT_SPEED:g}",
                check=f"{CHECK_SPEED:g}"),
    )
    add("--check", action="store_true", help=_t("transcripts.cli.help.check", lang))
    add(
        "--files",
        dest="files_dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=_t("transcripts.cli.help.files_dir", lang),
    )
    return parser


def replay(argv: list[str]) -> int:
    """`nemo-chat replay FILE [--speed N]` and `nemo-chat replay --check FILE…`.

    Exit codes follow diff(1): 0 = replayed as recorded, 1 = a replay differed, 2 = a file
    could not be used or the command line was wrong.
    """
    from agent.messages import locale_lang

    lang = locale_lang()
    try:
        args = build_replay_parser(lang).parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage or help
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    from agent.transcripts.check import CHECK_SPEED, DEFAULT_SPEED

    speed = args.speed if args.speed is not None else (CHECK_SPEED if args.check else DEFAULT_SPEED)
    if not speed > 0:
        print(_t("transcripts.cli.bad_speed", lang), file=sys.stderr)
        return 2
    from agent.assemble import run_replay

    return run_replay(args.files, speed=speed, check=args.check, files_dir=args.files_dir,
                      lang=lang)


def batch(argv: list[str]) -> int:
    """`nemo-chat batch`: one video per photo (exit codes in `agent/batch/args.py`)."""
    from agent.batch.args import EXIT_USAGE, parse_batch
    from agent.messages import locale_lang

    lang = _help_lang(argv) if _help_lang(argv) != "en" else locale_lang()
    try:
        opts = parse_batch(argv, lang)
    except SystemExit as exc:  # argparse printed the usage or the help
        return exc.code if isinstance(exc.code, int) and exc.code == 0 else EXIT_USAGE
    from agent.assemble import run_batch

    return run_batch(opts)


def _fast_version(argv: Sequence[str]) -> bool:
    """`nemo-chat --version` without building the parser (the 0.15 s budget)."""
    if list(argv) == ["--version"]:
        from agent.terminal.cli_version import version

        print(f"nemo-chat {version()}")
        return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        if _fast_version(args):
            return 0
        if args[:1] == ["replay"]:
            return replay(args[1:])
        if args[:1] == ["batch"]:
            return batch(args[1:])
        from agent.terminal import gc_pause

        gc_pause.pause()  # until connected (see there): start-up is ~15% faster
        ns = build_parser(_help_lang(args)).parse_args(args)
        from agent.terminal.options import Options

        opts = Options(
            messages=[m for m in ns.message],
            local=ns.local,
            out=ns.out.expanduser() if ns.out is not None else None,
            lang=ns.lang,
            resume=ns.resume,
            record=ns.record.expanduser() if ns.record is not None else None,
            debug=ns.debug,
        )
        if not opts.messages and sys.stdin.isatty():
            from agent.terminal.typeahead import quiet_typeahead

            with quiet_typeahead():  # from now on, keys typed ahead wait for the prompt
                from agent.assemble import run_chat

                return run_chat(opts)
        from agent.assemble import run_chat

        return run_chat(opts)
    except KeyboardInterrupt:
        _say("ui.interrupted", args)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    except SystemExit as exc:  # argparse (--help, bad arguments)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except Exception as exc:
        _crash(exc, args, debug)
        return 1
    finally:
        from agent.terminal import gc_pause

        gc_pause.resume()  # a no-op unless start-up ended before connecting


def _say(key: str, args: Sequence[str], **values: object) -> None:
    try:
        from agent.messages import t

        print(t(key, _help_lang(args), **values), file=sys.stderr, flush=True)
    except Exception:
        pass


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _crash(exc: BaseException, args: Sequence[str], debug: bool) -> None:
    from agent.terminal.redact import redact

    _say("ui.crash", args, error=redact(str(exc)) or type(exc).__name__)
    _say("ui.crash_hint", args)
    if debug:
        import traceback

        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        print(redact(text), file=sys.stderr, flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
