"""`upload FOLDER`: the photos in it, in name order, with a count and a confirmation; a file
that is not media gets the same clear error whichever way it was asked for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.core import upload as upload_module
from agent.events import MediaUploaded, Routed


@pytest.fixture
def trip(make_photo: Callable[..., Path]) -> Path:
    folder = make_photo("trip/img10.png", size=(64, 48), seed=1).parent
    make_photo("trip/img2.png", size=(64, 48), seed=2)
    make_photo("trip/IMG1.png", size=(64, 48), seed=3)
    make_photo("trip/.hidden.png", size=(64, 48), seed=4)
    make_photo("trip/sub/inner.png", size=(64, 48), seed=5)
    (folder / "notes.txt").write_text("not a photo", encoding="utf-8")
    return folder


async def test_a_folder_uploads_its_photos_in_name_order(make_chat: Any, trip: Path) -> None:
    chat = await make_chat()
    assert await chat.say(f"upload {trip}")
    assert chat.of(Routed)[0].route == "upload"
    assert [m.name for m in chat.of(MediaUploaded)] == ["IMG1.png", "img2.png", "img10.png"]
    assert chat.notices()[0] == f"{trip}: 3 photos, uploading them in name order."
    assert chat.notices()[-1] == f"Uploaded 3 of 3 photos from {trip}."
    assert not chat.errors()
    assert len(chat.wire.sent("POST", "/api/upload-video")) == 3  # one request a photo


async def test_a_folder_in_chinese_says_so_in_chinese(make_chat: Any, trip: Path) -> None:
    chat = await make_chat(lang="zh")
    assert await chat.say(f"上传 {trip}")
    assert chat.notices()[0] == f"{trip}：3 张照片，按文件名顺序上传。"
    assert chat.notices()[-1] == f"已从 {trip} 上传 3/3 张照片。"


async def test_a_folder_without_photos_is_refused_before_sending(
    make_chat: Any, tmp_path: Path
) -> None:
    empty = tmp_path / "docs"
    empty.mkdir()
    (empty / "a.txt").write_text("x", encoding="utf-8")
    chat = await make_chat()
    assert not await chat.say(f"upload {empty}")
    [error] = chat.errors()
    assert error.message == f"{empty} has no photos I can upload."
    assert "png" in error.hint
    assert not chat.wire.sent("POST", "/api/upload-video")


async def test_too_many_photos_are_refused_before_sending(
    make_chat: Any, trip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_module, "FOLDER_LIMIT", 2)
    chat = await make_chat()
    assert not await chat.say(f"upload {trip}")
    [error] = chat.errors()
    assert error.message == f"{trip} holds 3 photos; one upload takes at most 2."
    assert not chat.wire.sent("POST", "/api/upload-video")


async def test_a_text_file_gets_the_same_error_as_the_slash_command(
    make_chat: Any, trip: Path
) -> None:
    notes = trip / "notes.txt"
    chat = await make_chat()
    assert not await chat.say(f"upload {notes}")
    assert chat.of(Routed)[0].route == "upload"
    typed = [(e.code, e.message, e.hint) for e in chat.errors()]
    assert not await chat.say(f"/upload {notes}")
    slashed = [(e.code, e.message, e.hint) for e in chat.errors()]
    assert typed == slashed and len(typed) == 1
    assert "notes.txt" in typed[0][1] and "isn't supported" in typed[0][1]
    assert not chat.wire.sent("POST", "/api/upload-video")


async def test_a_bare_folder_name_here_is_uploaded_not_sent_to_the_editor(
    make_chat: Any, trip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(trip.parent)
    chat = await make_chat()
    assert await chat.say("upload trip")
    assert [m.name for m in chat.of(MediaUploaded)] == ["IMG1.png", "img2.png", "img10.png"]
    assert not chat.wire.sse_opens  # nothing went to the editor
    assert await chat.say("upload music")  # no such folder here: the editor's business
    assert chat.wire.sse_opens
