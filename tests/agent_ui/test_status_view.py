"""The status table on a terminal (folded at 80 columns, CJK widths) and in a pipe (one line a
row), printed once: no summary line repeating the table."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from agent.api import SessionState
from agent.core.readouts import timeline_event
from agent.events import Timeline
from agent.terminal.plain_renderer import PlainRenderer
from agent.terminal.rich_renderer import RichRenderer
from tests.agent_core.test_core_status_table import DRAFT

LANGS = ["en", "zh", "zh-Hant"]


def event(lang: str) -> Timeline:
    state = SessionState.model_validate(
        {"draft": DRAFT, "canvas_config": {"width": 1920, "height": 1080, "aspect": "16:9"}}
    )
    return timeline_event(state, lang)


def rich_lines(lang: str, width: int) -> list[str]:
    out = io.StringIO()
    RichRenderer(Console(file=out, width=width, color_system=None), lang).handle(event(lang))
    return out.getvalue().splitlines()


@pytest.mark.parametrize("lang", LANGS)
def test_the_table_fits_80_columns_and_is_printed_once(lang: str) -> None:
    lines = rich_lines(lang, 80)
    assert all(cell_len(line) <= 80 for line in lines)
    shown = event(lang)
    header = [line for line in lines if all(col in line for col in shown.columns)]
    assert len(header) == 1
    assert sum("Summer trip" in line for line in lines) == 1  # once, in its own row
    assert sum("At the beach" in line for line in lines) == 1
    # the columns line up: the time of every row starts under the "Time" header (CJK widths)
    time_col = cell_len(header[0][: header[0].index(shown.columns[2])])
    for row in shown.tracks:
        line = next(line for line in lines if line.startswith(row[0] + " "))
        assert cell_len(line[: line.index(row[2])]) == time_col


@pytest.mark.parametrize("lang", LANGS)
def test_a_narrow_terminal_folds_the_details_not_the_times(lang: str) -> None:
    lines = rich_lines(lang, 60)
    assert all(cell_len(line) <= 60 for line in lines)
    for row in event(lang).tracks:
        assert any(row[2] in line for line in lines)  # "3.5–7.5 s" never split


@pytest.mark.parametrize("lang", LANGS)
def test_a_pipe_gets_one_line_per_row(lang: str) -> None:
    out = io.StringIO()
    shown = event(lang)
    PlainRenderer(out, lang).handle(shown)
    lines = out.getvalue().splitlines()
    assert lines[0] == shown.summary
    assert lines[1].split() == " ".join(shown.columns).split()
    assert len(lines) == 2 + len(shown.tracks) + 1  # heading, header, rows, canvas
    for line, row in zip(lines[2:], shown.tracks, strict=False):
        assert line.split() == " ".join(row).split()
