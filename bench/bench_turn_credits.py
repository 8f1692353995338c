"""What showing the balance after each turn costs: a relayed edit turn with the balance read
after it (one GET /api/credits/balance/simple), beside the same turn without it, in one run
against the local backend on 127.0.0.1. The state reply does not carry the balance, so the
read is one extra request a turn (the first turn also reads it before, beside the state).
Also the one state request a start without --resume makes to name the last project.

Run: .venv/bin/python bench/bench_turn_credits.py [--turns 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from agent.api import ApiConfig, NemoClient  # noqa: E402
from agent.core import ChatSettings, Conversation  # noqa: E402
from agent.core import relay as relay_module  # noqa: E402
from backend.local import start_local_backend  # noqa: E402
from backend.settings import BackendSettings  # noqa: E402


async def _no_balance(ctx: Any, before: int | None) -> None:
    return None


async def _measure(url: str, folder: Path, turns: int) -> dict[str, list[float]]:
    config = ApiConfig(base_url=url, web_url="https://x", config_dir=folder / "cfg")
    events: list[Any] = []
    async with NemoClient(config) as client:
        conv = Conversation(client, ChatSettings(out_dir=folder / "out", lang="en"), events.append)
        assert await conv.start()
        photo = folder / "p.png"
        Image.new("RGB", (64, 48), "red").save(photo)
        await conv.handle(f"upload {photo}")
        await conv.handle("turn my photo into a smooth animated video")
        times: dict[str, list[float]] = {
            "with": [], "without": [], "credits GET": [], "state GET (comeback at start)": []}
        real = relay_module._say_balance
        k = 0
        for i in range(turns):
            order = ("with", "without") if i % 2 == 0 else ("without", "with")
            for mode in order:
                relay_module._say_balance = real if mode == "with" else _no_balance  # type: ignore[assignment]
                k += 1  # every turn changes the draft (and costs the same)
                t0 = time.perf_counter()
                await conv.handle(f"make each photo {2 + (k % 4)} seconds")
                times[mode].append(time.perf_counter() - t0)
            relay_module._say_balance = real  # type: ignore[assignment]
            t0 = time.perf_counter()
            await client.credits()
            times["credits GET"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await client.state()
            times["state GET (comeback at start)"].append(time.perf_counter() - t0)
        return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = BackendSettings.for_tests(folder / "backend", no_text_ratio=0.0)
        server = start_local_backend(settings)
        try:
            times = asyncio.run(_measure(server.url, folder, args.turns))
        finally:
            server.stop()
    print(f"{'per edit turn (local backend)':32} {'median ms':>10} {'p90 ms':>8}")
    for name, values in times.items():
        values = sorted(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        print(f"{name:32} {statistics.median(values) * 1000:10.1f} {p90 * 1000:8.1f}")
    extra = statistics.median(times["with"]) - statistics.median(times["without"])
    print(f"balance shown after the turn adds {extra * 1000:.1f} ms a turn (median difference)")


if __name__ == "__main__":
    main()
