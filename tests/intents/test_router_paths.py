"""Media paths and URLs as terminals paste them: detected by syntax, unquoted, taken out of the text."""

from __future__ import annotations

import pytest

from intents import route


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("~/Pictures/beach.png", "~/Pictures/beach.png"),
        (r"/Users/amy/My\ Movies/beach\ day.mov", "/Users/amy/My Movies/beach day.mov"),
        (r"/Users/amy/Desktop/Screen\ Shot\ 2024-05-01\ at\ 10.22.31.png", "/Users/amy/Desktop/Screen Shot 2024-05-01 at 10.22.31.png"),
        ("'/home/amy/My Videos/clip.mp4'", "/home/amy/My Videos/clip.mp4"),
        ('"/home/amy/My Videos/clip.mp4"', "/home/amy/My Videos/clip.mp4"),
        (r"C:\Users\amy\Videos\clip.mp4", r"C:\Users\amy\Videos\clip.mp4"),
        (r'"C:\Users\amy\My Videos\clip.MP4"', r"C:\Users\amy\My Videos\clip.MP4"),
        (r"C:\Users\amy\My Videos\clip.mp4", r"C:\Users\amy\My Videos\clip.mp4"),
        (r"& 'C:\Users\amy\Pictures\cat.JPG'", r"C:\Users\amy\Pictures\cat.JPG"),
        (r"\\nas\media\trip.mkv", r"\\nas\media\trip.mkv"),
        ("file:///Users/amy/My%20Movies/beach.mov", "/Users/amy/My Movies/beach.mov"),
        ("file:///C:/Users/amy/clip.mp4", "C:/Users/amy/clip.mp4"),
        ("https://cdn.example.com/intro.mp4?sig=abc123&exp=99", "https://cdn.example.com/intro.mp4?sig=abc123&exp=99"),
        ("https://example.com/photos/DSC_0042.JPEG", "https://example.com/photos/DSC_0042.JPEG"),
        ("~/下载/我的视频.MP4", "~/下载/我的视频.MP4"),
        ("把~/图片/海边.jpg做成视频", "~/图片/海边.jpg"),
        ("上传海边.jpg", "海边.jpg"),
        ("(~/Pictures/beach.png)", "~/Pictures/beach.png"),
        ("~/Pictures/beach.png.", "~/Pictures/beach.png"),
        ("IMG_0001.HEIC", "IMG_0001.HEIC"),
        ("../clips/intro.m4a", "../clips/intro.m4a"),
    ],
)
def test_pasted_path_is_found_unquoted_and_unescaped(text: str, path: str) -> None:
    d = route(text)
    assert d.route == "upload", d.evidence
    assert d.paths == [path]
    assert d.skip_sse and d.rule == "path"


def test_several_paths_keep_their_order() -> None:
    d = route("~/a.png then /tmp/b.JPG and https://x.io/c.mp4")
    assert d.paths == ["~/a.png", "/tmp/b.JPG", "https://x.io/c.mp4"]


@pytest.mark.parametrize(
    ("text", "remainder"),
    [
        ("use ~/bgm.mp3 as background music", "use as background music"),
        ("~/a.png make it move slowly", "make it move slowly"),
        ("upload ~/a.png", ""),
        ("please upload these: ~/a.png ~/b.png", ""),
        ("上传 ~/a.png", ""),
        ("~/a.png", ""),
        ("用 ~/音乐/背景.mp3 做背景音乐", "用 做背景音乐"),
        # joining words between paths are not an instruction for the service
        ("上传 ~/a.png 和 ~/b.png", ""),
        ("上傳 ~/a.png 與 ~/b.png", ""),
        ("上传 ~/a.png 以及 ~/b.png 还有 ~/c.png", ""),
        ("upload ~/a.png and ~/b.png", ""),
    ],
)
def test_remainder_is_the_instruction_left_without_the_paths(text: str, remainder: str) -> None:
    assert route(text).remainder == remainder


@pytest.mark.parametrize("text", ["credits.png", "export.mp4", "积分.png", "the status of ~/report.gif?", "don't export yet, first add ~/music/song.wav"])
def test_a_path_makes_an_upload_whatever_else_the_message_says(text: str) -> None:
    assert route(text).route == "upload"


@pytest.mark.parametrize(
    "text",
    ["a .png file", "export as mp4", "make it a gif", "https://youtube.com/watch?v=abc", "16/9 please",
     "save as png", "version 1.0 of the intro"],
)
def test_no_media_path_no_upload(text: str) -> None:
    d = route(text)
    assert d.paths == [] and d.route != "upload", d.evidence


def test_paths_are_removed_before_keyword_matching() -> None:
    d = route("credits.png")
    assert d.route == "upload" and d.remainder == ""


@pytest.mark.parametrize(
    ("text", "paths", "remainder"),
    [
        ("upload photos/beach.png", ["photos/beach.png"], ""),
        ("photos/beach.png make it zoom", ["photos/beach.png"], "make it zoom"),
        ("photos/2024/trip/IMG_0042.JPG", ["photos/2024/trip/IMG_0042.JPG"], ""),
        ("animate pics/a.png and pics/b.png", ["pics/a.png", "pics/b.png"], "animate and"),
        (r"photos/my\ trip/beach.png", ["photos/my trip/beach.png"], ""),
        ("上传 照片/海边.jpg", ["照片/海边.jpg"], ""),
        ("把photos/海边.jpg做成视频", ["photos/海边.jpg"], "把 做成视频"),
    ],
)
def test_relative_paths_with_a_folder_are_uploads(text: str, paths: list[str], remainder: str) -> None:
    d = route(text)
    assert d.route == "upload", d.evidence
    assert d.paths == paths
    assert d.remainder == remainder


@pytest.mark.parametrize(
    "text",
    ["export as mp4/mov", "is image/png supported?", "can I use example.com/photo.png?",
     "www.example.com/a/b.jpg", "zoom in/out on each photo", "支持 jpg/png 格式吗", "make a .png/.jpg"],
)
def test_slashes_that_are_not_relative_paths_are_not_uploads(text: str) -> None:
    d = route(text)
    assert d.paths == [] and d.route != "upload", d.evidence
