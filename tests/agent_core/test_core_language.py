"""Which language our own lines use before and after the person has written something."""

from __future__ import annotations

import pytest

from agent.messages import locale_lang, revealed_lang


@pytest.mark.parametrize(("text", "lang"), [
    ("export 1080p", "en"),
    ("导出", "zh"),
    ("匯出", "zh-Hant"),  # Traditional characters: answered in them
    ("上傳 ~/Pictures/beach.jpg，做成影片", "zh-Hant"),
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
    ({"LANG": "zh_TW.UTF-8"}, "zh-Hant"),  # Taiwan, Hong Kong, Macau write Traditional
    ({"LANG": "zh_HK.UTF-8"}, "zh-Hant"),
    ({"LC_ALL": "zh_Hant_TW.UTF-8"}, "zh-Hant"),
    ({"LANG": "zh_SG.UTF-8"}, "zh"),
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


def test_our_chinese_reads_in_traditional_characters_with_taiwan_wording() -> None:
    from agent.messages import t

    assert t("ready.greeting", "zh-Hant").startswith("準備好了！把你的照片發給我，我來把它們做成影片")
    assert t("action.export", "zh-Hant") == "按回覆的提示開始匯出…"  # 回复 is a reply here: 回覆
    assert t("resume.gone", "zh-Hant") == "上次的會話在伺服器上已經不存在了，所以這是一個新專案。"
    assert t("err.local_file.missing", "zh-Hant", path="a.jpg") == "a.jpg：沒有這個檔案。"
    assert t("ui.kind.image", "zh-Hant") == "圖片"


def test_a_traditional_reader_never_sees_a_simplified_only_character() -> None:
    # every key of the Simplified table has its Traditional text, and none of those texts
    # holds a character only Simplified writing uses (视 频 发 这 …)
    from agent.messages import table
    from intents.script import _evidence

    zh, hant = table("zh"), table("zh-Hant")
    assert set(hant) == set(zh)
    only_simplified = _evidence()[0]
    leaks = {key: text for key, text in hant.items() if not only_simplified.isdisjoint(text)}
    assert not leaks
    assert only_simplified & set("".join(zh.values()))  # the check can see what it looks for


@pytest.mark.parametrize(("lang", "one", "three"), [
    ("en", "Fetching 1 link", "Fetching 3 links"),
    ("zh", "正在获取 1 个链接", "正在获取 3 个链接"),  # Chinese has no plural forms
    ("zh-Hant", "正在獲取 1 個連結", "正在獲取 3 個連結"),
])
def test_counts_read_as_plain_words_not_link_s(lang: str, one: str, three: str) -> None:
    from agent.messages import tn

    assert tn("upload.fetching", 1, lang) == one
    assert tn("upload.fetching", 3, lang) == three
    assert tn("transcripts.check.summary_ok", 1, lang).count("(s)") == 0


def test_no_message_of_ours_writes_a_plural_as_s_in_brackets() -> None:
    from agent.messages import table

    assert not [key for key, text in table("en").items() if "(s)" in text]
