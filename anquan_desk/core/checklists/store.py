"""The township's checklist templates in the database: versioned copies of the built-in library
plus the township's own templates.

Rules:

* Every change to a template's wording (edit/add/remove/reset an item, an import, a parameter
  change that alters a rendered text) makes a NEW VERSION: a new ``ChecklistTemplate`` row with
  ``version + 1`` holding a copy of all items; ``is_current`` moves to it. Older versions are never
  touched, so an inspection that used them keeps its exact wording.
* Item texts in ``ChecklistItem`` are rendered (placeholders such as ``{lpg_max_kg}`` filled with
  the township's parameter values). The raw texts with placeholders live in
  ``ChecklistTemplate.definition["items"]`` so a parameter change can re-render them.
* The township's parameter overrides are the setting ``CHECKLIST_PARAMETERS``.
* Writing (new versions, edits, the built-in sync, parameter changes) is in
  :mod:`anquan_desk.services.checklists`; this module reads.
* ``sync_builtin_library`` installs the shipped templates as version 1 and, when a newer built-in
  version ships, adds a new version only for templates the township has not edited.
* ``enabled`` is a switch on the current version (not a wording change, so no new version).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from anquan_desk.core import settings
from anquan_desk.core.checklists.library import (
    BASIS_KINDS,
    BASIS_LAW,
    GRADES,
    AssessmentClass,
    ChecklistLibrary,
    ItemDef,
    ParameterDef,
    ParamValue,
    TemplateDef,
    UnknownParameterError,
    load_library,
    render_text,
)
from anquan_desk.core.checklists.selection import PlaceProfile, select_templates, selected_items
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import ChecklistItem, ChecklistTemplate, Place

#: Item fields that carry text (rendered from the raw text with placeholders).
TEXT_FIELDS: tuple[str, ...] = ("content", "method", "hazard_text", "basis", "major_conditions", "requirement")
#: Every editable item field, in the order of the spreadsheet / form.
ITEM_FIELDS: tuple[str, ...] = (
    "content", "method", "hazard_text", "basis", "default_grade", "major_conditions", "requirement",
    "deadline_days",
)
#: The item's legal data (what documents cite and where a matter is handed over): not on the editor's
#: form, so an edit of the form's fields keeps them; stored with the raw texts in
#: ``ChecklistTemplate.definition["items"]`` (no column of ``checklist_items`` holds them).
LEGAL_FIELDS: tuple[str, ...] = ("consequence", "handover_to", "basis_kind", "references")
#: Every field an item carries from version to version.
ALL_ITEM_FIELDS: tuple[str, ...] = (*ITEM_FIELDS, *LEGAL_FIELDS)
FIELD_LABELS: Mapping[str, str] = MappingProxyType({
    "code": "编号",
    "content": "检查内容",
    "method": "检查要点/方法",
    "hazard_text": "隐患描述（标准用语）",
    "basis": "依据",
    "default_grade": "默认等级",
    "major_conditions": "判定为重大的情形",
    "requirement": "整改要求",
    "deadline_days": "整改期限（天，0=立即）",
    "consequence": "法律后果",
    "handover_to": "移交部门",
    "basis_kind": "依据类别",
    "references": "参照",
})

SOURCE_BUILTIN = "builtin"
SOURCE_TOWNSHIP = "township"
TOWNSHIP_CODE_PREFIX = "ZD"  # 自定: codes of the township's own templates, ZD-01, ZD-02 …
TOWNSHIP_ORDER_BASE = 1000

_TEMPLATE_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$")


@lru_cache(maxsize=1)
def default_library() -> ChecklistLibrary:
    """The shipped library, loaded once per process (it is immutable)."""
    return load_library()


def library_or_default(library: ChecklistLibrary | None) -> ChecklistLibrary:
    return library if library is not None else default_library()


# ------------------------------------------------------------------------------------ item input


@dataclass(frozen=True)
class ItemFields:
    """One item as entered by the township (texts may contain ``{parameter}`` placeholders).

    ``code`` empty means "a new item": the next free code of the template is given to it.
    """

    content: str
    method: str = ""
    hazard_text: str = ""
    basis: str = ""
    default_grade: str = "一般"
    major_conditions: str = ""
    requirement: str = ""
    deadline_days: int = 0
    code: str = ""
    superseded_by: tuple[str, ...] = ()
    consequence: str = ""  # the penalty article(s) cited when the hazard is not corrected
    handover_to: str = ""  # the competent department when the matter is outside the township's power
    basis_kind: str = BASIS_LAW
    references: str = ""  # standards / local rules followed (参照), never a legal basis

    @classmethod
    def of(cls, item: ItemDef) -> ItemFields:
        """A library item's fields (raw texts), legal data included."""
        return cls(**{k: getattr(item, k) for k in ALL_ITEM_FIELDS}, code=item.code,
                   superseded_by=item.superseded_by)


