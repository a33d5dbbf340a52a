"""Content snapshots: everything a printed document shows, frozen at issue time.

A document is rendered ONLY from its snapshot. On issue the service layer builds the snapshot
from the database and stores it (``snapshot_to_json``) together with the sha256 of the PDF;
rendering the stored snapshot again gives a byte-identical PDF. Snapshots therefore hold plain
values only (text, dates, image bytes as base64) and never database ids or file paths that may
change later (a photo given by path is allowed for previews, but issue should embed the bytes).

Every class is a frozen dataclass with ``to_dict()`` / ``from_dict()`` over plain JSON types:
dates as ``YYYY-MM-DD``, date-times as ``YYYY-MM-DDTHH:MM[:SS]`` (local time, no zone), tuples as
lists. ``from_dict`` rejects unknown or missing keys and wrong types with a Chinese message that
names the field path.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Literal, TypeVar, Union, cast

from anquan_desk.core.errors import UserInputError

SCHEMA_VERSION = 1

DocType = Literal["record", "notice", "order", "review", "photos", "supervision", "handover", "receipt"]
DOC_TYPES: tuple[DocType, ...] = (
    "record", "notice", "order", "review", "photos", "supervision", "handover", "receipt",
)
DOC_TITLES: dict[DocType, str] = {
    "record": "现场检查记录",
    "notice": "安全隐患整改通知书",
    "order": "责令限期整改指令书",
    "review": "整改复查意见书",
    "photos": "隐患整改照片对照表",
    "supervision": "重大事故隐患挂牌督办通知书",
    "handover": "安全隐患移交抄告函",
    "receipt": "送达回证",
}
#: How a document presents its issuer: "township" — a township's own work document (检查人员, 工作证号,
#: no 执法文书 heading); "authorised" — the 2017 安全生产执法文书式样 of a township authorised to enforce;
#: "legacy" — a snapshot stored before the posture was recorded (rendered exactly as it was issued).
Posture = Literal["legacy", "township", "authorised"]
#: The number line of a draft preview (no number is taken before the document is issued).
DRAFT_NUMBER = "（草稿，签发时编号）"
HazardGrade = Literal["一般", "重大"]
ReviewResult = Literal["已整改", "部分整改", "未整改"]
REVIEW_RESULTS: tuple[ReviewResult, ...] = ("已整改", "部分整改", "未整改")


class SnapshotError(UserInputError):
    """A stored snapshot cannot be read back; ``path`` names the offending field."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.detail = message
        super().__init__(f"文书内容快照字段“{path or '（根）'}”：{message}")


T = TypeVar("T")


