"""The GUI-phrase translator: the backend talks as if there were buttons; here there are none.

Rules live in `data/gui_phrases.json` (English and Chinese). Each finds a phrase ("click the
Export button", "打开时间线面板", "drag the title to the start"), rewrites it to what the person
can type in nemo-chat, and may name one automatic action. `StreamTranslator` applies the rules
to streaming text without delaying it more than needed: text flows through untouched until a
trigger word appears, then only that sentence waits for its end. It also drops a trailing
"I encountered a temporary issue" after good output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from intents.script import is_traditional

__all__ = ["PlannedAction", "StreamTranslator", "Translation", "load_phrases", "translate"]

ActionKind = Literal["export", "credits", "state", "timeline", "sse", "none"]
_SENTENCE_END = re.compile(r"[.!?。！？；;]+[\"'”’」)*_]*(?=\s|$)|[。！？；\n]")


class PhraseRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str
    lang: Literal["en", "zh"]
    pattern: str
    reply: str
    action: ActionKind = "none"
    action_text: str | None = None
    only_relay_buttons: bool = False


class Conditional(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    clause_separators: str
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)


class PhraseTable(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    quote_class: str
    triggers: dict[Literal["en", "zh"], list[str]]
    temporary_issue: list[str] = Field(default_factory=list)
    temporary_issue_prefixes: list[str] = Field(default_factory=list)
    relay_buttons: list[str] = Field(default_factory=list)
    conditional: Conditional | None = None
    rules: list[PhraseRule]

    @field_validator("rules")
    @classmethod
    def _compiles(cls, rules: list[PhraseRule]) -> list[PhraseRule]:
        for rule in rules:
            re.compile(rule.pattern.replace("{Q}", ""))
        return rules


@dataclass(frozen=True)
class PlannedAction:
    """An automatic step a GUI phrase asked for; announced, then run after the reply."""

    kind: ActionKind
    rule: str
    text: str = ""  # for "sse": the message to relay


@dataclass(frozen=True)
class Translation:
    text: str
    actions: tuple[PlannedAction, ...]


@dataclass(frozen=True)
class _Compiled:
    rule: PhraseRule
    regex: re.Pattern[str]


def _hant_pattern(pattern: str, hant: dict[str, str]) -> str:
    """The same regex, matching each Simplified character of it in Traditional too."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        trad = hant.get(ch)
        if trad is None:
            out.append(ch)
        else:
            out.append(ch + trad if in_class else f"[{ch}{trad}]")
        i += 1
    return "".join(out)


def _to_hant(text: str, hant: dict[str, str]) -> str:
    """Character by character, each in the form Traditional writing uses first (Taiwan's)."""
    return "".join(hant.get(ch, ch)[0] for ch in text)


def _hant_words(words: list[str], hant: dict[str, str]) -> list[str]:
    out = list(words)
    for word in words:
        trad = _to_hant(word, hant)
        if trad not in out:
            out.append(trad)
    return out


class _Phrases:
    def __init__(self, table: PhraseTable) -> None:
        hant = _hant_table()["match"]
        cond = table.conditional
        table = table.model_copy(
            update={
                "rules": [
                    r.model_copy(update={"pattern": _hant_pattern(r.pattern, hant)}) if r.lang == "zh" else r
                    for r in table.rules
                ],
                "triggers": {**table.triggers, "zh": _hant_words(table.triggers.get("zh", []), hant)},
                "temporary_issue": [_hant_pattern(p, hant) for p in table.temporary_issue],
                "temporary_issue_prefixes": _hant_words(table.temporary_issue_prefixes, hant),
                "relay_buttons": _hant_words(table.relay_buttons, hant),
                "conditional": cond.model_copy(update={"zh": _hant_words(cond.zh, hant)}) if cond else None,
            }
        )
        self.table = table
        self.hant = hant  # lets the Chinese patterns match Traditional text too
        self.rules = [
            _Compiled(
                r,
                re.compile(
                    r.pattern.replace("{Q}", table.quote_class),
                    re.IGNORECASE if r.lang == "en" else 0,
                ),
            )
            for r in table.rules
        ]
        en = "|".join(
            re.escape(w) for w in sorted(table.triggers.get("en", []), key=len, reverse=True)
        )
        zh = "|".join(
            re.escape(w) for w in sorted(table.triggers.get("zh", []), key=len, reverse=True)
        )
        self.trigger = re.compile(rf"(?i)\b(?:{en})\b" + (f"|{zh}" if zh else ""))
        self.en_words = [w.lower() for w in table.triggers.get("en", []) if " " not in w]
        self.zh_first = {w[0] for w in table.triggers.get("zh", []) if w}
        self.temporary = [re.compile(p) for p in table.temporary_issue]
        self.issue_prefixes = [p.lower() for p in table.temporary_issue_prefixes]
        self.relay_buttons = {b.casefold() for b in table.relay_buttons}
        cond = table.conditional
        self.clause_sep = re.compile(cond.clause_separators if cond else r"[,;]", re.IGNORECASE)
        en_markers = "|".join(re.escape(w) for w in (cond.en if cond else []))
        zh_markers = "|".join(re.escape(w) for w in (cond.zh if cond else []))
        alternatives = [f"\\b(?:{en_markers})\\b" if en_markers else "", zh_markers]
        self.marker = re.compile("|".join(a for a in alternatives if a) or "(?!)", re.IGNORECASE)
        self.marker_first = (
            re.compile(r"^\W*(?:" + "|".join(a for a in alternatives if a) + ")", re.IGNORECASE)
            if any(alternatives)
            else re.compile("(?!)")
        )


