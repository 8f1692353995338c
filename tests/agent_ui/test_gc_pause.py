"""The garbage collector is paused only by `nemo-chat` itself, and always comes back."""

from __future__ import annotations

import gc
import subprocess
import sys

from agent.terminal import gc_pause


def test_resume_without_pause_changes_nothing() -> None:
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    gc_pause.resume()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_pause_then_resume_turns_the_collector_back_on() -> None:
    code = (
        "import gc\n"
        "from agent.terminal import gc_pause\n"
        "gc_pause.pause(); paused = not gc.isenabled()\n"
        "gc_pause.resume(); print(paused, gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["True", "True", "True"]


def test_cli_leaves_the_collector_on_after_a_run() -> None:
    """Whatever way `main()` ends (here: bad arguments), the collector is on afterwards."""
    code = (
        "import gc\n"
        "from agent.cli import main\n"
        "code = main(['--no-such-option'])\n"
        "print(code, gc.isenabled())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["2", "True"]
