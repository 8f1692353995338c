"""Tab completion of slash commands and file paths, as the completer offers them."""

from __future__ import annotations

from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from agent.terminal.completion import ChatCompleter


def complete(text: str, *, tab: bool = True) -> list[tuple[str, int]]:
    doc = Document(text, cursor_position=len(text))
    found = ChatCompleter("en").get_completions(doc, CompleteEvent(completion_requested=tab))
    return [(c.text, c.start_position) for c in found]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Pictures").mkdir()
    (tmp_path / "Pictures" / "beach.jpg").write_bytes(b"x")
    (tmp_path / "Pictures" / "my city.png").write_bytes(b"x")
    (tmp_path / "Pictures" / ".hidden.png").write_bytes(b"x")
    (tmp_path / "Public").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_slash_commands_complete_with_a_space_to_continue() -> None:
    assert complete("/ex") == [("/export ", -3)]
    assert [text for text, _ in complete("/")][:3] == ["/upload ", "/export ", "/preview "]
    assert complete("/nothing") == []


def test_slash_command_completions_carry_help() -> None:
    doc = Document("/cr", 3)
    (completion,) = ChatCompleter("zh").get_completions(doc, CompleteEvent(True))
    assert completion.display_meta_text == "查看积分"


def test_paths_complete_after_words_with_tilde_kept(tree: Path) -> None:
    assert complete("use ~/Pic") == [("~/Pictures/", -5)]
    assert complete("use ~/Pictures/be") == [("~/Pictures/beach.jpg", -13)]
    assert complete("/upload Pictures/b") == [("Pictures/beach.jpg", -10)]


def test_folders_end_in_a_slash_and_hidden_files_need_a_dot(tree: Path) -> None:
    assert complete("P") == [("Pictures/", -1), ("Public/", -1)]
    names = [text for text, _ in complete("Pictures/")]
    assert "Pictures/.hidden.png" not in names
    assert complete("Pictures/.h") == [("Pictures/.hidden.png", -11)]


def test_names_with_spaces_are_quoted_and_quotes_are_followed(tree: Path) -> None:
    assert complete("add Pictures/my") == [('"Pictures/my city.png"', -11)]
    assert complete('add "Pictures/my c') == [('"Pictures/my city.png"', -14)]


def test_while_typing_only_path_like_words_complete(tree: Path) -> None:
    assert complete("make it Pic", tab=False) == []
    assert complete("make it ./Pic", tab=False) == [("./Pictures/", -5)]


def test_an_absolute_path_at_the_start_of_a_message_completes(tree: Path) -> None:
    """A dropped or typed absolute path starts with "/" like a command: "/tmp/pt/for<Tab>"
    once offered nothing at all."""
    start = f"{tree}/Pictures/be"
    assert complete(start) == [(f"{tree}/Pictures/beach.jpg", -len(start))]
    assert complete(f"{tree}/Pic") == [(f"{tree}/Pictures/", -len(f"{tree}/Pic"))]
    assert complete("/ex") == [("/export ", -3)]  # commands still win where one matches
