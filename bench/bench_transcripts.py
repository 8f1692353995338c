"""What recording costs and how fast the golden transcripts replay, each beside a peer.

Run: `.venv/bin/python bench/bench_transcripts.py` (about 15 s; `--quick` for fewer rounds).

1. Recording cost per SSE frame (a realistic ADK partial-text frame, scrubbed, written and
   flushed line by line) beside the floor: the same line built with `json.dumps` and
   written + flushed without scrubbing. The figure that matters is the difference, set
   against the time between two frames of a streamed reply (milliseconds).
2. Transcript size beside the bytes it stands for: the golden files keep digests of the
   uploaded photos and downloaded videos instead of their bytes.
3. `replay --check` of every golden transcript at the default speed: wall time beside the
   recorded session time (the peer: replaying at 1×).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.assemble import replay_wiring  # noqa: E402
from agent.transcripts import Recorder, load  # noqa: E402
from agent.transcripts.check import CHECK_SPEED  # noqa: E402
from agent.transcripts.replay import replay  # noqa: E402

FRAME = "data: " + json.dumps(
    {
        "content": {"parts": [{"text": "I animated 3 photo(s) with a smooth zoom motion. "}],
                    "role": "model"},
        "partial": True,
        "invocationId": "e-5c2d1f0e-aa41-4d3b-9b1e-0f8e7d6c5b4a",
        "author": "nemo_agent",
        "id": "0b9d8c7e-6f5a-4b3c-2d1e-0f9e8d7c6b5a",
        "timestamp": 1764109372.123,
    }
)


def bench_recording(frames: int, rounds: int) -> tuple[float, float]:
    """Microseconds per frame: (Recorder, plain json writer)."""
    rec_times: list[float] = []
    plain_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            recorder = Recorder(Path(tmp) / f"r{r}.jsonl", app_version="bench", lang="en",
                                api_base="http://127.0.0.1:1", secrets=["5b1f7c7e-93a0"])
            start = time.perf_counter()
            for _ in range(frames):
                recorder.observer.on_sse_frame("/run_sse", FRAME, None, 0.0)
            rec_times.append((time.perf_counter() - start) / frames * 1e6)
            recorder.close()
            with (Path(tmp) / f"p{r}.jsonl").open("w", encoding="utf-8") as out:
                t0 = time.monotonic()
                start = time.perf_counter()
                for _ in range(frames):
                    line = [round(time.monotonic() - t0, 3), "sse",
                            {"path": "/run_sse", "data": FRAME, "comment": None}]
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
                    out.flush()
                plain_times.append((time.perf_counter() - start) / frames * 1e6)
    return statistics.median(rec_times), statistics.median(plain_times)


def golden_sizes() -> tuple[int, int, int]:
    """(transcript bytes, file bytes they stand for, files) over transcripts/*.jsonl."""
    total = stands_for = count = 0
    for path in sorted((ROOT / "transcripts").glob("*.jsonl")):
        total += path.stat().st_size
        for line in load(path).lines:
            if line.kind != "http":
                continue
            for item in line.payload.get("files") or []:
                stands_for += int(item.get("size") or 0)
                count += 1
            download = line.payload.get("download")
            if download:
                stands_for += int(download.get("size") or 0)
                count += 1
    return total, stands_for, count


def bench_replay() -> tuple[float, float, int, int]:
    """(wall seconds of --check over all golden files, recorded seconds, files, ok)."""
    paths = sorted((ROOT / "transcripts").glob("*.jsonl"))
    recorded = 0.0
    ok = 0
    start = time.perf_counter()
    for path in paths:
        transcript = load(path)
        recorded += transcript.lines[-1].t if transcript.lines else 0.0
        result = asyncio.run(replay(transcript, wiring=replay_wiring(), speed=CHECK_SPEED))
        ok += result.ok
    return time.perf_counter() - start, recorded, len(paths), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    frames, rounds = (2000, 3) if args.quick else (20000, 5)

    rec, plain = bench_recording(frames, rounds)
    print(f"1. recording one SSE frame: {rec:.1f} µs with the Recorder (scrub + write + flush)")
    print(f"   peer, plain json.dumps + write + flush: {plain:.1f} µs "
          f"(scrubbing adds {rec - plain:.1f} µs a frame; backend chunks arrive ms apart)")

    total, stands_for, count = golden_sizes()
    print(f"2. golden transcripts: {total / 1024:.0f} KiB in all, standing for "
          f"{count} files of {stands_for / 1024:.0f} KiB kept as name + size + SHA-256")

    wall, recorded, files, ok = bench_replay()
    print(f"3. replay --check of {files} golden transcripts at {CHECK_SPEED:g}×: {wall:.1f} s wall, "
          f"{ok}/{files} as recorded")
    print(f"   peer, the sessions as recorded (1×): {recorded:.1f} s; fixed cost a file "
          f"(server start/stop, client and TLS context set-up): "
          f"{(wall - recorded / CHECK_SPEED) / max(1, files):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
