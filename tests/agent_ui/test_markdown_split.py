"""The cut between finished Markdown blocks and the live tail of a streaming reply."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agent.terminal.markdown_split import split_finished


@given(st.text(alphabet="ab #`~-*1.\n 中文", max_size=200))
def test_nothing_is_lost_or_repeated(text: str) -> None:
    finished, tail = split_finished(text)
    assert finished + tail == text


@given(st.lists(st.text(alphabet="ab #`\n中", max_size=30), max_size=15))
def test_a_commit_is_never_taken_back_as_text_grows(chunks: list[str]) -> None:
    text = ""
    committed = ""
    for chunk in chunks:
        text += chunk
        finished, _ = split_finished(text)
        assert finished.startswith(committed)  # what was printed stays a prefix
        committed = finished


def test_paragraph_is_finished_when_the_next_one_starts() -> None:
    assert split_finished("one\n\n") == ("", "one\n\n")
    assert split_finished("one\n\ntwo") == ("one\n\n", "two")
    assert split_finished("one\n\ntwo\n\nthr") == ("one\n\ntwo\n\n", "thr")


def test_indented_continuation_keeps_a_list_item_open() -> None:
    assert split_finished("- item\n\n  more of it\n") == ("", "- item\n\n  more of it\n")


def test_code_fence_is_never_cut_inside() -> None:
    text = "```python\nx = 1\n\n\ny = 2\n"
    assert split_finished(text) == ("", text)
    closed = text + "```\nafter"
    assert split_finished(closed) == (text + "```\n", "after")


def test_heading_line_is_finished_at_its_end() -> None:
    assert split_finished("# 标题\n正文") == ("# 标题\n", "正文")
