"""The township's ground: villages/communities and grids, with place counts; and their management
by the administrator (add, rename, move, merge, retire; grid members and their roles; the list of
villages and grids from .xlsx). Every change checks the role (:mod:`anquan_desk.services.roles`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.audit import record_event
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import Grid, GridMember, MemberRole, Place, PlaceSector, Township, User, Village
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.core.validators import match_key, normalize_phone, normalize_text, phone_error
from anquan_desk.core.vocabulary import PlaceStatus
from anquan_desk.io.ground_import import MAX_NAME_LENGTH, GroundListPreview, parse_ground_list, village_kind
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk


@dataclass
class GridNode:
    id: str
    name: str
    places: int
    active: bool = True


@dataclass
class VillageNode:
    id: str
    name: str
    kind: str
    grids: list[GridNode] = field(default_factory=list)

    @property
    def places(self) -> int:
        return sum(g.places for g in self.grids)


@dataclass
class GroundTree:
    township: str
    villages: list[VillageNode]
    unassigned: int  # places without a grid

    @property
    def places(self) -> int:
        return sum(v.places for v in self.villages) + self.unassigned


def current_township(session: Session) -> Township | None:
    return session.scalars(select(Township).order_by(Township.created_at).limit(1)).first()


def ground_tree(session: Session) -> GroundTree:
    """Villages → grids with the number of places in each (one grouped query). A retired grid is
    left out unless places are still in it (closed ones, kept with their history)."""
    township = current_township(session)
    counts = dict(
        session.execute(select(Place.grid_id, func.count()).group_by(Place.grid_id)).tuples().all()
    )
    villages: list[VillageNode] = []
    for village in session.scalars(select(Village).order_by(Village.sort_order, Village.name)):
        node = VillageNode(village.id, village.name, village.kind)
        for grid in session.scalars(
            select(Grid).where(Grid.village_id == village.id).order_by(Grid.sort_order, Grid.name)
        ):
            places = int(counts.get(grid.id, 0))
            if grid.active or places:
                node.grids.append(GridNode(grid.id, grid.name, places, grid.active))
        villages.append(node)
    return GroundTree(township.name if township else "", villages, int(counts.get(None, 0)))


def grid_label(grid: str, village: str) -> str:
    """“村 网格”, without repeating the village when the grid's name already starts with it."""
    return grid if grid.startswith(village) else f"{village} {grid}"


def grid_choices(session: Session, *, active_only: bool = False) -> list[tuple[str, str]]:
    """(grid id, label) in village and grid order; ``active_only`` leaves retired grids out (where a
    place can be put), otherwise they are there (labels of old records)."""
    stmt = (
        select(Grid.id, Grid.name, Village.name)
        .join(Village, Grid.village_id == Village.id)
        .order_by(Village.sort_order, Village.name, Grid.sort_order, Grid.name)
    )
    if active_only:
        stmt = stmt.where(Grid.active.is_(True))
    rows = session.execute(stmt).tuples()
    return [(gid, grid_label(name, village)) for gid, name, village in rows]


def known_sectors(session: Session) -> list[str]:
    """Every sector some place belongs to."""
    return list(session.scalars(select(PlaceSector.sector).distinct().order_by(PlaceSector.sector)))


# --- entry points (take a desk, return plain data) -----------------------------------------------


@dataclass(frozen=True)
class TownshipInfo:
    name: str
    demo: bool


def township_info(desk: Desk) -> TownshipInfo | None:
    """The township's name and whether this is a demo database (None before the setup)."""
    with desk.query() as session:
        township = current_township(session)
        if township is None:
            return None
        return TownshipInfo(township.name, settings.township_get(township, settings.DEMO))


def load_ground_tree(desk: Desk) -> GroundTree:
    """Villages and grids with their place counts (plain data, for the tree beside the place list)."""
    with desk.query() as session:
        return ground_tree(session)


# --- management (administrator): villages, grids, members ------------------------------------------

VILLAGE_KINDS = ("村", "社区")
#: The grid roles a new township starts with (the administrator can change the list).
DEFAULT_MEMBER_ROLES = ("网格长", "网格员", "安全员", "消防专管员", "燃气安全员", "房屋安全管理员")


def _township_or_fail(session: Session) -> Township:
    township = current_township(session)
    if township is None:
        raise UserInputError("尚未设置乡镇（街道）信息，请先完成初始设置。")
    return township


def _name(text: str, what: str) -> str:
    name = normalize_text(text)
    if not name:
        raise UserInputError(f"{what}名称不能为空。")
    if len(name) > MAX_NAME_LENGTH:
        raise UserInputError(f"{what}名称太长（最多 {MAX_NAME_LENGTH} 个字）。")
    return name


def _village(session: Session, village_id: str) -> Village:
    village = session.get(Village, village_id)
    if village is None:
        raise NotFoundError("找不到该村（社区）。")
    return village


