"""Where a growing Markdown reply can be cut so the finished part is printed once, for good.

Re-rendering a whole growing reply inside `rich.Live` flickers, duplicates lines once the
reply is taller than the screen and gets slower with every token (rich#3263, aider#5654).
Instead the renderer commits every finished top-level block and keeps only the unfinished
tail live. A block is finished when a blank line follows it and the next line does not
continue it (indented continuation of a list item), when a fenced code block closes, or
at the end of a heading line. Inside a fence nothing is cut.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")


def split_finished(text: str) -> tuple[str, str]:
    """(finished blocks, unfinished tail): `finished + tail == text` always."""
    cut = 0
    pos = 0
    fence: str | None = None
    blank_at: int | None = None  # end of a blank line that may close the block before it
    has_content = False
    while True:
        end = text.find("\n", pos)
        line = text[pos:] if end < 0 else text[pos:end]
        complete = end >= 0
        if blank_at is not None and line:
            # the first character after a blank line decides: indented continues the block
            if not line[0].isspace():
                cut = blank_at
            blank_at = None
        if not complete:
            break
        nxt = end + 1
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
                cut = nxt
                has_content = False
        elif match := _FENCE.match(line):
            fence = match.group(1)
            has_content = True
        elif not line.strip():
            if has_content:
                blank_at = nxt
                has_content = False
            elif cut == pos:
                cut = nxt  # blank lines right after a cut belong to the finished part
        elif _HEADING.match(line):
            cut = nxt
            has_content = False
        else:
            has_content = True
        pos = nxt
    return text[:cut], text[cut:]
