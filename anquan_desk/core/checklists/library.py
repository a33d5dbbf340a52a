"""The built-in checklist library: TOML data files in ``resources/checklists`` read into frozen
dataclasses, validated against a fixed schema.

No checklist text lives in Python. The files are (see ``resources/checklists/README.md``):

* ``library.toml``    – library version, the list of sectors, defaults used by template selection;
* ``parameters.toml`` – named local numeric rules (``lpg_max_kg`` …) that item texts reference as
  ``{lpg_max_kg}``; a township may override a value;
* ``kinds.toml``      – the 九小场所 kinds (code, name, size rule, synonyms, optional variants);
* ``templates/*.toml`` – one checklist template per file.

Every problem found while loading raises :class:`ChecklistFormatError`, whose Chinese message names
the file, template, item code and field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from anquan_desk.core.errors import AnquanError
from anquan_desk.resources import resources_dir

GRADE_GENERAL = "一般"
GRADE_MAJOR = "重大"
GRADES: tuple[str, ...] = (GRADE_GENERAL, GRADE_MAJOR)

# What kind of rule an item's requirement rests on (``basis_kind``). Only BASIS_LAW items may be
# cited as the legal basis of an order; the others are printed as 参照 / 建议.
BASIS_LAW = "法律法规"  # laws, administrative regulations, rules (规章): ``basis`` cites them to the article
BASIS_STANDARD = "标准"  # a national or trade standard that no cited statute spells out
BASIS_LOCAL = "地方规定"  # a local rule (地方性法规、地方政府规章或地方规范性文件)
BASIS_POLICY = "政策文件"  # a policy notice (国办发明电〔2022〕10号 …): never the basis of an order
BASIS_ADVICE = "建议"  # good practice, not a duty of this kind of place
BASIS_KINDS: tuple[str, ...] = (BASIS_LAW, BASIS_STANDARD, BASIS_LOCAL, BASIS_POLICY, BASIS_ADVICE)

# A placeholder is ``{name}`` with a lower-case identifier; other braces are left alone.
PLACEHOLDER_RE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_ITEM_CODE_RE = re.compile(r"^(?P<template>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)-(?P<seq>\d{2,3})$")
_TEMPLATE_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$")
_PARAM_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

ParamValue = int | float | str


# --------------------------------------------------------------------------------------------- errors


class ChecklistError(AnquanError):
    """Base of checklist-library errors (message in Chinese)."""


class ChecklistFormatError(ChecklistError):
    """A checklist data file does not follow the schema.

    ``file`` is the file name (relative to the library folder where possible); ``template``,
    ``item`` and ``field`` are empty when they do not apply.
    """

    def __init__(self, message: str, *, file: str = "", template: str = "", item: str = "",
                 field: str = "") -> None:
        self.file = file
        self.template = template
        self.item = item
        self.field = field
        self.detail = message
        parts = []
        if file:
            parts.append(f"清单文件“{file}”")
        if template:
            parts.append(f"模板 {template}")
        if item:
            parts.append(f"条目 {item}")
        if field:
            parts.append(f"字段“{field}”")
        where = "，".join(parts)
        super().__init__(f"{where}：{message}" if where else message)


class UnknownParameterError(ChecklistError):
    """A text refers to a parameter that was not supplied, or an override names no parameter."""

    def __init__(self, name: str, text: str = "") -> None:
        self.name = name
        self.text = text
        super().__init__(f"参数“{name}”未定义，无法填入检查表文字" + (f"：{text}" if text else ""))


# ---------------------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class ParameterDef:
    """A named local rule value, e.g. ``lpg_max_kg = 100`` (千克)."""

    name: str
    value: ParamValue
    unit: str
    description: str
    basis: str

    def with_value(self, value: ParamValue) -> ParameterDef:
        return replace(self, value=value)


@dataclass(frozen=True)
class NineSmallKind:
    """One kind of 九小场所 as configured in ``kinds.toml``."""

    code: str
    name: str
    size_rule: str
    synonyms: tuple[str, ...]
    optional: bool  # True for local variants (小仓库、小作坊、十小场所 …) not in the common nine
    variant: str  # which list an optional kind comes from; "" for the common nine
    typical_sectors: tuple[str, ...]  # sectors a UI may pre-tick for this kind (e.g. 小餐饮场所 -> 燃气)


@dataclass(frozen=True)
class AssessmentClass:
    """A class of a template-level preliminary assessment (自建房 初判)."""

    name: str
    definition: str
    handling: str


@dataclass(frozen=True)
class ItemDef:
    """One check item. Fields map 1:1 to the ChecklistItem table (plus ``superseded_by``)."""

    code: str
    seq: int
    content: str
    method: str
    hazard_text: str
    basis: str
    default_grade: str
    major_conditions: str
    requirement: str
    deadline_days: int  # 0 = 立即整改
    # Codes of items in other templates that cover the same point; when any of them is chosen
    # too, this item is left out (see selection.selected_items).
    superseded_by: tuple[str, ...] = ()
    # The legal consequence of not correcting the hazard: the penalty article(s), cited to 条/款/项
    # ("" when the item rests on no statute, see ``basis_kind``).
    consequence: str = ""
    # The department competent for the matter when it lies outside the township's own power
    # (消防救援机构、住建、燃气管理部门、市场监管 …); "" when the township handles it itself.
    handover_to: str = ""
    # What the requirement rests on: one of BASIS_KINDS.
    basis_kind: str = BASIS_LAW
    # Standards, policy notices and local rules the item follows (参照); never a legal basis.
    references: str = ""

    @property
    def outside_township(self) -> bool:
        """The matter belongs to another department (documents hand it over)."""
        return bool(self.handover_to)

    @property
    def is_legal_duty(self) -> bool:
        """The requirement is a duty a statute or rule imposes (its basis may found an order)."""
        return self.basis_kind == BASIS_LAW

    @property
    def deadline_text(self) -> str:
        return "立即整改" if self.deadline_days == 0 else f"{self.deadline_days}日内整改"

    @property
    def can_be_major(self) -> bool:
        return self.default_grade == GRADE_MAJOR or bool(self.major_conditions)


@dataclass(frozen=True)
class TemplateDef:
    """One checklist template (one TOML file)."""

    code: str
    version: int
    name: str
    sector: str
    description: str
    order: int
    applies: Mapping[str, Any] = field(hash=False)  # read-only view; values are frozensets/bools
    superseded_by: tuple[str, ...]
    assessment_classes: tuple[AssessmentClass, ...]
    items: tuple[ItemDef, ...]
    source_file: str = ""

    def item(self, code: str) -> ItemDef:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)


@dataclass(frozen=True)
class SelectionDefaults:
    """Defaults used when a place profile leaves gas supply or house use open (library.toml)."""

    gas_supply: str
    house_use_with_kind: str
    house_use_without_kind: str


@dataclass(frozen=True)
class ChecklistLibrary:
    version: int
    sectors: tuple[str, ...]
    defaults: SelectionDefaults
    parameters: Mapping[str, ParameterDef] = field(hash=False)  # read-only view
    kinds: tuple[NineSmallKind, ...]
    templates: tuple[TemplateDef, ...]  # sorted by (order, code)
    directory: Path = field(default=Path("."))
    # Departments an item may be handed over to (library.toml ``departments``).
    departments: tuple[str, ...] = ()

    def template(self, code: str) -> TemplateDef:
        for t in self.templates:
            if t.code == code:
                return t
        raise KeyError(code)

    def kind(self, name_or_code: str) -> NineSmallKind:
        for k in self.kinds:
            if name_or_code in (k.name, k.code):
                return k
        raise KeyError(name_or_code)

    @property
    def items(self) -> tuple[ItemDef, ...]:
        return tuple(it for t in self.templates for it in t.items)

    def parameter_values(self, overrides: Mapping[str, ParamValue] | None = None) -> dict[str, ParameterDef]:
        """The parameters with a township's overrides applied.

        An override must name a declared parameter and keep its kind (number stays number).
        """
        result = dict(self.parameters)
        for name, value in (overrides or {}).items():
            if name not in result:
                raise UnknownParameterError(name)
            base = result[name]
            if isinstance(base.value, int | float) != isinstance(value, int | float) or isinstance(
                value, bool
            ):
                raise ChecklistError(f"参数“{name}”应为{'数值' if isinstance(base.value, int | float) else '文字'}，"
                                     f"不能设为“{value}”")
            if isinstance(value, int | float) and value < 0:
                raise ChecklistError(f"参数“{name}”不能为负数：{value}")
            result[name] = base.with_value(value)
        return result

    def resolve_kind(self, text: str) -> NineSmallKind | None:
        """Map a free-text place kind ("饭店", "小吃店", "幼儿园") to a configured kind.

        Exact name/code/synonym first; otherwise the longest name or synonym contained in the text.
        """
        text = text.strip()
        if not text:
            return None
        for k in self.kinds:
            if text in (k.name, k.code) or text in k.synonyms:
                return k
        best: tuple[int, NineSmallKind] | None = None
        for k in self.kinds:
            for word in (k.name, *k.synonyms):
                if word and word in text and (best is None or len(word) > best[0]):
                    best = (len(word), k)
        return best[1] if best else None


# ------------------------------------------------------------------------------------------ rendering


def format_value(value: ParamValue) -> str:
    """``100`` -> "100", ``1.0`` -> "1", ``0.5`` -> "0.5"."""
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value)


def placeholders(text: str) -> list[str]:
    """Names of the ``{placeholder}``s in ``text``, in order of appearance."""
    return PLACEHOLDER_RE.findall(text)


def render_text(text: str, params: Mapping[str, ParameterDef | ParamValue]) -> str:
    """Fill ``{name}`` placeholders with parameter values; raises UnknownParameterError if missing."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise UnknownParameterError(name, text)
        value = params[name]
        return format_value(value.value if isinstance(value, ParameterDef) else value)

    return PLACEHOLDER_RE.sub(sub, text)