def _grid(session: Session, grid_id: str) -> Grid:
    grid = session.get(Grid, grid_id)
    if grid is None:
        raise NotFoundError("找不到该网格。")
    return grid


def _same_village_name(session: Session, township: Township, name: str, except_id: str | None = None) -> Village | None:
    key = match_key(name)
    for village in session.scalars(select(Village).where(Village.township_id == township.id)):
        if village.id != except_id and match_key(village.name) == key:
            return village
    return None


def _same_grid_name(session: Session, village_id: str, name: str, except_id: str | None = None) -> Grid | None:
    key = match_key(name)
    for grid in session.scalars(select(Grid).where(Grid.village_id == village_id)):
        if grid.id != except_id and match_key(grid.name) == key:
            return grid
    return None


def new_village(session: Session, township: Township, name: str, kind: str = "") -> Village:
    """Building block: a village after the township's others (the name must be new)."""
    name = _name(name, "村（社区）")
    kind = kind or village_kind(name)
    if kind not in VILLAGE_KINDS:
        raise UserInputError(f"类型只能是“村”或“社区”（得到“{kind}”）。")
    if _same_village_name(session, township, name) is not None:
        raise UserInputError(f"已有名为“{name}”的村（社区）。")
    order = session.scalar(select(func.max(Village.sort_order)).where(Village.township_id == township.id))
    village = Village(township_id=township.id, name=name, kind=kind, sort_order=(order or 0) + 1)
    session.add(village)
    session.flush()
    return village


def new_grid(session: Session, village: Village, name: str) -> Grid:
    """Building block: a grid at the end of the village's grids (the name must be new there)."""
    name = _name(name, "网格")
    same = _same_grid_name(session, village.id, name)
    if same is not None:
        retired = "（已停用）" if not same.active else ""
        raise UserInputError(f"{village.name}已有名为“{name}”的网格{retired}。")
    order = session.scalar(select(func.max(Grid.sort_order)).where(Grid.village_id == village.id))
    grid = Grid(village_id=village.id, name=name, sort_order=(order or 0) + 1, active=True)
    session.add(grid)
    session.flush()
    return grid


@dataclass(frozen=True)
class GridRow:
    id: str
    name: str
    village_id: str
    active: bool
    places: int  # every place in the grid, closed ones too
    members: int


@dataclass(frozen=True)
class VillageRow:
    id: str
    name: str
    kind: str
    grids: tuple[GridRow, ...]


def list_ground(desk: Desk) -> tuple[VillageRow, ...]:
    """Every village with every grid (retired ones too, marked), place and member counts."""
    with desk.query() as session:
        places = dict(session.execute(select(Place.grid_id, func.count()).group_by(Place.grid_id)).tuples().all())
        members = dict(
            session.execute(select(GridMember.grid_id, func.count()).group_by(GridMember.grid_id)).tuples().all()
        )
        out = []
        for village in session.scalars(select(Village).order_by(Village.sort_order, Village.name)):
            grids = session.scalars(select(Grid).where(Grid.village_id == village.id).order_by(Grid.sort_order, Grid.name))
            out.append(VillageRow(village.id, village.name, village.kind, tuple(
                GridRow(g.id, g.name, village.id, g.active, int(places.get(g.id, 0)), int(members.get(g.id, 0)))
                for g in grids
            )))
        return tuple(out)


def add_village(desk: Desk, name: str, kind: str = "") -> str:
    """A new village/community (administrator); returns its id."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        return new_village(session, _township_or_fail(session), name, kind).id


def rename_village(desk: Desk, village_id: str, name: str, kind: str = "") -> None:
    """Rename a village or change whether it is a 村 or a 社区 (administrator)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        village = _village(session, village_id)
        name = _name(name, "村（社区）")
        if kind and kind not in VILLAGE_KINDS:
            raise UserInputError(f"类型只能是“村”或“社区”（得到“{kind}”）。")
        if _same_village_name(session, village.township, name, except_id=village.id) is not None:
            raise UserInputError(f"已有名为“{name}”的村（社区）。")
        village.name = name
        village.kind = kind or village.kind
        session.flush()


def add_grid(desk: Desk, village_id: str, name: str) -> str:
    """A new grid in a village (administrator); returns its id."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        return new_grid(session, _village(session, village_id), name).id


def rename_grid(desk: Desk, grid_id: str, name: str) -> None:
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        grid = _grid(session, grid_id)
        name = _name(name, "网格")
        if _same_grid_name(session, grid.village_id, name, except_id=grid.id) is not None:
            raise UserInputError(f"{grid.village.name}已有名为“{name}”的网格。")
        grid.name = name
        session.flush()


def move_grid(desk: Desk, grid_id: str, village_id: str) -> None:
    """Put a grid (with its places and members) under another village (administrator)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        grid = _grid(session, grid_id)
        village = _village(session, village_id)
        if grid.village_id == village.id:
            return
        if _same_grid_name(session, village.id, grid.name) is not None:
            raise UserInputError(f"{village.name}已有名为“{grid.name}”的网格，请先改名再移动。")
        order = session.scalar(select(func.max(Grid.sort_order)).where(Grid.village_id == village.id))
        grid.village_id = village.id
        grid.sort_order = (order or 0) + 1
        session.flush()


