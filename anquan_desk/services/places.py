"""Places: listing and finding them page by page (the UI's lazy table asks for one page at a
time), one place's details for the place page, and validated editing (``update_place``).

Entry points (take a :class:`Desk`, return plain data): ``list_places`` (one page of the list,
counted on request), ``place_editor`` (what the place page shows) and ``edit_place`` (save the
place page's values, return what is now stored).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Result,
    Select,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from anquan_desk.core.clock import local_to_utc
from anquan_desk.core.errors import DatabaseError, NotFoundError, UserInputError
from anquan_desk.core.models import (
    Attachment,
    AttachmentLink,
    Document,
    Grid,
    Hazard,
    Inspection,
    InspectionParticipant,
    Place,
    PlaceSector,
    Village,
)
from anquan_desk.core.search import all_places, place_match_clause, search_hits
from anquan_desk.core.validators import (
    PhoneError,
    credit_code_error,
    normalize_credit_code,
    normalize_phone,
    normalize_text,
)
from anquan_desk.core.vocabulary import HazardStatus, InspectionStatus, PlaceStatus, RiskColor, Sector
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk


@dataclass(frozen=True)
class PlaceFilter:
    """What the place list shows. Empty fields do not filter."""

    village_id: str | None = None
    grid_id: str | None = None
    unassigned: bool = False  # only places without a grid
    query: str = ""
    sector: str | None = None
    nine_small_kind: str | None = None
    risk_color: str | None = None
    status: str | None = None
    has_overdue: bool = False
    not_inspected_since: date | None = None  # e.g. the first day of this quarter
    today: date | None = None  # for 逾期; defaults to the local date


@dataclass(frozen=True)
class PlaceRow:
    id: str
    name: str
    village: str
    grid: str
    address: str
    responsible_person: str
    phone: str
    sectors: tuple[str, ...]
    nine_small_kind: str
    risk_color: str
    status: str
    credit_code: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _rank(column: Any, order: Sequence[str]) -> ColumnElement[int]:
    """``column``'s position in ``order`` (unknown and empty values last)."""
    return case({value: i for i, value in enumerate(order)}, value=column, else_=len(order))


#: 九小场所 kinds, in the order forms list them.
NINE_SMALL_KIND_NAMES: tuple[str, ...] = (
    "小学校或幼儿园", "小医院", "小商店", "小餐饮场所", "小旅馆", "小歌舞娱乐场所", "小网吧", "小美容洗浴场所",
    "小生产加工企业",
)

#: The list's sort orders. Names and other text sort by the text; names by pinyin, as Chinese
#: lists are sorted. Colours, states and kinds sort in their meaning's order (红 → 蓝, 在营 → 关闭,
#: the forms' order of kinds), not by the characters' code points. Ties by name.
SORT_KEYS: dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]] = {
    "name": Place.name_key,  # pinyin order (anquan_desk.core.collation)
    "village": Village.name,
    "grid": Grid.name,
    "address": Place.address,
    "responsible_person": Place.responsible_person,
    "risk_color": _rank(Place.risk_color, [c.value for c in RiskColor]),
    "status": _rank(Place.status, [s.value for s in PlaceStatus]),
    "nine_small_kind": _rank(Place.nine_small_kind, NINE_SMALL_KIND_NAMES),
}


def _base(session: Session, f: PlaceFilter) -> Select[tuple[Place]]:
    stmt = select(Place)
    if f.unassigned:
        stmt = stmt.where(Place.grid_id.is_(None))
    elif f.grid_id:
        stmt = stmt.where(Place.grid_id == f.grid_id)
    elif f.village_id:
        stmt = stmt.where(Place.grid_id.in_(select(Grid.id).where(Grid.village_id == f.village_id)))
    match = place_match_clause(session, f.query)
    if match is not None:
        stmt = stmt.where(match)
    if f.sector:
        stmt = stmt.where(
            exists().where(and_(PlaceSector.place_id == Place.id, PlaceSector.sector == f.sector))
        )
    if f.nine_small_kind:
        stmt = stmt.where(Place.nine_small_kind == f.nine_small_kind)
    if f.risk_color:
        stmt = stmt.where(Place.risk_color == f.risk_color)
    if f.status:
        stmt = stmt.where(Place.status == f.status)
    if f.has_overdue:
        today = f.today or date.today()
        stmt = stmt.where(
            exists().where(
                and_(
                    Hazard.place_id == Place.id,
                    Hazard.status != HazardStatus.CLOSED.value,
                    Hazard.deadline < today,
                )
            )
        )
    if f.not_inspected_since is not None:
        since = local_to_utc(datetime.combine(f.not_inspected_since, time()))
        stmt = stmt.where(
            ~exists().where(
                and_(
                    Inspection.place_id == Place.id,
                    Inspection.status == InspectionStatus.FINISHED.value,
                    Inspection.started_at >= since,
                )
            )
        )
    return stmt


