"""The data model: SQLAlchemy 2.x typed ORM.

Every row has a UUID (stable across laptops), created/updated timestamps and its author.
Enumerations are stored as their Chinese text (what the ledgers print) and checked by
CHECK constraints, so a row written by any tool stays valid.

The schema itself is created and upgraded only by the Alembic migrations in
``anquan_desk/migrations``; ``tests/core/test_migrations.py`` proves that they produce
exactly this metadata.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from anquan_desk.core.clock import UTCDateTime, utcnow
from anquan_desk.core.collation import name_sort_key
from anquan_desk.core.vocabulary import (
    DocumentStatus,
    DocumentType,
    HazardGrade,
    HazardStatus,
    InspectionMethod,
    InspectionStatus,
    ItemOutcome,
    PlaceStatus,
    ReviewOutcome,
    RiskColor,
    UserRole,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_uuid() -> str:
    return str(uuid.uuid4())


def _in(column: str, values: type[StrEnum] | tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"




class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Record:
    """Columns every table has: UUID key, timestamps, author."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    author: Mapped[str] = mapped_column(String(64), default="")


# --- ground: township, villages, grids, members --------------------------------------------


class Township(Record, Base):
    """乡镇/街道. Holds the document settings: mode (notice vs. order) and number formats."""

    __tablename__ = "townships"

    name: Mapped[str] = mapped_column(String(100))
    region_short: Mapped[str] = mapped_column(String(20), default="")  # 地区简称, e.g. 宁
    issuer: Mapped[str] = mapped_column(String(100), default="")  # 发文机关, e.g. XX镇人民政府
    # True where the township is authorised to enforce (安全生产法 第九条第二款): issue
    # 责令限期整改指令书 instead of its own 安全隐患整改通知书.
    enforcement_authorised: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per document type: number format settings (prefix, template, serial width).
    number_formats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    villages: Mapped[list[Village]] = relationship(back_populates="township", order_by="Village.sort_order")


class Village(Record, Base):
    """村/社区."""

    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("township_id", "name"),)

    township_id: Mapped[str] = mapped_column(ForeignKey("townships.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="村")  # 村 or 社区
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    township: Mapped[Township] = relationship(back_populates="villages")
    grids: Mapped[list[Grid]] = relationship(back_populates="village", order_by="Grid.sort_order")


class Grid(Record, Base):
    """网格."""

    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("village_id", "name"),)

    village_id: Mapped[str] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # A retired grid (merged into another, or no longer used) keeps its row and its history; no
    # new place is put into it.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    village: Mapped[Village] = relationship(back_populates="grids")
    members: Mapped[list[GridMember]] = relationship(back_populates="grid")


class MemberRole(Record, Base):
    """The configurable list of grid roles (网格长, 网格员, 安全员, …)."""

    __tablename__ = "member_roles"

    name: Mapped[str] = mapped_column(String(40), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class GridMember(Record, Base):
    __tablename__ = "grid_members"

    grid_id: Mapped[str] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(30), default="")
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    grid: Mapped[Grid] = relationship(back_populates="members")


# --- places ---------------------------------------------------------------------------------


def _name_key_default(context: Any) -> str:
    return name_sort_key(str(context.get_current_parameters().get("name") or ""))


class Place(Record, Base):
    """场所/生产经营单位: an enterprise, shop, restaurant or self-built house."""

    __tablename__ = "places"
    __table_args__ = (
        CheckConstraint(_in("risk_color", RiskColor), name="risk_color"),
        CheckConstraint(_in("status", PlaceStatus), name="status"),
        Index("ix_places_name", "name"),
        Index("ix_places_name_key", "name_key", "id"),
        Index("ix_places_credit_code", "credit_code"),
    )

    grid_id: Mapped[str | None] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码, GB 32100-2015
    address: Mapped[str] = mapped_column(String(300), default="")
    responsible_person: Mapped[str] = mapped_column(String(40), default="")
    responsible_title: Mapped[str] = mapped_column(String(40), default="")  # 职务
    phone: Mapped[str] = mapped_column(String(30), default="")
    nine_small_kind: Mapped[str | None] = mapped_column(String(40))
    gas_supply: Mapped[str | None] = mapped_column(String(10))  # 瓶装 / 管道
    house_use: Mapped[str | None] = mapped_column(String(10))  # 经营性 / 居住
    densely_populated: Mapped[bool] = mapped_column(Boolean, default=False)  # 人员密集场所
    mixed_residence: Mapped[bool] = mapped_column(Boolean, default=False)  # 住宿与经营合用 (三合一)
    risk_color: Mapped[str] = mapped_column(String(2), default=RiskColor.BLUE.value)
    status: Mapped[str] = mapped_column(String(4), default=PlaceStatus.OPEN.value)
    route_order: Mapped[int] = mapped_column(Integer, default=0)  # order of the grid's round
    notes: Mapped[str] = mapped_column(Text, default="")
    # Lower-case haystack for search-as-you-type: the text fields plus their pinyin (full and
    # initials), kept current by anquan_desk.core.search on every insert/update.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The name's pinyin sort key (anquan_desk.core.collation): lists sort by it. Bulk inserts get
    # it from the default; the ORM hook in anquan_desk.core.search keeps it current.
    name_key: Mapped[str] = mapped_column(
        Text().with_variant(Text(collation="C"), "postgresql"), default=_name_key_default, server_default=""
    )

    grid: Mapped[Grid | None] = relationship()
    sector_rows: Mapped[list[PlaceSector]] = relationship(
        back_populates="place", cascade="all, delete-orphan", order_by="PlaceSector.sector"
    )

    @property
    def sectors(self) -> list[str]:
        return [row.sector for row in self.sector_rows]


class PlaceSector(Base):
    """One 行业领域 of a place (a place may belong to several)."""

    __tablename__ = "place_sectors"

    place_id: Mapped[str] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)
    sector: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)

    place: Mapped[Place] = relationship(back_populates="sector_rows")


