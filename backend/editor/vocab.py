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
    video_nouns: Words
    make_verbs: Words
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
    motion_negation: Words
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
    hant_words: dict[str, str]  # Taiwan wording, put in before the characters (视频 → 影片)


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


class Grammar(BaseModel):
    """The extractors' vocabulary (grammar_en.json + grammar_zh.json, merged list by list)."""

    model_config = ConfigDict(extra="forbid")

    doc: str = Field("", alias="_doc")
    split_before: Words
    and_verbs: Words
    filler: Words
    question_start: Words
    polite_request: Words
    imperative: Words
    question_mark: Words
    question_end: Words
    question_words: Words
    topics: dict[str, Words]
    negation: Words
    keep_verbs: Words
    keep_as_is: Words
    keep_lead: Words
    longer: Words
    shorter: Words
    more_secs: Words
    fewer_secs: Words
    pace_blockers: Words
    swap: Words
    reverse: Words
    start_with: Words
    deictic: Words
    move: Words
    to_end: Words
    to_start: Words
    ordinal_words: dict[str, Words]
    pair: Words
    transition_nouns: Words
    fade_black: Words
    before_photo: Words
    motion_nouns: Words
    less: Words
    more: Words
    focus: Words
    focus_dir: dict[str, Words]
    text_move: Words
    first_n: Words
    last_n: Words
    empty_quotes: Words
    abs_set: Words
    insert_verbs: Words
    insert_place_verbs: Words
    insert_glue: Words  # what may stand beside a bare "add to the end" (加到最后)
    new_media: Words
    new_media_pronoun: Words
    plural_media: Words
    again: Words
    insert_after: Words
    insert_before: Words
    insert_between: Words
    insert_as: Words
    insert_blockers: Words
    upload_said: Words
    upload_glue: Words
    name_lead: Words
    media_extensions: Words


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    """One grammar file per language; a key's lists are joined (English first)."""
    merged: dict[str, object] = {}
    for name in ("grammar_en.json", "grammar_zh.json"):
        for key, value in json.loads(_load(name)).items():
            if key == "_doc":
                continue
            if isinstance(value, dict):
                table = merged.setdefault(key, {})
                assert isinstance(table, dict)
                for k, words in value.items():
                    table[k] = [*table.get(k, []), *words]
            else:
                old = merged.get(key, [])
                assert isinstance(old, list)
                merged[key] = [*old, *value]
    return Grammar.model_validate(merged)
