"""Subtitle files: the titles and captions of the timeline as SRT or WebVTT beside the video."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pysubs2
import pytest

from agent.core.subtitles import _write_new, cues_of, render
from agent.events import Error, FileSaved, Notice

ANIMATE = "turn my photo into a smooth animated video with motion effects"


def _draft(*segments: dict[str, Any]) -> dict[str, Any]:
    return {"t": [{"tt": 0, "sg": [{"st": 0, "d": 9000, "n": "beach.png"}]},
                  {"tt": 7, "sg": list(segments)}], "m": {"title": "Trip"}}


def test_times_are_exact_and_the_file_reads_back() -> None:
    draft = _draft(
        {"st": 4000, "d": 2500, "text": "第二句：城市之梦", "role": "caption"},
        {"st": 1500, "d": 2500, "text": "Summer\nin the city", "role": "title"},
    )
    cues, untimed = cues_of(draft, "srt")
    assert untimed == 0
    srt = render(cues, "srt")
    assert "1\n00:00:01,500 --> 00:00:04,000\nSummer\nin the city\n" in srt
    assert "2\n00:00:04,000 --> 00:00:06,500\n第二句：城市之梦\n" in srt
    back = pysubs2.SSAFile.from_string(srt, format_="srt")
    assert [(e.start, e.end, e.plaintext) for e in back] == [
        (1500, 4000, "Summer\nin the city"), (4000, 6500, "第二句：城市之梦")]

    vtt = render(cues_of(draft, "vtt")[0], "vtt")
    assert vtt.startswith("WEBVTT\n\n")
    assert "00:00:01.500 --> 00:00:04.000" in vtt
    back = pysubs2.SSAFile.from_string(vtt, format_="vtt")
    assert [(e.start, e.end) for e in back] == [(1500, 4000), (4000, 6500)]


def test_text_that_would_break_the_format_is_kept_as_text() -> None:
    # a blank line would end the cue, "-->" would start one, "<" is markup in WebVTT,
    # "{…}" is an override tag to the library: all stay plain words
    draft = _draft({"st": 0, "d": 1000, "text": "a --> b\n\n{note} <b>bold</b> & co\x07"})
    srt = render(cues_of(draft, "srt")[0], "srt")
    assert "00:00:00,000 --> 00:00:01,000\na → b\n{note} <b>bold</b> & co\n\n" in srt
    vtt = render(cues_of(draft, "vtt")[0], "vtt")
    assert "a → b\n{note} &lt;b&gt;bold&lt;/b&gt; &amp; co\n" in vtt
    assert [e.start for e in pysubs2.SSAFile.from_string(vtt, format_="vtt")] == [0]


def test_segments_without_times_or_words_are_left_out_and_counted() -> None:
    draft = {"t": [{"tt": 7, "sg": [{"text": "no times"}, {"st": 0, "d": 500, "text": "  "},
                                    {"st": 100, "d": 900, "text": "kept"}]}]}
    cues, untimed = cues_of(draft, "srt")
    assert [(c.start, c.end, c.text) for c in cues] == [(100, 1000, "kept")]
    assert untimed == 1
    assert cues_of({"t": [{"tt": 0, "sg": [{"st": 0, "d": 900}]}]}, "srt") == ([], 0)
    assert cues_of(None, "srt") == ([], 0)


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    mine = tmp_path / "Trip.srt"
    mine.write_text("my own file", encoding="utf-8")
    path = _write_new(tmp_path, "Trip", ".srt", b"1\n")
    assert path == tmp_path / "Trip-2.srt" and path.read_bytes() == b"1\n"
    assert mine.read_text(encoding="utf-8") == "my own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Trip-2.srt", "Trip.srt"]  # no .part left


async def _titled(make_chat: Any, photo: Path, **settings: Any) -> Any:
    chat = await make_chat(**settings)
    assert await chat.say(f"upload {photo}")
    assert await chat.say(ANIMATE)
    assert await chat.say('add a title "Urban Dreams"')
    return chat


async def test_export_subtitles_writes_an_srt_beside_the_video(make_chat: Any, photo: Path) -> None:
    chat = await _titled(make_chat, photo)
    assert await chat.say("export subtitles")
    saved = chat.of(FileSaved)
    assert len(saved) == 1
    path = Path(saved[0].path)
    assert path.parent == chat.out_dir.resolve() and path.suffix == ".srt"
    raw = path.read_bytes()
    assert saved[0].size == len(raw)
    text = raw.decode("utf-8")
    assert text.startswith("1\n00:00:00,000 --> 00:00:03,000\nUrban Dreams\n")
    back = pysubs2.load(str(path), encoding="utf-8")
    assert [(e.start, e.end, e.plaintext) for e in back] == [(0, 3000, "Urban Dreams")]
    assert "1 title or caption, with its time on the timeline (SRT):" in chat.notices()
    assert not chat.wire.sent("POST", "/render")  # no video was asked for


@pytest.mark.parametrize("ask", ["/subtitles vtt", "export captions as vtt"])
async def test_webvtt_when_asked(make_chat: Any, photo: Path, ask: str) -> None:
    chat = await _titled(make_chat, photo)
    assert await chat.say(ask)
    path = Path(chat.of(FileSaved)[0].path)
    assert path.suffix == ".vtt"
    assert path.read_text(encoding="utf-8").startswith("WEBVTT\n")
    back = pysubs2.load(str(path), encoding="utf-8", format_="vtt")
    assert [(e.start, e.end, e.plaintext) for e in back] == [(0, 3000, "Urban Dreams")]


async def test_no_titles_means_a_clear_message_and_no_file(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    assert await chat.say(f"upload {photo}")
    assert await chat.say(ANIMATE)
    assert not await chat.say("export subtitles")
    errors = chat.errors()
    assert [e.code for e in errors] == ["no_subtitles"]
    assert "no titles or captions" in errors[0].message and "add a caption" in errors[0].hint
    assert not chat.of(FileSaved)
    assert not chat.out_dir.exists() or not any(chat.out_dir.iterdir())


async def test_an_unknown_format_is_answered_not_guessed(make_chat: Any) -> None:
    chat = await make_chat()
    assert not await chat.say("/subtitles ass")
    assert chat.errors()[0].code == "subtitle_format"
    assert "SRT or VTT" in chat.errors()[0].message


async def test_a_traditional_request_is_answered_in_traditional(make_chat: Any, photo: Path) -> None:
    chat = await make_chat()
    assert await chat.say(f"上傳 {photo}")
    assert await chat.say("把照片做成動畫影片")
    assert await chat.say("加一個標題「城市之夢」")
    assert await chat.say("匯出字幕")
    path = Path(chat.of(FileSaved)[0].path)
    assert "城市之夢" in path.read_text(encoding="utf-8")
    assert any(n.startswith("共 1 條標題和字幕") for n in chat.notices()), chat.notices()


async def test_a_message_asking_for_both_gets_both(make_chat: Any, photo: Path) -> None:
    chat = await _titled(make_chat, photo)
    assert await chat.say("export the video and subtitles")
    paths = sorted((Path(e.path) for e in chat.of(FileSaved)), key=lambda p: p.suffix)
    assert [p.suffix for p in paths] == [".mp4", ".srt"]
    assert paths[0].parent == paths[1].parent == chat.out_dir.resolve()
    assert not [n for n in chat.of(Notice) if n.level == "warning"]
    assert not chat.of(Error)


async def test_a_whole_traditional_session_shows_no_simplified_only_character(
        make_chat: Any, photo: Path) -> None:
    # issue 17: upload, edit, title, status, credits, subtitles and export, written in
    # Traditional characters, are answered without one character only Simplified writes
    from intents.script import _evidence

    only_simplified = _evidence()[0]
    chat = await make_chat()
    shown: list[str] = []
    saved: list[str] = []
    for message in (f"上傳 {photo}", "做成動畫影片", "加一個標題「夏天」", "狀態", "積分", "匯出字幕", "匯出"):
        assert await chat.say(message), chat.errors()
        shown += [
            json.dumps(e.model_dump(), ensure_ascii=False)
            for e in chat.events
            if e.kind not in ("user_message", "routed")  # the person's words; /why's evidence
        ]
        saved += [Path(e.path).suffix for e in chat.of(FileSaved)]
    leaks = [line for line in shown if not only_simplified.isdisjoint(line)]
    assert not leaks
    assert sorted(saved) == [".mp4", ".srt"]


def test_a_folder_without_hard_links_still_gets_the_file_and_keeps_yours(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # FAT drives and some network shares refuse os.link: the file is renamed into place,
    # still under a name no file has
    import os

    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "Trip.vtt").write_text("mine", encoding="utf-8")
    path = _write_new(tmp_path, "Trip", ".vtt", b"WEBVTT\n")
    assert path.name == "Trip-2.vtt" and path.read_bytes() == b"WEBVTT\n"
    assert (tmp_path / "Trip.vtt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Trip-2.vtt", "Trip.vtt"]


@pytest.mark.parametrize("command", ["/export subtitles", "/export srt", "/export 字幕"])
async def test_export_command_with_subtitles_writes_them_not_the_video(
        make_chat: Any, photo: Path, command: str) -> None:
    chat = await _titled(make_chat, photo)
    assert await chat.say(command)
    assert [Path(e.path).suffix for e in chat.of(FileSaved)] == [".srt"]
    assert not chat.wire.sent("POST", "/render")


async def test_a_failed_render_still_leaves_the_subtitles_asked_for_with_it(
        make_chat: Any, photo: Path) -> None:
    chat = await _titled(make_chat, photo)
    chat.fault(route="render_submit", kind="error", code=400, count=None)
    assert not await chat.say("/export 1080p and subtitles")
    assert [Path(e.path).suffix for e in chat.of(FileSaved)] == [".srt"]
    assert chat.errors()