_RENDERED_ITEM_FIELDS = ("content", "method", "hazard_text", "basis", "major_conditions", "requirement",
                         "consequence", "references")


def render_item(item: ItemDef, params: Mapping[str, ParameterDef | ParamValue]) -> ItemDef:
    """A copy of ``item`` with every text field rendered."""
    return replace(
        item,
        content=render_text(item.content, params),
        method=render_text(item.method, params),
        hazard_text=render_text(item.hazard_text, params),
        basis=render_text(item.basis, params),
        major_conditions=render_text(item.major_conditions, params),
        requirement=render_text(item.requirement, params),
        consequence=render_text(item.consequence, params),
        references=render_text(item.references, params),
    )


def render_template(template: TemplateDef, params: Mapping[str, ParameterDef | ParamValue]) -> TemplateDef:
    """A copy of ``template`` with all item texts rendered (e.g. to store a versioned snapshot)."""
    return replace(
        template,
        description=render_text(template.description, params),
        items=tuple(render_item(it, params) for it in template.items),
    )


# ---------------------------------------------------------------------------------------- validation


class _Ctx:
    """Where we are while validating, to build ChecklistFormatError."""

    def __init__(self, file: str, template: str = "", item: str = "") -> None:
        self.file, self.template, self.item = file, template, item

    def error(self, message: str, field: str = "") -> ChecklistFormatError:
        return ChecklistFormatError(message, file=self.file, template=self.template, item=self.item,
                                    field=field)

    def at(self, *, template: str | None = None, item: str | None = None) -> _Ctx:
        return _Ctx(self.file, self.template if template is None else template,
                    self.item if item is None else item)


