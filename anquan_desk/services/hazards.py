"""重大事故隐患: 挂牌督办, the 治理方案 and 整改资金, and the 验收 before 核销.

16号令 第十五条第二款: for a major hazard the 主要负责人 has a 治理方案 drawn up and carried out
(目标任务、方法措施、经费物资、机构人员、时限要求、安全措施和应急预案); a hazard the government
lists for supervision (挂牌督办) is 核销 and 摘牌 only after the 治理 is finished and accepted
(DOMAIN.md §4.1, §4.3). These entry points record what the ledgers print: the 挂牌日期 and 督办文号,
the 治理方案, the 整改资金, the 验收. 销号 itself stays with the 复查 (services/reinspections.py).

Each takes a :class:`~anquan_desk.services.desk.Desk`; the user needs ``hazards.supervise``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from anquan_desk.core.audit import record_event
from anquan_desk.core.clock import to_local, today
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import Hazard
from anquan_desk.core.vocabulary import HazardGrade, HazardStatus, InspectionStatus
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import current_township
from anquan_desk.services.laptops import shown_hazard_number

ACTION = "hazards.supervise"
MAX_FUNDS_YUAN = 10**11  # 1,000 亿元: anything larger is a typing error


@dataclass(frozen=True)
class SupervisionView:
    """What the ledgers show of a major hazard's supervision (plain data)."""

    hazard_id: str
    code: str
    supervised: bool
    listed_on: date | None
    supervision_no: str
    supervising_unit: str
    treatment_plan: str
    funds_yuan: int | None
    accepted_on: date | None
    acceptance: str


def _view(hazard: Hazard) -> SupervisionView:
    return SupervisionView(
        hazard_id=hazard.id,
        code=hazard.code,
        supervised=hazard.supervised,
        listed_on=hazard.listed_on,
        supervision_no=hazard.supervision_no,
        supervising_unit=hazard.supervising_unit,
        treatment_plan=hazard.treatment_plan,
        funds_yuan=hazard.funds_yuan,
        accepted_on=hazard.accepted_on,
        acceptance=hazard.acceptance,
    )


def _major_hazard(session: Session, hazard_id: str) -> Hazard:
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise NotFoundError("找不到该隐患，可能已被删除。")
    if hazard.grade != HazardGrade.MAJOR.value:
        raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 是一般隐患：只有重大事故隐患才挂牌督办、制定治理方案。")
    if hazard.inspection.status != InspectionStatus.FINISHED.value:
        raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 所在的检查尚未完成，请先完成检查。")
    return hazard


def _found_on(hazard: Hazard) -> date:
    return to_local(hazard.inspection.started_at).date()


def _check_day(hazard: Hazard, day: date, what: str, *, on: date) -> None:
    found = _found_on(hazard)
    if day < found:
        raise UserInputError(f"{what}{day:%Y年%m月%d日}早于发现隐患的日期{found:%Y年%m月%d日}，请核对。")
    if day > on:
        raise UserInputError(f"{what}{day:%Y年%m月%d日}晚于今天，请核对。")


def supervise_hazard(
    session: Session,
    hazard_id: str,
    *,
    listed_on: date,
    supervision_no: str,
    supervising_unit: str = "",
    on: date | None = None,
) -> Hazard:
    """挂牌督办 a major hazard: the 挂牌日期, the 督办文号 and the 督办单位 (default: the township's
    issuing body). Calling it again corrects the entry."""
    hazard = _major_hazard(session, hazard_id)
    if hazard.status == HazardStatus.CLOSED.value:
        raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 已销号，不能再挂牌督办。")
    _check_day(hazard, listed_on, "挂牌日期", on=on or today())
    number = supervision_no.strip()
    if not number:
        raise UserInputError("请填写督办文号（挂牌督办通知的文号）。")
    unit = supervising_unit.strip()
    if not unit:
        township = current_township(session)
        unit = (township.issuer or township.name) if township is not None else ""
    hazard.supervised = True
    hazard.listed_on = listed_on
    hazard.supervision_no = number[:80]
    hazard.supervising_unit = unit[:100]
    session.flush()
    record_event(session, "supervise", "hazards", hazard.id, listed_on=listed_on.isoformat(), number=number)
    return hazard


def record_treatment(
    session: Session, hazard_id: str, *, treatment_plan: str | None = None, funds_yuan: int | None = None
) -> Hazard:
    """The 治理方案 (text) and the 整改资金 (元) of a major hazard; ``None`` leaves a field as it is."""
    hazard = _major_hazard(session, hazard_id)
    if treatment_plan is not None:
        hazard.treatment_plan = treatment_plan.strip()
    if funds_yuan is not None:
        if funds_yuan < 0 or funds_yuan > MAX_FUNDS_YUAN:
            raise UserInputError(f"整改资金“{funds_yuan}”元不合理，请核对。")
        hazard.funds_yuan = funds_yuan
    session.flush()
    return hazard


def record_acceptance(
    session: Session, hazard_id: str, *, accepted_on: date, acceptance: str, on: date | None = None
) -> Hazard:
    """The 验收 of a major hazard's 治理 (who accepted it, the opinion) — the step before 核销/摘牌."""
    hazard = _major_hazard(session, hazard_id)
    _check_day(hazard, accepted_on, "验收日期", on=on or today())
    if hazard.listed_on is not None and accepted_on < hazard.listed_on:
        raise UserInputError(f"验收日期{accepted_on:%Y年%m月%d日}早于挂牌日期{hazard.listed_on:%Y年%m月%d日}，请核对。")
    text = acceptance.strip()
    if not text:
        raise UserInputError("请填写验收意见（验收单位、人员和结论）。")
    hazard.accepted_on = accepted_on
    hazard.acceptance = text
    session.flush()
    record_event(session, "accept", "hazards", hazard.id, accepted_on=accepted_on.isoformat())
    return hazard


# --- entry points (take a desk, return plain data) ---------------------------------------------------


def supervise(
    desk: Desk, hazard_id: str, *, listed_on: date, supervision_no: str, supervising_unit: str = ""
) -> SupervisionView:
    """挂牌督办 a major hazard (see :func:`supervise_hazard`)."""
    roles.require(desk, ACTION)
    with desk.unit() as session:
        return _view(
            supervise_hazard(
                session, hazard_id, listed_on=listed_on, supervision_no=supervision_no,
                supervising_unit=supervising_unit,
            )
        )


def set_treatment(
    desk: Desk, hazard_id: str, *, treatment_plan: str | None = None, funds_yuan: int | None = None
) -> SupervisionView:
    """Record the 治理方案 and/or 整改资金 of a major hazard (see :func:`record_treatment`)."""
    roles.require(desk, ACTION)
    with desk.unit() as session:
        return _view(record_treatment(session, hazard_id, treatment_plan=treatment_plan, funds_yuan=funds_yuan))


def accept(desk: Desk, hazard_id: str, *, accepted_on: date, acceptance: str) -> SupervisionView:
    """Record the 验收 of a major hazard's 治理 (see :func:`record_acceptance`)."""
    roles.require(desk, ACTION)
    with desk.unit() as session:
        return _view(record_acceptance(session, hazard_id, accepted_on=accepted_on, acceptance=acceptance))


def supervision_of(desk: Desk, hazard_id: str) -> SupervisionView:
    """What is recorded of a hazard's supervision."""
    with desk.query() as session:
        hazard = session.get(Hazard, hazard_id)
        if hazard is None:
            raise NotFoundError("找不到该隐患，可能已被删除。")
        return _view(hazard)