def _only_query(f: PlaceFilter) -> bool:
    return replace(f, query="", today=None) == PlaceFilter()


def count_places(session: Session, f: PlaceFilter, *, cap: int | None = None) -> int:
    """How many places match. With ``cap``, counting may stop at ``cap + 1``: a result above
    ``cap`` means "more than cap" (see ``place_count`` for whether it is exact)."""
    return place_count(session, f, cap=cap)[0]


def place_count(session: Session, f: PlaceFilter, *, cap: int | None = None) -> tuple[int, bool]:
    """(how many places match, whether that is exact). A query alone is counted exactly from
    the search copy, and all places exactly; anything else is counted in the database, stopping
    at ``cap + 1`` so a broad filter says "超过 cap 个" instead of scanning everything."""
    if _only_query(f):
        hits = search_hits(session, f.query) if f.query else all_places(session)
        if hits is not None:
            return len(hits), True
    stmt = _base(session, f).with_only_columns(Place.id).order_by(None)
    if _only_query(f):
        cap = None  # counting every place is cheap: always exact
    if cap is not None:
        stmt = stmt.limit(cap + 1)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    return total, cap is None or total <= cap


_ROW_COLUMNS = (
    Place.id,
    Place.name,
    Village.name,
    Grid.name,
    Place.address,
    Place.responsible_person,
    Place.phone,
    Place.nine_small_kind,
    Place.risk_color,
    Place.status,
    Place.credit_code,
)


def _with_names(stmt: Select[Any]) -> Select[Any]:
    return stmt.outerjoin(Grid, Grid.id == Place.grid_id).outerjoin(Village, Village.id == Grid.village_id)


def _json_id_list() -> Select[tuple[str]]:
    """The ids in the JSON array bound as ``ids`` (SQLite ``json_each``)."""
    return select(func.json_each(bindparam("ids", type_=Text)).table_valued("value").c.value)


def _array_id_list() -> Any:
    """``= ANY(ids)`` with the ids bound as one array (PostgreSQL)."""
    return any_(bindparam("ids", type_=ARRAY(String(36))))


# The page of a search and its sectors, by id list, built once: building a statement and its cache
# key costs about as much as running it. One bound parameter for the whole list: a JSON array on
# SQLite, an array on PostgreSQL.
_ROWS_BY_ID = {
    "sqlite": _with_names(select(*_ROW_COLUMNS).where(Place.id.in_(_json_id_list()))),
    "postgresql": _with_names(select(*_ROW_COLUMNS).where(Place.id == _array_id_list())),
}
_SECTORS_BY_ID = {
    "sqlite": select(PlaceSector.place_id, PlaceSector.sector).where(PlaceSector.place_id.in_(_json_id_list())),
    "postgresql": select(PlaceSector.place_id, PlaceSector.sector).where(PlaceSector.place_id == _array_id_list()),
}


def _by_ids(conn: Connection, statements: dict[str, Select[Any]], ids: list[str]) -> Result[Any]:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        return conn.execute(statements[dialect], {"ids": json.dumps(ids)})
    if dialect == "postgresql":
        return conn.execute(statements[dialect], {"ids": ids})
    raise DatabaseError(f"不支持的数据库类型：{dialect}")


