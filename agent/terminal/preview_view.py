"""A preview in the terminal: the contact sheet shown inline, then the paths as links.

The sheet is drawn by `inline_image` where the terminal can show pictures; the paths are
printed either way (OSC 8 hyperlinks where rich drives a terminal), so a person can always
open the files themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from agent.messages import t

if TYPE_CHECKING:
    from rich.console import Console

    from agent.events import PreviewReady


def file_link(path: str) -> str:
    """The file:// URL of a saved file (for OSC 8 hyperlinks)."""
    return Path(path).resolve().as_uri()


def _path_line(key: str, path: str, lang: str) -> Text:
    label = t(key, lang, path="\0").split("\0")[0]
    url = file_link(path)
    return Text.assemble(("✓ ", "green"), (label, "bold"), (path, f"link {url}"))


def show_preview(console: Console, event: PreviewReady, lang: str) -> None:
    from agent.terminal.inline_image import show_image

    show_image(console, Path(event.sheet))
    console.print(_path_line("preview.sheet", event.sheet, lang), overflow="fold")
    if event.video:
        console.print(_path_line("preview.video", event.video, lang), overflow="fold")
        console.print(Text(t("preview.open_hint", lang), style="dim"))