def raw_item_json(item: ItemDef | ItemFields, code: str) -> dict[str, Any]:
    data: dict[str, Any] = {"code": code}
    for name in ALL_ITEM_FIELDS:
        data[name] = getattr(item, name)
    data["superseded_by"] = list(item.superseded_by)
    return data


def _raw_from_json(data: Mapping[str, Any]) -> ItemFields:
    return ItemFields(
        code=str(data["code"]),
        content=str(data.get("content", "")),
        method=str(data.get("method", "")),
        hazard_text=str(data.get("hazard_text", "")),
        basis=str(data.get("basis", "")),
        default_grade=str(data.get("default_grade", "一般")),
        major_conditions=str(data.get("major_conditions", "")),
        requirement=str(data.get("requirement", "")),
        deadline_days=int(data.get("deadline_days", 0)),
        superseded_by=tuple(str(x) for x in data.get("superseded_by", ())),
        consequence=str(data.get("consequence", "")),
        handover_to=str(data.get("handover_to", "")),
        basis_kind=str(data.get("basis_kind", BASIS_LAW)),
        references=str(data.get("references", "")),
    )


def raw_items(template: ChecklistTemplate) -> list[ItemFields]:
    """The template version's items with their raw texts (placeholders kept), in order."""
    rows = template.definition.get("items", [])
    if rows:
        return [_raw_from_json(r) for r in rows]
    # A row written by another tool without raw texts: its rendered texts are the raw texts.
    return [_fields_of(it) for it in template.items]


def raw_item(template: ChecklistTemplate, item_code: str) -> ItemFields:
    for it in raw_items(template):
        if it.code == item_code:
            return it
    raise NotFoundError(f"检查表 {template.code} 中没有条目 {item_code}")


def _fields_of(item: ChecklistItem) -> ItemFields:
    return ItemFields(
        code=item.code, content=item.content, method=item.method, hazard_text=item.hazard_text,
        basis=item.basis, default_grade=item.default_grade, major_conditions=item.major_conditions,
        requirement=item.requirement, deadline_days=item.deadline_days,
    )


# ------------------------------------------------------------------------------------ parameters


def parameter_overrides(session: Session) -> dict[str, ParamValue]:
    """The township's parameter values that differ from the library (setting CHECKLIST_PARAMETERS)."""
    value = settings.get(session, settings.CHECKLIST_PARAMETERS)
    return {str(k): v for k, v in value.items() if isinstance(v, int | float | str)}


def effective_parameters(session: Session, library: ChecklistLibrary | None = None) -> dict[str, ParameterDef]:
    """The library parameters with the township's overrides applied."""
    return library_or_default(library).parameter_values(parameter_overrides(session))


def params_snapshot(params: Mapping[str, ParameterDef]) -> dict[str, ParamValue]:
    return {name: p.value for name, p in sorted(params.items())}


def render_field(text: str, params: Mapping[str, ParameterDef], code: str, field_name: str) -> str:
    try:
        return render_text(text, params)
    except UnknownParameterError as exc:
        raise UserInputError(
            f"条目 {code} 的“{FIELD_LABELS.get(field_name, field_name)}”引用了未定义的参数“{{{exc.name}}}”"
        ) from None


