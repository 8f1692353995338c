"""Chinese wraps between characters (not only at spaces), never before closing punctuation."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich import _wrap
from rich.cells import cell_len
from rich.console import Console

from agent.terminal import cjk_wrap

ORIGINAL_WORDS = _wrap.words


@given(st.text(alphabet="ab ,.中文字，。（）「」…\n", max_size=80))
def test_splitting_keeps_every_character(text: str) -> None:
    ours = "".join(word for _, _, word in cjk_wrap.words(text))
    theirs = "".join(word for _, _, word in ORIGINAL_WORDS(text))
    assert ours == theirs


@pytest.mark.parametrize("width", [24, 30, 41])
def test_a_chinese_sentence_after_a_space_fills_the_line(width: int) -> None:
    cjk_wrap.install()
    text = "✅ 第 1 步（共 2 步）：视频片段已生成（5.5 秒）。接下来添加音乐和标题，然后导出视频。"
    console = Console(file=io.StringIO(), width=width)
    console.print(text)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert "".join(line.rstrip() for line in lines).replace(" ", "") == text.replace(" ", "")
    for line in lines[:-1]:
        # full lines, not half-empty ones (a character with its punctuation is ≤ 6 cells)
        assert cell_len(line.rstrip()) >= width - 6
        assert not line.lstrip().startswith(("，", "。", "）", "：")) or line is lines[0]
    for line in lines[1:]:
        assert not line.startswith(("，", "。", "）", "」", "…"))


@pytest.mark.parametrize("width", [12, 20, 33])
def test_english_wraps_exactly_as_rich_does(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Hello world, this text wraps at spaces only (and keeps punctuation: yes)."

    def render() -> str:
        console = Console(file=io.StringIO(), width=width)
        console.print(text)
        return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]

    monkeypatch.setattr(_wrap, "words", ORIGINAL_WORDS)
    theirs = render()
    cjk_wrap.install()
    assert render() == theirs
