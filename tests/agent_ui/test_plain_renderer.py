"""Piped output: plain text, streamed as it comes, transient things as occasional lines."""

from __future__ import annotations

import io
import re

from rich.cells import cell_len

from agent import events as ev
from agent.terminal.plain_renderer import PlainRenderer

ESC = re.compile(r"\x1b")


def make() -> tuple[PlainRenderer, io.StringIO]:
    out = io.StringIO()
    return PlainRenderer(out, "en"), out


def test_streamed_text_is_written_as_it_arrives_exactly_once() -> None:
    renderer, out = make()
    renderer.handle(ev.TextDelta(text="Hel"))
    assert out.getvalue() == "Hel"  # no buffering until the end of the reply
    renderer.handle(ev.TextDelta(text="lo **world**"))
    renderer.handle(ev.TextDone())
    renderer.handle(ev.Notice(text="Done."))
    assert out.getvalue() == "Hello **world**\nDone.\n"


def test_text_replace_writes_only_the_difference_or_the_corrected_text() -> None:
    renderer, out = make()
    renderer.handle(ev.TextDelta(text="Added a title"))
    renderer.handle(ev.TextReplace(text="Added a title “Urban Dreams”."))
    renderer.handle(ev.TextReplace(text="Something else entirely."))
    renderer.handle(ev.TurnEnd())
    assert out.getvalue() == "Added a title “Urban Dreams”.\nSomething else entirely.\n"


def test_status_and_progress_become_occasional_lines() -> None:
    renderer, out = make()
    for _ in range(5):
        renderer.handle(ev.Status(text="Rendering…"))
    for pct in range(0, 101, 5):
        renderer.handle(ev.Progress(task="r", label="Rendering", completed=pct, total=100))
    renderer.handle(ev.Progress(task="r", label="Rendering", completed=100, total=100, done=True))
    lines = out.getvalue().splitlines()
    assert lines.count("Rendering…") == 1
    assert [x for x in lines if x.startswith("Rendering:")] == [
        "Rendering: 0%",
        "Rendering: 25%",
        "Rendering: 50%",
        "Rendering: 75%",
        "Rendering: 100%",
    ]


def test_no_escape_codes_and_tables_align_with_chinese() -> None:
    renderer, out = make()
    renderer.handle(ev.UserMessage(text="积分"))
    renderer.handle(
        ev.Table(title="积分", columns=["可用", "冻结", "总计"], rows=[["95", "5", "100"]])
    )
    renderer.handle(ev.Error(code="2001", message="积分不足。", hint="注册后可获得更多积分。"))
    renderer.handle(ev.FileSaved(path="out/v.mp4", size=1536, duration=3.0))
    text = out.getvalue()
    assert not ESC.search(text)
    lines = text.splitlines()
    assert lines[0] == "> 积分"
    header, row = lines[2], lines[3]
    # columns line up in terminal cells (a Chinese character is two cells wide)
    assert [cell_len(header[: header.index(w)]) for w in ("可用", "冻结", "总计")] == [2, 8, 14]
    assert row == "  95    5     100"
    assert "积分不足。" in text and "out/v.mp4" in text and "1.5 KB" in text


def test_file_facts_are_in_the_person_s_language() -> None:
    for lang, upload, saved in (
        ("en", "beach.jpg (image · 1.0 MB · 4000×3000)", "Saved out/v.mp4 (3.0 s, 1.5 KB)"),
        ("zh", "已上传 beach.jpg (图片 · 1.0 MB · 4000×3000)", "已保存 out/v.mp4 (3.0 秒, 1.5 KB)"),
    ):
        out = io.StringIO()
        renderer = PlainRenderer(out, lang)
        renderer.handle(ev.MediaUploaded(name="beach.jpg", file_type="image", size=1024 * 1024,
                                         width=4000, height=3000))
        renderer.handle(ev.FileSaved(path="out/v.mp4", size=1536, duration=3.0))
        text = out.getvalue()
        assert upload in text, text
        assert saved in text, text


