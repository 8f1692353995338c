"""Upload a 200 MB file to a loopback server with NemoClient, and with `curl -F` beside it.

Prints throughput (MB/s) of both, the ratio ours/curl (goal ≥ 0.8) and the peak RSS of the
uploading process (goal ≤ 100 MB; read with getrusage in a fresh child process, so the
figure includes the interpreter and every import). Usage: .venv/bin/python bench/bench_upload.py
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
{rss}

async def main():
    cfg = ApiConfig.from_env(base_url=os.environ["BENCH_URL"], config_dir=Path(os.environ["BENCH_CFG"]))
    async with NemoClient(cfg) as client:
        client.use_session("bench")
        started = time.perf_counter()
        files = await client.upload_files([Path(os.environ["BENCH_FILE"])])
        took = time.perf_counter() - started
    assert files[0].model_extra["bytes"] > int(os.environ["BENCH_SIZE"])
    return took

took = asyncio.run(main())
{rss_end}
print(json.dumps({{"seconds": took, "peak_rss_mb": peak}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    size = args.mb * MB
    with bench_dir() as tmp, sink_server(tmp) as url:
        path = make_file(tmp / "bench.mp4", size)
        endpoint = f"{url}/api/upload-video/nemo_agent/me/bench"
        code = CHILD.format(rss="", rss_end=peak_rss_mb_code())
        env = {
            "BENCH_URL": url,
            "BENCH_FILE": str(path),
            "BENCH_SIZE": str(size),
            "BENCH_CFG": str(tmp / "cfg"),
            "NEMO_TOKEN": "bench-token",
        }
        ours, theirs, rss = [], [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            result = run_child(code, env)
            ours.append(result["seconds"])
            rss.append(result["peak_rss_mb"])
            theirs.append(
                curl_time(
                    [
                        "-H",
                        "Authorization: Bearer bench-token",
                        "-H",
                        "Expect:",
                        "-F",
                        f"files=@{path}",
                        endpoint,
                    ]
                )
            )
        small = make_file(tmp / "small.mp4", MB)
        small_rss = run_child(code, {**env, "BENCH_FILE": str(small), "BENCH_SIZE": str(MB)})[
            "peak_rss_mb"
        ]
    mb = size / MB
    ours_s, curl_s = min(ours), min(theirs)
    print(
        f"upload {mb:.0f} MB over loopback, {args.runs} interleaved runs each (best; medians "
        f"{statistics.median(ours):.3f} s ours, {statistics.median(theirs):.3f} s curl)"
    )
    print(
        f"  nemo-chat (NemoClient.upload_files): {ours_s:.3f} s  {mb / ours_s:7.1f} MB/s  peak RSS {max(rss):.1f} MB"
    )
    print(f"  curl -F (same endpoint)            : {curl_s:.3f} s  {mb / curl_s:7.1f} MB/s")
    print(
        f"  peak RSS uploading a 1 MB file: {small_rss:.1f} MB (memory does not grow with the file)"
    )
    print(
        f"  throughput ratio ours/curl = {curl_s / ours_s:.2f} (goal >= 0.8); peak RSS goal <= 100 MB"
    )


if __name__ == "__main__":
    main()
