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
* The township's parameter overrides are a ``Setting`` (``PARAMETERS_KEY``).
* ``sync_builtin_library`` installs the shipped templates as version 1 and, when a newer built-in
  version ships, adds a new version only for templates the township has not edited.
* ``enabled`` is a switch on the current version (not a wording change, so no new version).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from anquan_desk.core.checklists.library import (
    GRADES,
    AssessmentClass,
    ChecklistError,
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
from anquan_desk.core.models import ChecklistItem, ChecklistTemplate, Place, Setting

PARAMETERS_KEY = "checklists.parameters"

#: Item fields that carry text (rendered from the raw text with placeholders).
TEXT_FIELDS: tuple[str, ...] = ("content", "method", "hazard_text", "basis", "major_conditions", "requirement")
#: Every editable item field, in the order of the spreadsheet / form.
ITEM_FIELDS: tuple[str, ...] = (
    "content", "method", "hazard_text", "basis", "default_grade", "major_conditions", "requirement",
    "deadline_days",
)
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


def _lib(library: ChecklistLibrary | None) -> ChecklistLibrary:
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


def _raw_to_json(item: ItemDef | ItemFields, code: str) -> dict[str, Any]:
    data: dict[str, Any] = {"code": code}
    for name in ITEM_FIELDS:
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
    """The township's parameter values that differ from the library (Setting PARAMETERS_KEY)."""
    row = session.get(Setting, PARAMETERS_KEY)
    if row is None or not isinstance(row.value, dict):
        return {}
    return {str(k): v for k, v in row.value.items() if isinstance(v, int | float | str)}


def effective_parameters(session: Session, library: ChecklistLibrary | None = None) -> dict[str, ParameterDef]:
    """The library parameters with the township's overrides applied."""
    return _lib(library).parameter_values(parameter_overrides(session))


def _params_snapshot(params: Mapping[str, ParameterDef]) -> dict[str, ParamValue]:
    return {name: p.value for name, p in sorted(params.items())}


def _render(text: str, params: Mapping[str, ParameterDef], code: str, field_name: str) -> str:
    try:
        return render_text(text, params)
    except UnknownParameterError as exc:
        raise UserInputError(
            f"条目 {code} 的“{FIELD_LABELS.get(field_name, field_name)}”引用了未定义的参数“{{{exc.name}}}”"
        ) from None


# ------------------------------------------------------------------------------------ validation


def _clean(item: ItemFields, code: str, params: Mapping[str, ParameterDef]) -> ItemFields:
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
    for name, text in texts.items():
        _render(text, params, code, name)
    return replace(item, code=code, default_grade=grade, deadline_days=deadline, **texts)


def _check_template_code(code: str) -> str:
    code = code.strip().upper()
    if not _TEMPLATE_CODE_RE.match(code):
        raise UserInputError(f"检查表编号“{code}”无效：只能由大写字母、数字和连字符组成，如 ZD-01")
    return code


def _item_code_re(template_code: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(template_code)}-(\d{{2,3}})$")


# ------------------------------------------------------------------------------------ queries


def _current_stmt() -> Any:
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
    stmt = _current_stmt()
    if sector is not None:
        stmt = stmt.where(ChecklistTemplate.sector == sector)
    if enabled_only:
        stmt = stmt.where(ChecklistTemplate.enabled.is_(True))
    return sorted(session.scalars(stmt).all(), key=_order_key)


def current_template(session: Session, code: str) -> ChecklistTemplate:
    row = session.scalars(_current_stmt().where(ChecklistTemplate.code == code)).one_or_none()
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


# ------------------------------------------------------------------------------------ versions


def _definition_of(t: TemplateDef) -> dict[str, Any]:
    return {
        "description": t.description,
        "order": t.order,
        "applies": {k: (sorted(v) if isinstance(v, frozenset) else v) for k, v in sorted(t.applies.items())},
        "superseded_by": list(t.superseded_by),
        "assessment_classes": [
            {"name": c.name, "definition": c.definition, "handling": c.handling} for c in t.assessment_classes
        ],
    }


def _kind_of(applies: Mapping[str, Any]) -> str | None:
    kinds = applies.get("nine_small_kinds") or []
    return str(next(iter(kinds))) if len(kinds) == 1 else None


def _write_version(
    session: Session,
    previous: ChecklistTemplate | None,
    *,
    code: str,
    name: str,
    sector: str,
    nine_small_kind: str | None,
    builtin: bool,
    base: Mapping[str, Any],
    items: Sequence[ItemFields],
    params: Mapping[str, ParameterDef],
    change: str,
    edited: bool,
    builtin_version: int | None,
) -> ChecklistTemplate:
    """Add one template version (all items rendered) and make it current."""
    definition = dict(base)
    definition.update({
        "items": [_raw_to_json(it, it.code) for it in items],
        "source": SOURCE_BUILTIN if builtin else SOURCE_TOWNSHIP,
        "builtin_version": builtin_version,
        "edited": edited,
        "parameters": _params_snapshot(params),
        "change": change,
    })
    definition["description_rendered"] = _render(str(definition.get("description", "")), params, code,
                                                 "description")
    if previous is not None:
        previous.is_current = False
        session.flush()
    row = ChecklistTemplate(
        code=code,
        version=(previous.version + 1) if previous is not None else 1,
        name=name,
        sector=sector,
        nine_small_kind=nine_small_kind,
        builtin=builtin,
        enabled=previous.enabled if previous is not None else True,
        is_current=True,
        definition=definition,
    )
    for seq, it in enumerate(items, 1):
        rendered = {f: _render(getattr(it, f), params, it.code, f) for f in TEXT_FIELDS}
        row.items.append(ChecklistItem(code=it.code, seq=seq, default_grade=it.default_grade,
                                       deadline_days=it.deadline_days, **rendered))
    session.add(row)
    session.flush()
    return row


def _rendered_equal(row: ChecklistTemplate, items: Sequence[ItemFields], params: Mapping[str, ParameterDef]) -> bool:
    if len(row.items) != len(items):
        return False
    for old, new in zip(row.items, items, strict=True):
        if old.code != new.code or old.default_grade != new.default_grade or old.deadline_days != new.deadline_days:
            return False
        for f in TEXT_FIELDS:
            if getattr(old, f) != _render(getattr(new, f), params, new.code, f):
                return False
    return True


def _new_version_from(
    session: Session,
    current: ChecklistTemplate,
    items: Sequence[ItemFields],
    *,
    change: str,
    library: ChecklistLibrary,
    name: str | None = None,
    edited: bool | None = None,
) -> ChecklistTemplate:
    """A new version of ``current`` with ``items`` (raw); returns ``current`` when nothing changed."""
    params = effective_parameters(session, library)
    new_name = (name or current.name).strip()
    if not new_name:
        raise UserInputError("检查表名称不能为空")
    same_raw = [_raw_to_json(it, it.code) for it in items] == current.definition.get("items")
    if new_name == current.name and same_raw and _rendered_equal(current, items, params):
        return current
    base = {k: v for k, v in current.definition.items()}
    if edited is None:
        edited = bool(base.get("edited")) or (current.builtin and not same_raw)
    return _write_version(
        session, current, code=current.code, name=new_name, sector=current.sector,
        nine_small_kind=current.nine_small_kind, builtin=current.builtin, base=base, items=items,
        params=params, change=change, edited=edited, builtin_version=base.get("builtin_version"),
    )


def _next_item_code(session: Session, template_code: str, taken: Iterable[str] = ()) -> str:
    """The next item code never used by any version of the template (codes are not reused)."""
    pattern = _item_code_re(template_code)
    codes = set(session.scalars(
        select(ChecklistItem.code).join(ChecklistTemplate).where(ChecklistTemplate.code == template_code)
    ).all()) | set(taken)
    numbers = [int(m.group(1)) for c in codes if (m := pattern.match(c))]
    return f"{template_code}-{max(numbers, default=0) + 1:02d}"


# ------------------------------------------------------------------------------------ built-in sync


@dataclass
class SyncReport:
    installed: list[str] = field(default_factory=list)  # new templates (version 1)
    updated: list[str] = field(default_factory=list)  # unedited templates moved to a newer built-in version
    kept_edited: list[str] = field(default_factory=list)  # newer built-in version not applied: township edited
    conflicts: list[str] = field(default_factory=list)  # code used by a township template

    @property
    def changed(self) -> bool:
        return bool(self.installed or self.updated)


def sync_builtin_library(session: Session, library: ChecklistLibrary | None = None) -> SyncReport:
    """Install the built-in templates (idempotent); apply newer built-in versions to templates the
    township has not edited."""
    lib = _lib(library)
    params = effective_parameters(session, lib)
    current = {t.code: t for t in session.scalars(_current_stmt()).all()}
    report = SyncReport()
    for t in lib.templates:
        row = current.get(t.code)
        items = [ItemFields(**{k: getattr(it, k) for k in ITEM_FIELDS}, code=it.code,
                            superseded_by=it.superseded_by) for it in t.items]
        kwargs: dict[str, Any] = dict(
            code=t.code, name=t.name, sector=t.sector, nine_small_kind=_kind_of(t.applies), builtin=True,
            base=_definition_of(t), items=items, params=params, edited=False, builtin_version=t.version,
        )
        if row is None:
            _write_version(session, None, change=f"安装内置检查表（内置第{t.version}版）", **kwargs)
            report.installed.append(t.code)
        elif not row.builtin:
            report.conflicts.append(t.code)
        elif int(row.definition.get("builtin_version") or 0) < t.version:
            if row.definition.get("edited"):
                report.kept_edited.append(t.code)
            else:
                _write_version(session, row, change=f"内置检查表更新至第{t.version}版", **kwargs)
                report.updated.append(t.code)
    return report


def ensure_builtin_library(session: Session, library: ChecklistLibrary | None = None) -> SyncReport:
    """Sync the built-in library (cheap and idempotent when nothing changed)."""
    return sync_builtin_library(session, library)


# ------------------------------------------------------------------------------------ edits


def _current_items(template: ChecklistTemplate) -> list[ItemFields]:
    return raw_items(template)


def edit_item(session: Session, template_code: str, item_code: str, *,
              library: ChecklistLibrary | None = None, **fields: str | int) -> ChecklistTemplate:
    """Change fields of one item (raw text, placeholders allowed); returns the new current version
    (the same row when nothing changed)."""
    lib = _lib(library)
    unknown = sorted(set(fields) - set(ITEM_FIELDS))
    if unknown:
        raise UserInputError(f"未知的条目字段：{'、'.join(unknown)}")
    current = current_template(session, template_code)
    params = effective_parameters(session, lib)
    items = _current_items(current)
    for i, it in enumerate(items):
        if it.code == item_code:
            old, items[i] = it, _clean(replace(it, **fields), item_code, params)  # type: ignore[arg-type]
            break
    else:
        raise NotFoundError(f"检查表 {template_code} 中没有条目 {item_code}")
    changed = [FIELD_LABELS[f] for f in ITEM_FIELDS if getattr(old, f) != getattr(items[i], f)]
    return _new_version_from(session, current, items, library=lib,
                             change=f"修改条目 {item_code}（{'、'.join(changed)}）")


def add_item(session: Session, template_code: str, item: ItemFields, *,
             library: ChecklistLibrary | None = None) -> ChecklistTemplate:
    """Append an item (its code is assigned); returns the new current version."""
    lib = _lib(library)
    current = current_template(session, template_code)
    params = effective_parameters(session, lib)
    items = _current_items(current)
    code = _next_item_code(session, template_code)
    items.append(_clean(replace(item, superseded_by=()), code, params))
    return _new_version_from(session, current, items, library=lib, change=f"新增条目 {code}", edited=True)


def remove_item(session: Session, template_code: str, item_code: str, *,
                library: ChecklistLibrary | None = None) -> ChecklistTemplate:
    lib = _lib(library)
    current = current_template(session, template_code)
    items = _current_items(current)
    kept = [it for it in items if it.code != item_code]
    if len(kept) == len(items):
        raise NotFoundError(f"检查表 {template_code} 中没有条目 {item_code}")
    if not kept:
        raise UserInputError("检查表至少应保留一个检查条目；不再使用的检查表可以停用")
    return _new_version_from(session, current, kept, library=lib, change=f"删除条目 {item_code}", edited=True)


def reset_item_to_builtin(session: Session, template_code: str, item_code: str, *,
                          library: ChecklistLibrary | None = None) -> ChecklistTemplate:
    """Put the built-in wording back into one item of a built-in template."""
    lib = _lib(library)
    current = current_template(session, template_code)
    if not current.builtin:
        raise UserInputError(f"{template_code} 是本乡镇自定的检查表，没有内置文字可以恢复")
    try:
        builtin = lib.template(template_code)
        original = builtin.item(item_code)
    except KeyError:
        raise NotFoundError(f"内置检查表库中没有条目 {item_code}") from None
    items = _current_items(current)
    for i, it in enumerate(items):
        if it.code == item_code:
            items[i] = ItemFields(**{k: getattr(original, k) for k in ITEM_FIELDS}, code=item_code,
                                  superseded_by=original.superseded_by)
            break
    else:
        raise NotFoundError(f"检查表 {template_code} 中没有条目 {item_code}")
    builtin_raw = [_raw_to_json(it, it.code) for it in builtin.items]
    edited = [_raw_to_json(it, it.code) for it in items] != builtin_raw
    return _new_version_from(session, current, items, library=lib, change=f"条目 {item_code} 恢复内置文字",
                             edited=edited)


def is_item_modified(template: ChecklistTemplate, item_code: str, library: ChecklistLibrary | None = None) -> bool:
    """Whether a built-in template's item differs from the built-in wording (False for own templates)."""
    if not template.builtin:
        return False
    try:
        original = _lib(library).template(template.code).item(item_code)
    except KeyError:
        return True
    mine = raw_item(template, item_code)
    return any(getattr(mine, k) != getattr(original, k) for k in ITEM_FIELDS)


def set_enabled(session: Session, template_code: str, enabled: bool) -> ChecklistTemplate:
    """Switch a template on or off for new inspections (no new version: the wording is unchanged)."""
    current = current_template(session, template_code)
    current.enabled = bool(enabled)
    session.flush()
    return current


def _next_template_code(session: Session) -> str:
    codes = session.scalars(select(ChecklistTemplate.code).distinct()).all()
    pattern = re.compile(rf"^{TOWNSHIP_CODE_PREFIX}-(\d+)$")
    numbers = [int(m.group(1)) for c in codes if (m := pattern.match(c))]
    return f"{TOWNSHIP_CODE_PREFIX}-{max(numbers, default=0) + 1:02d}"


def add_template(
    session: Session,
    *,
    name: str,
    sector: str,
    nine_small_kind: str | None = None,
    code: str | None = None,
    description: str = "",
    items: Sequence[ItemFields] = (),
    library: ChecklistLibrary | None = None,
) -> ChecklistTemplate:
    """A township's own template (e.g. for a sector with no built-in list). Applies to places of
    that sector (and, with a 九小 kind, only to places of that kind)."""
    lib = _lib(library)
    name, sector = name.strip(), sector.strip()
    if not name:
        raise UserInputError("检查表名称不能为空")
    if not sector:
        raise UserInputError("行业领域不能为空")
    kind = (nine_small_kind or "").strip() or None
    if kind is not None:
        resolved = lib.resolve_kind(kind)
        if resolved is None:
            raise UserInputError(f"九小场所类别“{kind}”不认识，可选：{'、'.join(k.name for k in lib.kinds)}")
        kind = resolved.name
    code = _check_template_code(code) if code else _next_template_code(session)
    exists = session.scalar(select(func.count()).select_from(ChecklistTemplate)
                            .where(ChecklistTemplate.code == code))
    if exists or code in {t.code for t in lib.templates}:
        raise UserInputError(f"检查表编号 {code} 已被使用")
    params = effective_parameters(session, lib)
    _render(description, params, code, "description")
    cleaned = _assign_codes(session, code, items, params, existing=())
    applies: dict[str, Any] = {"sectors": [sector]}
    if kind:
        applies["nine_small_kinds"] = [kind]
    own = session.scalar(select(func.count(func.distinct(ChecklistTemplate.code)))
                         .where(ChecklistTemplate.builtin.is_(False))) or 0
    base = {"description": description.strip(), "order": TOWNSHIP_ORDER_BASE + int(own) + 1, "applies": applies,
            "superseded_by": [], "assessment_classes": []}
    return _write_version(session, None, code=code, name=name, sector=sector, nine_small_kind=kind, builtin=False,
                          base=base, items=cleaned, params=params, change="新建本乡镇检查表", edited=True,
                          builtin_version=None)


def _assign_codes(session: Session, template_code: str, items: Sequence[ItemFields],
                  params: Mapping[str, ParameterDef], existing: Iterable[str]) -> list[ItemFields]:
    """Check items, keep given codes (``TEMPLATE-NN``), give the blank ones the next free codes."""
    pattern = _item_code_re(template_code)
    given: set[str] = set()
    for n, it in enumerate(items, 1):
        code = it.code.strip()
        if not code:
            continue
        if not pattern.match(code):
            raise UserInputError(f"第 {n} 个条目的编号“{code}”应为“{template_code}-两位序号”，如 {template_code}-01；"
                                 "新增条目可不填编号")
        if code in given:
            raise UserInputError(f"条目编号 {code} 重复")
        given.add(code)
    taken = set(given) | set(existing)
    result: list[ItemFields] = []
    for it in items:
        code = it.code.strip()
        if not code:
            code = _next_item_code(session, template_code, taken)
            taken.add(code)
        result.append(_clean(it, code, params))
    return result


def replace_items(
    session: Session,
    template_code: str,
    items: Sequence[ItemFields],
    *,
    name: str | None = None,
    change: str = "导入检查表",
    library: ChecklistLibrary | None = None,
) -> ChecklistTemplate:
    """A new version of a template with exactly ``items`` (e.g. from a spreadsheet).

    An item text equal to the current rendered text keeps its raw form (placeholders survive an
    export/import round trip); ``superseded_by`` links of kept items are kept too.
    """
    lib = _lib(library)
    current = current_template(session, template_code)
    params = effective_parameters(session, lib)
    if not items:
        raise UserInputError("检查表至少应有一个检查条目")
    old_raw = {it.code: it for it in raw_items(current)}
    old_rendered = {it.code: it for it in current.items}
    merged: list[ItemFields] = []
    for it in items:
        code = it.code.strip()
        if code in old_raw:
            raw, shown = old_raw[code], old_rendered.get(code)
            texts: dict[str, Any] = {}
            for f in TEXT_FIELDS:
                new_text = str(getattr(it, f)).strip()
                texts[f] = getattr(raw, f) if shown is not None and new_text == getattr(shown, f) else new_text
            it = replace(it, code=code, superseded_by=raw.superseded_by, **texts)
        merged.append(it)
    cleaned = _assign_codes(session, template_code, merged, params, existing=old_raw)
    return _new_version_from(session, current, cleaned, library=lib, change=change, name=name)


# ------------------------------------------------------------------------------------ parameters (edit)


def set_parameter_overrides(session: Session, overrides: Mapping[str, ParamValue], *,
                            library: ChecklistLibrary | None = None) -> list[ChecklistTemplate]:
    """Store the township's parameter values and re-render every current template whose text
    changes (as a new version). Returns the new versions."""
    lib = _lib(library)
    try:
        params = lib.parameter_values(overrides)
    except ChecklistError as exc:
        raise UserInputError(str(exc)) from None
    clean = {k: v for k, v in overrides.items() if lib.parameters[k].value != v}
    row = session.get(Setting, PARAMETERS_KEY)
    if row is None:
        session.add(Setting(key=PARAMETERS_KEY, value=clean))
    else:
        row.value = clean
    session.flush()
    changed = ", ".join(f"{k}={v}" for k, v in sorted(clean.items())) or "恢复默认"
    result = []
    for t in current_templates(session):
        items = raw_items(t)
        if _rendered_equal(t, items, params):
            continue
        result.append(_new_version_from(session, t, items, library=lib, change=f"本乡镇参数调整（{changed}）"))
    return result


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
    lib = _lib(library)
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
    lib = _lib(library)
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
