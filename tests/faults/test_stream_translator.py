"""Issue 18.5: a reply with a very long sentence or word streams through, in bounded memory.

Repro: after a trigger word ("Click …") the translator held the rest of the sentence until it
ended, and looked at all of it again for every delta — a 1 MB title froze the chat for minutes
and sat whole in memory. A sentence with no end in sight is now let go after HOLD_LIMIT
characters, so what streams in is shown while it streams. (Speed: bench/bench_translate.py.)
"""

from __future__ import annotations

from agent.core.translate import HOLD_LIMIT, StreamTranslator


def _stream(text: str, step: int = 64) -> tuple[str, str, StreamTranslator]:
    t = StreamTranslator()
    shown = "".join(t.feed(text[i : i + step]) for i in range(0, len(text), step))
    return shown, t.finish(), t


def test_a_huge_title_after_a_trigger_word_is_shown_while_it_streams():
    title = "x" * 300_000
    shown, rest, _ = _stream("Click the " + title)
    assert len(rest) <= HOLD_LIMIT + 64  # what was held back at the end is bounded
    assert (shown + rest).endswith(title) and len(shown) >= 300_000 - HOLD_LIMIT


def test_a_huge_word_after_a_trigger_word_is_shown_while_it_streams():
    word = "a" * 100_000
    shown, rest, _ = _stream("Please open " + word)
    assert len(shown) >= 100_000 - HOLD_LIMIT and (shown + rest).endswith(word)


def test_a_long_temporary_issue_paragraph_is_not_held_without_end():
    text = "Done.\n\nI encountered a temporary issue " + "and more " * 30_000
    shown, rest, t = _stream(text)
    assert len(rest) <= HOLD_LIMIT + 64 and shown + rest == text
    assert not t.dropped_issue


def test_held_memory_stays_bounded_whatever_the_deltas():
    t = StreamTranslator()
    for _ in range(2_000):
        t.feed("click the button and keep going ")  # a trigger in every delta, no end
        assert len(t._pending) <= HOLD_LIMIT + 64


def test_short_phrases_still_wait_for_their_sentence_end():
    shown, rest, t = _stream("Done! Click the Export button to download it. Enjoy!", step=5)
    assert shown + rest == "Done! Type “export” to download it. Enjoy!"
    assert [a.kind for a in t.actions] == ["export"]


def test_the_quick_check_never_hides_a_phrase_a_rule_matches():
    """translate() skips text holding none of the words every rule needs: never wrongly."""
    from agent.core.translate import _may_match, load_phrases

    phrases = load_phrases()
    samples = ["Click the Export button.", "the DOWNLOAD icon", "Tap **Export** now.",
               "點擊「匯出」按鈕。", "在時間線預覽", "drag and drop your images here",
               "Check your wallet", "打开时间线面板", "preview panel", "CLIC\u212a export",
               "把照片拖到这里", "Click “Generate”."]
    for text in samples:
        matched = any(c.regex.search(text) for c in phrases.rules)
        assert _may_match(phrases, text) or not matched, text
    assert not _may_match(phrases, "a quiet beach at sunset, slowly zooming")
