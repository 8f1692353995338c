"""`nemo-chat replay --check FILE…`: replay each file, compare, say ok or show the diff.

Exit codes follow diff(1): 0 = every file replayed as recorded, 1 = a replay differed (the
diff is printed), 2 = a file could not be used (missing, not a transcript, cut short,
damaged, from a newer nemo-chat). No traceback reaches the terminal: a crash of the agent
during a replay is one scrubbed line. The command line itself is parsed by `agent/cli.py`;
the conversation and the server come from the composition root (`ReplayWiring`).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from agent.messages import LANGS, lang_of, t
from agent.transcripts.format import Transcript, TranscriptError, load
from agent.transcripts.replay import ReplayWiring, replay

DEFAULT_SPEED = 10.0  # watching a replay
CHECK_SPEED = 4.0  # slow enough that timing-dependent lines (still working…) hold on a busy machine


def agent_failed(exc: BaseException) -> str:
    """A crash during a replay as one line, secrets and the home folder scrubbed."""
    from agent.transcripts.scrub import Scrubber

    return Scrubber(home=Path.home()).text(f"{type(exc).__name__}: {exc}")


def transcript_lang(transcript: Transcript, fallback: str) -> str:
    """The language the recorded session was in (its --lang, else its first message's)."""
    if transcript.header.lang in LANGS:
        return transcript.header.lang
    messages = transcript.user_messages()
    return lang_of(messages[0]) if messages else fallback


def check_files(
    paths: list[Path],
    *,
    wiring: ReplayWiring,
    speed: float = CHECK_SPEED,
    files_dir: Path | None = None,
    out: TextIO | None = None,
    lang: str = "en",
) -> int:
    """Replay each file and compare; print ok/DIFFERS per file and the diffs."""
    out = out or sys.stdout
    bad = 0
    broken = 0
    for path in paths:
        try:
            transcript = load(path)
            result = asyncio.run(
                replay(transcript, wiring=wiring, speed=speed, files_dir=files_dir)
            )
        except TranscriptError as exc:
            print(
                t("transcripts.check.failed", lang, file=str(path), message=exc.message(lang)),
                file=out,
            )
            broken += 1
            continue
        except Exception as exc:  # the agent crashed: that is a difference, not a traceback
            bad += 1
            print(
                t(
                    "transcripts.check.failed",
                    lang,
                    file=str(path),
                    message=t("transcripts.check.agent_failed", lang, error=agent_failed(exc)),
                ),
                file=out,
            )
            continue
        if result.ok:
            print(t("transcripts.check.ok", lang, file=str(path)), file=out)
            continue
        bad += 1
        print(
            t("transcripts.check.differs", lang, file=str(path),
              version=transcript.header.app_version),
            file=out,
        )
        if result.problem is not None:
            print("  " + t(f"transcripts.check.{result.problem}", lang), file=out)
        for line in result.diff_lines():
            print("  " + line, file=out)
    count = len(paths)
    if bad or broken:
        print(t("transcripts.check.summary_bad", lang, bad=bad + broken, count=count), file=out)
        return 2 if broken and not bad else 1
    print(t("transcripts.check.summary_ok", lang, count=count), file=out)
    return 0
