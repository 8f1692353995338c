"""The terminal renderer, off-screen: streamed Markdown, Chinese width, tables, lines."""

from __future__ import annotations

import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from agent import events as ev
from agent.terminal.rich_renderer import RichRenderer

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

REPLY = (
    "Here is your plan for the **beach** video.\n\n"
    "1. Slow zoom on the first photo\n"
    "2. Cross-fade to the second\n\n"
    '```json\n{"fps": 30}\n```\n\n'
    "Say *export* when you are happy with it."
)

CHINESE = "好的，我已经把你的三张照片做成了一个带有缓慢推拉镜头和交叉淡化转场效果的动态视频，总时长十二秒。"


def make(width: int = 60, terminal: bool = False) -> tuple[RichRenderer, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system=None)
    return RichRenderer(console, "en"), out


def stream(renderer: RichRenderer, text: str, size: int) -> None:
    for i in range(0, len(text), size):
        renderer.handle(ev.TextDelta(text=text[i : i + size]))
    renderer.handle(ev.TextDone())
    renderer.handle(ev.TurnEnd())


@pytest.mark.parametrize("size", [1, 3, 7, 50, 1000])
def test_streamed_reply_appears_once_and_whole(size: int) -> None:
    renderer, out = make()
    stream(renderer, REPLY, size)
    text = out.getvalue()
    for phrase in ("Here is your plan", "Slow zoom", "Cross-fade", '{"fps": 30}', "export"):
        assert text.count(phrase) == 1, (phrase, text)
    assert "**" not in text  # rendered as Markdown, not raw
    # identical whatever the chunking: the stream is laid out like the whole reply
    whole, whole_out = make()
    stream(whole, REPLY, len(REPLY))
    assert text == whole_out.getvalue()


def test_long_reply_commits_finished_paragraphs_while_streaming() -> None:
    renderer, out = make()
    renderer.handle(ev.TextDelta(text="First paragraph.\n\nSecond "))
    assert "First paragraph." in out.getvalue()  # committed before the reply ends
    assert "Second" not in out.getvalue()  # the unfinished tail is not printed yet
    renderer.handle(ev.TextDelta(text="paragraph."))
    renderer.handle(ev.TurnEnd())
    assert out.getvalue().count("Second paragraph.") == 1


@pytest.mark.parametrize("width", [20, 33, 80])
def test_chinese_wraps_without_spaces_within_the_width(width: int) -> None:
    renderer, out = make(width)
    stream(renderer, CHINESE, 4)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(line.strip() for line in lines) == CHINESE
    if cell_len(CHINESE) > width:
        assert len(lines) > 1


def test_text_replace_keeps_what_matches_and_shows_the_rest() -> None:
    renderer, out = make()
    renderer.handle(ev.TextDelta(text="The title is "))
    renderer.handle(ev.TextReplace(text="The title is Urban Dreams."))
    renderer.handle(ev.TurnEnd())
    assert out.getvalue().count("The title is") == 1
    assert "Urban Dreams." in out.getvalue()


def test_tables_and_timeline_are_laid_out_in_columns() -> None:
    renderer, out = make(80)
    renderer.handle(
        ev.Table(
            title="Credits", columns=["available", "frozen", "total"], rows=[["95", "5", "100"]]
        )
    )
    renderer.handle(
        ev.Timeline(
            summary="Timeline (2 tracks)",
            tracks=[
                ["1", "Video", "city timelapse", "0-10s", ""],
                ["2", "Title", "“城市之梦”", "0-3s", ""],
            ],
            canvas="1920×1080",
        )
    )
    lines = out.getvalue().splitlines()
    header = next(line for line in lines if "available" in line)
    values = lines[lines.index(header) + 1]
    assert values.index("95") == header.index("available")
    assert values.index("100") == header.index("total")
    video = next(line for line in lines if "city timelapse" in line)
    title = next(line for line in lines if "城市之梦" in line)
    assert cell_len(video[: video.index("0-10s")]) == cell_len(title[: title.index("0-3s")])


