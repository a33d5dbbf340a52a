"""The program's fixed vocabularies: sectors, risk colours, statuses, roles, methods, grades.

Stored as their Chinese text (what the ledgers print). Kept apart from the ORM models so that
screens can use them without touching the data layer.
"""

from __future__ import annotations

from enum import StrEnum


class Sector(StrEnum):
    """行业领域 the township checks most; plans may name others (stored as free text)."""

    GAS = "燃气"
    SELF_BUILT_HOUSE = "自建房"
    FIRE = "消防"
    NINE_SMALL = "九小场所"


class RiskColor(StrEnum):
    RED = "红"
    ORANGE = "橙"
    YELLOW = "黄"
    BLUE = "蓝"


class PlaceStatus(StrEnum):
    OPEN = "在营"
    SUSPENDED = "停业"
    CLOSED = "关闭"


class UserRole(StrEnum):
    ADMIN = "管理员"
    INSPECTOR = "检查员"
    GRID_WORKER = "网格员"  # records checks and hazards; issues no order, voids nothing (services/roles.py)
    VIEWER = "只读"


class InspectionMethod(StrEnum):
    FOUR_NO_TWO_DIRECT = "四不两直"
    DOUBLE_RANDOM = "双随机"
    SPECIAL = "专项检查"
    ROUTINE = "日常巡查"
    FOLLOW_UP = "回头看"
    HOLIDAY = "节假日检查"
    JOINT = "联合检查"
    REPORTED = "举报核查"


class InspectionStatus(StrEnum):
    DRAFT = "草稿"
    FINISHED = "已完成"
    DISCARDED = "已作废"


class ItemOutcome(StrEnum):
    PASS = "合格"
    FAIL = "不合格"
    NOT_APPLICABLE = "不涉及"


class HazardGrade(StrEnum):
    GENERAL = "一般"
    MAJOR = "重大"


class HazardStatus(StrEnum):
    """Lifecycle 待整改 → 整改中 → 待复查 → 已销号. 逾期 is derived from the deadline."""

    PENDING = "待整改"
    IN_PROGRESS = "整改中"
    AWAITING_REVIEW = "待复查"
    CLOSED = "已销号"


class ReviewOutcome(StrEnum):
    RECTIFIED = "已整改"
    PARTIAL = "部分整改"
    NOT_RECTIFIED = "未整改"


class DocumentType(StrEnum):
    RECORD = "现场检查记录"
    NOTICE = "安全隐患整改通知书"
    ORDER = "责令限期整改指令书"
    REVIEW = "整改复查意见书"
    PHOTOS = "照片附页"
    SUPERVISION = "挂牌督办通知书"
    HANDOVER = "隐患移交抄告函"
    RECEIPT = "送达回证"


class DocumentStatus(StrEnum):
    ISSUED = "已签发"
    SUPERSEDED = "已更正"
    VOID = "已作废"