class _Plain:
    """Mixin: to_dict()/from_dict() driven by the dataclass field types."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return cast(dict[str, Any], _to_plain(self))

    @classmethod
    def from_dict(cls: type[T], data: Any) -> T:
        return cast(T, _from_plain(cls, data, cls.__name__))


@dataclass(frozen=True)
class DocumentHeader(_Plain):
    """Who issued which document when; ``short_code`` identifies it for verification (QR)."""

    doc_type: DocType
    number: str  # the formatted document number, e.g. XX安改〔2026〕第015号
    issuer: str  # 发文机关, e.g. 某某镇人民政府
    township: str
    issued_at: datetime  # also the PDF creation date: fixed, so re-rendering is byte-identical
    short_code: str  # printed in the footer and encoded in the QR code as ``anquan:<short_code>``
    posture: Posture = "legacy"
    dated: date | None = None  # the document's date (落款), fixed on issue; None: ``issued_at``'s day
    #: The audit chain's head just before the document was issued (``anquan_desk.core.audit_check``):
    #: printed in the footer and the QR code, so the paper proves what the log held. Empty: a
    #: document issued before anchors were printed.
    anchor: str = ""

    @property
    def document_date(self) -> date:
        """The date the document bears (落款): the service date given on issue, kept on every reprint."""
        return self.dated if self.dated is not None else self.issued_at.date()


@dataclass(frozen=True)
class PlaceInfo(_Plain):
    name: str
    address: str
    credit_code: str = ""  # 统一社会信用代码
    responsible_person: str = ""  # 法定代表人（负责人）
    title: str = ""  # 职务
    phone: str = ""


@dataclass(frozen=True)
class InspectorInfo(_Plain):
    name: str
    cert_no: str = ""  # 执法证号 (authorised posture) or 工作证号 (township posture)


@dataclass(frozen=True)
class HazardEntry(_Plain):
    seq: int
    code: str  # hazard number in the ledger
    description: str
    location: str = ""
    basis: str = ""  # 判定依据 (statute article / standard clause)
    requirement: str = ""  # 整改要求/措施
    deadline: date | None = None  # None means 立即整改
    grade: HazardGrade = "一般"


@dataclass(frozen=True)
class ChecklistSummary(_Plain):
    """One checklist used on site: how many items were checked and how many failed."""

    name: str
    items_checked: int
    items_failed: int


@dataclass(frozen=True)
class Signature(_Plain):
    signer: str
    png_base64: str | None = None  # the signature drawn on the tablet; None = sign by hand on paper

    def png_bytes(self) -> bytes | None:
        if self.png_base64 is None:
            return None
        return base64.b64decode(self.png_base64)


@dataclass(frozen=True)
class Refusal(_Plain):
    """The head of the inspected unit refused to sign (安全生产法 第六十八条)."""

    reason: str
    witness: str


@dataclass(frozen=True)
class AppealInfo(_Plain):
    """Where an order may be challenged (行政复议法 第二十条: 60日; 行政诉讼法 第四十六条: 6个月)."""

    reconsideration_bodies: tuple[str, ...]  # e.g. ("某某县人民政府", "某某县应急管理局")
    court: str  # e.g. 某某县人民法院


@dataclass(frozen=True)
class InspectionRecordContent(_Plain):
    """现场检查记录."""

    header: DocumentHeader
    place: PlaceInfo
    started_at: datetime
    ended_at: datetime
    inspectors: tuple[InspectorInfo, ...]
    check_site: str = ""  # 检查场所 (part of the premises actually inspected)
    accompanying_person: str = ""  # 陪同人员
    method: str = ""  # 四不两直 / 双随机 / 专项检查 / 回头看 …
    checklists: tuple[ChecklistSummary, ...] = ()
    findings: str = ""  # 检查情况 (free text)
    hazards: tuple[HazardEntry, ...] = ()
    signature: Signature | None = None
    refusal: Refusal | None = None

    def __post_init__(self) -> None:
        _expect_type(self.header, "record")
        if self.ended_at < self.started_at:
            raise SnapshotError("ended_at", "检查结束时间早于开始时间")


def _expect_type(header: DocumentHeader, doc_type: DocType) -> None:
    if header.doc_type != doc_type:
        raise SnapshotError("header.doc_type", f"应为“{doc_type}”（{DOC_TITLES[doc_type]}），得到“{header.doc_type}”")


@dataclass(frozen=True)
class NoticeContent(_Plain):
    """安全隐患整改通知书 (doc_type "notice") and 责令限期整改指令书 (doc_type "order")."""

    header: DocumentHeader
    place: PlaceInfo
    inspected_at: datetime
    inspectors: tuple[InspectorInfo, ...]
    hazards: tuple[HazardEntry, ...]
    legal_consequence: str  # 逾期不整改的法律后果 paragraph, stored as printed
    record_number: str = ""
    #: What a 重大事故隐患 requires (停止使用/撤出人员, 治理方案 and 五落实, the report to the county),
    #: stored as printed; empty when no hazard is 重大 (and in snapshots stored before it existed).
    major_hazard: tuple[str, ...] = ()  # the 现场检查记录 number this document follows from
    appeal: AppealInfo | None = None  # required for orders
    signature: Signature | None = None  # receipt by the inspected unit
    refusal: Refusal | None = None

    def __post_init__(self) -> None:
        if self.header.doc_type not in ("notice", "order"):
            raise SnapshotError("header.doc_type", f"整改通知书/指令书不能是“{self.header.doc_type}”类型")
        if self.header.doc_type == "order" and self.appeal is None:
            raise SnapshotError("appeal", "责令限期整改指令书必须写明行政复议机关和人民法院")
        if not self.hazards:
            raise SnapshotError("hazards", "整改文书至少要列出一项隐患")


@dataclass(frozen=True)
class ReviewOutcome(_Plain):
    seq: int
    description: str  # the hazard as written in the original document
    result: ReviewResult
    note: str = ""
    new_deadline: date | None = None  # for 部分整改/未整改: the extended deadline, None = none set


@dataclass(frozen=True)
class ReviewContent(_Plain):
    """整改复查意见书."""

    header: DocumentHeader
    place: PlaceInfo
    original_title: str  # e.g. 责令限期整改指令书 / 安全隐患整改通知书
    original_number: str
    original_date: date
    reviewed_at: datetime
    inspectors: tuple[InspectorInfo, ...]
    outcomes: tuple[ReviewOutcome, ...]
    opinion: str = ""  # 复查意见 (overall conclusion)
    signature: Signature | None = None
    refusal: Refusal | None = None

    def __post_init__(self) -> None:
        _expect_type(self.header, "review")


@dataclass(frozen=True)
class PhotoImage(_Plain):
    """A photo: embedded bytes (base64, what an issued snapshot stores) or a file path (preview)."""

    data_base64: str | None = None
    path: str | None = None
    caption: str = ""

    def __post_init__(self) -> None:
        if (self.data_base64 is None) == (self.path is None):
            raise SnapshotError("photo", "照片必须且只能给出图片数据或文件路径之一")

    def data(self) -> bytes | None:
        return None if self.data_base64 is None else base64.b64decode(self.data_base64)


@dataclass(frozen=True)
class PhotoPair(_Plain):
    hazard_seq: int
    caption: str  # the hazard, e.g. 后厨液化气钢瓶未设置固定措施
    before: PhotoImage | None = None
    after: PhotoImage | None = None


@dataclass(frozen=True)
class PhotoAppendix(_Plain):
    """Before/after photo pairs, attached to the document numbered ``attached_to``."""

    header: DocumentHeader
    place: PlaceInfo
    attached_to: str
    pairs: tuple[PhotoPair, ...]

    def __post_init__(self) -> None:
        _expect_type(self.header, "photos")


@dataclass(frozen=True)
class SupervisionContent(_Plain):
    """重大事故隐患挂牌督办通知书: one major hazard listed for supervision (挂牌督办)."""

    header: DocumentHeader
    place: PlaceInfo
    hazard: HazardEntry
    found_on: date  # the day of the check that found it
    listed_on: date  # 挂牌日期
    supervision_no: str  # 督办文号
    supervising_unit: str  # 督办单位
    requirements: tuple[str, ...]  # the paragraphs (治理方案/五落实, 停止使用, report, 销号), stored as printed
    record_number: str = ""
    notice_number: str = ""  # the 整改通知书/指令书 that named the hazard, if issued

    def __post_init__(self) -> None:
        _expect_type(self.header, "supervision")
        if self.hazard.grade != "重大":
            raise SnapshotError("hazard.grade", "只有重大事故隐患才能挂牌督办")


@dataclass(frozen=True)
class HandoverItem(_Plain):
    """One hazard handed over to a competent department."""

    seq: int
    description: str
    location: str = ""
    basis: str = ""
    photos: int = 0  # how many photos of it are kept (sent with the letter)


@dataclass(frozen=True)
class HandoverContent(_Plain):
    """隐患移交/抄告函 to one competent department (消防救援机构, 住建, 燃气管理部门, 市场监管 …)."""

    header: DocumentHeader
    department: str
    place: PlaceInfo
    inspected_at: datetime
    inspectors: tuple[InspectorInfo, ...]
    items: tuple[HandoverItem, ...]
    record_number: str = ""
    notice_number: str = ""
    contact: str = ""  # 联系人及电话

    def __post_init__(self) -> None:
        _expect_type(self.header, "handover")
        if not self.items:
            raise SnapshotError("items", "移交抄告函至少要列出一项隐患")


ServiceMethod = Literal["直接送达", "留置送达"]
SERVICE_METHODS: tuple[ServiceMethod, ...] = ("直接送达", "留置送达")


@dataclass(frozen=True)
class ReceiptContent(_Plain):
    """送达回证 of an issued document: who served what, where, how; the recipient signs on paper."""

    header: DocumentHeader
    document_title: str
    document_number: str
    recipient: str  # 受送达人
    address: str  # 送达地点
    method: ServiceMethod
    servers: tuple[str, ...]  # 送达人
    witness: str = ""  # 留置送达: 见证人
    reason: str = ""  # 留置送达: 事由 (受送达人拒绝签收 …)

    def __post_init__(self) -> None:
        _expect_type(self.header, "receipt")
        if self.method == "留置送达" and (not self.witness.strip() or not self.reason.strip()):
            raise SnapshotError("witness", "留置送达须写明见证人和留置事由")


DocumentSnapshot = (
    InspectionRecordContent | NoticeContent | ReviewContent | PhotoAppendix | SupervisionContent
    | HandoverContent | ReceiptContent
)

_CLASS_FOR_TYPE: dict[DocType, type[_Plain]] = {
    "record": InspectionRecordContent,
    "notice": NoticeContent,
    "order": NoticeContent,
    "review": ReviewContent,
    "photos": PhotoAppendix,
    "supervision": SupervisionContent,
    "handover": HandoverContent,
    "receipt": ReceiptContent,
}


def snapshot_to_dict(snapshot: DocumentSnapshot) -> dict[str, Any]:
    """Plain-JSON form with the schema version, ready for ``json.dumps``."""
    return {"schema": SCHEMA_VERSION, "content": snapshot.to_dict()}


def snapshot_from_dict(data: Any) -> DocumentSnapshot:
    """Read back what ``snapshot_to_dict`` wrote; the class follows ``content.header.doc_type``."""
    if not isinstance(data, dict) or set(data) != {"schema", "content"}:
        raise SnapshotError("", "应为包含 schema 和 content 两项的对象")
    if data["schema"] != SCHEMA_VERSION:
        raise SnapshotError("schema", f"不支持的快照版本 {data['schema']!r}（本程序为 {SCHEMA_VERSION}）")
    content = data["content"]
    try:
        doc_type = content["header"]["doc_type"]
    except (KeyError, TypeError):
        raise SnapshotError("content.header.doc_type", "缺少文书类型") from None
    if doc_type not in _CLASS_FOR_TYPE:
        raise SnapshotError("content.header.doc_type", f"未知的文书类型“{doc_type}”")
    cls = _CLASS_FOR_TYPE[doc_type]
    return cast(DocumentSnapshot, _from_plain(cls, content, "content"))


def snapshot_to_json(snapshot: DocumentSnapshot) -> str:
    """Canonical JSON text (sorted keys, no spaces): equal snapshots give equal text."""
    return json.dumps(snapshot_to_dict(snapshot), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def snapshot_from_json(text: str) -> DocumentSnapshot:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError("", f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）") from None
    return snapshot_from_dict(data)


# --- conversion ---------------------------------------------------------------------------------


def _to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_to_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _from_plain(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) != 1:  # pragma: no cover - snapshot types use only X | None
            raise TypeError(f"unsupported union {tp}")
        return _from_plain(non_none[0], data, path)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if data not in allowed:
            raise SnapshotError(path, f"取值“{data}”无效，应为：{'、'.join(map(str, allowed))}")
        return data
    if origin is tuple:
        if not isinstance(data, list):
            raise SnapshotError(path, "应为列表")
        (item_tp, _ellipsis) = typing.get_args(tp)
        return tuple(_from_plain(item_tp, v, f"{path}[{i}]") for i, v in enumerate(data))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_from_plain(tp, data, path)
    if tp is datetime:
        if not isinstance(data, str):
            raise SnapshotError(path, "应为日期时间文本，如 2026-03-10T09:30:00")
        try:
            return datetime.fromisoformat(data)
        except ValueError:
            raise SnapshotError(path, f"“{data}”不是有效的日期时间") from None
    if tp is date:
        if not isinstance(data, str) or len(data) != 10:
            raise SnapshotError(path, "应为日期文本，如 2026-03-10")
        try:
            return date.fromisoformat(data)
        except ValueError:
            raise SnapshotError(path, f"“{data}”不是有效的日期") from None
    if tp is int:
        if not isinstance(data, int) or isinstance(data, bool):
            raise SnapshotError(path, "应为整数")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise SnapshotError(path, "应为文本")
        return data
    raise TypeError(f"unsupported snapshot field type {tp!r}")  # pragma: no cover - programming error


def _dataclass_from_plain(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise SnapshotError(path, "应为对象")
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(fields)
    if unknown:
        raise SnapshotError(path, f"有未知字段：{'、'.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    for name, field in fields.items():
        sub = f"{path}.{name}"
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise SnapshotError(sub, "缺少此字段")
            continue
        kwargs[name] = _from_plain(hints[name], data[name], sub)
    try:
        return cls(**kwargs)
    except SnapshotError as exc:
        raise SnapshotError(f"{path}.{exc.path}", exc.detail) from None


def encode_image(data: bytes) -> str:
    """Base64 text for image bytes stored in a snapshot."""
    return base64.b64encode(data).decode("ascii")


def check_base64(text: str, path: str) -> bytes:
    """Decode base64 from a snapshot, with a field-naming error on bad data."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SnapshotError(path, "图片数据不是有效的 base64") from None
