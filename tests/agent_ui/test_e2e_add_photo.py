"""The session a person ran: make a video of two photos, upload a third, add it to the end.

The real program with `--local` (conversation core, wire, local backend over HTTP), fed as a
pipe from the folder that holds the photos. It once uploaded c.jpg a second time for "add
c.jpg to the end" and then did not know how to add it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SCRIPT = ("upload a.jpg b.jpg\n"
          "turn them into a smooth animated video with calm music\n"
          "upload c.jpg\n"
          "add c.jpg to the end\n"
          "status\n")


@pytest.mark.slow
def test_adding_an_uploaded_photo_to_the_end_keeps_one_copy_and_puts_it_last(
        make_photo: Callable[..., Path], chat_env: Callable[..., dict[str, str]]) -> None:
    folder = make_photo("a.jpg", size=(320, 180), seed=1).parent
    make_photo("b.jpg", size=(320, 180), seed=2)
    make_photo("c.jpg", size=(320, 180), seed=3)
    result = subprocess.run([sys.executable, "-m", "agent", "--local"], input=SCRIPT, capture_output=True,
                            text=True, timeout=120, cwd=folder, env=chat_env(COLUMNS="100"))
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Traceback" not in out + result.stderr
    assert out.count("Uploaded c.jpg") == 1  # "add c.jpg to the end" did not send it again
    assert "Added photo “c.jpg” at the end (5–8 s)." in out
    assert "not sure how to do that" not in out
    status = out[out.rindex("Timeline,"):]  # what `status` showed last
    photos = re.findall(r"^\s*Photo (\d)\s+(\S+)", status, re.M)
    assert photos == [("1", "a.jpg"), ("2", "b.jpg"), ("3", "c.jpg")]
    media = status[status.index("\nMedia\n"):status.index("\nCanvas")].splitlines()[2:]
    assert [line.split()[0] for line in media] == ["a.jpg", "b.jpg", "c.jpg", "Soft"]  # each photo once
