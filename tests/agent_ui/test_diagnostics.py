"""Nothing a library or a thread says on its own reaches the chat's terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import logging, threading, warnings
from agent.terminal.diagnostics import quiet_background_noise
quiet_background_noise()
warnings.warn("DecompressionBombWarning: Image size exceeds limit")  # what Pillow said in a chat
logging.getLogger("uvicorn.error").error("Traceback (most recent call last): boom")
t = threading.Thread(target=lambda: 1 / 0)
t.start(); t.join()
print("still here")
"""


def test_library_warnings_log_records_and_thread_failures_stay_off_the_terminal() -> None:
    # a fresh interpreter: the hooks are process-wide
    done = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    assert done.stdout == "still here\n"
    assert done.stderr == ""
