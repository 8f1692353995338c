"""The GUI-phrase translator: what the backend says about buttons becomes what to type here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent.core.export import parse_export_words
from agent.core.translate import StreamTranslator, load_phrases, translate

ROOT = Path(__file__).resolve().parents[2]


def kinds(text: str) -> list[str]:
    return [a.kind for a in translate(text).actions]


@pytest.mark.parametrize(
    ("said", "shown", "action"),
    [
        ("Click the Export button to download it.", "Type “export” to download it.", "export"),
        ("Tap **Export** now.", "Type “export” now.", "export"),
        ("Use the Download button.", "Use the “export” command.", "export"),
        ("Open the timeline panel to check.", "Type “status” to check.", "state"),
        ("Open the timeline.", "Type “status”.", "state"),
        ("You can preview it in the timeline.", "You can type “status” (or “preview” to see it).", "timeline"),
        ("Click Billing to top up.", "Type “credits” to top up.", "credits"),
        ("Drag the title to the 5 second mark.", "Tell me “move the title to the 5 second mark”.", "sse"),
        ("Click “Generate”.", "Say “Generate”.", "sse"),
        ("点击「导出」按钮下载视频。", "输入“导出”下载视频。", "export"),
        ("点击导出即可。", "输入“导出”即可。", "export"),
        ("打开时间线面板查看。", "输入“状态”查看。", "state"),
        ("拖拽标题到开头。", "告诉我“把标题移到开头”。", "sse"),
        ("点击「生成」。", "说“生成”。", "sse"),
        ("點擊「匯出」按鈕。", "輸入“匯出”。", "export"),  # Traditional script: answered in it, Taiwan wording
        ("打開時間線面板查看。", "輸入“狀態”查看。", "state"),
        ("点击积分按钮。", "输入“积分”。", "credits"),
        ("Click the Export button in the top-right corner to render.", "Type “export” to render.", "export"),
        ("点击右上角的导出按钮。", "输入“导出”。", "export"),
        ("點擊右上角的導出按鈕。", "輸入“匯出”。", "export"),
        # where the service's page keeps the balance
        ("Click the credits in the top right corner to check your balance.", "Type “credits”.", "credits"),
        ("You can check your balance in the top-right corner.", "You can type “credits”.", "credits"),
        ("点击右上角的积分查看余额。", "输入“积分”。", "credits"),
        ("点击右上角的积分按钮查看余额。", "输入“积分”。", "credits"),
        ("在右上角查看积分余额。", "输入“积分”。", "credits"),
        ("請點擊右上角的積分查看餘額。", "請輸入“點數”。", "credits"),
    ],
)
def test_phrases_are_rewritten_and_name_their_action(said: str, shown: str, action: str) -> None:
    result = translate(said)
    assert result.text == shown
    assert [a.kind for a in result.actions] == [action]


def test_phrases_without_an_action_are_only_rewritten() -> None:
    result = translate("I need some photos first: drag and drop your images into the upload area.")
    assert result.text == "I need some photos first: type /upload followed by the file’s path."
    assert result.actions == ()
    assert translate("请先上传照片：把图片拖拽到上传区域。").text == "请先上传照片：输入 /upload 加文件路径。"
    # a button we would not press for the person is rewritten but not pressed
    assert translate("Click the Delete button.") .text == "Say “Delete”."
    assert kinds("Click the Delete button.") == []


def test_conditional_instructions_are_not_run() -> None:
    assert kinds("Preview in timeline to check it, then click the Export button when you're happy.") == ["timeline"]
    assert kinds("Take a look — when it looks right, click Export to render your MP4.") == []
    assert kinds("可以在时间线中预览，满意后点击导出按钮。") == ["timeline"]
    assert kinds("在预览面板里看一下效果，满意后点击导出即可生成 MP4。") == []


@pytest.mark.parametrize("said", ["準備好了就點擊「匯出」按鈕。", "準備好後，點擊右上角的導出按鈕。"])
def test_conditional_instructions_in_traditional_are_not_run_either(said: str) -> None:
    # 准备好 in Traditional (準備好): every character of the Chinese markers has its
    # Traditional forms (generated with OpenCC), not only those someone listed by hand
    result = translate(said)
    assert "輸入“匯出”" in result.text
    assert result.actions == ()


def test_ordinary_text_is_untouched() -> None:
    for text in ("The exported video is ready.", "I added a drop shadow.", "Your balance matters.",
                 "导出的视频在这里。", "Opening scene: a beach."):
        result = translate(text)
        assert result.text == text and result.actions == ()


def test_tables_are_valid_data() -> None:
    phrases = load_phrases()
    assert {r.rule.lang for r in phrases.rules} == {"en", "zh"}
    assert phrases.relay_buttons >= {"generate", "生成"}


def stream(text: str, size: int) -> tuple[str, StreamTranslator, list[str]]:
    st = StreamTranslator()
    pieces = [st.feed(text[i:i + size]) for i in range(0, len(text), size)]
    pieces.append(st.finish())
    return "".join(pieces), st, pieces


@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_streamed_text_comes_out_once_in_order_and_translated(size: int) -> None:
    text = "Your clip is ready. Click the Export button to download it. Enjoy!\n\n- tip: 打开时间线面板查看。"
    out, st, _ = stream(text, size)
    assert out == "Your clip is ready. Type “export” to download it. Enjoy!\n\n- tip: 输入“状态”查看。"
    assert [a.kind for a in st.actions] == ["export", "state"]


def test_text_without_triggers_is_not_held_back() -> None:
    st = StreamTranslator()
    assert st.feed("Hello there, ") == "Hello there, "
    assert st.feed("this is fine") == "this is fine"
    assert st.feed(" cli") == " "  # might become "click": waits for the next word
    assert st.feed("ent") == "client"


def test_a_trailing_temporary_issue_after_good_output_is_dropped() -> None:
    for size in (1, 4, 100):
        out, st, _ = stream("Done! Added the title.\n\nI encountered a temporary issue. Please try again in a moment.", size)
        assert out.strip() == "Done! Added the title."
        assert st.dropped_issue
    for text in ("好了！已添加标题。我遇到了一个临时问题，请稍后再试。", "好了！已添加標題。我遇到了一個臨時問題，請稍後再試。"):
        out, st, _ = stream(text, 2)
        assert out == text[: text.index("。") + 1] and st.dropped_issue


def test_a_temporary_issue_alone_or_followed_by_more_is_kept() -> None:
    out, st, _ = stream("I encountered a temporary issue. Please try again in a moment.", 5)
    assert not st.dropped_issue
    assert out == "I encountered a temporary issue. Please try again in a moment."
    out, _, _ = stream("Done.\n\nI encountered a temporary issue.\n\nBut it worked in the end.", 3)
    assert out == "Done.\n\nI encountered a temporary issue.\n\nBut it worked in the end."


def test_replace_translates_the_whole_step() -> None:
    st = StreamTranslator()
    st.feed("Click the Exp")
    assert st.replace("Click the Export button.") == "Type “export”."
    assert [a.kind for a in st.actions] == ["export"]


@pytest.mark.parametrize(
    ("text", "resolution", "other"),
    [("export 1080p MP4", "1080p", None), ("export in 4K", "2160p", None), ("导出高清视频", "720p", None),
     ("导出超高清", "2160p", None), ("export full hd", "1080p", None), ("export as a GIF", None, "GIF"),
     ("export", None, None), ("导出 1080P", "1080p", None)],
)
def test_export_words_choose_the_resolution(text: str, resolution: str | None, other: str | None) -> None:
    assert parse_export_words(text) == (resolution, other)


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("Take a look in the preview panel — when it looks right, click Export to render your MP4.",
         "Take a look in the timeline (type “status”) — when it looks right, type “export” to render your MP4."),
        ("You can check the result in the preview window.", "You can check the result in the timeline (type “status”)."),
        ("Open the preview panel.", "Type “status”."),
        ("在预览面板里看一下效果，满意后点击导出即可生成 MP4。", "在时间线（输入“状态”）里看一下效果，满意后输入“导出”即可生成 MP4。"),
        ("请在预览窗口中查看。", "请在时间线（输入“状态”）中查看。"),
        ("在預覽視窗裡看看效果。", "在時間線（輸入“狀態”）裡看看效果。"),  # answered in Traditional
        ("You can drag the clip edges to fine-tune.",
         "You can tell me a new length (e.g. “make photo 2 last 5 seconds”) to fine-tune."),
        ("可以拖拽片段边缘微调。", "可以告诉我新的时长（例如“第2张改成5秒”）微调。"),
        ("可以拖曳片段邊緣微調。", "可以告訴我新的時長（例如“第2張改成5秒”）微調。"),
    ],
)
def test_preview_windows_and_clip_edges_become_what_to_type(said: str, shown: str) -> None:
    result = translate(said)
    assert result.text == shown
    if not said.startswith("Open"):
        assert result.actions == ()  # an instruction to the person, not something run for them
    for size in (1, 2, 5):  # streamed in small pieces, the reply reads the same
        assert stream(said, size)[0] == shown


_GUI_WORDS = re.compile(
    r"(?i)\b(?:click|tap|drag|panel|window|button|top right)\b|(?<!“)(?:预览|預覽)(?!”)|面板|窗口|按钮|按鈕|点击|點擊|拖|右上角")
# (“预览” in quotes is what to type: the preview command)


def test_every_reply_of_the_local_backend_reads_without_a_gui() -> None:
    """The scripted agent's reply tables say what the real service says; none may reach the person as GUI talk."""
    tables = json.loads((ROOT / "backend" / "editor" / "replies.json").read_text("utf-8"))
    templates = [t for lang in ("en", "zh-Hans") for ts in tables[lang].values() for t in ts]
    hant = {ord(k): v for k, v in tables["hant"].items()}  # how the backend answers in Traditional
    templates += [t.translate(hant) for ts in tables["zh-Hans"].values() for t in ts]
    templates += list(json.loads((ROOT / "backend" / "data" / "messages.json").read_text("utf-8")).values())
    left = {t: translate(t).text for t in templates if _GUI_WORDS.search(translate(t).text)}
    assert left == {}