@dataclass(frozen=True)
class MergeResult:
    places: int  # places moved into the kept grid
    members: int  # grid members moved


def merge_grids(desk: Desk, source_id: str, target_id: str) -> MergeResult:
    """Merge ``source`` into ``target`` (administrator): its places and members move to the target,
    and the source grid is retired (its row and history stay)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        source, target = _grid(session, source_id), _grid(session, target_id)
        if source.id == target.id:
            raise UserInputError("请选择另一个网格合并。")
        if not target.active:
            raise UserInputError(f"网格“{target.name}”已停用，不能并入。")
        moved = list(session.scalars(select(Place).where(Place.grid_id == source.id)))
        for place in moved:
            place.grid_id = target.id
        members = list(session.scalars(select(GridMember).where(GridMember.grid_id == source.id)))
        for member in members:
            member.grid_id = target.id
        source.active = False
        session.flush()
        record_event(
            session, "merge_grids", "grids", source.id, into=target.id, places=len(moved), members=len(members)
        )
        return MergeResult(len(moved), len(members))


def retire_grid(desk: Desk, grid_id: str) -> None:
    """Stop using a grid (administrator). It keeps its row and history; its places must be moved
    first (closed places may stay)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        grid = _grid(session, grid_id)
        open_places = session.scalar(
            select(func.count()).select_from(Place).where(
                Place.grid_id == grid.id, Place.status != PlaceStatus.CLOSED.value
            )
        )
        if open_places:
            raise UserInputError(
                f"网格“{grid.name}”还有 {open_places} 个未关闭的场所：请先把它们移到其他网格，或把本网格合并到其他网格。"
            )
        grid.active = False
        session.flush()


def reactivate_grid(desk: Desk, grid_id: str) -> None:
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        _grid(session, grid_id).active = True
        session.flush()


# --- grid members -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    id: str
    grid_id: str
    name: str
    role: str
    phone: str
    user_id: str | None


def _role_names(names: list[str] | tuple[str, ...]) -> list[str]:
    """The names cleaned, blanks and repeats left out, in order; UserInputError for a long one."""
    wanted: list[str] = []
    for raw in names:
        name = normalize_text(raw)
        if not name:
            continue
        if len(name) > 40:
            raise UserInputError(f"角色名称“{name}”太长（最多 40 个字）。")
        if name not in wanted:
            wanted.append(name)
    return wanted


def ensure_member_roles(session: Session, names: tuple[str, ...] = DEFAULT_MEMBER_ROLES) -> None:
    """Building block: the grid roles (the defaults unless given), when the list is still empty."""
    if session.scalar(select(func.count()).select_from(MemberRole)):
        return
    for order, name in enumerate(_role_names(names) or list(DEFAULT_MEMBER_ROLES)):
        session.add(MemberRole(name=name, sort_order=order))
    session.flush()


def member_roles(desk: Desk) -> tuple[str, ...]:
    """The township's grid roles, in order (the defaults when none were set)."""
    with desk.query() as session:
        names = tuple(session.scalars(select(MemberRole.name).order_by(MemberRole.sort_order, MemberRole.name)))
    return names or DEFAULT_MEMBER_ROLES


