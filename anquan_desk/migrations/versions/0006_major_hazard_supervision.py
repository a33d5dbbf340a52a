"""挂牌督办 of major hazards and the 自建房 初判/鉴定 record

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

* ``hazards``: ``listed_on`` (挂牌日期), ``supervision_no`` (督办文号), ``supervising_unit`` (督办单位),
  ``treatment_plan`` (治理方案, 16号令 第十五条), ``funds_yuan`` (整改资金 in 元), ``accepted_on`` and
  ``acceptance`` (验收 before 核销/摘牌). Existing rows get empty values: the 挂牌日期 of a hazard
  marked 挂牌督办 before this revision is not known and stays empty (the ledger says so).
* ``house_assessments``: a 自建房's 初判类别 (per inspection) and 鉴定等级 (A–D, date, agency).

Plain ``ADD COLUMN`` (no table rebuild): the new text columns carry a server default.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anquan_desk.core.clock

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAZARD_COLUMNS = (
    "listed_on",
    "supervision_no",
    "supervising_unit",
    "treatment_plan",
    "funds_yuan",
    "accepted_on",
    "acceptance",
)


def upgrade() -> None:
    op.add_column("hazards", sa.Column("listed_on", sa.Date(), nullable=True))
    op.add_column("hazards", sa.Column("supervision_no", sa.String(length=80), server_default="", nullable=False))
    op.add_column(
        "hazards", sa.Column("supervising_unit", sa.String(length=100), server_default="", nullable=False)
    )
    op.add_column("hazards", sa.Column("treatment_plan", sa.Text(), server_default="", nullable=False))
    op.add_column("hazards", sa.Column("funds_yuan", sa.Integer(), nullable=True))
    op.add_column("hazards", sa.Column("accepted_on", sa.Date(), nullable=True))
    op.add_column("hazards", sa.Column("acceptance", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "house_assessments",
        sa.Column("place_id", sa.String(length=36), nullable=False),
        sa.Column("inspection_id", sa.String(length=36), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("preliminary_class", sa.String(length=40), nullable=False),
        sa.Column("appraisal_grade", sa.String(length=2), nullable=False),
        sa.Column("appraisal_agency", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", anquan_desk.core.clock.UTCDateTime(), nullable=False),
        sa.Column("updated_at", anquan_desk.core.clock.UTCDateTime(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "appraisal_grade IN ('', 'A', 'B', 'C', 'D')", name=op.f("ck_house_assessments_appraisal_grade")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_house_assessments_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], name=op.f("fk_house_assessments_place_id_places")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_house_assessments")),
    )
    op.create_index(op.f("ix_house_assessments_inspection_id"), "house_assessments", ["inspection_id"])
    op.create_index(op.f("ix_house_assessments_place_id"), "house_assessments", ["place_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_house_assessments_place_id"), table_name="house_assessments")
    op.drop_index(op.f("ix_house_assessments_inspection_id"), table_name="house_assessments")
    op.drop_table("house_assessments")
    for column in reversed(HAZARD_COLUMNS):
        op.drop_column("hazards", column)  # SQLite 3.35+: no table rebuild
