"""What a person sees in one turn of the local editor: answers, receipts, refusals, credits.

Every turn goes through `plan_turn` (the path /run_sse takes) on the labelled set's draft:
beach, dog, sunset (3 s each, 0.5 s crossfades), the title "Summer", soft piano at 35%; 8 s.
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from backend.draft import Draft
from backend.editor.evaluate import PHOTOS, fixture, view
from backend.editor.parse import parse
from backend.editor.turn import Plan, Say, plan_turn, undo_steps


def turn(text: str, draft: dict[str, Any] | None = None, media=PHOTOS) -> tuple[Plan, str]:
    base = fixture() if draft is None else draft
    plan = plan_turn(text, base, media, session_language="en", rng=random.Random(5), no_text=False,
                     edit_cost=1, generation_cost=5)
    return plan, " ".join(s.text for s in plan.steps if isinstance(s, Say) and s.text)


@pytest.mark.parametrize(("text", "said"), [
    ("how long is my video now?", "8 s"),
    ("how long is it", "8 s"),
    ("我的影片現在多長？", "8 秒"),
    ("现在多长", "8 秒"),
    ("有幾張照片", "3 張"),
    ("what music is on it", "soft piano"),
    ("現在配的是什麼音樂", "輕柔鋼琴"),
    ("is there a title", "Summer"),
])
def test_a_question_is_answered_from_the_draft_and_changes_nothing(text: str, said: str) -> None:
    plan, reply = turn(text)
    assert not plan.changed and plan.cost == 0 and plan.draft == fixture()
    assert said in reply


@pytest.mark.parametrize("text", ["video", "影片", "视频"])
def test_the_word_video_alone_animates_nothing(text: str) -> None:
    plan, reply = turn(text, draft={})
    assert not plan.changed and plan.cost == 0
    assert "animate" in reply or "動起來" in reply or "动起来" in reply  # says what it can do


@pytest.mark.parametrize("text", ["don't change the music", "不用換轉場", "先别动音乐", "leave the transitions as they are"])
def test_a_negation_is_a_no_op_that_says_so(text: str) -> None:
    plan, reply = turn(text)
    assert not plan.changed and plan.cost == 0
    assert "as it is" in reply or "不變" in reply or "不变" in reply


def test_a_relative_edit_names_the_photo_and_both_durations_in_traditional_chinese() -> None:
    plan, reply = turn("第二張照片放久一點")
    assert view(plan.draft)["d2"] == 4000
    assert "第 2 張（dog.jpg）：3 秒 → 4 秒" in reply
    assert "影片" in reply or "點數" in reply
    for simplified in ("视频", "視頻", "积分", "张", "时长"):
        assert simplified not in reply


def test_adding_two_seconds_adds_them_and_half_seconds_are_read() -> None:
    plan, _ = turn("第二张多加两秒")
    assert view(plan.draft)["d2"] == 5000
    plan, _ = turn("第三张改成三秒半")
    assert view(plan.draft)["d3"] == 3500


def test_the_first_three_seconds_are_zero_to_three_and_a_chinese_range_is_exact() -> None:
    plan, reply = turn("add a caption 'Day one' for the first 3 seconds")
    assert (view(plan.draft)["caption.st"], view(plan.draft)["caption.end"]) == (0, 3000)
    assert "0–3 s" in reply
    plan, _ = turn("在第2秒到第5秒加字幕「出发」")
    assert (view(plan.draft)["caption.st"], view(plan.draft)["caption.end"]) == (2000, 5000)


def test_fade_to_black_is_a_fade_not_a_crossfade_and_the_receipt_says_it() -> None:
    plan, reply = turn("转场改成先淡出到黑再淡入")
    assert {view(plan.draft)[k] for k in ("tr2", "tr3")} == {"fade"}
    assert "淡出到黑再淡入" in reply
    plan, reply = turn("change the transitions to fades")
    assert "Every transition: crossfade 0.5 s → fade through black 0.5 s" in reply


def test_music_gets_a_human_name_never_a_bed_or_a_new_clip() -> None:
    plan, reply = turn("add some upbeat music")
    assert "upbeat pop" in reply and "bed" not in reply.lower() and "new clip" not in reply
    assert Draft.model_validate(plan.draft).tracks(1)[0].sg[0].n == "Upbeat pop"
    plan, reply = turn("換一首比較輕快的音樂")
    assert "輕柔鋼琴 → 輕快流行" in reply


def test_asking_for_what_is_already_there_changes_nothing_and_costs_nothing() -> None:
    plan, reply = turn("add soft music")
    assert not plan.changed and plan.cost == 0 and "already" in reply


@pytest.mark.parametrize(("text", "said"), [
    ("make the fifth photo 4 seconds", "no photo 5: the video has 3 photos"),
    ("第五張改成4秒", "沒有第 5 張照片"),
    ("put a caption 'hi' from 20 to 25 seconds", "only 8 s long"),
    ("make each photo -2 seconds", "-2 s won't work"),
    ("make the photos 5000 seconds each", "5000 s won't work"),
    ('change the title to ""', "needs some words"),
    ("標題改成「」", "需要文字"),
])
def test_an_impossible_instruction_gets_a_specific_answer_and_no_change(text: str, said: str) -> None:
    plan, reply = turn(text)
    assert not plan.changed and plan.cost == 0 and plan.draft == fixture()
    assert said in reply


def test_an_edit_says_what_it_cost_and_a_generation_says_so_too() -> None:
    plan, reply = turn("make it vertical")
    assert plan.cost == 1 and "This edit used 1 credit." in reply
    plan, reply = turn("add some upbeat music")
    assert plan.cost == 6 and "6 credits (5 for generating)" in reply
    plan, reply = turn("音乐小声一点")
    assert "本次编辑使用了 1 积分" in reply


def test_a_brief_names_what_it_did_not_do_and_why() -> None:
    plan, reply = turn("make each photo 4 seconds\nadd a sparkle filter\nuse fades between the photos\n"
                       "make the fifth photo longer")
    v = view(plan.draft)
    assert (v["d1"], v["tr2"]) == (4000, "fade")
    assert "Not done: “add a sparkle filter” — I don't know how to do that." in reply
    assert "Not done: “make the fifth photo longer” — there is no photo 5" in reply


def test_a_brief_of_fifty_instructions_is_handled_in_one_turn_each_accounted_for() -> None:
    lines = []
    for i in range(10):
        lines += [f"make the second photo {3 + i % 3} seconds", "add some sparkles", "music louder",
                  "swap the first and second photos", f"put a caption 'line {i}' at the top"]
    started = time.perf_counter()
    plan, reply = turn("\n".join(lines))
    assert time.perf_counter() - started < 10  # a sanity bound only; bench/bench_editor.py measures
    assert len(parse("\n".join(lines)).ops) == 50
    assert reply.count("Not done: “add some sparkles”") == 10
    assert plan.changed and "Order:" not in reply  # swapped ten times: back where it started
    assert view(plan.draft)["order"] == ["beach.jpg", "dog.jpg", "sunset.jpg"]


def test_undo_says_what_it_undid() -> None:
    before = fixture()
    plan, _ = turn("make every photo 4 seconds and move the title to the top")
    undo_plan, _ = turn("undo")
    steps = undo_steps(undo_plan, True, random.Random(1), no_text=False, before=plan.draft, after=before)
    said = " ".join(s.text for s in steps if isinstance(s, Say) and s.text)
    assert said.startswith("Undid the last edit:")
    assert "Every photo: 4 s → 3 s." in said and "top, 0–3 s → center, 0–3 s" in said


def test_a_persons_own_words_are_never_converted_to_traditional() -> None:
    plan, reply = turn("標題改成「学校」")
    assert view(plan.draft)["title"] == "学校" and "「学校」" in reply


@pytest.mark.parametrize(("text", "where"), [
    ("keep the dog in frame", "auto"), ("focus on the left", "left"), ("聚焦在人物上", "auto"),
    ("聚焦在左边", "left"), ("聚焦在左邊", "left"), ("focus on the right side", "right"),
])
def test_framing_phrases_set_the_focus(text: str, where: str) -> None:
    assert [(op.kind, op.args) for op in parse(text).ops] == [("focus", {"focus": where})]


def test_undo_in_traditional_chinese_is_answered_in_traditional_with_taiwan_wording() -> None:
    before = fixture()
    plan, _ = turn("第一張跟第三張交換")
    undo_plan, _ = turn("復原")
    assert undo_plan.undo and undo_plan.language == "zh-Hant"
    steps = undo_steps(undo_plan, True, random.Random(1), no_text=False, before=plan.draft, after=before)
    said = " ".join(s.text for s in steps if isinstance(s, Say) and s.text)
    assert said.startswith("已復原上一次編輯：")
    assert "順序：sunset.jpg、dog.jpg、beach.jpg → beach.jpg、dog.jpg、sunset.jpg。" in said


@pytest.mark.parametrize(("text", "ops"), [
    ("make it 9:16?", [("aspect", {"aspect": "9:16"})]),  # a request with a question mark
    ("is it possible to make it shorter", [("nudge", {"factor": 0.8})]),
    ("能不能把音乐换成欢快的？", [("replace", {"target": "music", "generated": True, "style": "upbeat"})]),
    ("can you tell me how long it is?", [("ask", {"topic": "length"})]),
    ("don't zoom", [("motion", {"motion": "none", "smooth": False})]),
    ("不要放大", [("motion", {"motion": "none", "smooth": False})]),
    ("reverse the order", [("reorder", {"reverse": True})]),
    ("倒过来排", [("reorder", {"reverse": True})]),
    ("turn off the music", [("remove", {"target": "music"})]),
    ("not bad, but make it faster", [("nudge", {"factor": 0.8})]),
])
def test_requests_and_questions_are_told_apart(text: str, ops: list[tuple[str, dict[str, Any]]]) -> None:
    assert [(op.kind, op.args) for op in parse(text).ops] == ops


def test_export_beside_edits_is_answered_with_how_to_export() -> None:
    plan, reply = turn("3.5 seconds per photo then export")
    assert view(plan.draft)["d1"] == 3500 and "Export" in reply


@pytest.mark.parametrize(("text", "end"), [("make the title longer", 4000), ("標題短一點", 2000)])
def test_a_title_is_shown_longer_or_shorter_without_retyping_it(text: str, end: int) -> None:
    plan, reply = turn(text)
    v = view(plan.draft)
    assert (v["title"], v["title.st"], v["title.end"], v["d1"]) == ("Summer", 0, end, 3000)
    assert "Summer" in reply


@pytest.mark.parametrize("text", ["海邊那張停5秒", "make that one longer"])
def test_a_photo_nobody_can_tell_is_asked_about_not_guessed(text: str) -> None:
    plan, reply = turn(text)
    assert not plan.changed and plan.cost == 0
    assert "beach.jpg" in reply and ("which photo" in reply or "哪一張" in reply)


def test_a_silent_turn_that_must_name_a_refusal_also_names_what_it_did() -> None:
    plan = plan_turn("make every photo 4 seconds, and make it look cinematic", fixture(), PHOTOS,
                     session_language="en", rng=random.Random(5), no_text=True, edit_cost=1, generation_cost=5)
    said = " ".join(s.text for s in plan.steps if isinstance(s, Say) and s.text)
    assert "Every photo: 3 s → 4 s." in said and "Not done: “make it look cinematic”" in said
    quiet = plan_turn("make every photo 4 seconds", fixture(), PHOTOS, session_language="en",
                      rng=random.Random(5), no_text=True, edit_cost=1, generation_cost=5)
    assert not [s for s in quiet.steps if isinstance(s, Say) and s.text]  # the client summarises


def test_a_brief_past_the_limit_says_how_many_instructions_were_left_out() -> None:
    from backend.editor.parse import MAX_INSTRUCTIONS

    _, reply = turn("\n".join(["music louder"] * (MAX_INSTRUCTIONS + 7)))
    assert f"Only the first {MAX_INSTRUCTIONS} instructions were read; the 7 after them were left out" in reply


def test_making_the_video_names_its_motion_and_transitions() -> None:
    _, reply = turn("animate my photos", draft={})
    assert "Made the video: 3 photos, 3 s each, 8 s in all; motion: zoom-in, pan-right, zoom-out; " \
           "transitions: crossfade 0.5 s." in reply


def test_a_message_past_the_length_limit_is_not_read_and_changes_nothing() -> None:
    from backend.editor.parse import MAX_CHARS

    plan, reply = turn("make it shorter, " * (MAX_CHARS // 10))
    assert not plan.changed and plan.cost == 0 and "changed nothing" in reply


def test_quieter_steps_down_but_never_mutes() -> None:
    # 35% → 15% → 5% → 5%: each "quieter" is a step the renderer turns into ~6 dB; silence is
    # only ever asked for with "mute"
    draft = fixture()
    seen = []
    for _ in range(3):
        plan, _ = turn("make the music quieter", draft)
        draft = plan.draft
        seen.append(_music_volume(draft))
    assert seen == [0.15, 0.05, 0.05]
    plan, _ = turn("mute the music", draft)
    assert _music_volume(plan.draft) == 0.0


def _music_volume(draft: dict[str, Any]) -> float:
    track = next(t for t in draft["t"] if t.get("tt") == 1)
    return float(track["sg"][0]["vol"])
