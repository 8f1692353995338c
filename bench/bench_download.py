"""Download a 200 MB file from a loopback server with NemoClient, and with `curl -o` beside it.

Prints throughput of both, the ratio ours/curl (goal ≥ 0.8) and the peak RSS of the
downloading process (goal ≤ 100 MB, getrusage in a fresh child). Ours also does what curl
does not: `.part` file, fsync, no-overwrite rename, size check. Both write to /tmp.
Usage: .venv/bin/python bench/bench_download.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench_common import (
    MB,
    bench_dir,
    curl_time,
    make_file,
    peak_rss_mb_code,
    run_child,
    sink_server,
)

CHILD = """
import asyncio, json, os, time
from pathlib import Path
from agent.api import ApiConfig, NemoClient

async def main():
    cfg = ApiConfig.from_env(base_url=os.environ["BENCH_URL"], config_dir=Path(os.environ["BENCH_CFG"]))
    dest = Path(os.environ["BENCH_DEST"])
    async with NemoClient(cfg) as client:
        started = time.perf_counter()
        result = await client.download(os.environ["BENCH_URL"] + "/files/source.mp4", dest)
        took = time.perf_counter() - started
    assert result.size == int(os.environ["BENCH_SIZE"])
    result.path.unlink()
    return took

took = asyncio.run(main())
{rss}
print(json.dumps({{"seconds": took, "peak_rss_mb": peak}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    size = args.mb * MB
    with bench_dir() as tmp, sink_server(tmp) as url:
        make_file(tmp / "source.mp4", size)
        dest = tmp / "dest"
        dest.mkdir()
        env = {
            "BENCH_URL": url,
            "BENCH_DEST": str(dest),
            "BENCH_SIZE": str(size),
            "BENCH_CFG": str(tmp / "cfg"),
            "NEMO_TOKEN": "bench-token",
        }
        code = CHILD.format(rss=peak_rss_mb_code())
        ours, theirs, rss = [], [], []
        for _ in range(args.runs):
            result = run_child(code, env)
            ours.append(result["seconds"])
            rss.append(result["peak_rss_mb"])
            out = dest / "curl.mp4"
            theirs.append(curl_time([f"{url}/files/source.mp4"], output=str(out)))
            out.unlink()
    mb = size / MB
    ours_s, curl_s = min(ours), min(theirs)
    print(
        f"download {mb:.0f} MB over loopback, {args.runs} interleaved runs each (best; medians "
        f"{statistics.median(ours):.3f} s ours, {statistics.median(theirs):.3f} s curl)"
    )
    print(
        f"  nemo-chat (NemoClient.download): {ours_s:.3f} s  {mb / ours_s:7.1f} MB/s  peak RSS {max(rss):.1f} MB"
    )
    print(f"  curl -o (same URL)             : {curl_s:.3f} s  {mb / curl_s:7.1f} MB/s")
    print(
        f"  throughput ratio ours/curl = {curl_s / ours_s:.2f} (goal >= 0.8); peak RSS goal <= 100 MB"
    )


if __name__ == "__main__":
    main()
