"""Changing the township's checklist templates: new versions, edits, the built-in library sync,
parameter values and the spreadsheet import and export.

The session-level functions (``edit_item(session, …)`` …) are the building blocks; the entry
points at the end (``edit_checklist_item(desk, …)`` …) open their own unit of work on a
:class:`~anquan_desk.services.desk.Desk` and return plain data, for the screens and the command line.

The rules (every wording change is a new version, older versions are never touched) are described
in :mod:`anquan_desk.core.checklists.store`, which reads what this module writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.changes import Changes
from anquan_desk.core.checklists.library import (
    ChecklistError,
    ChecklistLibrary,
    ParameterDef,
    ParamValue,
    TemplateDef,
)
from anquan_desk.core.checklists.store import (
    ALL_ITEM_FIELDS,
    FIELD_LABELS,
    LEGAL_FIELDS,
    SOURCE_BUILTIN,
    SOURCE_TOWNSHIP,
    TEXT_FIELDS,
    TOWNSHIP_CODE_PREFIX,
    TOWNSHIP_ORDER_BASE,
    ItemFields,
    TemplateDetail,
    TemplateSummary,
    check_template_code,
    clean_item,
    current_template,
    current_templates,
    current_templates_stmt,
    default_library,
    effective_parameters,
    item_code_pattern,
    library_or_default,
    parameter_overrides,
    params_snapshot,
    raw_item_json,
    raw_items,
    render_field,
    template_detail,
    template_summary,
)
from anquan_desk.core.errors import FileInputError, Location, NotFoundError, UserInputError
from anquan_desk.core.models import ChecklistItem, ChecklistTemplate
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.io.checklist_xlsx import (
    ChecklistImportError,
    ParsedChecklist,
    export_checklist_xlsx,
    read_checklist_xlsx,
)
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk

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
        "items": [raw_item_json(it, it.code) for it in items],
        "source": SOURCE_BUILTIN if builtin else SOURCE_TOWNSHIP,
        "builtin_version": builtin_version,
        "edited": edited,
        "parameters": params_snapshot(params),
        "change": change,
    })
    definition["description_rendered"] = render_field(str(definition.get("description", "")), params, code,
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
        rendered = {f: render_field(getattr(it, f), params, it.code, f) for f in TEXT_FIELDS}
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
            if getattr(old, f) != render_field(getattr(new, f), params, new.code, f):
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
    same_raw = [raw_item_json(it, it.code) for it in items] == current.definition.get("items")
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
    pattern = item_code_pattern(template_code)
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
    lib = library_or_default(library)
    params = effective_parameters(session, lib)
    current = {t.code: t for t in session.scalars(current_templates_stmt()).all()}
    report = SyncReport()
    for t in lib.templates:
        row = current.get(t.code)
        items = [ItemFields.of(it) for it in t.items]
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
    lib = library_or_default(library)
    unknown = sorted(set(fields) - set(ALL_ITEM_FIELDS))
    if unknown:
        raise UserInputError(f"未知的条目字段：{'、'.join(unknown)}")
    current = current_template(session, template_code)
    params = effective_parameters(session, lib)
    items = _current_items(current)
    for i, it in enumerate(items):
        if it.code == item_code:
            old, items[i] = it, clean_item(replace(it, **fields), item_code, params)  # type: ignore[arg-type]
            break
    else:
        raise NotFoundError(f"检查表 {template_code} 中没有条目 {item_code}")
    changed = [FIELD_LABELS[f] for f in ALL_ITEM_FIELDS if getattr(old, f) != getattr(items[i], f)]
    return _new_version_from(session, current, items, library=lib,
                             change=f"修改条目 {item_code}（{'、'.join(changed)}）")


def add_item(session: Session, template_code: str, item: ItemFields, *,
             library: ChecklistLibrary | None = None) -> ChecklistTemplate:
    """Append an item (its code is assigned); returns the new current version."""
    lib = library_or_default(library)
    current = current_template(session, template_code)
    params = effective_parameters(session, lib)
    items = _current_items(current)
    code = _next_item_code(session, template_code)
    items.append(clean_item(replace(item, superseded_by=()), code, params))
    return _new_version_from(session, current, items, library=lib, change=f"新增条目 {code}", edited=True)


def remove_item(session: Session, template_code: str, item_code: str, *,
                library: ChecklistLibrary | None = None) -> ChecklistTemplate:
    lib = library_or_default(library)
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
    lib = library_or_default(library)
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
            items[i] = ItemFields.of(original)
            break
    else:
        raise NotFoundError(f"检查表 {template_code} 中没有条目 {item_code}")
    builtin_raw = [raw_item_json(it, it.code) for it in builtin.items]
    edited = [raw_item_json(it, it.code) for it in items] != builtin_raw
    return _new_version_from(session, current, items, library=lib, change=f"条目 {item_code} 恢复内置文字",
                             edited=edited)


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
    lib = library_or_default(library)
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
    code = check_template_code(code) if code else _next_template_code(session)
    exists = session.scalar(select(func.count()).select_from(ChecklistTemplate)
                            .where(ChecklistTemplate.code == code))
    if exists or code in {t.code for t in lib.templates}:
        raise UserInputError(f"检查表编号 {code} 已被使用")
    params = effective_parameters(session, lib)
    render_field(description, params, code, "description")
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
    pattern = item_code_pattern(template_code)
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
        result.append(clean_item(it, code, params))
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
    lib = library_or_default(library)
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
            # A spreadsheet has no columns for the legal data: an item left at the defaults keeps
            # what the current version has.
            legal = {f: getattr(raw, f) for f in LEGAL_FIELDS if getattr(it, f) == getattr(ItemFields(""), f)}
            it = replace(it, code=code, superseded_by=raw.superseded_by, **texts, **legal)
        merged.append(it)
    cleaned = _assign_codes(session, template_code, merged, params, existing=old_raw)
    return _new_version_from(session, current, cleaned, library=lib, change=change, name=name)


# ------------------------------------------------------------------------------------ parameters (edit)


def set_parameter_overrides(session: Session, overrides: Mapping[str, ParamValue], *,
                            library: ChecklistLibrary | None = None) -> list[ChecklistTemplate]:
    """Store the township's parameter values and re-render every current template whose text
    changes (as a new version). Returns the new versions."""
    lib = library_or_default(library)
    try:
        params = lib.parameter_values(overrides)
    except ChecklistError as exc:
        raise UserInputError(str(exc)) from None
    clean = {k: v for k, v in overrides.items() if lib.parameters[k].value != v}
    settings.put(session, settings.CHECKLIST_PARAMETERS, dict(clean))
    session.flush()
    changed = ", ".join(f"{k}={v}" for k, v in sorted(clean.items())) or "恢复默认"
    result = []
    for t in current_templates(session):
        items = raw_items(t)
        if _rendered_equal(t, items, params):
            continue
        result.append(_new_version_from(session, t, items, library=lib, change=f"本乡镇参数调整（{changed}）"))
    return result


# ------------------------------------------------------------------------------------ spreadsheet import


@dataclass(frozen=True)
class ChecklistImportResult:
    template: ChecklistTemplate
    created: bool  # a new township template
    changed: bool  # a new version was written (False: the file equals the current version)


def import_checklist_xlsx(session: Session, path: str | Path,
                          library: ChecklistLibrary | None = None) -> ChecklistImportResult:
    """Import a workbook: a new version of the template with the file's 模板编号, or a new township
    template. All or nothing: on any problem ChecklistImportError is raised before anything is written
    (the caller's session rolls back any partial work)."""
    return import_parsed_checklist(session, read_checklist_xlsx(path), library)


def import_parsed_checklist(session: Session, parsed: ParsedChecklist,
                            library: ChecklistLibrary | None = None) -> ChecklistImportResult:
    """Store a workbook already read by :func:`read_checklist_xlsx` (see :func:`import_checklist_xlsx`)."""
    lib = library if library is not None else default_library()
    where = Location(file=parsed.file, sheet=parsed.sheet)
    current = None
    if parsed.code is not None:
        current = session.scalars(select(ChecklistTemplate).where(
            ChecklistTemplate.code == parsed.code, ChecklistTemplate.is_current.is_(True))).one_or_none()
    try:
        if current is not None:
            if parsed.sector and parsed.sector != current.sector:
                raise UserInputError(f"行业领域“{parsed.sector}”与库中检查表 {current.code} 的“{current.sector}”不一致；"
                                     "导入不能改变行业领域")
            if parsed.kind and (lib.resolve_kind(parsed.kind) or parsed.kind) != (
                    lib.resolve_kind(current.nine_small_kind or "") or current.nine_small_kind):
                raise UserInputError(f"九小场所类别“{parsed.kind}”与库中检查表 {current.code} 的"
                                     f"“{current.nine_small_kind or '不限'}”不一致；导入不能改变类别")
            before = current.version
            row = replace_items(session, current.code, parsed.items, name=parsed.name,
                                change=f"从 Excel 导入（{parsed.file}）", library=lib)
            return ChecklistImportResult(template=row, created=False, changed=row.version != before)
        if not parsed.name:
            raise UserInputError("新的检查表须在表头上方写明“检查表名称”")
        if not parsed.sector:
            raise UserInputError("新的检查表须在表头上方写明“行业领域”")
        row = add_template(session, name=parsed.name, sector=parsed.sector, nine_small_kind=parsed.kind,
                           code=parsed.code, items=parsed.items, library=lib)
        return ChecklistImportResult(template=row, created=True, changed=True)
    except UserInputError as exc:
        if isinstance(exc, FileInputError):
            raise
        raise ChecklistImportError([FileInputError(str(exc), where)]) from None


# ------------------------------------------------------------------------------------ entry points
#
# What the screens and the command line call: each opens its own unit of work (or read-only
# session) on the desk and returns plain data. What a write changed is announced by the UI's
# operation runner (tables ``checklist_templates``, ``checklist_items`` and, for the parameters,
# ``settings``); :func:`library_changed` and :func:`parameters_changed` tell a screen whether an
# announcement concerns it.

LIBRARY_TABLES: tuple[str, ...] = ("checklist_templates", "checklist_items")


def library_changed(changes: Changes) -> bool:
    """Whether ``changes`` touch the checklist templates (or the parameter values that render them)."""
    return changes.touches(*LIBRARY_TABLES) or parameters_changed(changes)


def parameters_changed(changes: Changes) -> bool:
    """Whether ``changes`` touch the township's parameter values."""
    return changes.touches_row("settings", settings.CHECKLIST_PARAMETERS.key)


@dataclass(frozen=True)
class LibraryOverview:
    """The current version of every template, in library order, and the order of their sectors
    (the library's sectors first, then the township's own, alphabetically)."""

    templates: tuple[TemplateSummary, ...]
    sectors: tuple[str, ...]


@dataclass(frozen=True)
class TemplateChange:
    """A template after a change: its current version (``changed`` False when nothing differed,
    so no new version was written)."""

    code: str
    name: str
    version: int
    items: int
    changed: bool
    created: bool = False  # a new township template
    item_code: str | None = None  # the item an addition appended


@dataclass(frozen=True)
class ExportedChecklist:
    path: Path
    code: str
    name: str
    version: int
    items: int


def _change(row: ChecklistTemplate, *, changed: bool, created: bool = False,
            item_code: str | None = None) -> TemplateChange:
    return TemplateChange(code=row.code, name=row.name, version=row.version, items=len(row.items),
                          changed=changed, created=created, item_code=item_code)


def install_builtin_library(desk: Desk, library: ChecklistLibrary | None = None) -> SyncReport:
    """:func:`sync_builtin_library` in its own unit of work."""
    with desk.unit() as session:
        return sync_builtin_library(session, library)


def checklist_overview(desk: Desk, library: ChecklistLibrary | None = None) -> LibraryOverview:
    """Every template's current version, for the library's list."""
    lib = library_or_default(library)
    with desk.query() as session:
        templates = tuple(template_summary(row) for row in current_templates(session))
    own = sorted({t.sector for t in templates} - set(lib.sectors))
    return LibraryOverview(templates=templates, sectors=(*lib.sectors, *own))


def checklist_detail(desk: Desk, template_code: str, library: ChecklistLibrary | None = None) -> TemplateDetail:
    """The current version of one template with its items (shown and raw texts)."""
    with desk.query() as session:
        return template_detail(current_template(session, template_code), library)


def _versioned(desk: Desk, template_code: str,
               write: Callable[[Session], ChecklistTemplate]) -> TemplateChange:
    with desk.unit() as session:
        before = current_template(session, template_code).version
        row = write(session)
        return _change(row, changed=row.version != before)


def edit_checklist_item(desk: Desk, template_code: str, item_code: str, fields: Mapping[str, str | int], *,
                        library: ChecklistLibrary | None = None) -> TemplateChange:
    """:func:`edit_item` in its own unit of work."""
    roles.require(desk, "checklists.edit")
    return _versioned(desk, template_code,
                      lambda s: edit_item(s, template_code, item_code, library=library, **fields))


def add_checklist_item(desk: Desk, template_code: str, item: ItemFields, *,
                       library: ChecklistLibrary | None = None) -> TemplateChange:
    """:func:`add_item` in its own unit of work; ``item_code`` of the result is the new item's code."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "checklists.edit")
        row = add_item(session, template_code, item, library=library)
        return _change(row, changed=True, item_code=row.items[-1].code)


def remove_checklist_item(desk: Desk, template_code: str, item_code: str, *,
                          library: ChecklistLibrary | None = None) -> TemplateChange:
    """:func:`remove_item` in its own unit of work."""
    roles.require(desk, "checklists.edit")
    return _versioned(desk, template_code, lambda s: remove_item(s, template_code, item_code, library=library))


def reset_checklist_item(desk: Desk, template_code: str, item_code: str, *,
                         library: ChecklistLibrary | None = None) -> TemplateChange:
    """:func:`reset_item_to_builtin` in its own unit of work."""
    roles.require(desk, "checklists.edit")
    return _versioned(desk, template_code,
                      lambda s: reset_item_to_builtin(s, template_code, item_code, library=library))


def enable_checklist(desk: Desk, template_code: str, enabled: bool) -> TemplateChange:
    """:func:`set_enabled` in its own unit of work (``changed``: the switch moved)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "checklists.edit")
        was = current_template(session, template_code).enabled
        row = set_enabled(session, template_code, enabled)
        return _change(row, changed=row.enabled != was)


