"""Sorting names the way Chinese lists are sorted: by pinyin (汉语拼音排序), as Excel and WPS do.

Unicode puts CJK characters in radical/stroke order (万 before 东 before 丁), which looks like no
order at all to most users. ``name_sort_key`` spells a name in toneless pinyin, one syllable per
character (context-aware for common polyphones: 重庆 → chong qing), Latin letters and digits as
they are (lower case), the syllables joined with U+0002 so that a shorter syllable sorts first
(an < ang, an|hui < ang|…), then U+0001 and the name itself, so that names that sound the same
still sort in one fixed order.

The key holds no U+0000: PostgreSQL text cannot (revision 0007 moved both separators up by one).
Keys are compared code point by code point: SQLite's default BINARY collation, and ``COLLATE "C"``
on PostgreSQL (the column's collation there; a locale collation would ignore the separators).
"""

from __future__ import annotations

__all__ = ["NAME_SEP", "SYLLABLE_SEP", "name_sort_key"]

#: Below every character a syllable or a name holds, the name separator below the syllable one.
SYLLABLE_SEP = "\x02"
NAME_SEP = "\x01"


def name_sort_key(name: str) -> str:
    """The key ``places.name_key`` holds: ``"hong\\x02guang\\x02xiao\\x02guan\\x01红光小馆"``."""
    # Imported on first use: pypinyin loads a large phrase dictionary.
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(name.strip().lower(), style=Style.NORMAL, errors="default")
    return SYLLABLE_SEP.join(s.strip() for s in syllables if s.strip()) + NAME_SEP + name