def test_events_have_readable_lines_and_no_markup_leaks() -> None:
    renderer, out = make(80)
    renderer.handle(ev.Ready(greeting="Ready to make videos.", examples=["animate my photo"]))
    renderer.handle(
        ev.MediaUploaded(name="beach.png", file_type="image", size=2048, width=640, height=360)
    )
    renderer.handle(ev.FileSaved(path="/tmp/out/video.mp4", size=3 * 1024 * 1024, duration=12.0))
    renderer.handle(
        ev.Error(
            code="4001", message="That file type is not supported.", hint="Use mp4, jpg or png."
        )
    )
    renderer.handle(ev.Link(label="Register:", url="https://nemovideo.com/?bind=anon_1"))
    text = out.getvalue()
    assert "animate my photo" in text
    assert "beach.png" in text and "640×360" in text and "2.0 KB" in text
    assert "/tmp/out/video.mp4" in text and "12.0 s" in text and "3.0 MB" in text
    assert "not supported" in text and "Use mp4" in text
    assert "https://nemovideo.com/?bind=anon_1" in text
    assert "[bold" not in text and "[red" not in text and "[dim" not in text


def test_live_region_on_a_terminal_is_transient_and_commits_once() -> None:
    renderer, out = make(60, terminal=True)
    renderer.handle(ev.Status(text="working on the timeline…"))
    renderer.handle(ev.Progress(task="up", label="beach.png", completed=10, total=100))
    for i in range(0, len(REPLY), 5):
        renderer.handle(ev.TextDelta(text=REPLY[i : i + 5]))
    renderer.handle(ev.TurnEnd())
    assert not renderer.live.running  # nothing left running after the turn
    # the committed (non-live) output, i.e. what stays on screen, holds each block once:
    # rich writes committed lines only once; live frames are erased by cursor moves
    plain = ANSI.sub("", out.getvalue())
    assert "Say export when you are happy with it." in plain


def test_idle_prompt_prints_statically_without_live() -> None:
    renderer, out = make(60, terminal=True)
    renderer.idle = True
    renderer.handle(ev.Status(text="Rendering"))
    renderer.handle(ev.Notice(text="Render finished.", level="success"))
    assert not renderer.live.running
    assert "Render finished." in out.getvalue()


def test_a_status_between_two_steps_separates_their_texts() -> None:
    renderer, out = make(80)
    renderer.handle(ev.TextDelta(text="Generating your clip now."))
    renderer.handle(ev.Status(text="Step 1 of 2: generating the clip…"))
    renderer.handle(ev.TextDelta(text="I animated 2 photos."))
    renderer.handle(ev.TurnEnd())
    lines = [line for line in out.getvalue().splitlines()]
    assert lines == ["Generating your clip now.", "", "I animated 2 photos."]


def test_a_render_followed_behind_the_prompt_shows_in_the_bottom_bar() -> None:
    from prompt_toolkit.formatted_text import to_plain_text
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.output import DummyOutput

    from agent.terminal.repl import make_session

    renderer, _ = make(terminal=True)
    session = make_session("en", InMemoryHistory(), activity=renderer.activity, output=DummyOutput())
    bar = session.bottom_toolbar
    assert callable(bar)
    renderer.idle = True  # at the prompt: a live bar cannot be drawn over it
    woken: list[bool] = []
    renderer.on_activity = lambda: woken.append(True)  # the REPL redraws its bottom bar
    assert renderer.activity() is None
    assert to_plain_text(bar()).startswith(" Enter send")
    renderer.handle(ev.Progress(task="render", label="Rendering… 12 s", completed=45, total=100))
    assert renderer.activity() == "Rendering… 12 s  45%"
    assert to_plain_text(bar()).startswith(" Rendering… 12 s  45% · Enter send")
    assert woken == [True]
    renderer.handle(ev.Progress(task="render", label="Rendered in 20 s", completed=100, total=100, done=True))
    assert renderer.activity() is None
    renderer.idle = False  # a reply is being shown: the live area has the bar, not the toolbar
    renderer.handle(ev.Progress(task="render", label="Rendering… 3 s", completed=5, total=100))
    assert renderer.activity() is None