def create_checklist(desk: Desk, *, name: str, sector: str, nine_small_kind: str | None = None,
                     library: ChecklistLibrary | None = None) -> TemplateChange:
    """:func:`add_template` (a township template without items yet) in its own unit of work."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "checklists.edit")
        row = add_template(session, name=name, sector=sector, nine_small_kind=nine_small_kind, library=library)
        return _change(row, changed=True, created=True)


def import_checklist_file(desk: Desk, path: str | Path, *, library: ChecklistLibrary | None = None,
                          progress: Progress = NO_PROGRESS) -> TemplateChange:
    """Read a workbook, then store it (:func:`import_parsed_checklist`) in one unit of work.

    Raises :class:`ChecklistImportError` (every problem with its file, sheet, row and column)
    before anything is written; cancelling is possible until the file has been read.
    """
    file = Path(path)
    progress.update(0, 2, f"正在读取 {file.name}…")
    parsed = read_checklist_xlsx(file)
    progress.check()
    progress.update(1, 2, "正在保存检查表…")
    with desk.unit() as session:
        roles.check(session, desk.actor, "checklists.edit")
        ensure_builtin_library(session, library)  # with the import: a refused file changes nothing
        result = import_parsed_checklist(session, parsed, library)
        change = _change(result.template, changed=result.changed, created=result.created)
    progress.update(2, 2)
    return change


def export_checklist_file(desk: Desk, template_code: str, path: str | Path, *,
                          progress: Progress = NO_PROGRESS) -> ExportedChecklist:
    """Write the current version of a template to a workbook (read first, then written with no
    session open). An unwritable file is a :class:`UserInputError` naming it."""
    detail = checklist_detail(desk, template_code)
    target = Path(path)
    try:
        written = export_checklist_xlsx(detail, target, progress)
    except OSError as exc:
        raise UserInputError(f"无法写入文件“{target}”：{exc.strerror or exc}") from None
    t = detail.summary
    return ExportedChecklist(path=written, code=t.code, name=t.name, version=t.version, items=len(detail.items))


def township_parameter_values(desk: Desk) -> dict[str, ParamValue]:
    """The township's parameter values that differ from the library (:func:`parameter_overrides`)."""
    with desk.query() as session:
        return parameter_overrides(session)


def save_parameter_values(desk: Desk, overrides: Mapping[str, ParamValue], *,
                          library: ChecklistLibrary | None = None) -> tuple[TemplateChange, ...]:
    """:func:`set_parameter_overrides` in its own unit of work: the templates re-rendered as new versions."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "checklists.edit")
        rows = set_parameter_overrides(session, overrides, library=library)
        return tuple(_change(row, changed=True) for row in rows)
