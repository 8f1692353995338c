"""--help (every environment variable, subcommands, exit codes; in the locale's language),
shell completion from the parser, and config.toml with the config folder it lives in."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent import cli
from agent.config_file import ConfigError, config_dir, load_defaults

ROOT = Path(__file__).resolve().parents[2]


def nemo_chat(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "NEMO_"))}
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True,
                          text=True, timeout=30, cwd=ROOT, env={**base, **(env or {})},
                          stdin=subprocess.DEVNULL)


def env_vars_in_code() -> set[str]:
    """Every NAME in os.environ.get("NAME") / os.getenv("NAME") / environ["NAME"] we ship."""
    found: set[str] = set()
    pattern = re.compile(r"""(?:environ\.get|getenv|environ\[)\(?\s*["']([A-Z_]+)["']""")
    for folder in ("agent", "backend", "intents"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(pattern.findall(path.read_text(encoding="utf-8")))
    for path in (ROOT / "agent").rglob("*.py"):  # names passed to a helper: _env("NAME")
        found.update(re.findall(r"""_env\(\s*["']([A-Z_]+)["']""", path.read_text("utf-8")))
    found.update({"NO_COLOR"})  # read by rich on our behalf
    found.update({"LC_ALL", "LC_MESSAGES", "LANG"})  # read in a loop (agent.messages.locale_lang)
    found.update({"SSL_CERT_DIR", "WAYLAND_DISPLAY"})  # read beside SSL_CERT_FILE, DISPLAY
    return found


def test_help_lists_every_environment_variable_subcommand_and_exit_code() -> None:
    result = nemo_chat("--help")
    assert result.returncode == 0
    names = env_vars_in_code()
    assert {"NEMO_TOKEN", "NEMO_API_URL", "NEMO_OUTPUT_DIR", "NEMO_CONFIG_DIR",
            "NEMO_POLL_INTERVAL", "XDG_CONFIG_HOME", "LANG"} <= names
    lines = result.stdout.splitlines()
    for name in names:
        assert any(re.match(rf"\s+(\S+, )*{name}\b", line) for line in lines), name
    for command in ("nemo-chat replay", "nemo-chat batch"):
        assert command in result.stdout
    for option in ("--json", "--quiet", "--print-completion", "--no-local"):
        assert option in result.stdout
    from agent.exit_codes import CODES

    for code in CODES:
        assert re.search(rf"^\s+{code}\s+\S", result.stdout, re.M), code


@pytest.mark.parametrize(("lang", "words"), [("zh_CN.UTF-8", "环境变量"),
                                             ("zh_TW.UTF-8", "環境變數"),
                                             ("zh_HK.UTF-8", "環境變數")])
def test_help_follows_a_chinese_locale(lang: str, words: str) -> None:
    result = nemo_chat("--help", env={"LANG": lang})
    assert result.returncode == 0
    assert words in result.stdout and "退出碼" in result.stdout.replace("退出码", "退出碼")
    assert "Environment variables" not in result.stdout
    assert "usage:" not in result.stdout and "show this help" not in result.stdout  # argparse's too


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_comes_from_the_parser(shell: str) -> None:
    result = nemo_chat("--print-completion", shell)
    assert result.returncode == 0
    for word in ("--json", "--quiet", "--local", "replay", "--check"):
        fish = shell == "fish" and word.startswith("--")
        assert (f"-l {word[2:]}" if fish else word) in result.stdout
    if shell == "bash" and shutil.which("bash"):
        check = subprocess.run(["bash", "-n"], input=result.stdout, capture_output=True,
                               text=True, timeout=30)
        assert check.returncode == 0, check.stderr


def test_an_unknown_shell_is_a_usage_error() -> None:
    result = nemo_chat("--print-completion", "tcsh")
    assert result.returncode == 2 and "Traceback" not in result.stderr


# -- the config folder and config.toml ---------------------------------------------------


def test_the_config_folder_honours_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEMO_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "nemovideo"
    from agent.api import ApiConfig

    assert ApiConfig.from_env().config_dir == tmp_path / "xdg" / "nemovideo"  # the token's too
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")  # invalid by the spec: ignored
    assert config_dir() == Path.home() / ".config" / "nemovideo"
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "mine"))
    assert config_dir() == tmp_path / "mine"


def test_config_toml_settings(tmp_path: Path) -> None:
    assert load_defaults(tmp_path) == load_defaults(tmp_path / "none")  # no file: nothing set
    (tmp_path / "config.toml").write_text('out = "~/Videos"\nlang = "zh-Hant"\nlocal = true\n')
    saved = load_defaults(tmp_path)
    assert saved.out == Path.home() / "Videos" and saved.lang == "zh-Hant" and saved.local


@pytest.mark.parametrize(("text", "key", "line"), [
    ('out = "a"\nlang = zh\n', "ui.config_bad", "2"),
    ('local = true\n\n[oops\n', "ui.config_bad", "3"),
    ('colour = "red"\n', "ui.config_unknown", None),
    ('local = "yes"\n', "ui.config_bad_value", None),
    ('lang = "fr"\n', "ui.config_bad_value", None),
])
def test_a_bad_config_file_is_a_clear_error_with_its_line(
    tmp_path: Path, text: str, key: str, line: str | None
) -> None:
    (tmp_path / "config.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_defaults(tmp_path)
    assert caught.value.key == key
    if line is not None:
        assert caught.value.values["line"] == line


def test_flags_and_environment_win_over_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("NEMO_OUTPUT_DIR", raising=False)
    (tmp_path / "config.toml").write_text('out = "/saved"\nlang = "zh"\nlocal = true\n')

    def options(*args: str) -> object:
        ns = cli.build_parser().parse_args(list(args))
        return cli._options(ns, list(args))

    from_file = options()
    assert from_file.out == Path("/saved") and from_file.lang == "zh" and from_file.local  # type: ignore[attr-defined]
    flags = options("--out", "/flag", "--lang", "en", "--no-local")
    assert flags.out == Path("/flag") and flags.lang == "en" and not flags.local  # type: ignore[attr-defined]
    monkeypatch.setenv("NEMO_OUTPUT_DIR", "/env")
    assert options().out is None  # type: ignore[attr-defined]  # the core's settings read the env


def test_a_bad_config_file_stops_the_run_with_its_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('lang = "zh"\nlocal = maybe\n')
    result = nemo_chat("-m", "hello", env={"NEMO_CONFIG_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert f"{tmp_path / 'config.toml'}, line 2:" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
