"""Which language our own lines use before and after the person has written something."""

from __future__ import annotations

import pytest

from agent.messages import locale_lang, revealed_lang


@pytest.mark.parametrize(("text", "lang"), [
    ("export 1080p", "en"),
    ("导出", "zh"),
    ("upload ~/Pictures/beach.jpg", "en"),
    ("上传 ~/Pictures/beach.jpg", "zh"),
    ("/credits", None),  # a command is no language
    ("/export 1080p", None),
    ("~/Pictures/beach.jpg", None),  # a dropped-in path neither
    ("'/home/me/My Photos/beach.jpg'", None),
    ("beach.jpg city.png", None),
    ("1080p", None),
    ("123 !!", None),
])
def test_a_message_shows_a_language_or_none(text: str, lang: str | None) -> None:
    assert revealed_lang(text) == lang


@pytest.mark.parametrize(("env", "lang"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins, as for every program
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({}, "en"),
])
def test_the_locale_picks_the_language_before_any_message(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], lang: str) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert locale_lang() == lang
