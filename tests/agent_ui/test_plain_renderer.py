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
