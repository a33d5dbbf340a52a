"""Chinese line breaking (避头尾) for reportlab paragraphs that ask for it.

reportlab wraps CJK text "like a knife" and lets a character that may not start a line hang in the
right margin — past the border of a table column — and its list leaves out the full-width colon,
comma, semicolon, question and exclamation marks and closing quotes, so "：" may start a line.

:class:`StrictParagraph` breaks lines by the rules of GB/T 15834 practice instead: no closing
punctuation at the start of a line (the character before it moves down with it), no opening
bracket or quote at the end of a line, nothing drawn past the line's width, and a run of digits
or Latin letters (a phone or certificate number) kept whole where the line allows. Plain
:class:`~reportlab.platypus.Paragraph` objects are untouched (documents issued before keep their
exact layout, so their reprints stay byte-identical).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from reportlab.lib import textsplit
from reportlab.platypus import Paragraph
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.rl_config import _FUZZ

#: May not start a line: closing punctuation and marks (full-width and ASCII).
CANNOT_START = set("，。、；：？！）》〉」』】〕］｝”’…—·%‰℃,.;:?!)]}") | set(textsplit.ALL_CANNOT_START)
#: May not end a line: opening brackets and quotes.
CANNOT_END = set("（《〈「『【〔［｛“‘([{")

_strict: ContextVar[bool] = ContextVar("anquan_kinsoku", default=False)


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_./")


def break_points(chars: Sequence[str], widths: Sequence[float], max_widths: Sequence[float],
                 hard: Callable[[int], bool] = lambda _i: False) -> list[tuple[int, int]]:
    """(start, end) of each line: as many characters as fit, then moved back so that no line starts
    with a CANNOT_START character nor ends with a CANNOT_END one; ``hard(i)`` forces a break after
    character ``i`` (an explicit line break)."""
    lines: list[tuple[int, int]] = []
    start, used, i, n = 0, 0.0, 0, len(chars)
    while i < n:
        limit = max_widths[min(len(lines), len(max_widths) - 1)]
        used += widths[i]
        i += 1
        if hard(i - 1):
            lines.append((start, i))
            start, used = i, 0.0
            continue
        if used <= limit + _FUZZ or i - 1 <= start:
            continue
        end = i - 1  # the character that overflowed starts the next line
        end = _adjust(chars, start, end)
        lines.append((start, end))
        start, i, used = end, end, 0.0
    if start < n:
        lines.append((start, n))
    return lines


def _adjust(chars: Sequence[str], start: int, end: int) -> int:
    """Move the break at ``end`` back for the rules (never to the line's start)."""
    best = end
    # a digit/letter run (a number) is not cut, unless it fills more than half the line
    if end < len(chars) and _is_word_char(chars[end]) and _is_word_char(chars[end - 1]):
        k = end - 1
        while k > start and _is_word_char(chars[k - 1]):
            k -= 1
        if k > start and (end - k) * 2 < (end - start):
            best = k
    for _ in range(3):
        moved = best
        if moved < len(chars) and chars[moved] in CANNOT_START and moved - 1 > start:
            moved -= 1
        if chars[moved - 1] in CANNOT_END and moved - 1 > start:
            moved -= 1
        if moved == best:
            break
        best = moved
    return best


def _word_split(word: str, max_widths: Any, font_name: str, font_size: float, encoding: str = "utf8") -> Any:
    """``textsplit.wordSplit`` (one font run) with the rules above."""
    if not _strict.get():
        return _ORIGINAL_WORD_SPLIT(word, max_widths, font_name, font_size, encoding)
    widths_list = max_widths if isinstance(max_widths, list | tuple) else [max_widths]
    if isinstance(word, bytes):
        word = word.decode(encoding)
    widths = textsplit.getCharWidths(word, font_name, font_size)
    out: list[list[Any]] = []
    for n, (a, b) in enumerate(break_points(word, widths, widths_list)):
        limit = widths_list[min(n, len(widths_list) - 1)]
        out.append([limit - sum(widths[a:b]), word[a:b]])
    return out


def _cjk_frag_split(frags: Any, max_widths: Any, calc_bounds: Any, encoding: str = "utf8") -> Any:
    """``paragraph.cjkFragSplit`` (several font runs) with the rules above."""
    if not _strict.get():
        return _ORIGINAL_CJK_SPLIT(frags, max_widths, calc_bounds, encoding)
    widths_list = max_widths if isinstance(max_widths, list | tuple) else [max_widths]
    glyphs: list[Any] = []
    for frag in frags:
        text = frag.text.decode(encoding) if isinstance(frag.text, bytes) else frag.text
        if text:
            glyphs.extend(rl_paragraph.cjkU(t, frag, encoding) for t in text)
        else:
            glyphs.append(rl_paragraph.cjkU(text, frag, encoding))
    widths = [float(g.width) for g in glyphs]
    lines = []
    spans = break_points([str(g) for g in glyphs], widths, widths_list, lambda i: hasattr(glyphs[i].frag, "lineBreak"))
    for n, (a, b) in enumerate(spans):
        limit = widths_list[min(n, len(widths_list) - 1)]
        used = sum(widths[a:b])
        line_break = b > a and hasattr(glyphs[b - 1].frag, "lineBreak")
        lines.append(rl_paragraph.makeCJKParaLine(glyphs[a:b], limit, used, limit - used, line_break, calc_bounds))
    return rl_paragraph.ParaLines(kind=1, lines=lines)


_ORIGINAL_WORD_SPLIT = rl_paragraph.wordSplit
_ORIGINAL_CJK_SPLIT = rl_paragraph.cjkFragSplit
rl_paragraph.wordSplit = _word_split
rl_paragraph.cjkFragSplit = _cjk_frag_split


class StrictParagraph(Paragraph):  # type: ignore[misc]
    """A paragraph broken by the Chinese line-breaking rules (see the module's description)."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        token = _strict.set(True)
        try:
            return super().breakLinesCJK(maxWidths)
        finally:
            _strict.reset(token)