# --- people ---------------------------------------------------------------------------------


class User(Record, Base):
    """A person who logs in; inspectors carry a 执法证号, grid workers a 工作证号. A user is never
    deleted (their records keep their name): ``active`` False stops the login."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", UserRole), name="role"),)

    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    cert_no: Mapped[str] = mapped_column(String(40), default="")  # 执法证号
    work_no: Mapped[str] = mapped_column(String(40), default="", server_default="")  # 工作证号
    role: Mapped[str] = mapped_column(String(10), default=UserRole.INSPECTOR.value)
    phone: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UserKey(Record, Base):
    """A user's Ed25519 signing key (see :mod:`anquan_desk.core.security`): the public half in hex,
    the private half sealed under a key derived from the password (argon2id limits kept with it).
    A key is never deleted nor its public half changed; a password reset retires it
    (``retired_at``) and gives the user a new one. Audited like any table: the chain holds every
    public key, and ``audit verify`` checks signatures against the key the chain recorded."""

    __tablename__ = "user_keys"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_opslimit: Mapped[int] = mapped_column(Integer)
    kdf_memlimit: Mapped[int] = mapped_column(Integer)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- checklists -----------------------------------------------------------------------------


class ChecklistTemplate(Record, Base):
    """One version of a checklist template. Editing makes a new version; old versions stay
    so an inspection keeps the exact wording it used."""

    __tablename__ = "checklist_templates"
    __table_args__ = (UniqueConstraint("code", "version"),)

    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(20))
    nine_small_kind: Mapped[str | None] = mapped_column(String(40))
    builtin: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)  # applies-rules, classes, …

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="ChecklistItem.seq"
    )


class ChecklistItem(Record, Base):
    __tablename__ = "checklist_items"
    __table_args__ = (
        UniqueConstraint("template_id", "code"),
        CheckConstraint(_in("default_grade", HazardGrade), name="default_grade"),
    )

    template_id: Mapped[str] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # 检查内容
    method: Mapped[str] = mapped_column(Text, default="")  # 检查要点/方法
    hazard_text: Mapped[str] = mapped_column(Text, default="")  # standard hazard wording
    basis: Mapped[str] = mapped_column(Text, default="")  # 依据
    default_grade: Mapped[str] = mapped_column(String(4), default=HazardGrade.GENERAL.value)
    major_conditions: Mapped[str] = mapped_column(Text, default="")
    requirement: Mapped[str] = mapped_column(Text, default="")  # 整改要求
    deadline_days: Mapped[int] = mapped_column(Integer, default=0)  # 0 = 立即整改

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")


# --- inspections ----------------------------------------------------------------------------


class Inspection(Record, Base):
    """One visit to one place (现场检查)."""

    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(_in("status", InspectionStatus), name="status"),
        Index("ix_inspections_place_started", "place_id", "started_at"),
    )

    place_id: Mapped[str] = mapped_column(ForeignKey("places.id"), index=True)
    method: Mapped[str] = mapped_column(String(20), default=InspectionMethod.FOUR_NO_TWO_DIRECT.value)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(4), default=InspectionStatus.DRAFT.value, index=True)
    accompanying_person: Mapped[str] = mapped_column(String(40), default="")  # 陪同人员
    location: Mapped[str] = mapped_column(String(200), default="")  # 检查场所/部位
    findings: Mapped[str] = mapped_column(Text, default="")  # 检查情况
    # 安全生产法 第六十八条: signed by the person in charge, or the refusal is recorded.
    signer_name: Mapped[str] = mapped_column(String(40), default="")
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    signature_refused: Mapped[bool] = mapped_column(Boolean, default=False)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    refusal_witness: Mapped[str] = mapped_column(String(40), default="")
    task_id: Mapped[str | None] = mapped_column(String(36))

    place: Mapped[Place] = relationship()
    participants: Mapped[list[InspectionParticipant]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="InspectionParticipant.seq"
    )
    templates: Mapped[list[InspectionTemplate]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan"
    )
    results: Mapped[list[ItemResult]] = relationship(back_populates="inspection", cascade="all, delete-orphan")
    hazards: Mapped[list[Hazard]] = relationship(back_populates="inspection", order_by="Hazard.seq")


class InspectionParticipant(Record, Base):
    __tablename__ = "inspection_participants"

    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(40))
    cert_no: Mapped[str] = mapped_column(String(40), default="")

    inspection: Mapped[Inspection] = relationship(back_populates="participants")


class InspectionTemplate(Record, Base):
    """The exact checklist template version an inspection used."""

    __tablename__ = "inspection_templates"
    __table_args__ = (UniqueConstraint("inspection_id", "template_id"),)

    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("checklist_templates.id"))

    inspection: Mapped[Inspection] = relationship(back_populates="templates")
    template: Mapped[ChecklistTemplate] = relationship()


class ItemResult(Record, Base):
    __tablename__ = "item_results"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id"),
        CheckConstraint(_in("outcome", ItemOutcome), name="outcome"),
    )

    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("checklist_items.id"))
    outcome: Mapped[str] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(Text, default="")

    inspection: Mapped[Inspection] = relationship(back_populates="results")
    item: Mapped[ChecklistItem] = relationship()


# --- hazards and re-inspections -------------------------------------------------------------


class Hazard(Record, Base):
    """事故隐患 (16号令 第三条), from a failed checklist item or entered freely."""

    __tablename__ = "hazards"
    __table_args__ = (
        CheckConstraint(_in("grade", HazardGrade), name="grade"),
        CheckConstraint(_in("status", HazardStatus), name="status"),
        Index("ix_hazards_status_deadline", "status", "deadline"),
    )

    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id"), index=True)
    place_id: Mapped[str] = mapped_column(ForeignKey("places.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("checklist_items.id"))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 隐患编号
    sector: Mapped[str] = mapped_column(String(20), default="")  # 行业领域 / 隐患类别
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200), default="")  # exact location
    grade: Mapped[str] = mapped_column(String(4), default=HazardGrade.GENERAL.value)
    basis: Mapped[str] = mapped_column(Text, default="")  # 判定依据
    requirement: Mapped[str] = mapped_column(Text, default="")  # 整改措施/要求
    deadline: Mapped[date | None] = mapped_column(Date)  # None = 立即整改 (same day)
    status: Mapped[str] = mapped_column(String(4), default=HazardStatus.PENDING.value)
    rectifier: Mapped[str] = mapped_column(String(40), default="")  # 整改责任人
    # 五落实 for major hazards: 责任、措施、资金、时限、预案.
    fl_responsibility: Mapped[str] = mapped_column(Text, default="")
    fl_measures: Mapped[str] = mapped_column(Text, default="")
    fl_funds: Mapped[str] = mapped_column(Text, default="")
    fl_deadline: Mapped[date | None] = mapped_column(Date)
    fl_plan: Mapped[str] = mapped_column(Text, default="")
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)  # 挂牌督办
    closed_on: Mapped[date | None] = mapped_column(Date)  # 销号日期
    notes: Mapped[str] = mapped_column(Text, default="")
    # 挂牌督办 of a major hazard (services/hazards.py): when, by whom, under which 督办文号.
    listed_on: Mapped[date | None] = mapped_column(Date)  # 挂牌日期
    supervision_no: Mapped[str] = mapped_column(String(80), default="", server_default="")  # 督办文号
    supervising_unit: Mapped[str] = mapped_column(String(100), default="", server_default="")  # 督办单位
    # 治理方案 (16号令 第十五条第二款: 目标任务、方法措施、经费物资、机构人员、时限要求、安全措施和应急预案).
    treatment_plan: Mapped[str] = mapped_column(Text, default="", server_default="")
    funds_yuan: Mapped[int | None] = mapped_column(Integer)  # 整改资金, in 元 (exact; ledgers show 万元)
    # 治理结束后的验收 (评估/现场审查) before 核销 and 摘牌.
    accepted_on: Mapped[date | None] = mapped_column(Date)  # 验收日期
    acceptance: Mapped[str] = mapped_column(Text, default="", server_default="")  # 验收意见 (who, what)

    inspection: Mapped[Inspection] = relationship(back_populates="hazards")
    place: Mapped[Place] = relationship()

    def is_overdue(self, today: date) -> bool:
        """逾期: not closed and past its deadline. Derived, never stored."""
        return self.status != HazardStatus.CLOSED and self.deadline is not None and self.deadline < today


class Reinspection(Record, Base):
    """复查 of one place's open hazards."""

    __tablename__ = "reinspections"

    place_id: Mapped[str] = mapped_column(ForeignKey("places.id"), index=True)
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    inspectors: Mapped[list[Any]] = mapped_column(default=list)  # [{"name":…, "cert_no":…}]
    opinion: Mapped[str] = mapped_column(Text, default="")  # 复查意见
    signer_name: Mapped[str] = mapped_column(String(40), default="")
    finished: Mapped[bool] = mapped_column(Boolean, default=False)

    results: Mapped[list[ReinspectionResult]] = relationship(
        back_populates="reinspection", cascade="all, delete-orphan"
    )