def fetch_places(
    session: Session, f: PlaceFilter, offset: int, limit: int, sort: str = "name", descending: bool = False
) -> list[PlaceRow]:
    """One page of the filtered list, with village and grid names and sectors.

    Sorted by ``sort`` (see ``SORT_KEYS``), then name and id; all reversed with ``descending``. In name order with no
    filter but a query (search as you type, or the whole list once the copy is loaded), the page
    is a slice of the search copy and only its rows are read, however deep the page.
    """
    key = SORT_KEYS.get(sort, Place.name_key)
    page_ids: list[str] | None = None
    if _only_query(f) and key is Place.name_key:
        hits = search_hits(session, f.query) if f.query else all_places(session)
        if hits is not None:
            page_ids = hits.page(offset, limit, descending)
            if not page_ids:
                return []
    # Plain Core rows (the connection, not the ORM session): nothing here is an entity.
    conn = session.connection()
    if page_ids is None:
        keys = (key, Place.id) if key is Place.name_key else (key, Place.name_key, Place.id)
        stmt = _with_names(_base(session, f).with_only_columns(*_ROW_COLUMNS)).order_by(
            *(k.desc() if descending else k.asc() for k in keys)
        ).offset(offset).limit(limit)
        rows = list(conn.execute(stmt).tuples())
    else:
        at = {place_id: i for i, place_id in enumerate(page_ids)}
        rows = sorted(_by_ids(conn, _ROWS_BY_ID, page_ids).tuples(), key=lambda r: at[r[0]])
    sectors: dict[str, list[str]] = {}
    if rows:
        for place_id, sector in _by_ids(conn, _SECTORS_BY_ID, [r[0] for r in rows]).tuples():
            sectors.setdefault(place_id, []).append(sector)
    return [
        PlaceRow(
            id=r[0],
            name=r[1],
            village=r[2] or "",
            grid=r[3] or "",
            address=r[4] or "",
            responsible_person=r[5] or "",
            phone=r[6] or "",
            sectors=tuple(sorted(sectors.get(r[0], []))),
            nine_small_kind=r[7] or "",
            risk_color=r[8],
            status=r[9],
            credit_code=r[10] or "",
        )
        for r in rows
    ]


def prepare_place_search(session: Session) -> None:
    """Load the search copy and run one search page now, so that the first keystroke pays
    for neither (about 0.3 s at 50,000 places; the window does this in the background)."""
    if search_hits(session, "x") is None:
        return  # no copy (not SQLite)
    first = session.scalar(select(Place.name).limit(1))
    if first:
        f = PlaceFilter(query=first[:1])
        place_count(session, f)
        fetch_places(session, f, 0, 1)


# --- one place: details and validated editing ---------------------------------------------------

GAS_SUPPLY_CHOICES: tuple[str, ...] = ("瓶装", "管道")
HOUSE_USE_CHOICES: tuple[str, ...] = ("经营性", "居住")

#: Fields ``update_place`` accepts and their Chinese labels (for messages).
EDITABLE_FIELDS: dict[str, str] = {
    "name": "场所名称",
    "credit_code": "统一社会信用代码",
    "address": "地址",
    "responsible_person": "负责人",
    "responsible_title": "职务",
    "phone": "联系电话",
    "grid_id": "网格",
    "sectors": "行业领域",
    "nine_small_kind": "九小场所类别",
    "gas_supply": "用气方式",
    "house_use": "房屋用途",
    "densely_populated": "人员密集场所",
    "mixed_residence": "住宿与经营合用（三合一）",
    "risk_color": "风险等级",
    "status": "经营状态",
    "notes": "备注",
}
_MAX_TEXT = {"name": 200, "address": 300, "responsible_person": 40, "responsible_title": 40, "phone": 30}


