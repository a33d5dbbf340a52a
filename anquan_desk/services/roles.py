"""Who may do what: the permission table and the check every protected entry point makes.

A role allows a set of **actions** (``"township.edit"``, ``"documents.issue_order"`` …). An entry
point that changes something only some roles may change calls :func:`require` with its action
before it writes (or :func:`check` with the session it already has); a user whose role does not
allow the action gets a :class:`~anquan_desk.core.errors.PermissionDeniedError` with a Chinese
message naming the person, the role and what was refused. Menus use :func:`allows` to hide what the
user may not do, but the services never rely on that.

Whose role counts:

* a desk of a signed-in user (``Actor.user_id`` set): the role stored in the database *now* — a
  role changed or an account deactivated since the login counts at once;
* an actor that names a role but no user (built by code): that role;
* the system (no user, no role: start-up, the command line and maintenance work, run by whoever
  holds the database file): every action. The command line is the administrator's tool.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from anquan_desk.core.errors import PermissionDeniedError
from anquan_desk.core.models import User
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services.desk import Actor, Desk

ADMIN = UserRole.ADMIN.value
INSPECTOR = UserRole.INSPECTOR.value
GRID_WORKER = UserRole.GRID_WORKER.value
VIEWER = UserRole.VIEWER.value

#: Every role, in the order screens list them.
ROLES: tuple[str, ...] = tuple(r.value for r in UserRole)

#: Every action, with what it is in Chinese (the refusal names it: “无权签发责令限期整改指令书”).
ACTIONS: Mapping[str, str] = {
    "township.edit": "修改乡镇（街道）信息和文书设置",
    "users.manage": "管理用户账号",
    "grids.manage": "管理村（社区）和网格",
    "members.manage": "管理网格人员",
    "numbers.assign_slot": "分配文书编号段位",
    "checklists.edit": "修改检查表库",
    "plans.manage": "制定检查计划和双随机抽取",
    "places.edit": "新增或修改场所",
    "places.import": "导入场所清单",
    "places.close": "关闭场所",
    "inspections.record": "记录检查和隐患",
    "reinspections.record": "记录整改复查",
    "documents.issue": "出具现场检查记录、整改通知书和复查意见书",
    "documents.issue_order": "签发责令限期整改指令书",
    "documents.void": "作废文书",
    "documents.correct": "更正文书",
    "hazards.supervise": "挂牌督办重大隐患、登记治理方案和验收",
    "ledgers.export": "导出台账和统计",
}

_FIELD_WORK = frozenset({"inspections.record", "reinspections.record", "documents.issue", "places.edit", "ledgers.export"})

#: Role → the actions it allows. 管理员 may do everything; 检查员 (with a 执法证) does the whole
#: inspection and document work but manages neither people, grids, the township nor number slots;
#: 网格员 records checks and hazards and hands over the township's notices, but issues no order,
#: voids or corrects no document, closes no place; 只读 only looks and exports.
PERMISSIONS: Mapping[str, frozenset[str]] = {
    ADMIN: frozenset(ACTIONS),
    INSPECTOR: _FIELD_WORK
    | {
        "checklists.edit",
        "plans.manage",
        "places.import",
        "places.close",
        "documents.issue_order",
        "documents.void",
        "documents.correct",
        "hazards.supervise",
    },
    GRID_WORKER: _FIELD_WORK,
    VIEWER: frozenset({"ledgers.export"}),
}


def _known(action: str) -> str:
    label = ACTIONS.get(action)
    if label is None:
        raise ValueError(f"unknown action {action!r}: declare it in anquan_desk.services.roles.ACTIONS")
    return label


def allows(role: str, action: str) -> bool:
    """Whether ``role`` allows ``action`` (no database: for menus and buttons)."""
    _known(action)
    return action in PERMISSIONS.get(role, frozenset())


def actions_of(role: str) -> frozenset[str]:
    return PERMISSIONS.get(role, frozenset())


def _who(actor: Actor) -> str:
    return actor.display_name or actor.username


def current_role(session: Session, actor: Actor) -> str | None:
    """The role that counts for ``actor`` (see the module docstring); None for the system.
    Raises PermissionDeniedError for a user who no longer exists or was deactivated."""
    if actor.user_id is None:
        return actor.role or None
    user = session.get(User, actor.user_id)
    if user is None:
        raise PermissionDeniedError(f"账号“{actor.username}”不存在，请重新登录。")
    if not user.active:
        raise PermissionDeniedError(f"账号“{user.username}”已停用，不能再做任何修改。请联系管理员。")
    return user.role


def _refuse_unless(actor: Actor, role: str | None, action: str) -> None:
    label = _known(action)
    if role is not None and action not in PERMISSIONS.get(role, frozenset()):
        raise PermissionDeniedError(f"{_who(actor)}（{role}）无权{label}。如需办理，请联系管理员。")


def check(session: Session, actor: Actor, action: str) -> None:
    """Refuse (PermissionDeniedError, Chinese) when ``actor`` may not do ``action``."""
    _known(action)
    _refuse_unless(actor, current_role(session, actor), action)


def require(desk: Desk, action: str) -> None:
    """:func:`check` in a read-only session of its own (call it before the unit of work)."""
    if desk.actor.user_id is None:
        _refuse_unless(desk.actor, desk.actor.role or None, action)
        return
    with desk.query() as session:
        check(session, desk.actor, action)


def permitted(desk: Desk, action: str) -> bool:
    """Whether the desk's user may do ``action`` now (asks the database)."""
    try:
        require(desk, action)
    except PermissionDeniedError:
        return False
    return True
