"""Every setting kept with the data, declared in one place: key, type, default, what it is for.

Two stores, one registry:

* :class:`Option` — a row of the ``settings`` table (shared by every laptop of the township):
  remembered column mappings, the current inspection programme, the draws, parameters …
* :class:`TownshipOption` — a key of the township row's ``settings`` JSON (the document settings
  that travel with the township: its county, appeal bodies, number slots …).

Code reads and writes only through :func:`get`/:func:`put` and :func:`township_get`/
:func:`township_put`, which take a declared option, never a bare key; ``tests/core/test_settings.py``
fails when code elsewhere touches the ``settings`` table or ``Township.settings`` by key, and when a
database holds a key that is not declared here. Per-user window state (geometry, column widths,
the last folder) is not data: it lives in ``QSettings``, declared in :mod:`anquan_desk.ui.state`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from anquan_desk.core.models import Setting, Township

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Option(Generic[T]):
    """A setting stored as one row of the ``settings`` table (JSON value)."""

    key: str
    type: type
    default: Callable[[], T]
    description: str


@dataclass(frozen=True)
class TownshipOption(Generic[T]):
    """A setting stored under ``key`` in the township row's ``settings`` JSON."""

    key: str
    type: type | tuple[type, ...]
    default: Callable[[], T]
    description: str


# --- the settings table ---------------------------------------------------------------------------

AUDIT_HEAD: Option[dict[str, Any]] = Option(
    "audit.head", dict, dict, "审计链链头（最后一条的序号和哈希），由审计日志维护，用于发现末尾被删除的记录"
)
CHECKLIST_PARAMETERS: Option[dict[str, Any]] = Option(
    "checklists.parameters", dict, dict, "本镇修改过的检查表参数值（与检查表库默认值不同的部分）"
)
PLACE_IMPORT_MAPPINGS: Option[dict[str, Any]] = Option(
    "import.mappings", dict, dict, "场所清单导入时用户确认过的列对应，按表头指纹保存"
)
LEDGER_TEMPLATE_MAPPINGS: Option[dict[str, Any]] = Option(
    "ledger.template_mappings", dict, dict, "区里台账模板的列对应，按模板表头指纹保存"
)
PLAN_CURRENT: Option[dict[str, Any] | None] = Option(
    "plan.current", dict, lambda: None, "当前的年度检查计划（由工作方案生成）"
)
PLAN_DRAWS: Option[list[Any]] = Option("plan.draws", list, list, "双随机抽取记录（可复现、可核验）")
PLAN_FREQUENCY: Option[dict[str, Any]] = Option(
    "plan.frequency", dict, dict, "按风险颜色的巡查频次（每几个月一次）；为空时用默认值"
)
LAPTOP_NAMES: Option[dict[str, str]] = Option(
    "devices.names", dict, dict, "各台电脑的名称：隐患编号中的电脑识别码 → 电脑名称（界面显示名称而不显示识别码）"
)
LAPTOP_CODES: Option[dict[str, str]] = Option(
    "devices.codes", dict, dict, "各台电脑的识别码：电脑编号（文书编号段位按此分配）→ 隐患编号中的电脑识别码（界面据此显示电脑名称）"
)

OPTIONS: tuple[Option[Any], ...] = (
    AUDIT_HEAD,
    CHECKLIST_PARAMETERS,
    PLACE_IMPORT_MAPPINGS,
    LEDGER_TEMPLATE_MAPPINGS,
    PLAN_CURRENT,
    PLAN_DRAWS,
    PLAN_FREQUENCY,
    LAPTOP_NAMES,
    LAPTOP_CODES,
)

# --- the township row -----------------------------------------------------------------------------

