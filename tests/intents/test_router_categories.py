"""One test per kind of message a person types: the route it must take and the rule that decided.

The labeled set (labeled.tsv) measures the router as a whole; these tests pin each category
to its rule so a regression names what broke.
"""

from __future__ import annotations

import pytest

from intents import LOCAL_ROUTES, Decision, route


def _check(text: str, expected: str, rule: str | None = None) -> Decision:
    d = route(text)
    assert d.route == expected, f"{text!r}: {d.evidence}"
    if rule is not None:
        assert d.rule == rule, f"{text!r}: {d.evidence}"
    assert d.skip_sse is (expected in LOCAL_ROUTES)
    assert d.evidence.startswith(expected)
    return d


@pytest.mark.parametrize(
    ("text", "expected"),
    [("export 1080p MP4", "export"), ("download the video", "export"), ("send me the video", "export"),
     ("导出", "export"), ("credits", "credits"), ("积分", "credits"), ("what's my balance?", "credits"),
     ("余额", "credits"), ("status", "state"), ("状态", "state"), ("show tracks", "state"),
     ("upload", "upload"), ("上传", "upload")],
)
def test_the_seed_table_trigger_words_route_locally(text: str, expected: str) -> None:
    _check(text, expected, "keyword")


@pytest.mark.parametrize(
    "text",
    ["add a title that says 'download now'", 'add a caption "export complete"',
     "put the text “check your balance” at the top", "标题改成「积分」", "加字幕“导出成功”", "《下载》"],
)
def test_keyword_inside_quoted_text_goes_to_the_backend(text: str) -> None:
    d = _check(text, "sse")
    assert d.rule in ("no-keyword", "extra-words")


def test_masked_quote_is_named_in_the_evidence() -> None:
    assert "quoted text masked" in route("'export'").evidence


@pytest.mark.parametrize(
    "text",
    ["make a status update video", "a tutorial on exporting", "add end credits", "show the progress bar",
     "做一个关于下载软件的教程视频", "介绍积分规则的视频"],
)
def test_topic_containing_a_keyword_goes_to_the_backend(text: str) -> None:
    _check(text, "sse")


@pytest.mark.parametrize("text", ["fix the color balance", "adjust the white balance", "color balance", "balance the audio"])
def test_edit_term_containing_a_keyword_goes_to_the_backend(text: str) -> None:
    _check(text, "sse")


@pytest.mark.parametrize(
    "text",
    ["don't export yet", "cancel the export", "do not export", "stop the download", "export, not yet",
     "不要导出", "别导出了", "先不导出", "取消导出", "不要匯出"],
)
def test_negated_or_cancelled_command_goes_to_the_backend(text: str) -> None:
    _check(text, "sse", "negation")


@pytest.mark.parametrize(
    "text", ["don't add music, just export", "不要加音乐，直接导出", "no wait, export it", "算了，导出吧"]
)
def test_negation_scopes_over_its_own_clause_only(text: str) -> None:
    d = _check(text, "export", "keyword")
    assert "ignored the negated clause" in d.evidence


def test_negated_edit_without_just_is_not_ignored() -> None:
    _check("don't make it so dark, export", "sse")


def test_reminder_phrased_with_dont_is_an_edit_not_a_negation() -> None:
    _check("don't forget to add music, then export", "sse")


@pytest.mark.parametrize(
    "text",
    ["how do I export?", "what formats can I export to?", "can I export in 4k?", "how do credits work?",
     "导出怎么用？", "怎么导出", "如何导出视频", "积分是什么", "怎麼匯出"],
)
def test_how_to_question_goes_to_the_backend(text: str) -> None:
    _check(text, "sse", "how-to")


@pytest.mark.parametrize("text", ["能导出吗", "is the export done?", "能匯出嗎"])
def test_yes_no_question_about_an_action_goes_to_the_backend(text: str) -> None:
    _check(text, "sse", "question")


@pytest.mark.parametrize("text", ["能帮我导出吗", "can you export the video please", "could you export it?"])
def test_polite_request_phrased_as_a_question_is_a_command(text: str) -> None:
    _check(text, "export")


@pytest.mark.parametrize("text", ["what's my balance?", "how many credits do I have?", "积分还剩多少", "还有积分吗", "现在状态怎么样"])
def test_questions_that_are_checks_route_locally(text: str) -> None:
    assert route(text).route in ("credits", "state")


