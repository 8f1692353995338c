"""A file named again in the same session is not uploaded again; a changed file is.

Against the real local backend over HTTP: the wiretap counts the upload requests, and the
session's media list (what `status` shows) must hold each file once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.events import MediaUploaded

ANIMATE = "turn my photos into a smooth animated video"


def uploads(chat: Any) -> int:
    return len(chat.wire.sent("POST", "/api/upload-video"))


def relayed(chat: Any) -> str:
    return str(chat.wire.sse_opens[-1]["new_message"]["parts"][0]["text"])


async def media_names(chat: Any) -> list[str]:
    return [m.name for m in (await chat.client.state()).uploaded]


async def photo_names(chat: Any) -> list[str]:
    draft = (await chat.client.state()).draft
    return [s.name for t in (draft.tracks if draft else ()) if t.role == "video" for s in t.segments]


async def test_naming_an_uploaded_file_in_an_edit_reuses_it_and_the_edit_names_it(
        make_chat: Any, make_photo: Callable[..., Path]) -> None:
    a, b, c = (make_photo(n, size=(160, 90), seed=i) for i, n in enumerate(("a.jpg", "b.jpg", "c.jpg")))
    chat = await make_chat()
    assert await chat.say(f"upload {a} {b}")
    assert await chat.say(ANIMATE)
    assert await chat.say(f"upload {c}")
    assert uploads(chat) == 3
    assert await chat.say(f"add {c} to the end")
    assert uploads(chat) == 3 and not chat.of(MediaUploaded)
    assert not [n for n in chat.notices() if "c.jpg" in n]  # nothing to say about an upload
    assert relayed(chat) == "add c.jpg to the end"  # the editor is told which upload, not where it lives
    assert "Added photo “c.jpg” at the end" in chat.text()
    assert await media_names(chat) == ["a.jpg", "b.jpg", "c.jpg"]
    assert await photo_names(chat) == ["a.jpg", "b.jpg", "c.jpg"]


async def test_an_explicit_upload_of_an_unchanged_file_says_it_is_already_there(
        make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    assert await chat.say(f"upload {photo}")
    assert await chat.say(f"upload {photo}")
    assert uploads(chat) == 1 and not chat.of(MediaUploaded)
    assert chat.notices() == ["beach.png is already uploaded in this session and has not changed, so it was "
                              "not sent again. Tell me what to do with it, for example “add beach.png to the end”."]
    os.utime(photo, (1_000_000, 1_000_000))  # touched, not changed: the same bytes
    assert await chat.say(f"upload {photo}")
    assert uploads(chat) == 1
    copy = photo.with_name("copy of beach.png")
    shutil.copyfile(photo, copy)
    assert await chat.say(f"/upload '{copy}'")
    assert uploads(chat) == 1
    assert "copy of beach.png has the same content as beach.png" in chat.notices()[0]
    assert await media_names(chat) == ["beach.png"]


async def test_a_changed_file_is_uploaded_as_new(make_chat: Any, make_photo: Callable[..., Path]) -> None:
    photo = make_photo("beach.png", size=(160, 90), seed=1)
    chat = await make_chat()
    assert await chat.say(f"upload {photo}")
    make_photo("beach.png", size=(160, 90), seed=2)  # other bytes at the same path
    assert await chat.say(f"upload {photo}")
    assert uploads(chat) == 2 and len(chat.of(MediaUploaded)) == 1
    assert await media_names(chat) == ["beach.png", "beach.png"]


async def test_a_new_session_uploads_the_file_again(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    assert await chat.say(f"upload {photo}")
    await chat.conv.new_session()
    assert await chat.say(f"upload {photo}")
    assert uploads(chat) == 2 and await media_names(chat) == ["beach.png"]


def test_a_relayed_instruction_names_the_upload_never_the_folder_it_came_from() -> None:
    from agent.core.upload import named_instruction

    names = {"/home/amy/My Photos/c.jpg": "c.jpg", "~/d.png": "d (1).png"}
    assert named_instruction("add '/home/amy/My Photos/c.jpg' after the first photo", names) == \
        "add c.jpg after the first photo"
    assert named_instruction("把~/d.png加到最后", names) == "把d (1).png加到最后"
    assert named_instruction("use https://x.test/media/song.mp3?sig=1 as background music", {}) == \
        "use song.mp3 as background music"


async def test_a_folder_uploaded_again_sends_only_its_new_photos(
        make_chat: Any, make_photo: Callable[..., Path]) -> None:
    first = make_photo("IMG_1.jpg", size=(160, 90), seed=1)
    make_photo("IMG_2.jpg", size=(160, 90), seed=2)
    chat = await make_chat()
    assert await chat.say(f"upload {first.parent}")
    assert uploads(chat) == 2
    make_photo("IMG_3.jpg", size=(160, 90), seed=3)
    assert await chat.say(f"upload {first.parent}")
    assert uploads(chat) == 3 and [m.name for m in chat.of(MediaUploaded)] == ["IMG_3.jpg"]
    assert chat.notices()[-1] == ("2 of them were already uploaded in this session and unchanged, "
                                  "so they were not sent again.")
    assert await media_names(chat) == ["IMG_1.jpg", "IMG_2.jpg", "IMG_3.jpg"]


async def test_a_resumed_session_still_knows_the_files_it_holds(
        make_chat: Any, make_photo: Callable[..., Path], config_dir: Path) -> None:
    """`--resume` continues the session: naming a file it already holds does not resend it
    (the record is in the chat's state file, which stays private and never holds the bytes)."""
    a, b = (make_photo(n, size=(160, 90), seed=i) for i, n in enumerate(("a.jpg", "b.jpg")))
    first = await make_chat()
    assert await first.say(f"upload {a} {b}")
    assert await first.say(ANIMATE)
    await first.conv.aclose()
    back = await make_chat(resume=True)
    assert back.client.session_id == first.client.session_id
    assert await back.say(f"upload {a}")
    assert uploads(back) == 0 and not back.of(MediaUploaded)
    assert "already uploaded" in back.notices()[-1]
    assert await media_names(back) == ["a.jpg", "b.jpg"]
    state = config_dir / "nemo-chat-state.json"
    assert state.stat().st_mode & 0o777 == 0o600 and str(a.resolve()) in state.read_text()


def test_the_record_of_uploads_is_bounded(tmp_path: Path, monkeypatch: Any) -> None:
    from agent.core import memory as memory_module
    from agent.core.memory import ChatMemory, UploadRecord

    monkeypatch.setattr(memory_module, "MAX_UPLOAD_RECORDS", 3)
    memory = ChatMemory(tmp_path, "http://127.0.0.1:1")
    for i in range(5):
        memory.remember_upload(UploadRecord(session_id="s", path=f"/p/{i}", size=i, mtime_ns=i, name=f"{i}.jpg"))
    assert [r.name for r in memory.uploaded_files()] == ["2.jpg", "3.jpg", "4.jpg"]  # the newest