# ------------------------------------------------------------------------------------ validation


def clean_item(item: ItemFields, code: str, params: Mapping[str, ParameterDef]) -> ItemFields:
    """Strip texts and check one item; raises UserInputError naming the item and field."""
    texts: dict[str, Any] = {name: str(getattr(item, name)).strip() for name in TEXT_FIELDS}
    if not texts["content"]:
        raise UserInputError(f"条目 {code}：“检查内容”不能为空")
    grade = str(item.default_grade).strip()
    if grade not in GRADES:
        raise UserInputError(f"条目 {code}：默认等级“{grade}”无效，应为“一般”或“重大”")
    deadline = item.deadline_days
    if isinstance(deadline, bool) or not isinstance(deadline, int) or deadline < 0:
        raise UserInputError(f"条目 {code}：整改期限“{deadline}”无效，应为不小于 0 的整数天数（0 表示立即整改）")
    legal: dict[str, Any] = {name: str(getattr(item, name)).strip() for name in LEGAL_FIELDS}
    if legal["basis_kind"] not in BASIS_KINDS:
        raise UserInputError(f"条目 {code}：依据类别“{legal['basis_kind']}”无效，可选：{'、'.join(BASIS_KINDS)}")
    for name, text in (*texts.items(), ("consequence", legal["consequence"]), ("references", legal["references"])):
        render_field(text, params, code, name)
    return replace(item, code=code, default_grade=grade, deadline_days=deadline, **texts, **legal)


def check_template_code(code: str) -> str:
    code = code.strip().upper()
    if not _TEMPLATE_CODE_RE.match(code):
        raise UserInputError(f"检查表编号“{code}”无效：只能由大写字母、数字和连字符组成，如 ZD-01")
    return code


def item_code_pattern(template_code: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(template_code)}-(\d{{2,3}})$")


# ------------------------------------------------------------------------------------ queries


def current_templates_stmt() -> Any:
    return (
        select(ChecklistTemplate)
        .where(ChecklistTemplate.is_current.is_(True))
        .options(selectinload(ChecklistTemplate.items))
    )


def _order_key(t: ChecklistTemplate) -> tuple[int, str]:
    return (int(t.definition.get("order", TOWNSHIP_ORDER_BASE)), t.code)


def current_templates(session: Session, sector: str | None = None, *,
                      enabled_only: bool = False) -> list[ChecklistTemplate]:
    """The current version of every template (items loaded), in library order."""
    stmt = current_templates_stmt()
    if sector is not None:
        stmt = stmt.where(ChecklistTemplate.sector == sector)
    if enabled_only:
        stmt = stmt.where(ChecklistTemplate.enabled.is_(True))
    return sorted(session.scalars(stmt).all(), key=_order_key)


def current_template(session: Session, code: str) -> ChecklistTemplate:
    row = session.scalars(current_templates_stmt().where(ChecklistTemplate.code == code)).one_or_none()
    if row is None:
        raise NotFoundError(f"没有编号为 {code} 的检查表")
    return row  # type: ignore[no-any-return]


def template_versions(session: Session, code: str) -> list[ChecklistTemplate]:
    """All versions of a template, oldest first."""
    return list(session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.code == code).order_by(ChecklistTemplate.version)
        .options(selectinload(ChecklistTemplate.items))
    ).all())


def has_builtin_library(session: Session) -> bool:
    count = session.scalar(select(func.count()).select_from(ChecklistTemplate)
                           .where(ChecklistTemplate.builtin.is_(True)))
    return bool(count)


# ------------------------------------------------------------------------------------ edits (read side)


