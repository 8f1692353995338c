"""The phrase tables of the scripted editing agent (phrases.json, replies.json), validated."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

Words = list[str]


class Phrases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc: str = Field("", alias="_doc")
    help: Words
    undo: Words
    remove: Words
    replace: Words
    animate: Words
    animate_weak: Words
    motion: dict[str, Words]
    pan_generic: Words
    zoom_generic: Words
    smooth: Words
    motion_words: Words
    per_item: Words
    total: Words
    seconds: Words
    aspect: dict[str, Words]
    transition_words: Words
    transition: dict[str, Words]
    transition_named: Words
    title: Words
    caption: Words
    text_lead_roles: Words
    text_lead: Words
    text_lead_replace: Words
    text_place_lead: Words
    question: Words
    position: dict[str, Words]
    at_start: Words
    at_end: Words
    music: Words
    generated: Words
    music_style: dict[str, Words]
    volume: Words
    louder: Words
    quieter: Words
    mute: Words
    fade_out: Words
    fade_in: Words
    fade_generic: Words
    negation: Words
    photo: Words
    ordinals: dict[str, Words]
    export: Words


class Replies(BaseModel):
    """Reply templates per language ("en", "zh-Hans"); zh-Hant is derived with `hant`."""

    model_config = ConfigDict(extra="forbid")

    doc: str = Field("", alias="_doc")
    en: dict[str, list[str]]
    zh_hans: dict[str, list[str]] = Field(alias="zh-Hans")
    names: dict[str, dict[str, str]]  # display names of motions, styles, targets per language
    hant: dict[str, str]  # simplified → traditional characters used by the zh-Hans templates
    hant_markers: str  # characters that only Traditional Chinese uses (to detect it)


def _load(name: str) -> str:
    return resources.files("backend.editor").joinpath(name).read_text("utf-8")


@lru_cache(maxsize=1)
def phrases() -> Phrases:
    return Phrases.model_validate(json.loads(_load("phrases.json")))


@lru_cache(maxsize=1)
def replies() -> Replies:
    data = Replies.model_validate(json.loads(_load("replies.json")))
    missing = set(data.en) ^ set(data.zh_hans)
    if missing:
        raise ValueError(f"replies.json: keys not in both languages: {sorted(missing)}")
    return data
