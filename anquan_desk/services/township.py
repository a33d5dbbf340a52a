"""The township itself: the first-run setup, its profile, and what the program opens at start-up.

First run
---------
A new, empty database is never filled with the demo. :func:`open_workplace` opens (creates,
upgrades) the database; :func:`start_state` tells the window what it holds: no township and no
user means the setup wizard (:func:`setup_township`: the township's profile, its villages and
grids, the first administrator and further users, the built-in checklists, in one unit of work).
The demo lives in a file of its own beside the real one (:func:`demo_path`) and is opened only when
asked (:func:`open_demo`).

Profile
-------
:class:`TownshipProfile` is everything the wizard asks and the administrator can change later
(:func:`update_township_profile`, audited with the township row): name, short name (the
``{region}`` of document numbers), 乡镇 or 街道, the issuing authority, the county (district) and its
people's government, the 复议机关 and the people's court named in the appeal wording, whether the
township is authorised to enforce (委托 / 赋权, with the document's 文号 and date: an authorised
township issues 责令限期整改指令书, any other its own 安全隐患整改通知书), and the number format of
each numbered document type. A township that is not authorised issues documents in its own name:
its numbers never carry 应急 (:func:`check_profile` refuses it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.audit import record_event
from anquan_desk.core.clock import today as local_today
from anquan_desk.core.db import default_data_dir, resolve_db_url, sqlite_path
from anquan_desk.core.documents.numbering import NumberFormat, NumberFormatError, SerialBlock, UsedSerial
from anquan_desk.core.documents.numbering import next_serial as lowest_free_serial
from anquan_desk.core.documents.snapshot import DocType
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import IssuedNumber, NumberBlock, Township
from anquan_desk.core.validators import normalize_text
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services import roles
from anquan_desk.services.checklists import sync_builtin_library
from anquan_desk.services.demo import create_demo_database
from anquan_desk.services.desk import Actor, Desk, open_desk
from anquan_desk.services.ground import (
    DEFAULT_MEMBER_ROLES,
    add_ground,
    current_township,
    ensure_member_roles,
)
from anquan_desk.services.numbering import (
    NUMBERED_TYPES,
    block_range,
    device_slots,
    number_format,
    slot_layout,
)
from anquan_desk.services.users import (
    UserFields,
    actor_of,
    create_checked_user,
    has_users,
    new_user_signer,
    sign_as,
)

TOWNSHIP_KINDS = ("乡镇", "街道")
AUTHORISATIONS = ("委托", "赋权")

#: The numbered document types, as the screens name them.
DOC_TYPE_LABELS: Mapping[DocType, str] = MappingProxyType({
    "record": "现场检查记录",
    "notice": "安全隐患整改通知书",
    "order": "责令限期整改指令书",
    "review": "整改复查意见书",
})


@dataclass(frozen=True)
class NumberFormatSpec:
    """How one document type is numbered: ``template`` with ``{region}`` (the short name),
    ``{prefix}``, ``{year}`` and ``{serial}`` / ``{serial_padded}`` (zero-padded to ``serial_width``)."""

    template: str
    prefix: str
    serial_width: int = 3

    def to_json(self) -> dict[str, object]:
        return {"template": self.template, "prefix": self.prefix, "serial_width": self.serial_width}


_TEMPLATE = "{region}{prefix}〔{year}〕第{serial_padded}号"

#: The township's own numbering (no 应急: a township issues in its own name), e.g. 红光安改〔2026〕第001号.
TOWNSHIP_FORMATS: Mapping[DocType, NumberFormatSpec] = MappingProxyType({
    "record": NumberFormatSpec(_TEMPLATE, "检记"),
    "notice": NumberFormatSpec(_TEMPLATE, "安改"),
    "order": NumberFormatSpec(_TEMPLATE, "责改"),
    "review": NumberFormatSpec(_TEMPLATE, "复查"),
})

MAX_SERIAL_WIDTH = 6
#: Longest document number the database keeps (``Document.number``).
MAX_NUMBER_LENGTH = 80


@dataclass(frozen=True)
class TownshipProfile:
    """Everything the setup asks about the township (plain values)."""

    name: str
    short_name: str = ""  # {region} of the document numbers, e.g. 红光
    kind: str = "乡镇"  # 乡镇 or 街道
    issuer: str = ""  # 发文机关; empty: 「name」人民政府 (乡镇) or 「name」办事处 (街道)
    county: str = ""  # 所属县（区）, e.g. 青溪县
    county_government: str = ""  # empty: 「county」人民政府
    reconsideration_bodies: tuple[str, ...] = ()  # 复议机关; empty: the county government
    court: str = ""  # 人民法院; empty: 「county」人民法院
    authorisation: str = ""  # "" (not authorised), 委托 or 赋权
    authorisation_document: str = ""  # 文号 of the authorising document
    authorisation_date: date | None = None
    number_formats: Mapping[DocType, NumberFormatSpec] = field(default_factory=lambda: dict(TOWNSHIP_FORMATS))

    @property
    def enforcement_authorised(self) -> bool:
        return bool(self.authorisation)

    @property
    def notice_type(self) -> DocType:
        """The document a check's hazards get: 责令限期整改指令书 when authorised, else the notice."""
        return "order" if self.enforcement_authorised else "notice"

    @property
    def issued_types(self) -> tuple[DocType, ...]:
        """The numbered document types this township issues."""
        return ("record", self.notice_type, "review")