@cache
def load_phrases() -> _Phrases:
    text = (
        resources.files("agent.core.data").joinpath("gui_phrases.json").read_text(encoding="utf-8")
    )
    return _Phrases(PhraseTable.model_validate(json.loads(text)))


@cache
def _hant_table() -> dict[str, dict[str, str]]:
    """Generated by tools/gen_hant.py: `replies` (rule id → the reply in Traditional
    characters) and `match` (Simplified character → its Traditional forms, Taiwan's first)."""
    folder = resources.files("agent.core.data")
    table: dict[str, dict[str, str]] = json.loads(
        folder.joinpath("gui_phrases.zh-Hant.json").read_text(encoding="utf-8")
    )
    return table


def _fill(template: str, groups: dict[str, str]) -> str:
    try:
        return template.format(**groups)
    except (KeyError, IndexError, ValueError):
        return template


def _at_sentence_start(text: str, index: int) -> bool:
    before = text[:index].rstrip(" \t*_>#-")
    return not before or before[-1] in ".!?\n:" or before.endswith(("1.", "2.", "3."))


def _conditional(text: str, index: int) -> bool:
    """Is the phrase at `index` inside a conditional clause (an instruction for later)?"""
    phrases = load_phrases()
    start = 0
    end = len(text)
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= index:
            start = m.end()
        else:
            end = m.end()
            break
    sentence = text[start:end]
    clauses: list[tuple[int, int]] = []
    cursor = 0
    for m in phrases.clause_sep.finditer(sentence):
        clauses.append((cursor, m.start()))
        cursor = m.end()
    clauses.append((cursor, len(sentence)))
    where = index - start
    for i, (a, b) in enumerate(clauses):
        if a <= where <= b or (i == len(clauses) - 1):
            if phrases.marker.search(sentence[a:b]):
                return True
            if i > 0:
                pa, pb = clauses[i - 1]
                return bool(phrases.marker_first.search(sentence[pa:pb]))
            return False
    return False


def translate(text: str) -> Translation:
    """Rewrite every GUI phrase in `text`; the actions are in the order they appear."""
    phrases = load_phrases()
    out: list[str] = []
    actions: list[PlannedAction] = []
    pos = 0
    while pos < len(text):
        best: tuple[int, int, int, re.Match[str], PhraseRule] | None = None
        for order, compiled in enumerate(phrases.rules):
            m = compiled.regex.search(text, pos)
            if m is None or m.end() == m.start():
                continue
            rank = (m.start(), order, 0)
            if best is None or rank < best[:3]:
                best = (*rank, m, compiled.rule)
        if best is None:
            break
        m, rule = best[3], best[4]
        groups = {k: (v or "").strip() for k, v in m.groupdict().items()}
        if "button2" in groups and not groups.get("button"):
            groups["button"] = groups["button2"]
        if rule.lang == "zh" and is_traditional(m.group(0)):  # answered in the script it came in
            traditional = {k: _to_hant(v, phrases.hant) for k, v in groups.items()}
            reply = _fill(_hant_table()["replies"].get(rule.id, rule.reply), traditional)
        else:
            reply = _fill(rule.reply, groups)
        if rule.lang == "en" and m.group(0)[:1].isupper() and _at_sentence_start(text, m.start()):
            reply = reply[:1].upper() + reply[1:]
        out.append(text[pos : m.start()])
        out.append(reply)
        if rule.action != "none" and not _conditional(text, m.start()):
            wanted = _fill(rule.action_text or "", groups).strip()
            if (
                not rule.only_relay_buttons
                or groups.get("button", "").casefold() in phrases.relay_buttons
            ):
                actions.append(PlannedAction(kind=rule.action, rule=rule.id, text=wanted))
        pos = m.end()
    out.append(text[pos:])
    return Translation(text="".join(out), actions=tuple(actions))


