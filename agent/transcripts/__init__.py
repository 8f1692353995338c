"""Record a session to a transcript file; replay it offline; check it still behaves the same.

`Recorder` is what `nemo-chat --record FILE` uses (an event sink and the wire's exchange
observer at once); `nemo-chat replay …` runs `agent.transcripts.cli.main`. The replay parts
(a Starlette server, the agent itself) are imported only when a replay runs.
"""

from __future__ import annotations

from agent.transcripts.format import (
    FORMAT_VERSION,
    Transcript,
    TranscriptError,
    load,
    loads,
)
from agent.transcripts.recorder import Recorder, timing_settings

__all__ = [
    "FORMAT_VERSION",
    "Recorder",
    "Transcript",
    "TranscriptError",
    "load",
    "loads",
    "timing_settings",
]