def default_short_name(name: str) -> str:
    """红光镇 → 红光, 城东街道 → 城东, 白沙乡 → 白沙."""
    name = normalize_text(name)
    for suffix in ("街道办事处", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def default_issuer(name: str, kind: str) -> str:
    return f"{name}办事处" if kind == "街道" and not name.endswith("办事处") else f"{name}人民政府"


def _text(value: str, what: str, limit: int, *, required: bool = False) -> str:
    text = normalize_text(value)
    if required and not text:
        raise UserInputError(f"请填写{what}。")
    if len(text) > limit:
        raise UserInputError(f"{what}太长（最多 {limit} 个字）。")
    return text


def check_number_format(
    doc_type: DocType, spec: NumberFormatSpec, region: str, *, authorised: bool
) -> NumberFormatSpec:
    """The spec with its texts cleaned, or UserInputError saying what is wrong with it."""
    label = DOC_TYPE_LABELS.get(doc_type, doc_type)
    template, prefix = spec.template.strip(), normalize_text(spec.prefix)
    if not template:
        raise UserInputError(f"{label}的编号格式不能为空。")
    if not prefix:
        raise UserInputError(f"{label}的编号代字不能为空（如“安改”）。")
    if len(prefix) > 20 or any(ch in prefix for ch in "{}"):
        raise UserInputError(f"{label}的编号代字“{prefix}”不可用（最多 20 个字，不能含花括号）。")
    if not 1 <= spec.serial_width <= MAX_SERIAL_WIDTH:
        raise UserInputError(f"{label}的流水号位数须在 1–{MAX_SERIAL_WIDTH} 之间。")
    try:
        fmt = NumberFormat(template, prefix, region, spec.serial_width)
        sample = fmt.format(2026, 7)
        back = fmt.parse(sample)
        longest = fmt.format(2026, 10**MAX_SERIAL_WIDTH - 1)
    except NumberFormatError as exc:
        raise UserInputError(f"{label}：{exc}") from exc
    except re.error as exc:  # a field twice: the pattern that reads numbers back cannot be built
        raise UserInputError(f"{label}的编号格式“{template}”中年份和流水号只能各出现一次。") from exc
    except (ValueError, IndexError, KeyError) as exc:  # unbalanced braces, positional fields …
        raise UserInputError(f"{label}的编号格式“{template}”写法有误（花括号须成对，如 {{year}}）。") from exc
    if back != (2026, 7) or fmt.parse(fmt.format(2026, 123)) != (2026, 123):
        raise UserInputError(f"{label}的编号格式“{template}”中年份和流水号分不开，请在两者之间加上文字或符号。")
    if len(longest) > MAX_NUMBER_LENGTH:
        raise UserInputError(f"{label}的编号太长（最多 {MAX_NUMBER_LENGTH} 个字）。")
    if not authorised and "应急" in sample:
        raise UserInputError(
            f"{label}的编号“{sample}”含“应急”：本乡镇（街道）未受委托或赋权执法，以自己的名义出具文书，"
            "编号不能使用应急管理部门的代字。"
        )
    return NumberFormatSpec(template, prefix, spec.serial_width)


def check_profile(profile: TownshipProfile, *, today: date | None = None) -> TownshipProfile:
    """The profile with defaults filled in and texts cleaned; UserInputError (Chinese) for anything
    that cannot be used."""
    name = _text(profile.name, "乡镇（街道）名称", 100, required=True)
    kind = profile.kind or "乡镇"
    if kind not in TOWNSHIP_KINDS:
        raise UserInputError(f"类型只能是“乡镇”或“街道”（得到“{kind}”）。")
    short_name = _text(profile.short_name, "简称", 20) or default_short_name(name)
    issuer = _text(profile.issuer, "发文机关", 100) or default_issuer(name, kind)
    county = _text(profile.county, "所属县（区）", 60, required=True)
    government = _text(profile.county_government, "县（区）人民政府", 100) or f"{county}人民政府"
    bodies = tuple(b for b in (_text(b, "复议机关", 100) for b in profile.reconsideration_bodies) if b)
    court = _text(profile.court, "人民法院", 100) or f"{county}人民法院"
    authorisation = profile.authorisation
    document, when = "", None
    if authorisation:
        if authorisation not in AUTHORISATIONS:
            raise UserInputError(f"执法授权方式只能是“委托”或“赋权”（得到“{authorisation}”）。")
        document = _text(profile.authorisation_document, f"{authorisation}文件的文号", 100, required=True)
        when = profile.authorisation_date
        if when is None:
            raise UserInputError(f"请填写{authorisation}文件的日期。")
        if when > (today or local_today()):
            raise UserInputError(f"{authorisation}文件的日期（{when.isoformat()}）晚于今天。")
    formats: dict[DocType, NumberFormatSpec] = {}
    for doc_type in NUMBERED_TYPES:
        spec = profile.number_formats.get(doc_type, TOWNSHIP_FORMATS[doc_type])
        formats[doc_type] = check_number_format(doc_type, spec, short_name, authorised=bool(authorisation))
    prefixes = [spec.prefix for spec in formats.values()]
    repeated = sorted({p for p in prefixes if prefixes.count(p) > 1})
    if repeated:
        raise UserInputError(f"编号代字“{'、'.join(repeated)}”用于多种文书：每种文书的代字须不同（各自编号）。")
    return TownshipProfile(
        name=name, short_name=short_name, kind=kind, issuer=issuer, county=county,
        county_government=government, reconsideration_bodies=bodies or (government,), court=court,
        authorisation=authorisation, authorisation_document=document, authorisation_date=when,
        number_formats=formats,
    )


def number_preview(spec: NumberFormatSpec, region: str, year: int, serial: int = 1) -> str:
    """The number ``serial`` of ``year`` in this format (NumberFormatError when it is unusable)."""
    try:
        return NumberFormat(spec.template, spec.prefix, region, spec.serial_width).format(year, serial)
    except (ValueError, IndexError, KeyError) as exc:
        if isinstance(exc, NumberFormatError):
            raise
        raise NumberFormatError(f"编号格式“{spec.template}”写法有误（花括号须成对）。") from exc


# --- reading and writing the township row -------------------------------------------------------------


def apply_profile(township: Township, profile: TownshipProfile) -> None:
    """Building block: write a checked profile into the township row and its settings."""
    township.name = profile.name
    township.region_short = profile.short_name
    township.issuer = profile.issuer
    township.enforcement_authorised = profile.enforcement_authorised
    township.number_formats = {t: spec.to_json() for t, spec in profile.number_formats.items()}
    settings.township_put(township, settings.TOWNSHIP_KIND, profile.kind)
    settings.township_put(township, settings.COUNTY, profile.county)
    settings.township_put(township, settings.COUNTY_GOVERNMENT, profile.county_government)
    settings.township_put(township, settings.RECONSIDERATION_BODIES, list(profile.reconsideration_bodies))
    settings.township_put(township, settings.COURT, profile.court)
    settings.township_put(township, settings.AUTHORISATION_KIND, profile.authorisation)
    settings.township_put(township, settings.AUTHORISATION_DOCUMENT, profile.authorisation_document)
    day = profile.authorisation_date.isoformat() if profile.authorisation_date else ""
    settings.township_put(township, settings.AUTHORISATION_DATE, day)


def profile_of(township: Township) -> TownshipProfile:
    """The township's profile as stored (formats: its own over the program's defaults)."""
    bodies = settings.township_get(township, settings.RECONSIDERATION_BODIES)
    day = settings.township_get(township, settings.AUTHORISATION_DATE)
    try:
        when = date.fromisoformat(day) if day else None
    except ValueError:
        when = None
    formats: dict[DocType, NumberFormatSpec] = {}
    for doc_type in NUMBERED_TYPES:
        fmt = number_format(township, doc_type)
        formats[doc_type] = NumberFormatSpec(fmt.template, fmt.prefix, fmt.serial_width)
    authorisation = settings.township_get(township, settings.AUTHORISATION_KIND)
    if township.enforcement_authorised and authorisation not in AUTHORISATIONS:
        authorisation = "委托"  # authorised before the kind was recorded
    if not township.enforcement_authorised:
        authorisation = ""
    county = settings.township_get(township, settings.COUNTY)
    return TownshipProfile(
        name=township.name,
        short_name=township.region_short,
        kind=settings.township_get(township, settings.TOWNSHIP_KIND),
        issuer=township.issuer,
        county=county,
        county_government=settings.township_get(township, settings.COUNTY_GOVERNMENT),
        reconsideration_bodies=tuple([bodies] if isinstance(bodies, str) else [str(b) for b in bodies]),
        court=settings.township_get(township, settings.COURT),
        authorisation=authorisation,
        authorisation_document=settings.township_get(township, settings.AUTHORISATION_DOCUMENT),
        authorisation_date=when,
        number_formats=formats,
    )


# --- entry points -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VillageSpec:
    name: str
    kind: str = ""  # 村 or 社区; empty: from the name
    grids: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserSpec:
    username: str
    name: str
    password: str
    role: str = UserRole.INSPECTOR.value
    cert_no: str = ""  # 执法证号
    work_no: str = ""  # 工作证号
    phone: str = ""


@dataclass(frozen=True)
class SetupRequest:
    profile: TownshipProfile
    villages: tuple[VillageSpec, ...] = ()
    admin: UserSpec | None = None  # the first administrator (required while there is no user)
    users: tuple[UserSpec, ...] = ()
    member_roles: tuple[str, ...] = DEFAULT_MEMBER_ROLES


@dataclass(frozen=True)
class SetupResult:
    township_id: str
    township: str
    villages: int
    grids: int
    users: int
    admin: Actor | None  # the first administrator, logged in


def setup_township(desk: Desk, request: SetupRequest) -> SetupResult:
    """First run: the township, its villages and grids, the first administrator and the other users,
    the grid roles and the built-in checklists, all in one unit of work. Refuses a database that
    already has a township; on a database that already has users (and no township) only an
    administrator may do it, and no new first administrator is made."""
    profile = check_profile(request.profile)
    with desk.query() as session:
        users_exist = has_users(session)
        existing = current_township(session)
        if existing is not None:
            raise UserInputError(f"数据库中已有乡镇（街道）“{existing.name}”，不能再次初始设置。")
    if users_exist and request.admin is not None:
        raise UserInputError("数据库中已有用户，不能再创建第一位管理员；请用管理员账号登录后设置。")
    if not users_exist and request.admin is None:
        raise UserInputError("请设置第一位管理员（用户名、姓名和密码）。")
    worker = desk if users_exist or request.admin is None else Desk(desk.db, Actor.system(request.admin.username.strip()))
    with worker.unit() as session:
        if users_exist:
            roles.check(session, desk.actor, "township.edit")
        if current_township(session) is not None:
            raise UserInputError("数据库中已有乡镇（街道），不能再次初始设置。")
        township = Township(name=profile.name)
        apply_profile(township, profile)
        session.add(township)
        session.flush()
        ensure_member_roles(session, request.member_roles or DEFAULT_MEMBER_ROLES)
        ground = add_ground(session, township, [(v.name, v.kind, list(v.grids)) for v in request.villages])
        admin_actor: Actor | None = None
        people = 0
        if request.admin is not None:
            spec = request.admin
            admin = create_checked_user(
                session, spec.username, spec.password,
                UserFields(spec.name, UserRole.ADMIN.value, spec.cert_no, spec.work_no, spec.phone),
            )
            # From here on the setup is the new administrator's, signed with the key just made.
            signer = new_user_signer(session, admin.id)
            sign_as(session, admin, signer)
            admin_actor = actor_of(admin, signer)
            people += 1
        for spec in request.users:
            create_checked_user(
                session, spec.username, spec.password, UserFields(spec.name, spec.role, spec.cert_no, spec.work_no, spec.phone)
            )
            people += 1
        sync_builtin_library(session)
        record_event(
            session, "setup", "townships", township.id, township=profile.name,
            villages=len(ground.created_villages), grids=len(ground.created_grids), users=people,
        )
        return SetupResult(
            township.id, township.name, len(ground.created_villages), len(ground.created_grids), people, admin_actor
        )


def township_profile(desk: Desk) -> TownshipProfile | None:
    """The township's profile (None before the setup)."""
    with desk.query() as session:
        township = current_township(session)
        return profile_of(township) if township is not None else None


def update_township_profile(desk: Desk, profile: TownshipProfile) -> TownshipProfile:
    """Change the township's profile (administrator; every changed field is in the audit log)."""
    checked = check_profile(profile)
    with desk.unit() as session:
        roles.check(session, desk.actor, "township.edit")
        township = current_township(session)
        if township is None:
            raise UserInputError("尚未设置乡镇（街道）信息，请先完成初始设置。")
        apply_profile(township, checked)
        session.flush()
        return profile_of(township)


def _peek_serial(session: Session, township: Township, series: str, year: int, device_id: str) -> int | None:
    """The serial this laptop would take next in ``series`` (nothing is written); None when it has
    no slot and cannot get one by itself."""
    blocks = [
        SerialBlock(b.device_id, b.first, b.last)
        for b in session.scalars(select(NumberBlock).where(NumberBlock.series == series, NumberBlock.year == year))
    ]
    used = [
        UsedSerial(serial, device)
        for serial, device in session.execute(
            select(IssuedNumber.serial, IssuedNumber.device_id).where(
                IssuedNumber.series == series, IssuedNumber.year == year
            )
        ).tuples()
    ]
    try:
        return lowest_free_serial(device_id, blocks, used)
    except UserInputError:
        pass
    slots = device_slots(township)
    slot = slots.get(device_id) or (1 if not slots else None)
    if slot is None:
        return None
    count, size = slot_layout(township)
    return block_range(slot, sum(1 for b in blocks if b.device_id == device_id), count, size)[0]


def next_numbers(
    desk: Desk, profile: TownshipProfile, device_id: str, year: int | None = None
) -> dict[DocType, str]:
    """The number each type would get next on this laptop with the profile's formats (a changed
    代字 starts a new series); a type whose format is unusable or for which this laptop has no
    slot yet maps to a Chinese note."""
    year = year or local_today().year
    out: dict[DocType, str] = {}
    with desk.query() as session:
        township = current_township(session)
        for doc_type, spec in profile.number_formats.items():
            try:
                serial = _peek_serial(session, township, spec.prefix, year, device_id) if township else 1
                if serial is None:
                    out[doc_type] = "本机尚未分配编号段位"
                    continue
                out[doc_type] = number_preview(spec, profile.short_name or default_short_name(profile.name), year, serial)
            except UserInputError as exc:
                out[doc_type] = f"（{exc}）"
    return out


# --- start-up -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartState:
    """What the window finds in the database at start-up."""

    township: str | None  # None: not set up
    demo: bool
    has_users: bool

    @property
    def needs_setup(self) -> bool:
        """A new database: the setup wizard opens (never the demo)."""
        return self.township is None and not self.has_users


def open_workplace(db: str | os.PathLike[str] | None) -> Desk:
    """The database the window works on, opened (created, upgraded) as it is: a new file stays
    empty until the setup wizard fills it."""
    return open_desk(db, Actor.system("start"))


def start_state(desk: Desk) -> StartState:
    with desk.query() as session:
        township = current_township(session)
        demo = township is not None and settings.township_get(township, settings.DEMO)
        return StartState(township.name if township else None, demo, has_users(session))


def demo_path(db: str | os.PathLike[str] | None) -> Path:
    """Where the demo lives: beside the real database file (``anquan.db`` → ``anquan-demo.db``),
    or in the user data folder when the real database is a server."""
    path = sqlite_path(resolve_db_url(db))
    if path is None:
        return default_data_dir() / "anquan-demo.db"
    return path.with_name(f"{path.stem}-demo{path.suffix or '.db'}")


def open_demo(db: str | os.PathLike[str] | None) -> Desk:
    """The demo database beside ``db`` (created on first use); never ``db`` itself. Refuses a file at
    the demo's place that holds something else."""
    target = demo_path(db)
    if not target.exists() or target.stat().st_size == 0:
        create_demo_database(target)
    desk = open_desk(target, Actor.system("demo"))
    state = start_state(desk)
    if not state.demo:
        desk.close()
        raise UserInputError(f"“{target}”不是演示数据库，没有打开它。")
    return desk