class PlaceEditError(UserInputError):
    """``update_place`` refused the values; nothing was changed. ``errors``: field → Chinese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("；".join(errors.values()))


def _optional_choice(
    errors: dict[str, str], fields: dict[str, Any], key: str, choices: tuple[str, ...] | list[str]
) -> None:
    value = fields[key]
    if value in ("", None):
        fields[key] = None
    elif value not in choices:
        errors[key] = f"{EDITABLE_FIELDS[key]}“{value}”无效（可选：{'、'.join(choices)}）"


def validate_place_fields(session: Session | None, place_id: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    """Clean ``fields`` (as ``update_place`` takes them) and return the cleaned values.

    Raises ``PlaceEditError`` naming every bad field. Without a session the checks that need the
    database (grid exists, credit code unique) are left out — the editor uses that while typing.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    clean = dict(fields)
    errors: dict[str, str] = {}
    for key in ("name", "address", "responsible_person", "responsible_title", "notes"):
        if key in clean:
            clean[key] = normalize_text(str(clean[key] or ""))
    if "name" in clean and not clean["name"]:
        errors["name"] = "场所名称不能为空"
    for key, limit in _MAX_TEXT.items():
        if key in clean and key != "phone" and len(clean[key]) > limit:
            errors[key] = f"{EDITABLE_FIELDS[key]}过长（{len(clean[key])}字，最多{limit}字）"
    if "credit_code" in clean:
        code = normalize_credit_code(str(clean["credit_code"] or ""))
        if not code:
            clean["credit_code"] = None
        elif message := credit_code_error(code):
            errors["credit_code"] = message
        else:
            clean["credit_code"] = code
            if session is not None:
                other = session.scalars(
                    select(Place.name).where(Place.credit_code == code, Place.id != (place_id or ""))
                ).first()
                if other is not None:
                    errors["credit_code"] = f"统一社会信用代码“{code}”已属于场所“{other}”"
    if "phone" in clean:
        raw = clean["phone"]
        try:
            clean["phone"] = normalize_phone(raw if isinstance(raw, str | int | float) else "")
        except PhoneError as err:
            errors["phone"] = str(err)
        else:
            if len(clean["phone"]) > _MAX_TEXT["phone"]:
                errors["phone"] = f"联系电话过长（最多{_MAX_TEXT['phone']}个字符）"
    if "risk_color" in clean and clean["risk_color"] not in {c.value for c in RiskColor}:
        errors["risk_color"] = f"风险等级“{clean['risk_color']}”无效（可选：红、橙、黄、蓝）"
    if "status" in clean and clean["status"] not in {s.value for s in PlaceStatus}:
        errors["status"] = f"经营状态“{clean['status']}”无效（可选：在营、停业、关闭）"
    for key, choices in (
        ("nine_small_kind", NINE_SMALL_KIND_NAMES),
        ("gas_supply", GAS_SUPPLY_CHOICES),
        ("house_use", HOUSE_USE_CHOICES),
    ):
        if key in clean:
            _optional_choice(errors, clean, key, choices)
    for key in ("densely_populated", "mixed_residence"):
        if key in clean:
            clean[key] = bool(clean[key])
    if "sectors" in clean:
        sectors = sorted({normalize_text(str(s)) for s in clean["sectors"] or () if str(s).strip()})
        bad = [s for s in sectors if len(s) > 20]
        if bad:
            errors["sectors"] = f"行业领域“{bad[0]}”过长（最多20字）"
        if clean.get("nine_small_kind") and Sector.NINE_SMALL.value not in sectors:
            sectors.append(Sector.NINE_SMALL.value)
        clean["sectors"] = sorted(sectors)
    if "grid_id" in clean:
        clean["grid_id"] = clean["grid_id"] or None
        grid = session.get(Grid, clean["grid_id"]) if clean["grid_id"] is not None and session is not None else None
        if clean["grid_id"] is not None and session is not None and grid is None:
            errors["grid_id"] = "所选网格不存在（可能已被删除），请重新选择"
        elif grid is not None and not grid.active:
            current = session.get(Place, place_id) if session is not None and place_id else None
            if current is None or current.grid_id != grid.id:
                errors["grid_id"] = f"网格“{grid.name}”已停用，不能再把场所划入；请选择在用的网格"
    if errors:
        raise PlaceEditError(errors)
    return clean


