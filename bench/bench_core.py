"""What the conversation core adds to each streamed text event, beside a pass-through peer.

A scripted stream (no network) yields text events the way the wire does; the time from an
event leaving the stream to its text reaching the sink is measured for
  - the core's relay (GUI-phrase translation, hold-back of trigger sentences, statuses), and
  - a pass-through peer that hands each event's text straight to the sink (the floor),
in the same run, for three kinds of text: plain words, whole lines, and lines that carry GUI
phrases (which wait for their sentence to end by design, so their latency is the time to the
end of the sentence, reported separately). Also the timeline summary and the state diff of a
50-track draft (per call).

Run: .venv/bin/python bench/bench_core.py [--events 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.api import ApiConfig, Draft, SessionInfo, SessionState, StreamText  # noqa: E402
from agent.core import ChatSettings, Conversation  # noqa: E402
from agent.core.diff import describe_changes  # noqa: E402
from agent.core.timeline import summarize  # noqa: E402


class _Stream:
    def __init__(self, texts: list[str], stamps: dict[int, float]) -> None:
        self.texts, self.stamps = texts, stamps

    async def __aenter__(self) -> _Stream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[Any]:
        for i, text in enumerate(self.texts):
            self.stamps[i] = time.perf_counter()
            yield StreamText(text=text)


class _Client:
    def __init__(self, folder: Path, texts: list[str], stamps: dict[int, float]) -> None:
        self.config = ApiConfig(base_url="http://127.0.0.1:9", web_url="https://x", config_dir=folder)
        self.notices: list[Any] = []
        self.session_id: str | None = None
        self.user_id = None
        self.token_source = "anonymous"
        self.texts, self.stamps = texts, stamps

    async def connect(self) -> None:
        return None

    async def create_session(self, language: str = "en") -> SessionInfo:
        self.session_id = "s"
        return SessionInfo(session_id="s")

    async def state(self) -> SessionState:
        return SessionState(draft=None)

    def run_sse(self, text: str, *, streaming: bool = True) -> _Stream:
        return _Stream(self.texts, self.stamps)


def _texts(kind: str, n: int) -> list[str]:
    if kind == "words":
        return [f"word{i} " for i in range(n)]
    if kind == "lines":
        return [f"Line {i}: the clip now fades in smoothly.\n" for i in range(n)]
    return [("Open the timeline panel, " if i % 2 == 0 else f"then check clip {i}.\n") for i in range(n)]


async def core_latencies(texts: list[str]) -> list[float]:
    stamps: dict[int, float] = {}
    out: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        client = _Client(Path(folder), texts, stamps)

        def sink(event: Any) -> None:
            if event.kind == "text_delta":
                now = time.perf_counter()
                out.append(now - stamps[len(stamps) - 1])

        conv = Conversation(client, ChatSettings(out_dir=Path(folder)), sink)  # type: ignore[arg-type]
        await conv.start()
        await conv.handle("/send go")
    return out


async def peer_latencies(texts: list[str]) -> list[float]:
    stamps: dict[int, float] = {}
    out: list[float] = []

    def sink(text: str) -> None:
        out.append(time.perf_counter() - stamps[len(stamps) - 1])

    async with _Stream(texts, stamps) as stream:
        async for event in stream:
            sink(event.text)
    return out


def _row(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"   {name:<34} median {statistics.median(values) * 1e6:8.1f} µs   p99 {p99 * 1e6:8.1f} µs   ({len(values)} texts)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    print("1. stream event → sink, per text event (in process, no network)")
    for kind in ("words", "lines", "gui"):
        texts = _texts(kind, args.events)
        peer = asyncio.run(peer_latencies(texts))
        core = asyncio.run(core_latencies(texts))
        label = {"words": "plain words", "lines": "whole lines", "gui": "lines with GUI phrases (held to sentence end)"}[kind]
        print(f"   -- {label}")
        print(_row("pass-through peer (floor)", peer))
        print(_row("conversation core relay", core))
    draft = {"t": [{"tt": 7 if i % 3 else 0, "sg": [{"id": f"{i}-{j}", "n": f"clip {i}-{j}", "text": f"T{i}", "st": j * 1000, "d": 1000}
                                                   for j in range(20)]} for i in range(50)]}
    after = {"t": [dict(tr, sg=tr["sg"][1:]) for tr in draft["t"]]}
    runs = 50
    start = time.perf_counter()
    for _ in range(runs):
        summarize(Draft.read(draft))  # reading the draft (in the wire) and wording it
    summary = (time.perf_counter() - start) / runs
    start = time.perf_counter()
    for _ in range(runs):
        describe_changes(SessionState(draft=draft), SessionState(draft=after))
    diff = (time.perf_counter() - start) / runs
    print("2. a 50-track, 1000-segment draft")
    print(f"   timeline summary                   {summary * 1e3:8.2f} ms per call")
    print(f"   state diff (50 segments removed)   {diff * 1e3:8.2f} ms per call")


if __name__ == "__main__":
    main()
