"""The unfinished checks as the follow-up tab lists them, and the status bar's start-up notice."""

from __future__ import annotations

from collections import Counter

from helpers import desk_as
from sqlalchemy import func, select

from anquan_desk.core.clock import today
from anquan_desk.core.db import Database
from anquan_desk.core.models import Inspection, InspectionParticipant, ItemResult, Place, User
from anquan_desk.services import inspections as insp
from anquan_desk.services.statistics import dashboard_numbers


def _user(db: Database, username: str) -> User:
    with db.reader() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def test_draft_rows_match_the_database(demo_db: Database) -> None:
    admin = _user(demo_db, "demo-admin")
    desk = desk_as(demo_db, admin)
    with demo_db.reader() as s:
        drafts = s.scalars(select(Inspection).where(Inspection.status == "草稿")
                           .order_by(Inspection.started_at.desc())).all()
        expected = {
            d.id: (
                s.scalars(select(Place.name).where(Place.id == d.place_id)).one(),
                tuple(s.scalars(select(InspectionParticipant.name).where(InspectionParticipant.inspection_id == d.id)
                                .order_by(InspectionParticipant.seq))),
                int(s.scalar(select(func.count()).select_from(ItemResult).where(ItemResult.inspection_id == d.id))
                    or 0),
                admin.id in s.scalars(select(InspectionParticipant.user_id)
                                      .where(InspectionParticipant.inspection_id == d.id)).all(),
            )
            for d in drafts
        }
    assert len(expected) == 3  # the small demo leaves three checks unfinished

    rows = insp.draft_rows(desk)
    assert [r.id for r in rows] == [d.id for d in drafts] == insp.draft_ids(desk, mine_only=False)
    for row in rows:
        place, inspectors, answered, mine = expected[row.id]
        assert (row.place_name, row.inspectors, row.answered, row.mine) == (place, inspectors, answered, mine)
        assert row.answered == 4 < row.total and row.hazards == 0
        assert row.total == insp.inspection_view(desk, row.id).progress.total
    assert [r.started_at for r in rows] == sorted((r.started_at for r in rows), reverse=True)

    mine = insp.draft_rows(desk, mine_only=True)
    assert [r.id for r in mine] == [i for i, v in expected.items() if v[3]] == insp.draft_ids(desk)
    assert mine and all(r.mine for r in mine)


def test_an_answer_and_a_discard_show_in_the_rows(demo_db: Database) -> None:
    admin = _user(demo_db, "demo-admin")
    desk = desk_as(demo_db, admin)
    (row,) = insp.draft_rows(desk, mine_only=True)
    item = next(i for i in insp.inspection_view(desk, row.id).items if i.outcome is None)
    saved = insp.save_answer(desk, row.id, item.item_id, "不合格")
    assert saved.hazard is not None
    (after,) = insp.draft_rows(desk, mine_only=True)
    assert (after.answered, after.hazards) == (row.answered + 1, 1)
    insp.discard_inspection(desk, row.id, "重复建立")
    assert insp.draft_rows(desk, mine_only=True) == ()
    assert row.id not in {r.id for r in insp.draft_rows(desk)}


def test_start_notice_counts(demo_db: Database) -> None:
    with demo_db.reader() as s:
        numbers = dashboard_numbers(s, today())
        per_user = Counter(
            s.scalars(
                select(InspectionParticipant.user_id)
                .join(Inspection, Inspection.id == InspectionParticipant.inspection_id)
                .where(Inspection.status == "草稿")
            )
        )
    assert numbers.overdue > 0
    for username in ("demo-admin", "demo-lihua", "demo-zhangkun"):
        user = _user(demo_db, username)
        notice = insp.start_notice(desk_as(demo_db, user))
        assert notice.my_drafts == per_user[user.id]
        assert notice.overdue == numbers.overdue  # the dashboard's red number
    assert per_user[_user(demo_db, "demo-zhangkun").id] == 0  # somebody without drafts is among them
