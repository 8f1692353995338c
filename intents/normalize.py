"""Text folding for matching only (the backend always receives the raw text).

NFKC turns full-width forms (ＥＸＰＯＲＴ！) into ASCII, casefold removes case, and a
Traditional→Simplified table (data/t2s.json, generated from OpenCC, with the few overrides of
data/zh_hant.json) lets one vocabulary serve both scripts.
Quoted spans are masked so a keyword inside a title or caption never triggers an action.
"""

from __future__ import annotations

import re
import unicodedata

# Stands in for a masked quotation: a private-use character no one types.
QUOTE_MARK = "\ue000"

_APOSTROPHES = {ord("’"): "'", ord("‘"): "'", ord("`"): "'", ord("´"): "'"}

_patterns: tuple[re.Pattern[str], re.Pattern[str]] | None = None


def _quote_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Compiled on first use, so importing the package compiles nothing.

    ``"…"`` ``“…”`` ``「…」`` ``『…』`` ``《…》`` ``【…】`` and ``'…'`` when the quote is not an
    apostrophe inside a word (don't, it's). Every alternative stops at the next closing mark,
    so masking stays linear in the length of the text.
    """
    global _patterns
    if _patterns is None:
        quoted = re.compile(
            r'"[^"\n]*"|“[^”\n]*”|「[^」\n]*」|『[^』\n]*』|《[^》\n]*》|【[^】\n]*】'
            r"|(?<![a-z0-9])'[^'\n]+'(?![a-z0-9])"
        )
        _patterns = (re.compile("[\"“「『《【']"), quoted)
    return _patterns


def build_table(t2s: dict[str, str]) -> dict[int, str]:
    """The ``str.translate`` table applied after casefolding."""
    table = dict(_APOSTROPHES)
    table.update({ord(k): v for k, v in t2s.items()})
    return table


def fold(text: str, table: dict[int, str]) -> str:
    """NFKC + casefold + script folding; ASCII text skips the Unicode pass."""
    if text.isascii():  # the common case: only the backtick needs folding
        text = text.casefold()
        return text.replace("`", "'") if "`" in text else text
    return unicodedata.normalize("NFKC", text).casefold().translate(table)


def mask_quotes(folded: str) -> tuple[str, list[str]]:
    """Replace quoted spans with ``QUOTE_MARK``; return the new text and the spans."""
    any_quote, quoted = _patterns or _quote_patterns()
    if any_quote.search(folded) is None:
        return folded, []
    spans: list[str] = []

    def _mask(m: re.Match[str]) -> str:
        spans.append(m.group())
        return f" {QUOTE_MARK} "

    return quoted.sub(_mask, folded), spans
