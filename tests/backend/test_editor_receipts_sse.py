"""The editor's answers and receipts over real HTTP: what the person reads is what happened."""

from __future__ import annotations

import re

from backend.__main__ import build_parser
from backend.settings import BackendSettings


def _video(api, make_photo) -> None:
    paths = [make_photo(f"p{i}.png", size=(96, 64), seed=i) for i in range(3)]
    assert api.upload(*paths).json()["code"] == 0
    api.turn("animate my photos, 3 seconds each")


def _said(frames) -> str:
    return " ".join(frames.texts())


def test_a_question_is_answered_and_spends_nothing(api, make_photo):
    _video(api, make_photo)
    draft, credits = api.state()["state"]["draft"], api.credits()["available"]
    for text in ("how long is my video now?", "我的影片現在多長？", "有几张照片"):
        _, frames = api.turn(text)
        assert frames.calls() == []
        assert re.search(r"\b8 (s|秒)|3 张", _said(frames)), _said(frames)
    assert api.state()["state"]["draft"] == draft and api.credits()["available"] == credits


def test_the_reply_says_what_the_edit_cost_and_the_balance_agrees(api, make_photo):
    _video(api, make_photo)
    before = api.credits()["available"]
    _, frames = api.turn("make the second photo longer")
    said = _said(frames)
    assert "Photo 2 (p1.png): 3 s → 4 s." in said and "This edit used 1 credit." in said
    assert api.credits()["available"] == before - 1


def test_undo_says_what_it_undid(api, make_photo):
    _video(api, make_photo)
    api.turn("swap the first and second photos")
    _, frames = api.turn("undo")
    said = _said(frames)
    assert "Undid the last edit:" in said and "Order: p1.png, p0.png, p2.png → p0.png, p1.png, p2.png." in said


def test_help_lists_the_prices_the_backend_charges():
    text = build_parser().format_help()
    fields = BackendSettings.model_fields
    edit, gen = fields["edit_cost"].default, fields["generation_cost"].default
    assert re.search(rf"an edit turn .*\s{edit}\n", text)
    assert f"{edit} + {gen}" in text and "a question" in text
