"""The SSE decoder: the WHATWG rules, and the same frames however the bytes are chunked."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.api.sse import SSEDecoder, SSEFrame, SSELineTooLong


def decode(chunks: list[bytes], max_line: int = 1 << 20) -> list[SSEFrame]:
    d = SSEDecoder(max_line)
    out: list[SSEFrame] = []
    for c in chunks:
        out.extend(d.feed(c))
    out.extend(d.close())
    return out


def summary(frames: list[SSEFrame]) -> list[tuple[str, str, str]]:
    return [(f.kind, f.event, f.data) for f in frames]


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"])
def test_every_line_ending_gives_the_same_events(eol: bytes) -> None:
    raw = eol.join(
        [b"data: one", b"", b"event: tool", b"data: a", b"data: b", b"", b": ping", b"", b""]
    )
    assert summary(decode([raw])) == [
        ("event", "message", "one"),
        ("event", "tool", "a\nb"),
        ("comment", "message", "ping"),
    ]


def test_leading_bom_is_stripped_even_when_split() -> None:
    raw = b"\xef\xbb\xbfdata: first\n\n"
    assert summary(decode([raw[:1], raw[1:2], raw[2:]])) == [("event", "message", "first")]
    assert decode([raw])[0].data == "first"


def test_a_bom_later_in_the_stream_is_data() -> None:
    frames = decode([b"data: a\n\n\xef\xbb\xbfdata: b\n\n"])
    assert [f.data for f in frames if f.kind == "event"] == ["a"]  # the field name is not `data`


def test_blocks_without_data_are_not_dispatched_as_events() -> None:
    frames = decode([b'id: 1\ndata: {"a":1}\n\n', b"\n", b"\n", b"event: ping\n\n"])
    events = [f for f in frames if f.kind == "event"]
    assert [f.data for f in events] == ['{"a":1}']
    assert [f.kind for f in frames] == [
        "event",
        "nodata",
    ]  # `event: ping` is reported as liveness only
    assert frames[0].id == "1"


def test_empty_data_line_is_an_event_with_empty_data() -> None:
    assert summary(decode([b"data:\n\n"])) == [("event", "message", "")]


def test_field_rules() -> None:
    frames = decode(
        [b"data:no-space\ndata:  two-spaces\nid: a\x00b\nretry: 12x\nretry: 300\nbogus: 1\n\n"]
    )
    assert frames[0].data == "no-space\n two-spaces"
    assert frames[0].id is None  # an id with NUL is ignored
    assert frames[0].retry == 300


def test_utf8_split_inside_a_character() -> None:
    raw = "data: 导出 ✓ héllo\n\n".encode()
    for cut in range(1, len(raw)):
        assert decode([raw[:cut], raw[cut:]])[0].data == "导出 ✓ héllo"


def test_crlf_split_across_chunks_counts_once() -> None:
    assert summary(decode([b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"])) == [
        ("event", "message", "a"),
        ("event", "message", "b"),
    ]


def test_complete_lines_without_final_blank_line_are_dispatched_at_close() -> None:
    assert summary(decode([b"data: tail"])) == [("event", "message", "tail")]


def test_line_length_cap() -> None:
    d = SSEDecoder(max_line=100)
    d.feed(b"data: " + b"x" * 60)
    with pytest.raises(SSELineTooLong):
        d.feed(b"x" * 60)
    with pytest.raises(SSELineTooLong):
        SSEDecoder(max_line=100).feed(b"data: " + b"y" * 200 + b"\n\n")
    with pytest.raises(SSELineTooLong):  # many short data lines in one event
        SSEDecoder(max_line=100).feed(b"data: 0123456789\n" * 20)


def test_long_line_in_tiny_chunks_is_joined() -> None:
    payload = b"z" * 50_000
    raw = b"data: " + payload + b"\n\n"
    frames = decode([raw[i : i + 7] for i in range(0, len(raw), 7)])
    assert frames[0].data == payload.decode()


def test_raw_keeps_the_block_lines() -> None:
    frame = decode([b"event: x\r\ndata: 1\r\n: c\r\ndata: 2\r\n\r\n"])
    events = [f for f in frame if f.kind == "event"]
    assert events[0].raw == "event: x\ndata: 1\ndata: 2"


_line = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
        max_size=20,
    ).map(lambda t: "data: " + t),
    st.sampled_from(
        ["", ": ping", "event: tool", "id: 7", "retry: 10", "data", "data:", "data:  x", "导出"]
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(_line, max_size=25),
    eol=st.sampled_from(["\n", "\r", "\r\n"]),
    bom=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_any_chunking_yields_the_same_frames(
    lines: list[str], eol: str, bom: bool, cuts: list[int]
) -> None:
    raw = (("\ufeff" if bom else "") + eol.join(lines) + eol + eol).encode()
    whole = decode([raw])
    points = sorted({c % (len(raw) + 1) for c in cuts})
    pieces = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    assert summary(decode(pieces)) == summary(whole)
    one_by_one = decode([raw[i : i + 1] for i in range(len(raw))])
    assert summary(one_by_one) == summary(whole)
