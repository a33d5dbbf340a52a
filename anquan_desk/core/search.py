"""Search-as-you-type over places: name, address, credit code, responsible person and pinyin.

Each place keeps a ``search_text`` haystack: the fields themselves plus the pinyin of the
Chinese ones, in full (``xiaoguan``) and as initials (``hgl`` for 红光路). It is rebuilt by a
mapper hook whenever a place is written, so no service has to remember it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event

from anquan_desk.core.models import Place

_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ebef]+")


def pinyin_forms(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Chinese runs in ``text``, without separators."""
    # Imported on first use: pypinyin loads a large phrase dictionary, and start-up only
    # needs it once a place is written.
    from pypinyin import Style, lazy_pinyin

    full: list[str] = []
    initials: list[str] = []
    for run in _HAN.findall(text):
        syllables = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
        full.append("".join(syllables))
        initials.append("".join(s[0] for s in syllables if s))
    return " ".join(full), " ".join(initials)


def build_search_text(
    name: str, address: str = "", credit_code: str | None = "", person: str = "", phone: str = ""
) -> str:
    parts = [name, address, credit_code or "", person, phone]
    for field in (name, address, person):
        full, initials = pinyin_forms(field)
        parts.extend((full, initials))
    return "\x1f".join(p for p in parts if p).lower()


def normalize_query(query: str) -> str:
    return re.sub(r"\s+", "", query).lower()


def _refresh(_mapper: Any, _conn: Any, place: Place) -> None:
    place.search_text = build_search_text(
        place.name, place.address or "", place.credit_code, place.responsible_person or "", place.phone or ""
    )


def install_place_hooks() -> None:
    """Keep ``Place.search_text`` current on every write (idempotent)."""
    for name in ("before_insert", "before_update"):
        if not event.contains(Place, name, _refresh):
            event.listen(Place, name, _refresh)
