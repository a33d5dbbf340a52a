"""Sorting names the way Chinese lists are sorted: by pinyin (汉语拼音排序), as Excel and WPS do.

Unicode puts CJK characters in radical/stroke order (万 before 东 before 丁), which looks like no
order at all to most users. ``name_sort_key`` spells a name in toneless pinyin, one syllable per
character (context-aware for common polyphones: 重庆 → chong qing), Latin letters and digits as
they are (lower case), the syllables joined with U+0001 so that a shorter syllable sorts first
(an < ang, an|hui < ang|…), then U+0000 and the name itself, so that names that sound the same
still sort in one fixed order.
"""

from __future__ import annotations

__all__ = ["name_sort_key"]


def name_sort_key(name: str) -> str:
    """The key ``places.name_key`` holds: ``"hong\\x01guang\\x01xiao\\x01guan\\x00红光小馆"``."""
    # Imported on first use: pypinyin loads a large phrase dictionary.
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(name.strip().lower(), style=Style.NORMAL, errors="default")
    return "\x01".join(s.strip() for s in syllables if s.strip()) + "\x00" + name