class ReinspectionResult(Record, Base):
    __tablename__ = "reinspection_results"
    __table_args__ = (
        UniqueConstraint("reinspection_id", "hazard_id"),
        CheckConstraint(_in("outcome", ReviewOutcome), name="outcome"),
    )

    reinspection_id: Mapped[str] = mapped_column(ForeignKey("reinspections.id", ondelete="CASCADE"))
    hazard_id: Mapped[str] = mapped_column(ForeignKey("hazards.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(Text, default="")
    new_deadline: Mapped[date | None] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)  # 销号 on this re-inspection

    reinspection: Mapped[Reinspection] = relationship(back_populates="results")
    hazard: Mapped[Hazard] = relationship()


class HouseAssessment(Record, Base):
    """自建房 安全状况: a 初判 made at an inspection (the checklist's 初判类别) and/or the result of a
    professional 安全鉴定 (鉴定等级 A–D, with the date and the agency)."""

    __tablename__ = "house_assessments"
    __table_args__ = (CheckConstraint(_in("appraisal_grade", ("", "A", "B", "C", "D")), name="appraisal_grade"),)

    place_id: Mapped[str] = mapped_column(ForeignKey("places.id"), index=True)
    inspection_id: Mapped[str | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)  # 初判 or 鉴定 date
    preliminary_class: Mapped[str] = mapped_column(String(40), default="")  # 初判类别
    appraisal_grade: Mapped[str] = mapped_column(String(2), default="")  # 鉴定等级
    appraisal_agency: Mapped[str] = mapped_column(String(100), default="")  # 鉴定机构
    notes: Mapped[str] = mapped_column(Text, default="")


# --- documents and attachments --------------------------------------------------------------


class Document(Record, Base):
    """An issued document: number, frozen content snapshot and the PDF's sha256."""

    __tablename__ = "documents"
    # The snapshot (with embedded photos) goes into the audit log as a digest only.
    __audit_digest__ = ("content",)
    __table_args__ = (
        CheckConstraint(_in("doc_type", DocumentType), name="doc_type"),
        CheckConstraint(_in("status", DocumentStatus), name="status"),
    )

    doc_type: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(80), unique=True)
    short_code: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(4), default=DocumentStatus.ISSUED.value)
    place_id: Mapped[str] = mapped_column(ForeignKey("places.id"), index=True)
    inspection_id: Mapped[str | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    reinspection_id: Mapped[str | None] = mapped_column(ForeignKey("reinspections.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the frozen snapshot
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"))

    place: Mapped[Place] = relationship()


class NumberBlock(Record, Base):
    """A block of document serials claimed by one laptop inside the township's yearly
    sequence, so laptops can number offline without colliding."""

    __tablename__ = "number_blocks"
    __table_args__ = (UniqueConstraint("series", "year", "first"),)

    series: Mapped[str] = mapped_column(String(40))  # e.g. 安改 / 责改 / 复查
    year: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[str] = mapped_column(String(36))
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    next_serial: Mapped[int] = mapped_column(Integer)


class IssuedNumber(Record, Base):
    """Every number ever allocated, including voided ones (never reused)."""

    __tablename__ = "issued_numbers"
    __table_args__ = (UniqueConstraint("series", "year", "serial"),)

    series: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(80))
    device_id: Mapped[str] = mapped_column(String(36))
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")


class Attachment(Record, Base):
    """A file stored once by content (sha256) in the data folder's attachment store."""

    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mime: Mapped[str] = mapped_column(String(60), default="image/jpeg")
    size: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary)


class AttachmentBlob(Base):
    """The bytes of an attachment on the township's server (PostgreSQL), by content: every laptop
    reads them through its connection (``anquan_desk.core.attachments.ServerAttachmentStore``).
    Empty on a SQLite database, whose attachments are files beside it."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AttachmentLink(Record, Base):
    """Ties a stored file to an inspection, hazard, re-inspection result or place."""

    __tablename__ = "attachment_links"
    __table_args__ = (Index("ix_attachment_links_owner", "owner_type", "owner_id"),)

    attachment_id: Mapped[str] = mapped_column(ForeignKey("attachments.id"))
    owner_type: Mapped[str] = mapped_column(String(20))  # inspection / hazard / reinspection / place
    owner_id: Mapped[str] = mapped_column(String(36))
    role: Mapped[str] = mapped_column(String(20), default="photo")  # photo / before / after / signature
    caption: Mapped[str] = mapped_column(Text, default="")
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachment: Mapped[Attachment] = relationship()


# --- settings and audit ---------------------------------------------------------------------


class Setting(Base):
    """Key/value settings stored with the data (shared by every laptop of the township)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class AuditEntry(Base):
    """Append-only, hash-chained audit log (执法全过程记录).

    ``hash = sha256(prev_hash || canonical JSON of the entry)``; ``audit verify``
    recomputes the chain, so changing or deleting any row is detected.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))  # insert / update / delete / event name
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(200), default="")  # a row id, or "id/sector" and the like
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: The signer's ``user_keys`` id and the hex Ed25519 signature of ``hash``; both empty (NULL)
    #: for a system entry no user could sign (see :func:`anquan_desk.core.audit.verify_chain`).
    key_id: Mapped[str | None] = mapped_column(String(36))
    signature: Mapped[str | None] = mapped_column(String(128))
