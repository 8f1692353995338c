"""Subtitle files are a local route; a message that asks for the video too gets both."""

from __future__ import annotations

import pytest

from intents import LOCAL_ROUTES, route


@pytest.mark.parametrize("text", [
    "export subtitles", "export captions as srt", "导出字幕", "匯出字幕", "as vtt", "导出为srt",
])
def test_subtitles_alone_write_only_the_subtitles(text: str) -> None:
    d = route(text)
    assert (d.route, d.also, d.skip_sse) == ("subtitles", (), True)
    assert "subtitles" in LOCAL_ROUTES


@pytest.mark.parametrize("text", [
    "export the video and subtitles", "export 1080p with subtitles", "导出视频和字幕", "匯出影片和字幕",
    "send me the video and the srt",
])
def test_asking_for_the_video_and_the_subtitles_does_both(text: str) -> None:
    d = route(text)
    assert (d.route, d.also) == ("export", ("subtitles",))


@pytest.mark.parametrize("text", ["export 1080p", "export", "导出视频"])
def test_exporting_the_video_is_still_only_the_video(text: str) -> None:
    assert (route(text).route, route(text).also) == ("export", ())


@pytest.mark.parametrize("text", [
    "add subtitles and download",  # an edit first: the backend
    "don't export subtitles",
    "how do i export subtitles",
    "export the video with burned-in subtitles",
    "subtitles",  # a bare noun may be a request to add them
    "加字幕",
    "add captions and export the video",
])
def test_edits_questions_and_negations_about_subtitles_go_to_the_backend(text: str) -> None:
    d = route(text)
    assert (d.route, d.also) == ("sse", ())
