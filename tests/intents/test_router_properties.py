"""Any string at all gets a Decision, and the work grows linearly with the length of the text."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from intents import ROUTES, Decision, route

_TEXT = st.one_of(
    st.text(),
    # every code point, lone surrogates and control characters included
    st.text(alphabet=st.characters(exclude_categories=()), max_size=200),
    st.text(alphabet=st.characters(exclude_categories=(), min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=20),
    st.text(alphabet=st.sampled_from(list("~/\\'\". :_-aéx导出积分上传 \t\n\x00\x1b.pngmp4JPG")), max_size=300),
    st.lists(st.sampled_from(["export", "导出", "don't", ",", "'", "~/a.png", "C:\\x\\", "file://", "https://a.b/c.mp4?x",
                              "\\ ", "不要", "吗", "exprot", "「", "」", "🙏", "\ud800", "\x00"]), max_size=40).map("".join),
)


def _valid(d: Decision) -> None:
    assert isinstance(d, Decision)
    assert d.route in ROUTES
    assert 0.0 <= d.confidence <= 1.0
    assert isinstance(d.evidence, str) and d.evidence
    assert all(isinstance(p, str) and p for p in d.paths)
    assert d.skip_sse is (d.route != "sse")
    assert (d.route == "upload" and d.rule == "path") == bool(d.paths)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_any_string_returns_a_decision(text: str) -> None:
    _valid(route(text))


def test_special_inputs_return_a_decision() -> None:
    for text in ["\ud800", "\udfff export", "\x00\x01\x02", "🙏" * 1000, "\u200b\u200d", "ＥＸＰＯＲＴ" * 100,
                 "export\x00", "a" * 1_000_000, "导出" * 500_000]:
        _valid(route(text))


def _cost(text: str) -> float:
    # this thread's CPU time, not the wall clock: on a loaded machine (CI, a shared laptop) the
    # wall clock also counts the time other processes held the core, which made this flaky
    best = float("inf")
    for _ in range(3):
        t = time.thread_time()
        route(text)
        best = min(best, time.thread_time() - t)
    return best


# Inputs shaped to make a backtracking matcher go quadratic: many path starts, many quotes,
# escaped spaces, long runs without a separator, and so on.
_UNITS = [
    "~/a\\ ", "a,", "'x ", "/a b", "C:\\a ", "\\\\s\\", "https://", "x.png ", "导出", "don't export, ",
    "./a ", "~/a b/", "\"", "「", "a" * 7, "exprot ", "~/a.png ", "a(", "a\\,", "~/a\\ ~/", ".png", "'a.png'",
]


def test_time_grows_linearly_with_length() -> None:
    """10x the text must cost far less than 100x (quadratic); the bound is a generous 35x."""
    for unit in _UNITS:
        for tail in ("", " x.png"):  # with a file name somewhere, the path scanner runs too
            small = unit * (20_000 // len(unit)) + tail
            big = unit * (200_000 // len(unit)) + tail
            ratio = _cost(big) / max(_cost(small), 1e-6)
            assert ratio < 35, f"{unit + tail!r}: 10x longer took {ratio:.0f}x as long"
