"""Decode a 50 MB stream of small SSE events with our decoder and with httpx-sse, same bytes.

Both get the same byte chunks (64 KiB, the size httpcore reads from a socket, cut at arbitrary
points). httpx-sse runs its real path: an httpx.Response's incremental text decoding, its
SSELineDecoder and SSEDecoder. Ours is `agent.api.sse.SSEDecoder.feed`. Prints events/s of
each and the ratio ours/httpx-sse (goal ≥ 1.0). Usage: .venv/bin/python bench/bench_sse.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator

import httpx
from httpx_sse import EventSource

from agent.api.sse import SSEDecoder


def make_stream(target: int) -> tuple[bytes, int]:
    """ADK-like small events mixed with comments and typed heartbeats; ~50 MB in total."""
    frames = []
    for i in range(2000):
        text = f"word {i} 导出 "
        ev = {
            "content": {"parts": [{"text": text}], "role": "model"},
            "partial": True,
            "author": "nemo_agent",
            "id": str(i),
        }
        frames.append(
            b"data: " + json.dumps(ev, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"
        )
        if i % 10 == 0:
            frames.append(b": ping\n\n")
        if i % 25 == 0:
            frames.append(b'data: {"type":"heartbeat"}\n\n')
    block = b"".join(frames)
    events_per_block = sum(1 for f in frames if f.startswith(b"data"))
    reps = max(1, target // len(block))
    return block * reps, events_per_block * reps


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def ours(data: bytes, size: int) -> int:
    decoder = SSEDecoder()
    n = 0
    for chunk in chunks(data, size):
        for frame in decoder.feed(chunk):
            if frame.kind == "event":
                n += 1
    for frame in decoder.close():
        n += frame.kind == "event"
    return n


def theirs(data: bytes, size: int) -> int:
    response = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=chunks(data, size)
    )
    return sum(1 for _ in EventSource(response).iter_sse())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=65536)
    args = parser.parse_args()
    data, expected = make_stream(args.mb * 1024 * 1024)
    results: dict[str, list[float]] = {"ours": [], "httpx-sse": []}
    for _ in range(args.runs):  # interleaved
        for name, fn in (("ours", ours), ("httpx-sse", theirs)):
            started = time.perf_counter()
            count = fn(data, args.chunk)
            results[name].append(time.perf_counter() - started)
            assert count == expected, (name, count, expected)
    best = {k: min(v) for k, v in results.items()}
    print(
        f"SSE decoding: {len(data) / 1e6:.1f} MB, {expected} data events (+ comments), {args.chunk}-byte chunks, "
        f"{args.runs} interleaved runs (best; medians ours {statistics.median(results['ours']):.2f} s, "
        f"httpx-sse {statistics.median(results['httpx-sse']):.2f} s)"
    )
    for name in results:
        print(f"  {name:10s}: {best[name]:.2f} s  {expected / best[name]:>10,.0f} events/s")
    print(f"  ratio ours/httpx-sse = {best['httpx-sse'] / best['ours']:.2f} (goal >= 1.0)")


if __name__ == "__main__":
    main()
