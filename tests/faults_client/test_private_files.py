"""Issue 18: the history and transcripts are the person's alone: 0600 files, 0700 folders.

They were created 0644 (readable by every account on the machine), and transcripts hold the
anonymous user ids. Modes are checked under the usual umask 022.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.terminal.paths import history_file, private_data_dir
from agent.terminal.repl import open_history
from agent.transcripts import Recorder


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_history_is_0600_in_a_0700_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEMO_DATA_DIR", str(tmp_path / "data"))
    private_data_dir()
    history = open_history(history_file())
    history.append_string("upload ~/private/photo.jpg")
    history.store_string("upload ~/private/photo.jpg")
    assert _mode(history_file()) == 0o600
    assert _mode(tmp_path / "data") == 0o700


def test_an_older_open_history_and_folder_are_made_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    (folder / "history").write_text("\n# older\n+hello\n")
    (folder / "history").chmod(0o644)
    monkeypatch.setenv("NEMO_DATA_DIR", str(folder))
    private_data_dir()
    open_history(history_file())
    assert _mode(folder) == 0o700
    assert _mode(folder / "history") == 0o600
    assert "+hello" in (folder / "history").read_text()  # tightened, not replaced


def test_a_transcript_is_0600_and_a_folder_made_for_it_0700(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "session.jsonl"
    recorder = Recorder(path, app_version="test", lang="en", api_base="http://127.0.0.1:1")
    recorder.close()
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700


def test_the_persons_own_folder_is_left_as_it_was(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o755)
    recorder = Recorder(mine / "s.jsonl", app_version="test", lang="en",
                        api_base="http://127.0.0.1:1")
    recorder.close()
    assert _mode(mine / "s.jsonl") == 0o600
    assert _mode(mine) == 0o755