def update_place(session: Session, place_id: str, **fields: Any) -> Place:
    """Change a place's details after checking every value (see ``EDITABLE_FIELDS``).

    Raises ``PlaceEditError`` (a ``UserInputError`` with Chinese messages per field) and changes
    nothing when any value is bad; ``NotFoundError`` when the place does not exist. The change is
    audited by the session like any other.
    """
    place = session.get(Place, place_id)
    if place is None:
        raise NotFoundError(f"场所不存在：{place_id}")
    clean = validate_place_fields(session, place_id, fields)
    sectors = clean.pop("sectors", None)
    for key, value in clean.items():
        if getattr(place, key) != value:
            setattr(place, key, value)
    if sectors is not None and sectors != sorted(place.sectors):
        keep = [row for row in place.sector_rows if row.sector in sectors]
        have = {row.sector for row in keep}
        place.sector_rows = keep + [PlaceSector(sector=s) for s in sectors if s not in have]
    session.flush()
    return place


@dataclass(frozen=True)
class InspectionLine:
    id: str
    started_at: datetime
    method: str
    status: str
    inspectors: tuple[str, ...]
    hazards: int


@dataclass(frozen=True)
class HazardLine:
    id: str
    code: str
    description: str
    grade: str
    status: str
    deadline: date | None
    overdue: bool


@dataclass(frozen=True)
class DocumentLine:
    id: str
    doc_type: str
    number: str
    status: str
    issued_at: datetime


@dataclass(frozen=True)
class PhotoLine:
    attachment_id: str
    owner_type: str  # place / inspection / hazard
    caption: str
    role: str
    thumbnail: bytes | None
    taken_at: datetime | None


@dataclass(frozen=True)
class PlaceDetails:
    id: str
    values: dict[str, Any]  # every EDITABLE_FIELDS key with its current value
    village: str
    grid: str
    inspections: list[InspectionLine]
    open_hazards: list[HazardLine]
    documents: list[DocumentLine]
    photos: list[PhotoLine]


def place_details(session: Session, place_id: str, *, today: date | None = None, photo_limit: int = 60) -> PlaceDetails:
    """Everything the place page shows: the editable values, inspection history (newest first),
    open hazards (most urgent first), documents and photo thumbnails of the place, its
    inspections and its hazards."""
    place = session.get(Place, place_id)
    if place is None:
        raise NotFoundError(f"场所不存在：{place_id}")
    day = today or date.today()
    values = {key: getattr(place, key) for key in EDITABLE_FIELDS if key != "sectors"}
    values["sectors"] = sorted(place.sectors)
    grid = place.grid
    inspections = session.scalars(
        select(Inspection).where(Inspection.place_id == place_id).order_by(Inspection.started_at.desc())
    ).all()
    hazard_counts = dict(
        session.execute(
            select(Hazard.inspection_id, func.count()).where(Hazard.place_id == place_id).group_by(Hazard.inspection_id)
        ).tuples().all()
    )
    names: dict[str, list[str]] = {}
    for inspection_id, name in session.execute(
        select(InspectionParticipant.inspection_id, InspectionParticipant.name)
        .join(Inspection, Inspection.id == InspectionParticipant.inspection_id)
        .where(Inspection.place_id == place_id)
        .order_by(InspectionParticipant.seq)
    ):
        names.setdefault(inspection_id, []).append(name)
    hazards = session.scalars(
        select(Hazard)
        .where(Hazard.place_id == place_id, Hazard.status != HazardStatus.CLOSED.value)
        .order_by(Hazard.deadline.is_(None), Hazard.deadline, Hazard.code)
    ).all()
    documents = session.scalars(
        select(Document).where(Document.place_id == place_id).order_by(Document.issued_at.desc())
    ).all()
    inspection_ids = [i.id for i in inspections]
    hazard_ids = list(session.scalars(select(Hazard.id).where(Hazard.place_id == place_id)))
    owners = or_(
        and_(AttachmentLink.owner_type == "place", AttachmentLink.owner_id == place_id),
        and_(AttachmentLink.owner_type == "inspection", AttachmentLink.owner_id.in_(inspection_ids)),
        and_(AttachmentLink.owner_type == "hazard", AttachmentLink.owner_id.in_(hazard_ids)),
    )
    photos = session.execute(
        select(AttachmentLink, Attachment)
        .join(Attachment, Attachment.id == AttachmentLink.attachment_id)
        .where(owners, AttachmentLink.role != "signature")
        .order_by(AttachmentLink.taken_at.desc(), AttachmentLink.created_at.desc())
        .limit(photo_limit)
    ).tuples().all()
    return PlaceDetails(
        id=place.id,
        values=values,
        village=grid.village.name if grid is not None else "",
        grid=grid.name if grid is not None else "",
        inspections=[
            InspectionLine(i.id, i.started_at, i.method, i.status, tuple(names.get(i.id, ())), hazard_counts.get(i.id, 0))
            for i in inspections
        ],
        open_hazards=[
            HazardLine(h.id, h.code, h.description, h.grade, h.status, h.deadline, h.is_overdue(day)) for h in hazards
        ],
        documents=[DocumentLine(d.id, d.doc_type, d.number, d.status, d.issued_at) for d in documents],
        photos=[
            PhotoLine(a.id, link.owner_type, link.caption, link.role, a.thumbnail, link.taken_at) for link, a in photos
        ],
    )