def set_member_roles(desk: Desk, names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Replace the list of grid roles (administrator). A role some member still has stays."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "members.manage")
        wanted = _role_names(names)
        if not wanted:
            raise UserInputError("至少要有一个网格角色。")
        used = set(session.scalars(select(GridMember.role).distinct()))
        dropped = used - set(wanted)
        if dropped:
            raise UserInputError(f"还有网格人员的角色是“{'、'.join(sorted(dropped))}”，请先修改这些人员的角色。")
        existing = {r.name: r for r in session.scalars(select(MemberRole))}
        for name, row in existing.items():
            if name not in wanted:
                session.delete(row)
        for order, name in enumerate(wanted):
            kept = existing.get(name)
            if kept is None:
                session.add(MemberRole(name=name, sort_order=order))
            elif kept.sort_order != order:
                kept.sort_order = order
        session.flush()
        return tuple(wanted)


def list_members(desk: Desk, grid_id: str) -> tuple[MemberRow, ...]:
    with desk.query() as session:
        order = {name: i for i, name in enumerate(session.scalars(select(MemberRole.name).order_by(MemberRole.sort_order)))}
        rows = session.scalars(select(GridMember).where(GridMember.grid_id == grid_id))
        members = sorted(rows, key=lambda m: (order.get(m.role, len(order)), m.name))
        return tuple(MemberRow(m.id, m.grid_id, m.name, m.role, m.phone, m.user_id) for m in members)


def _member_fields(session: Session, name: str, role: str, phone: str, user_id: str | None) -> tuple[str, str, str]:
    name = normalize_text(name)
    if not name:
        raise UserInputError("姓名不能为空。")
    if len(name) > 40:
        raise UserInputError("姓名太长（最多 40 个字）。")
    known = set(session.scalars(select(MemberRole.name))) or set(DEFAULT_MEMBER_ROLES)
    if role not in known:
        raise UserInputError(f"没有“{role}”这个网格角色，请先在网格角色中添加。")
    problem = phone_error(phone)
    if problem is not None:
        raise UserInputError(f"联系电话：{problem}")
    if user_id is not None and session.get(User, user_id) is None:
        raise NotFoundError("找不到关联的用户。")
    return name, role, normalize_phone(phone)


def add_member(desk: Desk, grid_id: str, *, name: str, role: str, phone: str = "", user_id: str | None = None) -> str:
    """A person of a grid with their grid role (administrator); returns the member's id."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "members.manage")
        grid = _grid(session, grid_id)
        if not grid.active:
            raise UserInputError(f"网格“{grid.name}”已停用。")
        name, role, phone = _member_fields(session, name, role, phone, user_id)
        member = GridMember(grid_id=grid.id, name=name, role=role, phone=phone, user_id=user_id)
        session.add(member)
        session.flush()
        return member.id


def update_member(
    desk: Desk, member_id: str, *, name: str, role: str, phone: str = "", user_id: str | None = None
) -> None:
    with desk.unit() as session:
        roles.check(session, desk.actor, "members.manage")
        member = session.get(GridMember, member_id)
        if member is None:
            raise NotFoundError("找不到该网格人员。")
        member.name, member.role, member.phone = _member_fields(session, name, role, phone, user_id)
        member.user_id = user_id
        session.flush()


def remove_member(desk: Desk, member_id: str) -> None:
    """Take a person off a grid (administrator; the audit log keeps who was there)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "members.manage")
        member = session.get(GridMember, member_id)
        if member is None:
            raise NotFoundError("找不到该网格人员。")
        session.delete(member)
        session.flush()


# --- the villages-and-grids list from .xlsx ----------------------------------------------------------


def read_ground_list(path: str | Path, progress: Progress = NO_PROGRESS) -> GroundListPreview:
    """Read and check a villages-and-grids spreadsheet (nothing is written)."""
    return parse_ground_list(path, progress=progress)


@dataclass(frozen=True)
class GroundImportResult:
    created_villages: tuple[str, ...]
    created_grids: tuple[str, ...]  # "村 网格"
    existing_grids: int
    dry_run: bool = False


def add_ground(
    session: Session, township: Township, villages: list[tuple[str, str, list[str]]]
) -> GroundImportResult:
    """Building block: the villages and grids not there yet (matched by name; existing ones stay)."""
    created_villages: list[str] = []
    created_grids: list[str] = []
    existing = 0
    for name, kind, grids in villages:
        village = _same_village_name(session, township, _name(name, "村（社区）"))
        if village is None:
            village = new_village(session, township, name, kind)
            created_villages.append(village.name)
        for grid_name_ in grids:
            if _same_grid_name(session, village.id, _name(grid_name_, "网格")) is not None:
                existing += 1
                continue
            grid = new_grid(session, village, grid_name_)
            created_grids.append(grid_label(grid.name, village.name))
    return GroundImportResult(tuple(created_villages), tuple(created_grids), existing)


def import_ground_list(desk: Desk, preview: GroundListPreview, *, dry_run: bool = False) -> GroundImportResult:
    """Add the file's new villages and grids (administrator). A file with errors changes nothing
    (UserInputError listing them); ``dry_run`` only reports what would be added."""
    if preview.has_errors:
        first = "；".join(str(p) for p in preview.problems if p.severity == "error")
        raise UserInputError(f"文件中有 {preview.error_count} 处错误，没有导入任何村（社区）和网格：{first}")
    if dry_run:
        with desk.query() as session:  # written, then rolled back when the block ends
            roles.check(session, desk.actor, "grids.manage")
            result = add_ground(session, _township_or_fail(session), preview.villages())
        return GroundImportResult(result.created_villages, result.created_grids, result.existing_grids, True)
    with desk.unit() as session:
        roles.check(session, desk.actor, "grids.manage")
        result = add_ground(session, _township_or_fail(session), preview.villages())
        record_event(
            session, "import_grids", "villages", "", file=preview.file.name,
            villages=len(result.created_villages), grids=len(result.created_grids),
        )
        return result
