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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.exit_codes import INTERRUPTED, USAGE

if TYPE_CHECKING:
    import argparse

    from agent.terminal.options import Options


def _t(key: str, lang: str, **values: object) -> str:
    from agent.messages import t

    return t(key, lang, **values)


def _help_lang(argv: Sequence[str]) -> str:
    """The language of our own lines before the chat starts: --lang, else the locale's."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    from agent.messages import locale_lang

    return locale_lang()


# The environment variables the program reads, in --help's order (a test greps the code for
# every os.environ/getenv and checks each is here); each has `cli.env.<NAME>` in the tables.
ENV_HELP = (
    "NEMO_TOKEN", "NEMO_API_URL", "NEMO_WEB_URL", "NEMO_CLIENT_ID", "NEMO_OUTPUT_DIR",
    "NEMO_CONFIG_DIR", "XDG_CONFIG_HOME", "NEMO_DATA_DIR", "NEMO_CACHE_DIR", "NEMO_POLL_INTERVAL",
    "NEMO_RECONNECT_WINDOW",
    "NEMO_LOCAL_SETTINGS", "NEMO_FONT", "NEMO_RESAMPLER", "NEMO_RENDER_LEGACY", "NEMO_HOOKS_TOKEN",
    "SKILL_SOURCE", "SSL_CERT_FILE",
    "NO_COLOR", "DISPLAY", "LANG",
)
# The subcommands, each with `cli.command.<name>` in the tables (`batch` is its own module's).
SUBCOMMANDS = ("replay", "batch")


def _main_epilog(lang: str) -> str:
    """Examples, then the subcommands, the environment variables and the exit codes."""
    from agent.exit_codes import CODES

    lines = [_t("cli.epilog", lang), "", _t("cli.section.commands", lang)]
    lines += [_t(f"cli.command.{name}", lang) for name in SUBCOMMANDS]
    lines += ["", _t("cli.section.env", lang)]
    lines += [_t(f"cli.env.{name}", lang) for name in ENV_HELP]
    lines += ["", _t("cli.section.exit", lang)]
    lines += [f"  {code:<4} {_t(f'exit.{name}', lang)}" for code, name in CODES.items()]
    return "\n".join(lines)


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
    parser.epilog = _main_epilog(lang)
    add = parser.add_argument
    add(
        "-m",
        "--message",
        action="append",
        default=[],
        metavar="TEXT",
        help=_t("cli.help.message", lang),
    )
    add("--local", action=argparse.BooleanOptionalAction, default=None,
        help=_t("cli.help.local", lang))
    add("--out", type=Path, metavar="DIR", help=_t("cli.help.out", lang))
    add("--lang", choices=list(LANGS), help=_t("cli.help.lang", lang))
    add("--resume", action="store_true", help=_t("cli.help.resume", lang))
    add("--record", type=Path, metavar="FILE", help=_t("cli.help.record", lang))
    add("--json", action="store_true", help=_t("cli.help.json", lang))
    add("-q", "--quiet", action="store_true", help=_t("cli.help.quiet", lang))
    add("--web", action="store_true", help=_t("cli.help.web", lang))
    add("--no-browser", action="store_true", help=_t("cli.help.no_browser", lang))
    add("--debug", action="store_true", help=_t("cli.help.debug", lang))
    add("--print-completion", choices=("bash", "zsh", "fish"), metavar="SHELL",
        help=_t("cli.help.print_completion", lang))
    add("--version", action=_Version, nargs=0, help=_t("cli.help.version", lang))
    return parser


def _new_parser(prog: str, keys: str, lang: str) -> argparse.ArgumentParser:
    """A parser whose description and epilog are `<keys>.description` / `<keys>.epilog`,
    with argparse's own words (usage, the section titles, -h) in `lang` too."""
    import argparse

    usage_prefix = _t("cli.usage", lang)

    class Formatter(argparse.RawDescriptionHelpFormatter):
        def add_usage(self, usage: str | None, actions: Any, groups: Any,
                      prefix: str | None = None) -> None:
            super().add_usage(usage, actions, groups, prefix or usage_prefix)

    parser = argparse.ArgumentParser(
        prog=prog,
        description=_t(f"{keys}.description", lang),
        epilog=_t(f"{keys}.epilog", lang),
        formatter_class=Formatter,
        add_help=False,
    )
    parser._optionals.title = _t("cli.options", lang)
    parser._positionals.title = _t("cli.positionals", lang)
    parser.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                        help=_t("cli.help.help", lang))
    return parser


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


def _options(ns: argparse.Namespace, args: Sequence[str]) -> Options | None:
    """What was asked for: the flags, then the environment, then `config.toml` (None, the
    reason said, when that file cannot be used)."""
    from agent.config_file import ConfigError, load_defaults
    from agent.terminal.options import Options

    try:
        saved = load_defaults()
    except ConfigError as exc:
        lang = _help_lang(args)
        values = {k: (_t(str(v), lang) if k == "expected" else v) for k, v in exc.values.items()}
        print(_t(exc.key, lang, **values), file=sys.stderr)
        print(_t("ui.config_bad_hint", lang), file=sys.stderr)
        return None
    out = ns.out
    if out is None and not os.environ.get("NEMO_OUTPUT_DIR", "").strip():
        out = saved.out
    local = ns.local if ns.local is not None else bool(saved.local)
    return Options(
        messages=list(ns.message),
        local=local,
        out=out.expanduser() if out is not None else None,
        lang=ns.lang or saved.lang,
        resume=ns.resume,
        record=ns.record.expanduser() if ns.record is not None else None,
        debug=ns.debug,
        json=ns.json,
        quiet=ns.quiet,
        web=ns.web,
        open_browser=not ns.no_browser,
    )


def completion_script(shell: str, lang: str = "en") -> str:
    """The completion script for `shell`, generated by shtab from the parsers themselves
    (a new flag is completed without anyone editing a script)."""
    import shtab

    parser = build_parser(lang)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, build in SUBCOMMAND_PARSERS.items():
        sub = build(lang)
        commands.add_parser(name, parents=[sub], add_help=False, help=sub.description)
    for action in parser._actions:
        if action.dest == "out":
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.dest == "record":
            action.complete = shtab.FILE  # type: ignore[attr-defined]
    return shtab.complete(parser, shell=shell)


def _batch_parser(lang: str) -> argparse.ArgumentParser:
    from agent.batch.args import build_batch_parser

    return build_batch_parser(lang)


# each subcommand's parser builder, for completion (a new subcommand adds itself here)
SUBCOMMAND_PARSERS: dict[str, Callable[[str], argparse.ArgumentParser]] = {
    "replay": build_replay_parser,
    "batch": _batch_parser,
}


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
        if ns.print_completion:
            print(completion_script(ns.print_completion, _help_lang(args)), end="")
            return 0
        opts = _options(ns, args)
        if opts is None:
            return USAGE
        if not opts.messages and not opts.json and sys.stdin.isatty():
            from agent.terminal.typeahead import quiet_typeahead

            with quiet_typeahead():  # from now on, keys typed ahead wait for the prompt
                from agent.assemble import run_chat

                return run_chat(opts)
        from agent.assemble import run_chat

        return run_chat(opts)
    except KeyboardInterrupt:
        _say("ui.interrupted", args)
        return INTERRUPTED
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
