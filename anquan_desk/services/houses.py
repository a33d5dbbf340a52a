"""自建房 安全状况: the 初判类别 given at an inspection and the 鉴定等级 of a 安全鉴定.

The 自建房 checklists end with a 初判 (their ``assessment_classes``: 存在严重安全隐患 / 存在一定安全
隐患 / 未发现安全隐患); a house judged unsafe is sent for a professional 安全鉴定 with a grade A–D
(DOMAIN.md §3.2). Both go to :class:`~anquan_desk.core.models.HouseAssessment`; the 检查记录台账
prints them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core.clock import to_local, today
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import ChecklistTemplate, HouseAssessment, Inspection, Place, PlaceSector
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk

HOUSE_SECTOR = "自建房"
GRADES = ("A", "B", "C", "D")


def preliminary_classes(session: Session) -> list[str]:
    """The 初判类别 the current 自建房 checklists offer, in their order, without repeats."""
    names: list[str] = []
    for definition in session.scalars(
        select(ChecklistTemplate.definition)
        .where(ChecklistTemplate.sector == HOUSE_SECTOR, ChecklistTemplate.is_current.is_(True))
        .order_by(ChecklistTemplate.code)
    ):
        for entry in (definition or {}).get("assessment_classes") or ():
            name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
            if name and name not in names:
                names.append(name)
    return names


def _house(session: Session, place_id: str) -> Place:
    place = session.get(Place, place_id)
    if place is None:
        raise NotFoundError("找不到该场所。")
    sectors = session.scalars(select(PlaceSector.sector).where(PlaceSector.place_id == place_id))
    if HOUSE_SECTOR not in set(sectors):
        raise UserInputError(f"“{place.name}”不属于自建房，无需初判或鉴定。")
    return place


def record_preliminary(session: Session, inspection_id: str, preliminary_class: str, notes: str = "") -> HouseAssessment:
    """The 初判类别 of the house an inspection checked (one per inspection; again = correction)."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError("找不到该检查。")
    _house(session, inspection.place_id)
    choice = preliminary_class.strip()
    if not choice:
        raise UserInputError("请选择初判类别。")
    allowed = preliminary_classes(session)
    if allowed and choice not in allowed:
        raise UserInputError(f"初判类别“{choice}”不在检查表库中，可选：{'、'.join(allowed)}")
    row = session.scalar(
        select(HouseAssessment).where(
            HouseAssessment.inspection_id == inspection_id, HouseAssessment.preliminary_class != ""
        )
    )
    if row is None:
        row = HouseAssessment(place_id=inspection.place_id, inspection_id=inspection_id)
        session.add(row)
    row.assessed_on = to_local(inspection.started_at).date()
    row.preliminary_class = choice
    row.notes = notes.strip()
    session.flush()
    return row


def record_appraisal(
    session: Session, place_id: str, *, grade: str, appraised_on: date, agency: str, notes: str = "",
    on: date | None = None,
) -> HouseAssessment:
    """A 安全鉴定 of a house: 鉴定等级 A–D, the report's date and the 鉴定机构."""
    _house(session, place_id)
    letter = grade.strip().upper().removesuffix("级")
    if letter not in GRADES:
        raise UserInputError(f"鉴定等级“{grade}”无效，应为 A、B、C、D 级之一。")
    if appraised_on > (on or today()):
        raise UserInputError(f"鉴定日期{appraised_on:%Y年%m月%d日}晚于今天，请核对。")
    if not agency.strip():
        raise UserInputError("请填写鉴定机构。")
    row = HouseAssessment(
        place_id=place_id, assessed_on=appraised_on, appraisal_grade=letter,
        appraisal_agency=agency.strip()[:100], notes=notes.strip(),
    )
    session.add(row)
    session.flush()
    return row


# --- entry points -------------------------------------------------------------------------------------


def set_preliminary(desk: Desk, inspection_id: str, preliminary_class: str, notes: str = "") -> str:
    """Record a 自建房 inspection's 初判类别; returns the class recorded."""
    roles.require(desk, "inspections.record")
    with desk.unit() as session:
        return record_preliminary(session, inspection_id, preliminary_class, notes).preliminary_class


def add_appraisal(desk: Desk, place_id: str, *, grade: str, appraised_on: date, agency: str, notes: str = "") -> str:
    """Record a 安全鉴定 of a 自建房; returns the grade recorded (A–D)."""
    roles.require(desk, "inspections.record")
    with desk.unit() as session:
        return record_appraisal(
            session, place_id, grade=grade, appraised_on=appraised_on, agency=agency, notes=notes
        ).appraisal_grade


def preliminary_classes_of(desk: Desk) -> list[str]:
    """The 初判类别 a 自建房 inspection may be given (from the checklist library)."""
    with desk.query() as session:
        return preliminary_classes(session)