TIMELINE = ev.Timeline(
    summary="Timeline (2 tracks): 1. Video: beach.jpg (0-3s) 2. BGM: Lo-fi (0-3s, 35%)",
    tracks=[["1", "Video", "beach.jpg", "0-3s", ""], ["2", "BGM", "Lo-fi", "0-3s", "35%"]],
)


def test_status_shows_the_timeline_once_not_a_summary_then_the_same_table() -> None:
    renderer, out = make()
    renderer.handle(TIMELINE)
    text = out.getvalue()
    assert text.count("beach.jpg") == 1 and text.count("Lo-fi") == 1
    assert text.splitlines()[0] == "Timeline (2 tracks):"
    renderer.handle(ev.Timeline(summary="Nothing on the timeline yet."))  # no table: the summary
    assert out.getvalue().endswith("Nothing on the timeline yet.\n")


def streams(quiet: bool = False) -> tuple[PlainRenderer, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return PlainRenderer(out, "en", err=err, quiet=quiet), out, err


def everything(renderer: PlainRenderer) -> None:
    for event in (
        ev.Ready(greeting="Ready.", examples=["make a video"]),
        ev.UserMessage(text="export"),
        ev.Status(text="Thinking…"),
        ev.Progress(task="render", label="Rendering", completed=50, total=100),
        ev.TextDelta(text="Here it is."),
        ev.TextDone(),
        ev.Notice(text="Saved soon.", level="warning"),
        ev.Action(text="Exporting…"),
        TIMELINE,
        ev.FileSaved(path="/v/a.mp4", size=2048),
        ev.Error(code="2001", message="No credits left.", hint="Buy some."),
    ):
        renderer.handle(event)
    renderer.note("A render is still running.")
    renderer.settle()


def test_results_go_to_stdout_and_everything_else_to_stderr() -> None:
    renderer, out, err = streams()
    everything(renderer)
    assert out.getvalue().splitlines() == [
        "Here it is.", "Timeline (2 tracks):", "  1  Video  beach.jpg  0-3s",
        "  2  BGM    Lo-fi      0-3s  35%", "Saved /v/a.mp4 (2.0 KB)"]
    for line in ("Ready.", "> export", "Thinking…", "Rendering: 50%", "Saved soon.",
                 "Exporting…", "Error: No credits left.", "  Buy some.",
                 "A render is still running."):
        assert line in err.getvalue().splitlines()


def test_quiet_writes_only_results_and_errors() -> None:
    renderer, out, err = streams(quiet=True)
    everything(renderer)
    assert "Here it is." in out.getvalue() and "/v/a.mp4" in out.getvalue()
    assert err.getvalue().splitlines() == ["Error: No credits left.", "  Buy some."]


def test_a_bar_that_failed_ends_with_its_label_not_a_tick_or_100_percent() -> None:
    renderer, out = make()
    renderer.handle(ev.Progress(task="upload:nope.jpg", label="Uploading nope.jpg", completed=0))
    renderer.handle(ev.Progress(task="upload:nope.jpg", label="nope.jpg not uploaded",
                                completed=0, done=True, failed=True))
    renderer.handle(ev.Progress(task="upload:a.png", label="Uploading a.png", completed=0,
                                total=10))
    renderer.handle(ev.Progress(task="upload:a.png", label="a.png not uploaded",
                                completed=0, total=10, done=True, failed=True))
    lines = out.getvalue().splitlines()
    assert "nope.jpg not uploaded" in lines and "a.png not uploaded" in lines
    assert "✓" not in out.getvalue() and "100%" not in out.getvalue()


def test_a_status_between_two_steps_of_a_reply_ends_the_line_on_stdout() -> None:
    for quiet in (False, True):
        renderer, out, _err = streams(quiet=quiet)
        renderer.handle(ev.TextDelta(text="Generating the clip."))
        renderer.handle(ev.Status(text="Step 1 of 2: generating the clip…"))
        renderer.handle(ev.TextDelta(text="Made the video."))
        renderer.handle(ev.TextDone())
        assert out.getvalue() == "Generating the clip.\nMade the video.\n"