_TYPE_NAMES = {str: "文字", int: "整数", bool: "true/false", list: "列表", dict: "表"}


def _get(data: Mapping[str, Any], key: str, kind: type, ctx: _Ctx, *, required: bool = True,
         default: Any = None) -> Any:
    if key not in data:
        if required:
            raise ctx.error("缺少必填字段", key)
        return default
    value = data[key]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise ctx.error(f"类型错误，应为{_TYPE_NAMES.get(kind, kind.__name__)}，实际为“{value!r}”", key)
    if kind is str and required and not value.strip():
        raise ctx.error("不能为空", key)
    return value


def _str_list(data: Mapping[str, Any], key: str, ctx: _Ctx, *, required: bool = False) -> tuple[str, ...]:
    values = _get(data, key, list, ctx, required=required, default=[])
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise ctx.error(f"列表中应全为非空文字，发现“{v!r}”", key)
    return tuple(values)


def _no_unknown_keys(data: Mapping[str, Any], allowed: Iterable[str], ctx: _Ctx) -> None:
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise ctx.error(f"未知字段：{'、'.join(extra)}（请检查拼写）", extra[0])


def _read_toml(path: Path, rel: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ChecklistFormatError("文件不存在", file=rel) from None
    except UnicodeDecodeError:
        raise ChecklistFormatError("文件不是 UTF-8 编码", file=rel) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        where = f"（第{m.group(1)}行第{m.group(2)}列）" if m else ""
        raise ChecklistFormatError(f"TOML 格式错误{where}：{exc}", file=rel) from None


def _check_placeholders(text: str, params: Mapping[str, ParameterDef], ctx: _Ctx, field: str) -> None:
    for name in placeholders(text):
        if name not in params:
            raise ctx.error(f"引用了未定义的参数“{{{name}}}”（参数须在 parameters.toml 中声明）", field)


# Keys allowed in a template's [applies] table and the value type each takes.
APPLIES_KEYS: dict[str, type] = {
    "sectors": list,  # any of these sectors (required)
    "nine_small_kinds": list,  # place kind is one of these 九小 kind names
    "gas_supply": list,  # resolved gas supply is one of these
    "house_use": list,  # resolved house use is one of these
    "densely_populated": bool,  # profile flag must equal this
    "mixed_residence": bool,
}
GAS_SUPPLIES: tuple[str, ...] = ("瓶装", "管道")
HOUSE_USES: tuple[str, ...] = ("经营性", "居住")

_TEMPLATE_KEYS = ("code", "version", "name", "sector", "description", "order", "applies", "superseded_by",
                  "assessment_classes", "items")
_ITEM_KEYS = ("code", "content", "method", "hazard_text", "basis", "default_grade", "major_conditions",
              "requirement", "deadline_days", "superseded_by", "consequence", "handover_to", "basis_kind",
              "references")


def _parse_parameters(data: Mapping[str, Any], ctx: _Ctx) -> dict[str, ParameterDef]:
    _no_unknown_keys(data, ("parameters",), ctx)
    rows = _get(data, "parameters", list, ctx)
    result: dict[str, ParameterDef] = {}
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ctx.error(f"第{i}个参数应为表", "parameters")
        rctx = ctx.at(item=f"参数#{i}")
        _no_unknown_keys(row, ("name", "value", "unit", "description", "basis"), rctx)
        name = _get(row, "name", str, rctx)
        rctx = ctx.at(item=f"参数 {name}")
        if not _PARAM_NAME_RE.match(name):
            raise rctx.error("参数名只能用小写字母、数字和下划线，并以字母开头", "name")
        if name in result:
            raise rctx.error("参数名重复", "name")
        if "value" not in row:
            raise rctx.error("缺少必填字段", "value")
        value = row["value"]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise rctx.error(f"取值应为数值或文字，实际为“{value!r}”", "value")
        if isinstance(value, int | float) and value < 0:
            raise rctx.error("取值不能为负数", "value")
        result[name] = ParameterDef(
            name=name,
            value=value,
            unit=_get(row, "unit", str, rctx, required=False, default=""),
            description=_get(row, "description", str, rctx),
            basis=_get(row, "basis", str, rctx),
        )
    return result


def _parse_kinds(data: Mapping[str, Any], sectors: tuple[str, ...], ctx: _Ctx) -> tuple[NineSmallKind, ...]:
    _no_unknown_keys(data, ("kinds",), ctx)
    rows = _get(data, "kinds", list, ctx)
    kinds: list[NineSmallKind] = []
    seen_words: dict[str, str] = {}
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ctx.error(f"第{i}个场所类别应为表", "kinds")
        rctx = ctx.at(item=f"类别#{i}")
        _no_unknown_keys(row, ("code", "name", "size_rule", "synonyms", "optional", "variant",
                               "typical_sectors"), rctx)
        code = _get(row, "code", str, rctx)
        name = _get(row, "name", str, rctx)
        rctx = ctx.at(item=f"类别 {name}")
        optional = _get(row, "optional", bool, rctx, required=False, default=False)
        variant = _get(row, "variant", str, rctx, required=False, default="")
        if optional and not variant.strip():
            raise rctx.error("可选类别须注明来源清单（variant）", "variant")
        typical = _str_list(row, "typical_sectors", rctx)
        for s in typical:
            if s not in sectors:
                raise rctx.error(f"行业领域“{s}”未在 library.toml 的 sectors 中声明", "typical_sectors")
        kind = NineSmallKind(
            code=code, name=name, size_rule=_get(row, "size_rule", str, rctx),
            synonyms=_str_list(row, "synonyms", rctx), optional=optional, variant=variant,
            typical_sectors=typical,
        )
        for word in (kind.code, kind.name, *kind.synonyms):
            if word in seen_words and seen_words[word] != kind.name:
                raise rctx.error(f"“{word}”已属于类别“{seen_words[word]}”，名称和同义词不能重复", "synonyms")
            seen_words[word] = kind.name
        kinds.append(kind)
    return tuple(kinds)


def _parse_applies(raw: Mapping[str, Any], lib_sectors: tuple[str, ...], kind_names: set[str],
                   ctx: _Ctx) -> dict[str, Any]:
    _no_unknown_keys(raw, APPLIES_KEYS, ctx)
    applies: dict[str, Any] = {}
    for key, kind in APPLIES_KEYS.items():
        if key not in raw:
            continue
        if kind is list:
            values = _str_list(raw, key, ctx, required=True)
            if not values:
                raise ctx.error("列表不能为空", f"applies.{key}")
            allowed: Iterable[str] = {
                "sectors": lib_sectors, "nine_small_kinds": kind_names,
                "gas_supply": GAS_SUPPLIES, "house_use": HOUSE_USES,
            }[key]
            for v in values:
                if v not in allowed:
                    raise ctx.error(f"取值“{v}”无效，可选：{'、'.join(sorted(allowed))}", f"applies.{key}")
            applies[key] = frozenset(values)
        else:
            applies[key] = _get(raw, key, bool, ctx)
    if "sectors" not in applies:
        raise ctx.error("缺少必填字段", "applies.sectors")
    return applies


def _parse_item(row: Any, index: int, template_code: str, params: Mapping[str, ParameterDef],
                ctx: _Ctx, departments: tuple[str, ...] = ()) -> ItemDef:
    if not isinstance(row, dict):
        raise ctx.error(f"第{index}个条目应为表", "items")
    code = row.get("code") if isinstance(row.get("code"), str) else f"第{index}条"
    ictx = ctx.at(item=str(code))
    _no_unknown_keys(row, _ITEM_KEYS, ictx)
    code = _get(row, "code", str, ictx)
    m = _ITEM_CODE_RE.match(code)
    if not m or m.group("template") != template_code:
        raise ictx.error(f"条目编号应为“{template_code}-两位序号”，如 {template_code}-01", "code")
    grade = _get(row, "default_grade", str, ictx)
    if grade not in GRADES:
        raise ictx.error(f"隐患等级“{grade}”无效，应为“一般”或“重大”", "default_grade")
    deadline = _get(row, "deadline_days", int, ictx)
    if deadline < 0:
        raise ictx.error(f"整改期限不能为负数（{deadline}）；0 表示立即整改", "deadline_days")
    basis_kind = _get(row, "basis_kind", str, ictx, required=False, default=BASIS_LAW)
    if basis_kind not in BASIS_KINDS:
        raise ictx.error(f"依据类别“{basis_kind}”无效，可选：{'、'.join(BASIS_KINDS)}", "basis_kind")
    item = ItemDef(
        code=code,
        seq=index,
        content=_get(row, "content", str, ictx),
        method=_get(row, "method", str, ictx),
        hazard_text=_get(row, "hazard_text", str, ictx),
        basis=_get(row, "basis", str, ictx, required=basis_kind == BASIS_LAW, default="").strip(),
        default_grade=grade,
        major_conditions=_get(row, "major_conditions", str, ictx, required=False, default="").strip(),
        requirement=_get(row, "requirement", str, ictx),
        deadline_days=deadline,
        superseded_by=_str_list(row, "superseded_by", ictx),
        consequence=_get(row, "consequence", str, ictx, required=False, default="").strip(),
        handover_to=_get(row, "handover_to", str, ictx, required=False, default="").strip(),
        basis_kind=basis_kind,
        references=_get(row, "references", str, ictx, required=False, default="").strip(),
    )
    _check_citations(item, departments, ictx)
    for f in _RENDERED_ITEM_FIELDS:
        _check_placeholders(getattr(item, f), params, ictx, f)
    return item


def _check_citations(item: ItemDef, departments: tuple[str, ...], ctx: _Ctx) -> None:
    """依据/法律后果/参照/移交部门 are consistent with the item's ``basis_kind``."""
    if item.basis and "《" not in item.basis:
        raise ctx.error("依据须写明法律、法规、规章或标准名称（用书名号《》）", "basis")
    if item.consequence and "《" not in item.consequence:
        raise ctx.error("法律后果须写明法律、法规名称和条款（用书名号《》）", "consequence")
    if item.basis_kind != BASIS_LAW:
        if not item.references:
            raise ctx.error(f"依据类别为“{item.basis_kind}”的条目须在 references 中写明所参照的标准、"
                            "文件或地方规定", "references")
        if item.consequence:
            raise ctx.error(f"依据类别为“{item.basis_kind}”的条目没有法律后果，consequence 应留空",
                            "consequence")
    if item.handover_to and item.handover_to not in departments:
        raise ctx.error(f"移交部门“{item.handover_to}”未在 library.toml 的 departments 中声明", "handover_to")


def _parse_template(data: Mapping[str, Any], rel: str, lib_sectors: tuple[str, ...], kind_names: set[str],
                    params: Mapping[str, ParameterDef], departments: tuple[str, ...] = ()) -> TemplateDef:
    ctx = _Ctx(rel)
    code = data.get("code") if isinstance(data.get("code"), str) else ""
    ctx = ctx.at(template=str(code))
    _no_unknown_keys(data, _TEMPLATE_KEYS, ctx)
    code = _get(data, "code", str, ctx)
    if not _TEMPLATE_CODE_RE.match(code):
        raise ctx.error("模板编号只能由大写字母、数字和连字符组成，如 GAS-LPG", "code")
    version = _get(data, "version", int, ctx)
    if version < 1:
        raise ctx.error("版本号应为不小于 1 的整数", "version")
    sector = _get(data, "sector", str, ctx)
    if sector not in lib_sectors:
        raise ctx.error(f"行业领域“{sector}”未在 library.toml 的 sectors 中声明", "sector")
    description = _get(data, "description", str, ctx, required=False, default="")
    _check_placeholders(description, params, ctx, "description")
    applies = _parse_applies(_get(data, "applies", dict, ctx), lib_sectors, kind_names, ctx)

    classes: list[AssessmentClass] = []
    for i, row in enumerate(_get(data, "assessment_classes", list, ctx, required=False, default=[]), 1):
        if not isinstance(row, dict):
            raise ctx.error(f"第{i}个初判类别应为表", "assessment_classes")
        cctx = ctx.at(item=f"初判类别#{i}")
        _no_unknown_keys(row, ("name", "definition", "handling"), cctx)
        classes.append(AssessmentClass(name=_get(row, "name", str, cctx),
                                       definition=_get(row, "definition", str, cctx),
                                       handling=_get(row, "handling", str, cctx)))
    if len({c.name for c in classes}) != len(classes):
        raise ctx.error("初判类别名称重复", "assessment_classes")

    rows = _get(data, "items", list, ctx)
    if not rows:
        raise ctx.error("模板至少应有一个检查条目", "items")
    items = tuple(_parse_item(row, i, code, params, ctx, departments) for i, row in enumerate(rows, 1))
    seen: set[str] = set()
    for it in items:
        if it.code in seen:
            raise ctx.at(item=it.code).error("条目编号重复", "code")
        seen.add(it.code)
    return TemplateDef(
        code=code, version=version, name=_get(data, "name", str, ctx), sector=sector,
        description=description, order=_get(data, "order", int, ctx), applies=MappingProxyType(applies),
        superseded_by=_str_list(data, "superseded_by", ctx), assessment_classes=tuple(classes),
        items=items, source_file=rel,
    )


def _parse_library_meta(data: Mapping[str, Any], ctx: _Ctx) -> tuple[int, tuple[str, ...], SelectionDefaults]:
    _no_unknown_keys(data, ("version", "sectors", "defaults", "departments"), ctx)
    version = _get(data, "version", int, ctx)
    sectors = _str_list(data, "sectors", ctx, required=True)
    if not sectors or len(set(sectors)) != len(sectors):
        raise ctx.error("行业领域列表不能为空或重复", "sectors")
    raw = _get(data, "defaults", dict, ctx)
    _no_unknown_keys(raw, ("gas_supply", "house_use_with_kind", "house_use_without_kind"), ctx)
    defaults = SelectionDefaults(
        gas_supply=_get(raw, "gas_supply", str, ctx),
        house_use_with_kind=_get(raw, "house_use_with_kind", str, ctx),
        house_use_without_kind=_get(raw, "house_use_without_kind", str, ctx),
    )
    if defaults.gas_supply not in GAS_SUPPLIES:
        raise ctx.error(f"取值“{defaults.gas_supply}”无效，可选：瓶装、管道", "defaults.gas_supply")
    for key in ("house_use_with_kind", "house_use_without_kind"):
        if getattr(defaults, key) not in HOUSE_USES:
            raise ctx.error(f"取值“{getattr(defaults, key)}”无效，可选：经营性、居住", f"defaults.{key}")
    return version, sectors, defaults


def _cross_check(templates: list[TemplateDef], kinds: tuple[NineSmallKind, ...]) -> None:
    by_code: dict[str, TemplateDef] = {}
    item_owner: dict[str, TemplateDef] = {}
    orders: dict[int, str] = {}
    for t in templates:
        ctx = _Ctx(t.source_file, t.code)
        if t.code in by_code:
            raise ctx.error(f"模板编号与“{by_code[t.code].source_file}”重复", "code")
        if t.order in orders:
            raise ctx.error(f"排序号 {t.order} 与模板 {orders[t.order]} 重复", "order")
        by_code[t.code] = t
        orders[t.order] = t.code
        for it in t.items:
            if it.code in item_owner:
                raise ctx.at(item=it.code).error(f"条目编号与模板 {item_owner[it.code].code} 重复", "code")
            item_owner[it.code] = t
    for t in templates:
        ctx = _Ctx(t.source_file, t.code)
        for other in t.superseded_by:
            if other not in by_code or other == t.code:
                raise ctx.error(f"引用了不存在的模板“{other}”", "superseded_by")
        for it in t.items:
            for other_item in it.superseded_by:
                owner = item_owner.get(other_item)
                if owner is None or owner.code == t.code:
                    raise ctx.at(item=it.code).error(
                        f"引用的条目“{other_item}”不存在或属于同一模板", "superseded_by")
    # Each of the common nine kinds has exactly one specific template.
    for kind in kinds:
        specific = [t.code for t in templates if kind.name in t.applies.get("nine_small_kinds", ())]
        if not kind.optional and len(specific) != 1:
            raise ChecklistFormatError(
                f"九小场所类别“{kind.name}”应有且只有一个专用模板，现有 {len(specific)} 个"
                + (f"（{'、'.join(specific)}）" if specific else ""), file="kinds.toml", item=kind.name)


def load_library(directory: Path | None = None) -> ChecklistLibrary:
    """Read and validate the checklist library (default: the shipped ``resources/checklists``).

    Raises ChecklistFormatError naming file, template, item and field on the first problem.
    """
    root = Path(directory) if directory is not None else resources_dir() / "checklists"
    if not root.is_dir():
        raise ChecklistFormatError("检查表库目录不存在", file=str(root))

    meta_ctx = _Ctx("library.toml")
    meta = _read_toml(root / "library.toml", "library.toml")
    version, sectors, defaults = _parse_library_meta(meta, meta_ctx)
    departments = _str_list(meta, "departments", meta_ctx)
    if len(set(departments)) != len(departments):
        raise meta_ctx.error("移交部门列表不能重复", "departments")
    params = _parse_parameters(_read_toml(root / "parameters.toml", "parameters.toml"),
                               _Ctx("parameters.toml"))
    kinds = _parse_kinds(_read_toml(root / "kinds.toml", "kinds.toml"), sectors, _Ctx("kinds.toml"))
    kind_names = {k.name for k in kinds}

    template_dir = root / "templates"
    files = sorted(template_dir.glob("*.toml")) if template_dir.is_dir() else []
    if not files:
        raise ChecklistFormatError("没有找到任何模板文件（templates/*.toml）", file="templates")
    templates: list[TemplateDef] = []
    for path in files:
        rel = f"templates/{path.name}"
        templates.append(_parse_template(_read_toml(path, rel), rel, sectors, kind_names, params, departments))
    _cross_check(templates, kinds)
    templates.sort(key=lambda t: (t.order, t.code))
    return ChecklistLibrary(version=version, sectors=sectors, defaults=defaults,
                            parameters=MappingProxyType(params),
                            kinds=kinds, templates=tuple(templates), directory=root, departments=departments)
