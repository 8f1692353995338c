"""Issue 18: text from the network or a file name never reaches the terminal raw.

A hostile reply, title or file name carrying ESC/CSI/OSC sequences could retitle the terminal,
clear it or recolour everything after it; rich markup in a name could restyle a line. Each
event kind that carries outside text is rendered by both renderers, and what reaches the
terminal is checked for the attacker's sequences.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from agent import events as ev
from agent.terminal.plain_renderer import PlainRenderer
from agent.terminal.rich_renderer import RichRenderer
from agent.terminal.untrusted import clean

RETITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
RED = "\x1b[31m"
LINK = "\x1b]8;;http://evil.example/\x1b\\"
HOSTILE = f"sunset{RETITLE}{CLEAR}{RED}{LINK}.jpg\rOVERWRITE\x07\x9b2J\u202egpj"
# what the attacker's text would put there (rich's live region uses \r and CSI of its own)
ATTACKS = ("\x1b]0;", "\x1b[2J", "\x1b[H", "\x1b]8;;http://evil", "\rOVERWRITE", "\x07",
           "\x9b", "\u202e")

EVENTS: list[ev.Event] = [
    ev.TextDelta(text=f"Here it is: {HOSTILE}\n\n"),
    ev.TextReplace(text=f"Replaced {HOSTILE}"),
    ev.Status(text=f"working on {HOSTILE}"),
    ev.Notice(text=f"note {HOSTILE}"),
    ev.Action(text=f"action {HOSTILE}"),
    ev.Error(code="x", message=f"bad {HOSTILE}", hint=f"hint {HOSTILE}"),
    ev.Table(title=f"[bold red]T {HOSTILE}", columns=["name"], rows=[[f"[blink]{HOSTILE}"]]),
    ev.Timeline(summary=f"title {HOSTILE}", tracks=[[f"track {HOSTILE}"]],
                media=[[f"[red]{HOSTILE}"]], canvas=f"c {HOSTILE}"),
    ev.Progress(task="upload:1", label=f"[red]Uploading {HOSTILE}", completed=1, total=4),
    ev.Link(label=f"see {HOSTILE}", url=f"http://x/{HOSTILE} [red]"),
    ev.MediaUploaded(name=f"[bold]{HOSTILE}", file_type="image", size=10),
    ev.FileSaved(path=f"/out/{HOSTILE}.mp4", size=10),
    ev.TurnEnd(),
]


def _assert_safe(out: str) -> None:
    for attack in ATTACKS:
        assert attack not in out, f"{attack!r} reached the terminal"


def test_the_plain_renderer_shows_no_escape_sequence() -> None:
    out = io.StringIO()
    renderer = PlainRenderer(out)
    for event in EVENTS:
        renderer.handle(event)
    renderer.note(f"crash: {HOSTILE}")
    text = out.getvalue()
    _assert_safe(text)
    assert "\x1b" not in text  # the plain renderer writes no escape of its own either
    assert "sunset" in text and "OVERWRITE" in text  # the words stay, only the controls go
    assert "\\x07" in text  # a lone control is shown, not hidden


def test_the_rich_renderer_shows_no_escape_sequence_and_no_markup() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=True, color_system="standard")
    renderer = RichRenderer(console)
    for event in EVENTS:
        renderer.handle(event)
    renderer.note(f"crash: {HOSTILE}")
    renderer.settle()
    text = out.getvalue()
    _assert_safe(text)
    # rich markup in a name is shown as written, not obeyed
    assert "[bold red]T" in text and "[blink]sunset" in text and "[bold]sunset" in text
    assert "\x1b[5m" not in text  # blink was not turned on


def test_the_rich_progress_bar_label_is_not_markup() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=True, color_system="standard")
    renderer = RichRenderer(console)
    renderer.handle(ev.Progress(task="upload:1", label="[red]a.jpg", completed=1, total=4))
    assert renderer.live.bar_text("upload:1") is not None
    with console.capture() as capture:
        console.print(renderer.live._view())
    assert "[red]a.jpg" in capture.get()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain words", "plain words"),
        ("line\nnext\ttab", "line\nnext\ttab"),
        ("a\x1b[1;31mred\x1b[0m", "ared"),
        ("t\x1b]2;title\x1b\\x", "tx"),
        ("crlf\r\n", "crlf\n"),
        ("nul\x00", "nul\\x00"),
        ("中文\x1b[K字幕", "中文字幕"),
    ],
)
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_a_replayed_transcripts_header_is_cleaned_too() -> None:
    """A transcript may come from someone else: its header fields are outside text."""
    from types import SimpleNamespace

    from agent.terminal.replay_view import watch

    async def run(show: object) -> object:
        return SimpleNamespace(problem=None, ok=False)

    out = io.StringIO()
    code = watch(run, out=out, lang="en", file=f"s{RETITLE}.jsonl", path=f"/t/{CLEAR}x",  # type: ignore[arg-type]
                 created=f"2026{RETITLE}", version=f"1{RED}", speed=1.0)
    assert code == 1
    _assert_safe(out.getvalue())
    assert "\x1b" not in out.getvalue()
