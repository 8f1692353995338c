"""The scripted agent's vocabulary (README "Offline use"), English and Chinese."""

from __future__ import annotations

import pytest

from backend.editor.apply import Editor, Media
from backend.editor.parse import parse


def kinds(text: str) -> list[str]:
    return [op.kind for op in parse(text).ops]


@pytest.mark.parametrize(("text", "expected"), [
    ("turn my photo into a smooth animated video with motion effects", ["animate"]),
    ("convert my still images", ["animate"]),
    ("让照片动起来", ["animate"]),
    ("讓照片動起來", ["animate"]),
    ("zoom in slowly", ["motion"]),
    ("用肯伯恩斯效果", ["motion"]),
    ("3 seconds each", ["duration"]),
    ("每张三秒", ["duration"]),
    ("make it 12 seconds in total", ["duration"]),
    ("vertical 9:16 for tiktok", ["aspect"]),
    ("改成正方形", ["aspect"]),
    ("use crossfade transitions", ["transition"]),
    ("转场用淡入淡出", ["transition"]),
    ('add a title "Summer" at the top', ["text"]),
    ("加一个标题「城市之梦」", ["text"]),
    ("加字幕『第一天』在底部", ["text"]),
    ("add some upbeat music", ["music"]),
    ("加一段欢快的背景音乐", ["music"]),
    ("music volume 30%", ["volume"]),
    ("音乐音量调到百分之四十", ["volume"]),
    ("remove the title", ["remove"]),
    ("删除第二张照片", ["remove"]),
    ("replace the music with the uploaded song", ["replace"]),
    ("undo", ["undo"]),
    ("撤销", ["undo"]),
    ("撤銷", ["undo"]),
    ("make each photo 4 seconds", ["duration"]),
    ("make a video with music", ["animate", "music"]),
    ("给视频加音乐", ["music"]),
    ("generate some music", ["music"]),
    ("what's the weather?", ["ask"]),  # a question: answered, never an edit
    ("导出视频", []),
])
def test_phrases_map_to_edits(text, expected):
    assert kinds(text) == expected


def test_details_are_read_from_the_message():
    ops = {op.kind: op.args for op in parse(
        'animate my photos with a smooth pan left, 2.5 seconds each, dissolve, square').ops}
    assert ops["animate"] == {"motion": "pan_left", "smooth": True}
    assert ops["duration"] == {"ms": 2500, "per": "item"}
    assert ops["transition"] == {"type": "crossfade"}
    assert ops["aspect"] == {"aspect": "1:1"}
    text = parse('caption “Day one” from 2s to 5s at the bottom').ops[0].args
    assert text == {"role": "caption", "text": "Day one", "start": 2000, "end": 5000,
                    "pos": "bottom"}


def test_export_requests_are_recognised_not_edited():
    assert parse("export 1080p MP4").export and parse("导出视频").export
    assert not parse("animate my photos").export


def test_title_and_caption_in_one_message_each_get_their_own_when_and_where():
    ops = parse('animate my photos, 1 second each, title "Hello" at the top, '
                'caption "世界" at the bottom from 0.5s to 1.5s').ops
    texts = [op.args for op in ops if op.kind == "text"]
    assert texts == [{"role": "title", "text": "Hello", "pos": "top"},
                     {"role": "caption", "text": "世界", "start": 500, "end": 1500,
                      "pos": "bottom"}]
    assert [op.args for op in ops if op.kind == "duration"] == [{"ms": 1000, "per": "item"}]
    zh = [op.args for op in parse("加一个标题「城市之梦」在顶部，字幕「第一天」在底部").ops]
    assert zh == [{"role": "title", "text": "城市之梦", "pos": "top"},
                  {"role": "caption", "text": "第一天", "pos": "bottom"}]


def test_decimal_seconds_are_not_photo_numbers():
    assert parse("each photo 2.5 seconds").ops[0].args == {"ms": 2500, "per": "item"}
    assert parse("zoom in on photo 2").ops[0].args["index"] == 2


def test_keywords_inside_quotes_are_not_commands():
    assert kinds('add a title "Undo the music"') == ["text"]


def _editor(n=3, audio=False):
    media = [Media(f"m{i}", f"p{i}.png", "image", f"http://x/p{i}.png") for i in range(n)]
    if audio:
        media.append(Media("a1", "song.mp3", "audio", "http://x/song.mp3", 30.0))
    return Editor(None, media)


def test_timeline_follows_crossfades_and_total_duration():
    ed = _editor(3)
    for text in ("animate my photos", "make it 9 seconds in total"):
        for op in parse(text).ops:
            assert ed.apply(op).ok
    video = ed.draft.tracks(0)[0].sg
    assert [s.st for s in video] == [0, video[0].d - 500, 2 * (video[0].d - 500)]
    assert ed.draft.d == 9000 or abs(ed.draft.d - 9000) < 10


def test_uploaded_audio_is_preferred_unless_generated_is_asked():
    ed = _editor(1, audio=True)
    ed.apply(parse("animate my photos").ops[0])
    assert ed.apply(parse("add music").ops[0]).call == "add_music"
    assert ed.draft.tracks(1)[0].sg[0].src == "a1"
    result = ed.apply(parse("generate some lofi music").ops[0])
    assert result.call == "generate_music" and ed.draft.tracks(1)[0].sg[0].gen.style == "lofi"


def test_remove_and_replace_a_photo():
    ed = _editor(3)
    ed.apply(parse("animate my photos").ops[0])
    ed.media = ed.media[:3]
    assert ed.apply(parse("remove the second photo").ops[0]).ok
    assert [s.src for s in ed.draft.tracks(0)[0].sg] == ["m0", "m2"]
    assert ed.apply(parse("replace the first photo").ops[0]).ok
    assert ed.draft.tracks(0)[0].sg[0].src == "m1"