def is_item_modified(template: ChecklistTemplate, item_code: str, library: ChecklistLibrary | None = None) -> bool:
    """Whether a built-in template's item differs from the built-in wording (False for own templates)."""
    if not template.builtin:
        return False
    try:
        original = library_or_default(library).template(template.code).item(item_code)
    except KeyError:
        return True
    mine = raw_item(template, item_code)
    if not template.definition.get("items") or "consequence" not in template.definition["items"][0]:
        return any(getattr(mine, k) != getattr(original, k) for k in ITEM_FIELDS)  # stored before LEGAL_FIELDS
    return any(getattr(mine, k) != getattr(original, k) for k in ALL_ITEM_FIELDS)


# ------------------------------------------------------------------------------------ plain views


@dataclass(frozen=True)
class TemplateSummary:
    """One template's current version as a list shows it (no items)."""

    code: str
    name: str
    version: int
    sector: str
    nine_small_kind: str | None
    builtin: bool
    enabled: bool
    edited: bool  # a built-in template the township has changed
    item_count: int
    change: str  # what this version changed (本版说明)


@dataclass(frozen=True)
class ItemView:
    """One item of a template version: as the inspector sees it (``shown``, parameters filled in)
    and as the township edits it (``raw``, with ``{parameter}`` placeholders)."""

    code: str
    seq: int
    shown: ItemFields
    raw: ItemFields
    modified: bool  # a built-in template's item that differs from the built-in wording


@dataclass(frozen=True)
class TemplateDetail:
    """One template version with its items."""

    summary: TemplateSummary
    items: tuple[ItemView, ...]

    @property
    def code(self) -> str:
        return self.summary.code

    def item(self, item_code: str) -> ItemView:
        for it in self.items:
            if it.code == item_code:
                return it
        raise NotFoundError(f"检查表 {self.code} 中没有条目 {item_code}")


def template_summary(row: ChecklistTemplate) -> TemplateSummary:
    return TemplateSummary(
        code=row.code, name=row.name, version=row.version, sector=row.sector,
        nine_small_kind=row.nine_small_kind, builtin=row.builtin, enabled=row.enabled,
        edited=bool(row.definition.get("edited")), item_count=len(row.items),
        change=str(row.definition.get("change") or ""),
    )


def template_detail(row: ChecklistTemplate, library: ChecklistLibrary | None = None) -> TemplateDetail:
    """The template version as plain data (its items loaded from ``row``)."""
    raw = {it.code: it for it in raw_items(row)}
    items = tuple(
        ItemView(code=it.code, seq=it.seq, shown=_fields_of(it), raw=raw.get(it.code, _fields_of(it)),
                 modified=is_item_modified(row, it.code, library))
        for it in row.items
    )
    return TemplateDetail(summary=template_summary(row), items=items)


# ------------------------------------------------------------------------------------ selection


def template_def(row: ChecklistTemplate) -> TemplateDef:
    """A DB template version as a TemplateDef (rendered items), for selection and exports."""
    d = row.definition
    applies = {k: (frozenset(v) if isinstance(v, list) else v) for k, v in (d.get("applies") or {}).items()}
    if "sectors" not in applies:
        applies["sectors"] = frozenset([row.sector])
    sup = {it.code: it.superseded_by for it in raw_items(row)}
    items = tuple(
        ItemDef(code=it.code, seq=it.seq, content=it.content, method=it.method, hazard_text=it.hazard_text,
                basis=it.basis, default_grade=it.default_grade, major_conditions=it.major_conditions,
                requirement=it.requirement, deadline_days=it.deadline_days, superseded_by=sup.get(it.code, ()))
        for it in row.items
    )
    return TemplateDef(
        code=row.code, version=row.version, name=row.name, sector=row.sector,
        description=str(d.get("description_rendered", d.get("description", ""))),
        order=int(d.get("order", TOWNSHIP_ORDER_BASE)), applies=MappingProxyType(applies),
        superseded_by=tuple(d.get("superseded_by") or ()),
        assessment_classes=tuple(AssessmentClass(**c) for c in d.get("assessment_classes") or ()),
        items=items,
    )


