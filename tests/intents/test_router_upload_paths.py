"""`upload PATH…` goes to the upload handler whatever the path's words (issue 19, item 5).

The router used to count the words of a folder or non-media path as extra words ("upload with
'tmp newcomer'") and sent the message to the editor. The handler, not the router, decides
what a path holds (a folder's images, a clear error for notes.txt).
"""

from __future__ import annotations

import pytest

from intents import route


@pytest.mark.parametrize(("text", "paths"), [
    ("upload ~/Pictures/trip", ["~/Pictures/trip"]),
    ("upload /tmp/newcomer", ["/tmp/newcomer"]),
    ("upload notes.txt", ["notes.txt"]),
    ("upload ~/Pictures/My Trip", ["~/Pictures/My Trip"]),
    ("upload the folder ~/Pictures/trip", ["~/Pictures/trip"]),
    ("upload ./trip notes.txt", ["./trip", "notes.txt"]),
    ("upload C:\\Users\\amy\\Summer Trip", ["C:\\Users\\amy\\Summer Trip"]),
    ("upload 'My Photos/beach day'", ["My Photos/beach day"]),
    ("upload ~/My\\ Trip and ~/Desktop/a.png", ["~/My Trip", "~/Desktop/a.png"]),
    ("上传 ~/Pictures/trip", ["~/Pictures/trip"]),
    ("上傳 報告.docx", ["報告.docx"]),
])
def test_upload_with_any_path_form_goes_to_the_upload_handler(text: str, paths: list[str]) -> None:
    d = route(text)
    assert (d.route, d.skip_sse, d.paths, d.remainder) == ("upload", True, paths, ""), d.evidence
    assert "as typed" in d.evidence


@pytest.mark.parametrize("text", ["upload my photos", "upload", "add photos"])
def test_upload_without_a_path_still_asks_the_handler_to_pick(text: str) -> None:
    d = route(text)
    assert d.route == "upload" and d.paths == []


@pytest.mark.parametrize("text", ["uploading is slow today", "how long is my video now?", "我的影片現在多長？",
                                  "make the upload faster"])
def test_words_about_uploads_or_questions_are_not_uploads(text: str) -> None:
    assert route(text).route == "sse"


def test_a_media_path_keeps_its_own_rule_and_remainder() -> None:
    d = route("upload /tmp/a.png and make it 3 seconds each")
    assert d.route == "upload" and d.paths == ["/tmp/a.png"] and d.rule == "path"


@pytest.mark.parametrize(("text", "paths"), [
    ("上传c.jpg然后加到最后", ["c.jpg"]),
    ("上传 c.jpg然后放在开头", ["c.jpg"]),
    ("上傳c.jpg然後加到最後", ["c.jpg"]),
])
def test_a_file_with_an_instruction_run_on_uploads_the_file_and_relays_the_words(text: str, paths: list[str]) -> None:
    """Chinese runs the instruction on after the name without a space: the file is uploaded and
    the words go to the editor (they were taken as part of one file name, "c.jpg然后加到最后")."""
    d = route(text)
    assert (d.route, d.paths) == ("upload", paths), d.evidence
    assert "加到最" in d.remainder or "放在开头" in d.remainder


def test_a_folder_whose_name_has_a_dot_and_chinese_is_still_one_path() -> None:
    assert route("上传 2024.06旅行").paths == ["2024.06旅行"]
