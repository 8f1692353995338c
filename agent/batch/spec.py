"""The spec file: one item per row, `photo, instruction[, title][, output]` (CSV or JSONL).

Checked whole before anything starts, every problem with its line number
("items.csv line 7: photo not found: shoe-7.png"). A `photo` cell may list several photos
separated by `;` (one video from a group); relative paths are read from the spec's folder.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from agent.messages import t

from .photos import expand_photos

__all__ = ["MAX_SPEC_BYTES", "SpecError", "SpecItem", "read_spec"]

MAX_SPEC_BYTES = 8 * 1024 * 1024  # 8 MB of rows is tens of thousands of items
MAX_ROWS = 10_000
MAX_INSTRUCTION = 4000
COLUMNS = ("photo", "instruction", "title", "output")


@dataclass(frozen=True)
class SpecItem:
    line: int
    photos: list[Path]
    instruction: str
    title: str | None = None
    output: str | None = None


class SpecError(Exception):
    """Every problem found, one line each, already in the person's language."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _rows(path: Path, text: str, lang: str) -> list[tuple[int, dict[str, str]]]:
    name = path.name
    if path.suffix.lower() == ".jsonl":
        rows: list[tuple[int, dict[str, str]]] = []
        problems: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                problems.append(t("batch.spec.bad_json", lang, file=name, line=number))
                continue
            if not isinstance(value, dict):
                problems.append(t("batch.spec.bad_json", lang, file=name, line=number))
                continue
            rows.append((number, {str(k).strip().lower(): _cell(v) for k, v in value.items()}))
        if problems:
            raise SpecError(problems)
        return rows
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise SpecError([t("batch.spec.empty", lang, file=name)]) from None
    columns = [c.strip().lower().lstrip("\ufeff") for c in header]
    missing = [c for c in ("photo", "instruction") if c not in columns]
    if missing:
        raise SpecError([t("batch.spec.missing_column", lang, file=name, line=1,
                           column=", ".join(missing))])
    rows = []
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        rows.append((number, {c: (row[i].strip() if i < len(row) else "")
                              for i, c in enumerate(columns)}))
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value).strip()


def read_spec(path: Path, lang: str = "en") -> list[SpecItem]:
    """The items, or SpecError with every problem (nothing starts until the spec is valid)."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise SpecError([t("batch.spec.too_large", lang, file=name,
                               limit=f"{MAX_SPEC_BYTES // (1024 * 1024)} MB")])
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SpecError([t("batch.spec.not_found", lang, file=str(path))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise SpecError([t("batch.spec.unreadable", lang, file=str(path), error=reason)]) from None
    rows = _rows(path, text, lang)
    if len(rows) > MAX_ROWS:
        raise SpecError([t("batch.spec.too_many", lang, file=name, limit=MAX_ROWS)])
    if not rows:
        raise SpecError([t("batch.spec.empty", lang, file=name)])
    base = path.parent
    items: list[SpecItem] = []
    problems: list[str] = []
    outputs: dict[str, int] = {}
    for number, row in rows:
        where = {"file": name, "line": number}
        if "photo" not in row or "instruction" not in row:
            missing = ", ".join(c for c in ("photo", "instruction") if c not in row)
            problems.append(t("batch.spec.missing_column", lang, column=missing, **where))
            continue
        cells = [c.strip() for c in row["photo"].split(";") if c.strip()]
        instruction = row["instruction"].strip()
        ok = True
        if not cells:
            problems.append(t("batch.spec.no_photo", lang, **where))
            ok = False
        photos, missing_photos = expand_photos(cells, base)
        for raw in missing_photos:
            problems.append(t("batch.spec.photo_not_found", lang, photo=raw, **where))
            ok = False
        if not instruction:
            problems.append(t("batch.spec.no_instruction", lang, **where))
            ok = False
        elif len(instruction) > MAX_INSTRUCTION:
            problems.append(t("batch.spec.instruction_too_long", lang, limit=MAX_INSTRUCTION,
                              **where))
            ok = False
        output = (row.get("output") or "").strip() or None
        if output is not None:
            output = output if output.lower().endswith(".mp4") else f"{output}.mp4"
            if "/" in output or "\\" in output or output.startswith(".") or "\0" in output:
                problems.append(t("batch.spec.bad_output", lang, output=output, **where))
                ok = False
            elif output.lower() in outputs:
                problems.append(t("batch.spec.duplicate_output", lang, output=output,
                                  first=outputs[output.lower()], **where))
                ok = False
            else:
                outputs[output.lower()] = number
        if ok:
            title = (row.get("title") or "").strip() or None
            items.append(SpecItem(number, photos, instruction, title, output))
    if problems:
        raise SpecError(problems)
    return items