def place_profile(place: Place, library: ChecklistLibrary | None = None) -> PlaceProfile:
    """The selection profile of a place from its columns (free-text kinds resolved by synonym)."""
    lib = library_or_default(library)
    kind = (place.nine_small_kind or "").strip() or None
    if kind is not None:
        resolved = lib.resolve_kind(kind)
        kind = resolved.name if resolved is not None else kind
    return PlaceProfile(
        sectors=frozenset(place.sectors),
        nine_small_kind=kind,
        gas_supply=place.gas_supply if place.gas_supply in ("瓶装", "管道") else None,
        house_use=place.house_use if place.house_use in ("经营性", "居住") else None,
        densely_populated=bool(place.densely_populated),
        mixed_residence=bool(place.mixed_residence),
    )


def templates_for_place(session: Session, place: Place,
                        library: ChecklistLibrary | None = None) -> list[ChecklistTemplate]:
    """The current, enabled template versions that apply to the place, in library order."""
    lib = library_or_default(library)
    rows = [r for r in current_templates(session, enabled_only=True) if r.items]
    by_code = {r.code: r for r in rows}
    db_lib = replace(lib, templates=tuple(sorted((template_def(r) for r in rows), key=lambda t: (t.order, t.code))))
    return [by_code[t.code] for t in select_templates(db_lib, place_profile(place, lib))]


def items_for_place(session: Session, place: Place,
                    library: ChecklistLibrary | None = None) -> list[tuple[ChecklistTemplate, ChecklistItem]]:
    """The items to check at the place: the chosen templates' items without items another chosen
    template covers (``superseded_by``)."""
    return items_of_templates(templates_for_place(session, place, library))


def items_of_templates(rows: Sequence[ChecklistTemplate]) -> list[tuple[ChecklistTemplate, ChecklistItem]]:
    """The items of these template versions, in library order, without the items another of them
    covers (``superseded_by``) — what an inspection using exactly these versions walks through."""
    ordered = sorted(rows, key=_order_key)
    defs = {r.code: template_def(r) for r in ordered}
    keep = {(t.code, it.code) for t, it in selected_items(defs[r.code] for r in ordered)}
    return [(r, it) for r in ordered for it in r.items if (r.code, it.code) in keep]


# ------------------------------------------------------------------------------------ legal data


@dataclass(frozen=True)
class ItemLegal:
    """What a document needs of a hazard's item: the consequence cited, the department a matter
    outside the township's power goes to, and what the requirement rests on."""

    code: str
    consequence: str = ""
    handover_to: str = ""
    basis_kind: str = BASIS_LAW
    references: str = ""


def item_legal_data(session: Session, item_ids: Iterable[str],
                    library: ChecklistLibrary | None = None) -> dict[str, ItemLegal]:
    """By ``ChecklistItem.id``: the item's legal data as its own template version stores it (the
    township's edits included, rendered with that version's parameters); for a version stored
    before the legal data was kept, the library's item of the same code; nothing for an unknown id."""
    ids = list(item_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ChecklistItem.id, ChecklistItem.code, ChecklistTemplate.definition)
        .join(ChecklistTemplate, ChecklistItem.template_id == ChecklistTemplate.id)
        .where(ChecklistItem.id.in_(ids))
    ).all()
    by_code = {it.code: it for it in library_or_default(library).items}
    out: dict[str, ItemLegal] = {}
    for item_id, code, definition in rows:
        stored = next((r for r in (definition or {}).get("items", ()) if r.get("code") == code), None)
        if stored is not None and "consequence" in stored:
            raw = _raw_from_json(stored)
            params = (definition or {}).get("parameters") or {}
            out[item_id] = ItemLegal(code, _rendered(raw.consequence, params), raw.handover_to, raw.basis_kind,
                                     _rendered(raw.references, params))
        elif (found := by_code.get(code)) is not None:
            out[item_id] = ItemLegal(code, found.consequence, found.handover_to, found.basis_kind, found.references)
        else:
            out[item_id] = ItemLegal(code)
    return out


def _rendered(text: str, params: Mapping[str, Any]) -> str:
    try:
        return render_text(text, params)
    except UnknownParameterError:
        return text