DEMO: TownshipOption[bool] = TownshipOption("demo", bool, lambda: False, "演示数据库（窗口标题注明“演示”）")
COUNTY: TownshipOption[str] = TownshipOption("county", str, str, "所属县（区）名称，用于文书落款和复议机关")
RECONSIDERATION_BODIES: TownshipOption[list[str] | str] = TownshipOption(
    "reconsideration_bodies", (list, str), list, "行政复议机关（责令限期整改指令书的告知）；为空时按所属县（区）人民政府"
)
COURT: TownshipOption[str] = TownshipOption("court", str, str, "行政诉讼的人民法院；为空时按所属县（区）人民法院")
NUMBER_SLOTS: TownshipOption[int] = TownshipOption(
    "number_slots", int, lambda: 10, "文书编号段的份数（可同时离线出具文书的电脑数）"
)
NUMBER_BLOCK_SIZE: TownshipOption[int] = TownshipOption(
    "number_block_size", int, lambda: 50, "每台电脑每一轮编号段的号数"
)
DEVICE_SLOTS: TownshipOption[dict[str, int]] = TownshipOption(
    "device_slots", dict, dict, "已分配编号段的电脑：设备编号 → 编号段"
)
TOWNSHIP_KIND: TownshipOption[str] = TownshipOption("kind", str, lambda: "乡镇", "乡镇还是街道（“乡镇”或“街道”）")
COUNTY_GOVERNMENT: TownshipOption[str] = TownshipOption(
    "county_government", str, str, "所属县（区）人民政府的全称；为空时按所属县（区）名称加“人民政府”"
)
AUTHORISATION_KIND: TownshipOption[str] = TownshipOption(
    "authorisation_kind", str, str, "执法授权方式：“委托”或“赋权”；未受委托或赋权时为空"
)
AUTHORISATION_DOCUMENT: TownshipOption[str] = TownshipOption(
    "authorisation_document", str, str, "委托或赋权文件的文号"
)
AUTHORISATION_DATE: TownshipOption[str] = TownshipOption(
    "authorisation_date", str, str, "委托或赋权文件的日期（YYYY-MM-DD）"
)

TOWNSHIP_OPTIONS: tuple[TownshipOption[Any], ...] = (
    DEMO,
    COUNTY,
    RECONSIDERATION_BODIES,
    COURT,
    NUMBER_SLOTS,
    NUMBER_BLOCK_SIZE,
    DEVICE_SLOTS,
    TOWNSHIP_KIND,
    COUNTY_GOVERNMENT,
    AUTHORISATION_KIND,
    AUTHORISATION_DOCUMENT,
    AUTHORISATION_DATE,
)

DECLARED_KEYS = frozenset(o.key for o in OPTIONS)
DECLARED_TOWNSHIP_KEYS = frozenset(o.key for o in TOWNSHIP_OPTIONS)


def _checked(option: Option[T] | TownshipOption[T], value: object) -> T:
    if isinstance(value, bool) and option.type is int:
        raise TypeError(f"setting {option.key!r} takes an int, not a bool")
    if not isinstance(value, option.type):
        raise TypeError(f"setting {option.key!r} takes {option.type}, not {type(value).__name__}")
    return value  # type: ignore[return-value]


def _declared(option: Option[T] | TownshipOption[T]) -> None:
    known = OPTIONS if isinstance(option, Option) else TOWNSHIP_OPTIONS
    if option not in known:
        raise KeyError(f"setting {option.key!r} is not declared in anquan_desk.core.settings")


def _stored(option: Option[T] | TownshipOption[T], value: object) -> T:
    """A stored value of the wrong type (written by another tool) reads as the default."""
    if value is None:
        return option.default()
    try:
        return _checked(option, value)
    except TypeError:
        log.warning("setting %s holds a %s; using the default", option.key, type(value).__name__)
        return option.default()


def get(session: Session, option: Option[T]) -> T:
    """The stored value of ``option`` (a copy: changing it changes nothing until :func:`put`)."""
    _declared(option)
    row = session.get(Setting, option.key)
    return _stored(option, copy.deepcopy(row.value) if row is not None else None)


def put(session: Session, option: Option[T], value: T) -> None:
    """Store ``value`` (audited with the session)."""
    _declared(option)
    if value is not None:
        _checked(option, value)
    row = session.get(Setting, option.key)
    if row is None:
        session.add(Setting(key=option.key, value=value))
    else:
        row.value = copy.deepcopy(value)  # a new object, so the JSON column sees the change


def township_get(township: Township, option: TownshipOption[T]) -> T:
    _declared(option)
    return _stored(option, copy.deepcopy((township.settings or {}).get(option.key)))


def township_put(township: Township, option: TownshipOption[T], value: T) -> None:
    _declared(option)
    _checked(option, value)
    township.settings = {**(township.settings or {}), option.key: copy.deepcopy(value)}
