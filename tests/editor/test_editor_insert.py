"""Adding an uploaded photo to the video that exists: the phrases, where it goes, how it fits.

A video of a.jpg and b.jpg (smooth Ken Burns: zoom in, pan right; 3 s each; 0.5 s crossfades;
soft piano) with c.jpg (and in some tests d.jpg) uploaded after it was made.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from backend.editor.apply import Editor, Media
from backend.editor.parse import Op, parse
from backend.editor.turn import Plan, Say, plan_turn

A, B, C, D = (Media(f"m{i}", name, "image", f"http://x/{name}")
              for i, name in enumerate(("a.jpg", "b.jpg", "c.jpg", "d.jpg")))
MEDIA = [A, B, C]


def video(*ops: Op, media: tuple[Media, ...] = (A, B)) -> dict[str, Any]:
    ed = Editor(None, list(media))
    for op in [Op("animate", {"motion": None, "smooth": True}),
               Op("music", {"generated": True, "style": "calm"}), *ops]:
        ed.apply(op)
    return ed.wire()


def turn(text: str, draft: dict[str, Any] | None = None, media: list[Media] = MEDIA,
         language: str = "en") -> tuple[Plan, str]:
    plan = plan_turn(text, video() if draft is None else draft, media, session_language=language,
                     rng=random.Random(3), no_text=False, edit_cost=1, generation_cost=5)
    return plan, " ".join(s.text for s in plan.steps if isinstance(s, Say) and s.text)


def photos(plan: Plan) -> list[tuple[str, int, int, str | None, str | None]]:
    """(name, start, length, motion, transition into it) of each photo, in order."""
    assert plan.draft is not None
    segs = next(t for t in plan.draft["t"] if t["tt"] == 0)["sg"]
    return [(s["n"], s["st"], s["d"], (s.get("fx") or {}).get("motion"), (s.get("tr") or {}).get("type"))
            for s in segs]


def order(plan: Plan) -> list[str]:
    return [p[0] for p in photos(plan)]


def insert_args(text: str, on_timeline: tuple[str, ...] = ("a.jpg", "b.jpg", "c.jpg")) -> list[Any]:
    ops = parse(text, on_timeline, ("a.jpg", "b.jpg", "c.jpg", "d.jpg")).ops
    return [(op.kind, op.args) for op in ops]


@pytest.mark.parametrize(("text", "args"), [
    ("add d.jpg to the end", {"names": ["d.jpg"], "where": "end"}),
    ("add d.jpg", {"names": ["d.jpg"], "where": "end"}),
    ("put d.jpg first", {"names": ["d.jpg"], "where": "start"}),
    ("add the new photo after the second one", {"names": None, "where": "after", "index": 2, "every": False}),
    ("insert d.jpg between the first and second photo", {"names": ["d.jpg"], "where": "between", "index": 1, "other": 2}),
    ("add d.jpg before photo 3", {"names": ["d.jpg"], "where": "before", "index": 3}),
    ("add d.jpg after b.jpg", {"names": ["d.jpg"], "where": "after", "index": 2}),
    ("add d.jpg as the second photo", {"names": ["d.jpg"], "where": "as", "index": 2}),
    ("add this photo", {"names": None, "where": "end", "every": False}),
    ("put it at the start", {"names": None, "where": "start", "every": False}),
    ("add the new photos at the end", {"names": None, "where": "end", "every": True}),
    ("add a.jpg again", {"names": ["a.jpg"], "where": "end", "again": True}),
    ("add another copy of a.jpg after the last photo", {"names": ["a.jpg"], "where": "after", "index": -1, "again": True}),
    ("把d.jpg加到最后", {"names": ["d.jpg"], "where": "end"}),
    ("把新照片放在开头", {"names": None, "where": "start", "every": False}),
    ("加上这张照片", {"names": None, "where": "end", "every": False}),
    ("把新照片放在第二张后面", {"names": None, "where": "after", "index": 2, "every": False}),
    ("在第一张和第二张之间插入d.jpg", {"names": ["d.jpg"], "where": "between", "index": 1, "other": 2}),
    ("把d.jpg放在第三张前面", {"names": ["d.jpg"], "where": "before", "index": 3}),
    ("把這張照片加到最後", {"names": None, "where": "end", "every": False}),
    ("把a.jpg再加一次", {"names": ["a.jpg"], "where": "end", "again": True}),
])
def test_each_way_of_asking_to_add_a_photo_is_read(text: str, args: dict[str, Any]) -> None:
    assert insert_args(text) == [("insert", args)]


@pytest.mark.parametrize(("text", "kind"), [
    ("add a title 'Summer'", "text"), ("add some upbeat music", "music"), ("加上音乐", "music"),
    ("add crossfades between the photos", "transition"), ("replace the first photo with d.jpg", "replace"),
    ("remove c.jpg", "remove"), ("swap the first and second photos", "reorder"),
    ("move the first photo to the end", "reorder"),
])
def test_other_edits_that_say_add_or_put_are_not_inserts(text: str, kind: str) -> None:
    assert [k for k, _ in insert_args(text)] == [kind]


def test_putting_a_photo_that_is_on_the_timeline_somewhere_is_not_adding_it() -> None:
    assert "insert" not in [k for k, _ in insert_args("put a.jpg at the end")]
    assert "insert" not in [k for k, _ in insert_args("把a.jpg放在最后")]


@pytest.mark.parametrize("text", ["upload d.jpg", "上传d.jpg", "here are the photos"])
def test_saying_upload_asks_the_editor_for_nothing(text: str) -> None:
    assert insert_args(text) == []
    plan, reply = turn(text)
    assert not plan.changed and plan.cost == 0 and "Not done" not in reply and "I'm not sure" not in reply
    assert "“add it to the end”" in reply or "“加到最后”" in reply


def test_upload_then_an_instruction_does_only_the_instruction() -> None:
    assert insert_args("upload d.jpg then add it to the end") == [
        ("insert", {"names": None, "where": "end", "every": False})]


def test_added_at_the_end_it_continues_the_video_and_the_reply_says_where_and_when() -> None:
    plan, reply = turn("add c.jpg to the end")
    assert photos(plan) == [("a.jpg", 0, 3000, "zoom_in", None),
                            ("b.jpg", 2500, 3000, "pan_right", "crossfade"),
                            ("c.jpg", 5000, 3000, "zoom_out", "crossfade")]  # the Ken Burns cycle goes on
    assert "Added photo “c.jpg” at the end (5–8 s)." in reply and "Length: 5.5 s → 8 s." in reply
    assert plan.cost == 1
    music = next(t for t in plan.draft["t"] if t["tt"] == 1)["sg"][0]  # type: ignore[index]
    assert (music["st"], music["d"]) == (0, 8000)  # the music follows the longer video


def test_put_first_takes_the_start_and_the_old_first_photo_gets_the_transition() -> None:
    plan, reply = turn("put c.jpg first")
    assert photos(plan) == [("c.jpg", 0, 3000, "pan_left", None),
                            ("a.jpg", 2500, 3000, "zoom_in", "crossfade"),
                            ("b.jpg", 5000, 3000, "pan_right", "crossfade")]
    assert "Added photo “c.jpg” at the start (0–3 s)." in reply


@pytest.mark.parametrize("text", ["insert c.jpg between the first and second photo",
                                  "add the new photo after the first one", "add c.jpg before photo 2",
                                  "在第一张和第二张之间插入c.jpg", "add c.jpg as the second photo"])
def test_between_after_and_before_put_it_in_the_middle(text: str) -> None:
    plan, reply = turn(text)
    assert order(plan) == ["a.jpg", "c.jpg", "b.jpg"]
    # its motion follows the one before it and differs from the one after it
    assert photos(plan)[1] == ("c.jpg", 2500, 3000, "zoom_out", "crossfade")
    assert "c.jpg" in reply and "2.5–5.5" in reply


@pytest.mark.parametrize(("text", "said"), [
    ("把c.jpg加到最后", "已把照片“c.jpg”加到最后（5–8 秒）"),
    ("把新照片放在开头", "已把照片“c.jpg”加到开头（0–3 秒）"),
    ("加上这张照片", "已把照片“c.jpg”加到最后（5–8 秒）"),
    ("把這張照片加到最後", "已把照片“c.jpg”加到最後（5–8 秒）"),
])
def test_chinese_requests_are_answered_in_the_same_script(text: str, said: str) -> None:
    plan, reply = turn(text)
    assert plan.changed and said in reply


def test_the_new_photo_is_the_newest_upload_not_on_the_timeline_and_plural_takes_all() -> None:
    plan, _ = turn("add the new photo", media=[A, B, C, D])
    assert order(plan) == ["a.jpg", "b.jpg", "d.jpg"]
    plan, reply = turn("add the new photos", media=[A, B, C, D])
    assert order(plan) == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert "Added photo “c.jpg” as photo 3, after “b.jpg” (5–8 s)." in reply
    assert "Added photo “d.jpg” at the end (7.5–10.5 s)." in reply


def test_the_length_is_the_one_the_photos_share_else_that_of_its_neighbours() -> None:
    plan, _ = turn("add c.jpg", draft=video(Op("duration", {"ms": 4000, "per": "item"})))
    assert photos(plan)[-1][2] == 4000
    mixed = video(Op("duration", {"ms": 2000, "index": 1}), Op("duration", {"ms": 5000, "index": 2}))
    plan, _ = turn("add c.jpg after the first photo", draft=mixed)
    assert photos(plan)[1][:3] == ("c.jpg", 1500, 3500)


def test_one_shared_motion_and_hard_cuts_carry_over() -> None:
    draft = video(Op("motion", {"motion": "pan_up"}), Op("transition", {"type": "cut"}))
    plan, _ = turn("add c.jpg to the end", draft=draft)
    assert photos(plan)[-1] == ("c.jpg", 6000, 3000, "pan_up", "cut")


def test_another_copy_only_when_asked_for() -> None:
    plan, reply = turn("add a.jpg to the end")
    assert not plan.changed and plan.cost == 0
    assert "“a.jpg” is already in the video (photo 1); to add another copy, say “add a.jpg again”" in reply
    plan, reply = turn("add a.jpg again")
    assert order(plan) == ["a.jpg", "b.jpg", "a.jpg"]
    assert "Added photo “a.jpg” at the end" in reply


@pytest.mark.parametrize(("text", "draft", "media", "said"), [
    ("add c.jpg to the end", {}, MEDIA,
     "there is no video yet to add it to: say “animate my photos” to make one from your 3 uploaded photos"),
    ("add x.jpg to the end", None, MEDIA,
     "“x.jpg” is not uploaded in this session (uploaded: a.jpg, b.jpg, c.jpg); upload it first"),
    ("add the new photo", None, [A, B],
     "every uploaded photo is already in the video (a.jpg, b.jpg): upload the new one first"),
    ("add c.jpg after photo 5", None, MEDIA, "there is no photo 5: the video has 2 photos"),
    ("把c.jpg放在第五张后面", None, MEDIA, "没有第 5 张照片：视频只有 2 张"),
    ("把x.jpg加到最后", None, MEDIA, "这次会话还没有上传“x.jpg”（已上传：a.jpg、b.jpg、c.jpg）"),
    ("把a.jpg加到最后", None, MEDIA, "“a.jpg”已经在视频里了（第 1 张）"),
])
def test_what_cannot_be_done_is_said_and_changes_nothing(text: str, draft: dict[str, Any] | None,
                                                         media: list[Media], said: str) -> None:
    plan, reply = turn(text, draft=draft, media=media)
    assert not plan.changed and plan.cost == 0
    assert said in reply


def test_between_two_photos_that_are_not_neighbours_is_refused() -> None:
    draft = video(media=(A, B, D))
    plan, reply = turn("insert c.jpg between photo 1 and photo 3", draft=draft, media=[A, B, D, C])
    assert not plan.changed
    assert "photos 1 and 3 are not next to each other: say “after photo 1” or “before photo 3”" in reply


def test_a_video_clip_keeps_its_own_length_and_gets_no_photo_motion() -> None:
    clip = Media("m9", "waves.mp4", "video", "http://x/waves.mp4", duration=4.2)
    plan, reply = turn("add waves.mp4 to the end", media=[A, B, clip])
    assert photos(plan)[-1] == ("waves.mp4", 5000, 4200, None, "crossfade")
    assert "Added clip “waves.mp4” at the end (5–9.2 s)." in reply


def test_a_length_said_with_the_photo_is_its_length() -> None:
    assert insert_args("add d.jpg at the end for 5 seconds") == [("insert", {"names": ["d.jpg"], "where": "end", "ms": 5000})]
    plan, reply = turn("add c.jpg for 5 seconds")
    assert photos(plan)[-1][:3] == ("c.jpg", 5000, 5000) and "(5–10 s)" in reply
    plan, reply = turn("把c.jpg加到最后，显示5秒")
    assert photos(plan)[-1][:3] == ("c.jpg", 5000, 5000) and "（5–10 秒）" in reply
    plan, reply = turn("add c.jpg for 90 seconds")
    assert not plan.changed and "90 s won't work: a photo can last from 0.5 s to 60 s" in reply


@pytest.mark.parametrize(("text", "where"), [
    ("上传c.jpg然后加到最后", "end"),  # the object left out once the upload is the topic
    ("加到最后", "end"),
    ("然后放到最前面", "start"),
    ("upload c.jpg then add to the end", "end"),
])
def test_an_add_with_only_a_place_means_the_new_upload(text: str, where: str) -> None:
    assert insert_args(text, ("a.jpg", "b.jpg")) == [("insert", {"names": None, "where": where, "every": False})]
    plan, said = turn(text, language="zh" if not text.isascii() else "en")
    assert order(plan)[0 if where == "start" else -1] == "c.jpg", said


@pytest.mark.parametrize("text", ["add 2 seconds to the end", "加2秒到最后", "把标题加到最后", "move to the end"])
def test_a_place_with_other_words_is_not_an_add(text: str) -> None:
    assert not [k for k, _ in insert_args(text, ("a.jpg", "b.jpg")) if k == "insert"]


def test_a_chinese_reply_runs_its_sentences_on_without_spaces() -> None:
    """A space after 。 shows as a gap in Chinese text; English sentences keep theirs."""
    plan, _ = turn("把c.jpg加到最后", language="zh")
    receipt = [s.text for s in plan.steps if isinstance(s, Say) and s.text and "c.jpg" in s.text]
    assert receipt and receipt[0].count("。") >= 2 and "。 " not in receipt[0]
    plan, _ = turn("add c.jpg to the end")
    receipt = [s.text for s in plan.steps if isinstance(s, Say) and s.text and "c.jpg" in s.text]
    assert receipt and ". " in receipt[0]


@pytest.mark.parametrize("text", ["add d.jpg between 1 and 2", "把d.jpg插在1和2之间"])
def test_between_two_bare_photo_numbers(text: str) -> None:
    assert insert_args(text) == [("insert", {"names": ["d.jpg"], "where": "between", "index": 1, "other": 2})]