@pytest.mark.parametrize(
    "text", ["trim it to 10 s and export", "add music then export", "剪到10秒然后导出", "先剪到10秒再导出", "加个title然后export"]
)
def test_edit_then_export_goes_to_the_backend_first(text: str) -> None:
    _check(text, "sse", "edit-then-export")


@pytest.mark.parametrize("text", ["微积分", "推导出公式", "海上传说", "积分榜", "状态栏", "余额宝广告", "微積分", "海上傳說"])
def test_chinese_longer_word_hides_the_keyword_inside_it(text: str) -> None:
    d = _check(text, "sse")
    assert d.rule in ("longer-word", "extra-words")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("匯出影片", "export"), ("導出", "export"), ("下載影片", "export"), ("餘額", "credits"),
     ("點數", "credits"), ("狀態", "state"), ("上傳照片", "upload"), ("還有多少點數", "credits")],
)
def test_traditional_script_and_taiwan_vocabulary(text: str, expected: str) -> None:
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), [("ＥＸＰＯＲＴ！", "export"), ("ＣＲＥＤＩＴＳ？", "credits"), ("导出！！", "export")])
def test_full_width_forms(text: str, expected: str) -> None:
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), [("到处", "export"), ("帮我到处一下", "export"), ("积份", "credits"), ("上船", "upload")])
def test_ime_homophone_slip_in_a_short_command(text: str, expected: str) -> None:
    _check(text, expected, "ime-slip")


@pytest.mark.parametrize("text", ["到处都是花的画面", "镜头到处移动", "我们上船吧，做个海边视频"])
def test_ime_slip_words_in_ordinary_sentences_go_to_the_backend(text: str) -> None:
    _check(text, "sse")


@pytest.mark.parametrize(("text", "expected"), [("发一下视频给我", "export"), ("导一下出来", "export"), ("下载下来", "export")])
def test_split_and_resultative_verbs(text: str, expected: str) -> None:
    _check(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("帮我export一下", "export"), ("check下我的credits", "credits"), ("看下status", "state"),
     ("upload一下照片", "upload"), ("export成1080p", "export")],
)
def test_code_switching(text: str, expected: str) -> None:
    _check(text, expected, "keyword")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("exprot", "export"), ("stauts", "state"), ("credts", "credits"), ("uplaod", "upload"), ("exprot pls", "export")],
)
def test_typo_of_a_keyword_in_a_short_message(text: str, expected: str) -> None:
    d = _check(text, expected, "typo")
    assert "read as" in d.evidence


@pytest.mark.parametrize("text", ["expert", "report", "state of the art", "statue", "unload", "balanced", "state"])
def test_real_words_near_a_keyword_are_not_typos(text: str) -> None:
    _check(text, "sse")


def test_typo_matching_is_off_in_longer_messages() -> None:
    _check("please could you exprot the whole thing for me", "sse")


@pytest.mark.parametrize(("text", "expected"), [("export pls 🙏", "export"), ("credits pls 💰", "credits"), ("yo export it rn", "export"), ("🎬 export", "export")])
def test_slang_and_emoji_around_a_command(text: str, expected: str) -> None:
    _check(text, expected)


@pytest.mark.parametrize("text", ["export and show my credits", "导出并查看积分", "upload and export"])
def test_two_commands_at_once_go_to_the_backend(text: str) -> None:
    d = _check(text, "sse")
    assert d.rule in ("conflict", "extra-words")


@pytest.mark.parametrize("text", ["", "   ", "💾", "..."])
def test_empty_or_symbol_only_message_goes_to_the_backend(text: str) -> None:
    _check(text, "sse")


def test_long_message_is_never_a_command() -> None:
    _check("export " + "and make it lovely " * 30, "sse", "long")


def test_decision_is_immutable_and_carries_the_interface_fields() -> None:
    d = route("export")
    assert (d.route, d.skip_sse, d.paths, d.remainder) == ("export", True, [], "")
    assert 0.0 <= d.confidence <= 1.0
    with pytest.raises(AttributeError):
        d.route = "sse"  # type: ignore[misc]


def test_routing_is_deterministic() -> None:
    assert route("帮我export一下") == route("帮我export一下")
