"""Choose the checklist templates for a place, driven by each template's ``[applies]`` table.

Matching rule (generic, no per-template code): a template applies when every condition in its
``[applies]`` table holds for the place — list conditions are "any of", flag conditions must be
equal. Then templates named in another chosen template's ``superseded_by`` are dropped (e.g. the
general fire templates give way to the 九小场所 common template, which covers the same points for
small places). Order is the templates' ``order`` field, so it is stable.

Defaults for open answers come from ``library.toml`` [defaults]: gas with unknown supply counts as
瓶装; a self-built house with unknown use counts as 经营性 when the place has a 九小 kind, else 居住.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from anquan_desk.core.checklists.library import ChecklistLibrary, ItemDef, TemplateDef

SECTOR_GAS = "燃气"
SECTOR_HOUSE = "自建房"
SECTOR_FIRE = "消防"
SECTOR_NINE_SMALL = "九小场所"


@dataclass(frozen=True)
class PlaceProfile:
    """What the selection needs to know about a place."""

    sectors: frozenset[str]
    nine_small_kind: str | None = None  # kind name as in kinds.toml, e.g. "小餐饮场所"
    gas_supply: str | None = None  # "瓶装" | "管道" | None (unknown)
    house_use: str | None = None  # "经营性" | "居住" | None (unknown)
    densely_populated: bool = False  # 人员密集场所 (消防法 第七十三条)
    mixed_residence: bool = False  # 住宿与生产储存经营合用 ("三合一", GA 703)

    def resolved(self, library: ChecklistLibrary) -> PlaceProfile:
        """The profile with open answers filled from the library defaults."""
        gas = self.gas_supply
        if gas is None and SECTOR_GAS in self.sectors:
            gas = library.defaults.gas_supply
        use = self.house_use
        if use is None and SECTOR_HOUSE in self.sectors:
            use = (library.defaults.house_use_with_kind if self.nine_small_kind
                   else library.defaults.house_use_without_kind)
        return replace(self, gas_supply=gas, house_use=use)


def _member(value: str | None, allowed: Any) -> bool:
    return value is not None and value in allowed


# One generic test per [applies] key; adding a key means adding a line here and in APPLIES_KEYS.
_CONDITIONS: Mapping[str, Callable[[PlaceProfile, Any], bool]] = {
    "sectors": lambda p, v: bool(p.sectors & v),
    "nine_small_kinds": lambda p, v: _member(p.nine_small_kind, v),
    "gas_supply": lambda p, v: _member(p.gas_supply, v),
    "house_use": lambda p, v: _member(p.house_use, v),
    "densely_populated": lambda p, v: p.densely_populated == v,
    "mixed_residence": lambda p, v: p.mixed_residence == v,
}


def template_applies(template: TemplateDef, profile: PlaceProfile) -> bool:
    """Whether every condition of the template's [applies] table holds for a resolved profile."""
    return all(_CONDITIONS[key](profile, value) for key, value in template.applies.items())


def select_templates(library: ChecklistLibrary, profile: PlaceProfile) -> list[TemplateDef]:
    """The templates that apply to the place, in library order, without superseded ones."""
    resolved = profile.resolved(library)
    chosen = [t for t in library.templates if template_applies(t, resolved)]
    codes = {t.code for t in chosen}
    return [t for t in chosen if not codes.intersection(t.superseded_by)]


def selected_items(templates: Iterable[TemplateDef]) -> list[tuple[TemplateDef, ItemDef]]:
    """All items of the chosen templates, leaving out items covered by an item of another chosen
    template (``superseded_by``), so one point is never checked twice."""
    templates = list(templates)
    present = {it.code for t in templates for it in t.items}
    return [(t, it) for t in templates for it in t.items if not present.intersection(it.superseded_by)]
