"""Record a session to a transcript file; replay it offline; check it still behaves the same.

`Recorder` is what `nemo-chat --record FILE` uses (an event sink and the wire's exchange
observer at once); `replay.replay` runs a transcript again through a conversation and a
server the composition root hands in (`ReplayWiring`); `check.check_files` is
`nemo-chat replay --check`. Nothing here imports the terminal or the backend.
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
