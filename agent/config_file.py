"""The config folder, and the optional `config.toml` in it: defaults a person sets once.

The folder (token, client id, what is remembered between runs, `config.toml`) is
`NEMO_CONFIG_DIR`, else `$XDG_CONFIG_HOME/nemovideo`, else `~/.config/nemovideo`: the wire
(`agent/api/config.py`) and the command line both ask `config_dir()` here, so they agree.

`config.toml` holds at most three settings:

    out = "~/Videos/nemo"   # where videos are saved (like --out)
    lang = "zh-Hant"        # en, zh or zh-Hant (like --lang)
    local = true            # use the local backend (like --local; --no-local overrides)

Flags and environment variables win over the file. A file that cannot be used is a clear error
naming its line (`ConfigError`), never a traceback and never silently ignored. Standard library
only: the command line reads this before anything heavy is imported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CONFIG_NAME", "ConfigError", "FileDefaults", "config_dir", "load_defaults"]

CONFIG_NAME = "config.toml"
APP_FOLDER = "nemovideo"
LANG_VALUES = ("en", "zh", "zh-Hant")


def config_dir() -> Path:
    """NEMO_CONFIG_DIR, else $XDG_CONFIG_HOME/nemovideo, else ~/.config/nemovideo."""
    override = os.environ.get("NEMO_CONFIG_DIR", "").strip()
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
    # the XDG spec: a relative XDG_CONFIG_HOME is invalid and is to be ignored
    if xdg and os.path.isabs(os.path.expanduser(xdg)):
        return Path(xdg).expanduser() / APP_FOLDER
    return Path.home() / ".config" / APP_FOLDER


@dataclass(frozen=True)
class FileDefaults:
    out: Path | None = None
    lang: str | None = None
    local: bool | None = None


class ConfigError(Exception):
    """`config.toml` cannot be used: `key` is the message's key, `values` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")
_EXPECTED = {"out": "ui.config_expect.path", "lang": "ui.config_expect.lang",
             "local": "ui.config_expect.bool"}


def load_defaults(folder: Path | None = None) -> FileDefaults:
    """The settings of `config.toml`; empty ones when there is no file. Raises ConfigError."""
    path = (folder or config_dir()) / CONFIG_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return FileDefaults()
    except OSError as exc:
        raise ConfigError("ui.config_bad", path=path, line="-",
                          error=exc.strerror or type(exc).__name__) from None
    if len(raw) > 64 * 1024:  # three settings fit in a few lines; this is not our file
        raise ConfigError("ui.config_bad", path=path, line="-", error="> 64 KiB")
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("ui.config_bad", path=path, line=line, error="not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        found = _AT_LINE.search(text)
        raise ConfigError("ui.config_bad", path=path, line=found.group(1) if found else "-",
                          error=_AT_LINE.sub("", text)) from None
    for name in data:
        if name not in _EXPECTED:
            raise ConfigError("ui.config_unknown", path=path, name=name)
    out, lang, local = data.get("out"), data.get("lang"), data.get("local")
    if out is not None and (not isinstance(out, str) or not out.strip()):
        raise ConfigError("ui.config_bad_value", path=path, name="out", expected=_EXPECTED["out"])
    if lang is not None and lang not in LANG_VALUES:
        raise ConfigError("ui.config_bad_value", path=path, name="lang",
                          expected=_EXPECTED["lang"])
    if local is not None and not isinstance(local, bool):
        raise ConfigError("ui.config_bad_value", path=path, name="local",
                          expected=_EXPECTED["local"])
    return FileDefaults(
        out=Path(out).expanduser() if isinstance(out, str) else None,
        lang=lang if isinstance(lang, str) else None,
        local=local,
    )