def is_temporary_issue(text: str) -> bool:
    stripped = text.strip().lstrip("*_>#- ")
    return bool(stripped) and any(p.search(stripped) for p in load_phrases().temporary)


class StreamTranslator:
    """Feed streamed text in, get translated text out as soon as it is safe to show.

    `feed()` returns what can be shown now; `finish()` what is left at the end of the turn.
    `replace()` translates the full text of a step that replaced what was streamed.
    `actions` collects the planned actions of everything shown so far, in order.
    """

    def __init__(self) -> None:
        self._phrases = load_phrases()
        self._pending = ""
        self._last = ""  # the last character that went out (is the pending text a new sentence?)
        self._shown_any = False  # something other than whitespace went out
        self._held_issue = False  # the pending text is a "temporary issue" paragraph
        self.actions: list[PlannedAction] = []
        self.dropped_issue = False

    # -- public ---------------------------------------------------------------------------
    def feed(self, delta: str) -> str:
        self._pending += delta
        return self._drain(final=False)

    def finish(self) -> str:
        if self._held_issue and is_temporary_issue(self._pending):
            self._pending = ""
            self._held_issue = False
            self.dropped_issue = True
            return ""
        return self._drain(final=True)

    def replace(self, full: str) -> str:
        """A step's final text replaced what streamed: translate it whole, drop held text."""
        self._pending = ""
        self._held_issue = False
        return self._emit(full)

    # -- inside ---------------------------------------------------------------------------
    def _emit(self, text: str) -> str:
        if not text:
            return ""
        result = translate(text)
        self.actions.extend(result.actions)
        if result.text.strip():
            self._shown_any = True
        self._last = text[-1]
        return result.text

    def _take(self, cut: int) -> str:
        head, self._pending = self._pending[:cut], self._pending[cut:]
        return self._emit(head)

    def _drain(self, *, final: bool) -> str:
        out: list[str] = []
        while self._pending:
            if self._held_issue:
                more = re.search(r"\n\s*\n(?=\S)", self._pending)
                if final:
                    self._held_issue = False
                    out.append(self._take(len(self._pending)))
                elif more:  # real content after it: the issue line was not the last word
                    self._held_issue = False
                    out.append(self._take(more.end()))
                    continue
                break
            start = self._issue_start()
            if start is not None and (self._shown_any or self._pending[:start].strip()):
                out.append(self._take(start))
                if is_temporary_issue(self._pending):
                    self._held_issue = True
                    continue
                if final:
                    out.append(self._take(len(self._pending)))
                break  # it may still grow into one: wait for more text
            m = self._phrases.trigger.search(self._pending)
            if m is None:
                cut = len(self._pending) if final else len(self._pending) - self._partial_tail()
                out.append(self._take(cut))
                break
            start = self._sentence_start(self._pending, m.start())
            end = self._sentence_end(self._pending, m.end())
            if end is None and not final:
                out.append(self._take(start))
                break
            out.append(self._take(end if end is not None else len(self._pending)))
        return "".join(out)

    def _issue_start(self) -> int | None:
        """Where a sentence that is (or may become) "I encountered a temporary issue" starts."""
        text = self._pending
        starts = [m.end() for m in _SENTENCE_END.finditer(text)]
        if not self._last or self._last.isspace() or _SENTENCE_END.match(self._last):
            starts.insert(0, 0)
        for start in starts:
            candidate = text[start:].lstrip(" \t\r\n*_>#-")
            if not candidate:
                continue
            low = candidate.lower()
            if is_temporary_issue(candidate) or any(
                p.startswith(low) for p in self._phrases.issue_prefixes
            ):
                return start
        return None

    @staticmethod
    def _sentence_start(text: str, index: int) -> int:
        start = 0
        for m in _SENTENCE_END.finditer(text, 0, index):
            start = m.end()
        return start

    @staticmethod
    def _sentence_end(text: str, index: int) -> int | None:
        m = _SENTENCE_END.search(text, index)
        return m.end() if m else None

    def _partial_tail(self) -> int:
        """How many trailing characters might be the start of a trigger word."""
        text = self._pending
        if not text:
            return 0
        if text[-1] in self._phrases.zh_first:
            return 1
        m = re.search(r"[A-Za-z]+$", text)
        if m is None:
            return 0
        word = m.group(0).lower()
        if any(w.startswith(word) and w != word for w in self._phrases.en_words):
            return len(word)
        return 0
