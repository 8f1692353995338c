"""The schema of the router's data files (``intents/data/*.json``), validated by pydantic.

Imported only when the vocabulary is first loaded (pydantic is not cheap to import), so
``import intents`` stays fast. Adding a phrase is a data change only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DATA_DIR = Path(__file__).parent / "data"
LANGUAGE_FILES = ("en.json", "zh_hans.json", "zh_hant.json")
LocalRoute = Literal["export", "credits", "state", "upload", "subtitles", "preview", "open"]


class SplitVerb(BaseModel):
    """A verb whose parts may be apart in a clause, e.g. 发…给我 (send … to me)."""

    model_config = ConfigDict(extra="forbid")
    head: str = Field(min_length=1)
    tail: str = Field(min_length=1)
    route: LocalRoute


class Language(BaseModel):
    """One language's phrase lists (see en.json for the meaning of each list)."""

    model_config = ConfigDict(extra="forbid")
    language: str
    note: str = ""
    t2s: dict[str, str] = {}
    routes: dict[LocalRoute, list[str]]
    objects: dict[LocalRoute, list[str]] = {}
    filler: list[str] = []
    acknowledgements: list[str] = []
    query: list[str] = []
    request: list[str] = []
    just: list[str] = []
    negation: list[str] = []
    bare_negation: list[str] = []
    howto: list[str] = []
    ask: list[str] = []
    separators: list[str] = []
    blockers: list[str] = []
    split_verbs: list[SplitVerb] = []
    slips: dict[LocalRoute, list[str]] = {}
    fuzzy_targets: dict[LocalRoute, list[str]] = {}
    real_words: list[str] = []

    @field_validator("t2s")
    @classmethod
    def _single_chars(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [k for k, s in v.items() if len(k) != 1 or len(s) != 1]
        if bad:
            raise ValueError(f"t2s maps single characters only: {bad[:5]}")
        return v

    @field_validator(
        "filler", "acknowledgements", "query", "request", "just", "negation", "bare_negation", "howto", "ask",
        "separators", "blockers", "real_words",
    )
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not p.strip() for p in v):
            raise ValueError("blank phrase")
        return v


class PathRules(BaseModel):
    """What counts as a media file, and the longest message treated as a command."""

    model_config = ConfigDict(extra="forbid")
    note: str = ""
    extensions: list[str] = Field(min_length=1)
    bare_name_lead: list[str] = []
    upload_verbs: list[str] = []
    upload_filler: list[str] = []
    path_joiners: list[str] = []
    max_command_chars: int = Field(default=240, ge=16)

    @field_validator("extensions")
    @classmethod
    def _plain(cls, v: list[str]) -> list[str]:
        if any(not re.fullmatch(r"[a-z0-9]+", e) for e in v):
            raise ValueError("extensions are lower-case letters/digits without a dot")
        return v


def _read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def load_folding() -> dict[str, str]:
    """Traditional -> Simplified characters (data/t2s.json, generated from OpenCC)."""
    pairs: str = _read("t2s.json")["pairs"]
    return {pairs[i]: pairs[i + 1] for i in range(0, len(pairs) - 1, 2)}


def load_files() -> tuple[list[Language], PathRules]:
    """Read and validate the data files; a bad file raises pydantic's ValidationError."""
    languages = [Language.model_validate(_read(n)) for n in LANGUAGE_FILES]
    return languages, PathRules.model_validate(_read("paths.json"))