def grid_choices(session: Session, keep: str | None = None) -> list[tuple[str, str]]:
    """(grid id, "村（社区） / 网格") of every grid a place can be put in, in the ground tree's order:
    the active grids, and a retired one only when it is ``keep`` (the place's own grid, marked).
    """
    rows = session.execute(
        select(Grid.id, Village.name, Grid.name, Grid.active)
        .join(Village, Village.id == Grid.village_id)
        .where(or_(Grid.active.is_(True), Grid.id == (keep or "")))
        .order_by(Village.sort_order, Village.name, Grid.sort_order, Grid.name)
    ).all()
    return [(gid, f"{village} / {grid}" + ("" if active else "（已停用）")) for gid, village, grid, active in rows]


# --- entry points (take a desk, return plain data) -----------------------------------------------


def prepare_search(desk: Desk) -> None:
    """Load the search copy ahead of the first keystroke (see :func:`prepare_place_search`)."""
    with desk.query() as session:
        prepare_place_search(session)


@dataclass(frozen=True)
class PlaceListPage:
    """One page of the place list; ``total``/``exact`` as ``place_count`` gives them, when asked for."""

    rows: list[PlaceRow]
    total: int | None = None
    exact: bool = True


def list_places(
    desk: Desk,
    f: PlaceFilter,
    *,
    offset: int = 0,
    limit: int = 200,
    sort: str = "name",
    descending: bool = False,
    count: bool = False,
    cap: int | None = None,
) -> PlaceListPage:
    """One page of the filtered, sorted list (see :func:`fetch_places`); with ``count`` also how many
    places match, counting a broad filter only up to ``cap`` (see :func:`place_count`). A bounded
    read of a few milliseconds: the lazy place table calls it directly to paint."""
    with desk.query() as session:
        total: int | None = None
        exact = True
        if count:
            total, exact = place_count(session, f, cap=cap)
        rows = fetch_places(session, f, offset, limit, sort, descending)
    return PlaceListPage(rows, total, exact)


@dataclass(frozen=True)
class PlaceEditor:
    """What the place page shows: the place (values and history) and the grids it can be put in."""

    details: PlaceDetails
    grids: tuple[tuple[str, str], ...]  # (grid id, "村（社区） / 网格")


def place_editor(desk: Desk, place_id: str) -> PlaceEditor:
    """The place page's data (see :func:`place_details`, :func:`grid_choices`). ``NotFoundError``
    when the place does not exist."""
    with desk.query() as session:
        details = place_details(session, place_id)
        place = session.get(Place, place_id)
        return PlaceEditor(details, tuple(grid_choices(session, keep=place.grid_id if place else None)))


def edit_place(desk: Desk, place_id: str, values: Mapping[str, Any]) -> PlaceDetails:
    """Save the place page's ``values`` (see :func:`update_place`) as the desk's actor and return
    the place as now stored (cleaned values, history). ``PlaceEditError`` names every bad field;
    nothing is changed then."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "places.edit")
        if values.get("status") == PlaceStatus.CLOSED.value:
            roles.check(session, desk.actor, "places.close")
        update_place(session, place_id, **values)
    with desk.query() as session:
        return place_details(session, place_id)
