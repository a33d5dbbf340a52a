"""Ledgers from the database, read back with openpyxl and checked cell by cell against the data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import pytest
from helpers import desk_for
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from PIL import Image
from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.attachments import link_attachment, prepare_photo, save_attachment
from anquan_desk.core.clock import local_to_utc, to_local
from anquan_desk.core.db import Database
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import (
    ChecklistTemplate,
    Document,
    Grid,
    GridMember,
    Hazard,
    Inspection,
    InspectionParticipant,
    Place,
    PlaceSector,
    Reinspection,
    ReinspectionResult,
    Setting,
    Township,
    User,
    Village,
)
from anquan_desk.core.progress import Progress
from anquan_desk.io.ledger import ExportCancelled, TemplateError
from anquan_desk.services.desk import collect_changes
from anquan_desk.services.ledgers import (
    ExportOptions,
    GroundChoice,
    LedgerFilters,
    export_choices,
    export_ledger,
    remember_template_mapping,
    save_template_mapping,
    template_mapping,
    template_mapping_for,
    write_ledgers,
)
from anquan_desk.services.statistics import statistics_table

# A mobile number standing alone (a company credit code may contain 11 such digits).
PHONE = re.compile(r"(?<![0-9A-Z])1[3-9]\d{9}(?![0-9A-Z])")
# The small town's "today" (tests on the demo use ``demo_today``, the day the demo is laid out around).
TOWN_AS_OF = dt.date(2026, 11, 23)


def _read(path: Path) -> list[tuple[Any, ...]]:
    ws = load_workbook(path).active
    assert ws is not None
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _day(value: dt.date | None) -> dt.datetime | None:
    return dt.datetime(value.year, value.month, value.day) if value is not None else None


def _text(value: str | None) -> str | None:
    return value or None  # an empty string is written as a blank cell


def _grid_label(grid: Grid | None) -> str | None:
    if grid is None:
        return None
    village = grid.village.name
    return grid.name if grid.name.startswith(village) else f"{village} {grid.name}"


def _finished_hazards(session: Session) -> list[Hazard]:
    hazards = [h for h in session.scalars(select(Hazard)) if h.inspection.status == "已完成"]
    return sorted(hazards, key=lambda h: (h.inspection.started_at, h.inspection_id, h.seq, h.code))


def _latest_review(session: Session, hazard: Hazard) -> tuple[Reinspection, ReinspectionResult] | None:
    results = [
        r for r in session.scalars(select(ReinspectionResult).where(ReinspectionResult.hazard_id == hazard.id))
        if r.reinspection.finished
    ]
    if not results:
        return None
    latest = max(results, key=lambda r: r.reinspection.inspected_at)
    return latest.reinspection, latest


def _notice_number(session: Session, inspection: Inspection) -> str | None:
    docs = [
        d for d in session.scalars(select(Document).where(Document.inspection_id == inspection.id))
        if d.status == "已签发" and d.doc_type in ("安全隐患整改通知书", "责令限期整改指令书")
    ]
    return max(docs, key=lambda d: d.issued_at).number if docs else None


def _library_sectors(session: Session) -> set[str]:
    return {t.sector for t in session.scalars(select(ChecklistTemplate)) if t.enabled}


def _what_was_done(session: Session, hazard: Hazard) -> str | None:
    """整改情况 by hand: each finished 复查's note (or its opinion when it covered this hazard alone)."""
    parts = []
    results = [r for r in session.scalars(select(ReinspectionResult).where(ReinspectionResult.hazard_id == hazard.id))
               if r.reinspection.finished]
    for r in sorted(results, key=lambda r: r.reinspection.inspected_at):
        alone = len(r.reinspection.results) == 1
        text = r.note.strip() or (r.reinspection.opinion.strip() if alone else "")
        if text:
            parts.append(f"{to_local(r.reinspection.inspected_at).date().isoformat()}复查：{text}")
    return "；".join(parts) or None


def _state(h: Hazard, as_of: dt.date) -> str:
    if h.status == "已销号":
        late = h.deadline is not None and h.closed_on is not None and h.closed_on > h.deadline
        return "已销号（逾期整改）" if late else "已销号"
    if h.deadline is not None and h.deadline < as_of:
        return f"{h.status}（已逾期{(as_of - h.deadline).days}天）"
    return h.status


def expected_hazard_rows(session: Session, as_of: dt.date) -> list[tuple[Any, ...]]:
    """The hazard ledger built independently with plain ORM navigation."""
    rows = []
    library = _library_sectors(session)
    for n, h in enumerate(_finished_hazards(session), start=1):
        place, insp = h.place, h.inspection
        sectors = [s.sector for s in place.sector_rows if s.sector in library] or ["其他"]
        if place.nine_small_kind:
            place_type = place.nine_small_kind
        else:
            place_type = "、".join(f"自建房（{place.house_use}）" if s == "自建房" and place.house_use else s
                                  for s in sectors)
        names = "、".join(p.name for p in sorted(insp.participants, key=lambda p: p.seq))
        review = _latest_review(session, h)
        supervision = ""
        if h.supervised:
            details = "，".join(x for x in (f"{h.listed_on.isoformat()}挂牌" if h.listed_on else "",
                                            h.supervision_no) if x)
            supervision = f"挂牌督办（{details}）" if details else "挂牌督办"
        remarks = "；".join(x for x in (supervision, h.notes) if x)
        rows.append((
            n, h.code, _grid_label(place.grid), _text(h.sector), _text(place_type), place.name,
            _text(place.address), _text(place.responsible_person), _text(place.phone),
            _day(to_local(insp.started_at).date()), insp.method, _text(names), h.description, _text(h.location),
            _text(h.sector), h.grade, _text(h.basis), _text(h.requirement),
            _day(h.deadline) if h.deadline else "立即整改", _text(h.rectifier), _notice_number(session, insp),
            _what_was_done(session, h),
            _day(to_local(review[0].inspected_at).date()) if review else None,
            _text("、".join(p["name"] for p in review[0].inspectors)) if review else None,
            review[1].outcome if review else None, _state(h, as_of), _day(h.closed_on), _text(remarks),
        ))
    return rows


def _issue_notice(session: Session, inspection: Inspection, number: str, status: str = "已签发",
                  hours: int = 0) -> None:
    session.add(Document(
        doc_type="安全隐患整改通知书", number=number, short_code=number[-6:], status=status,
        place_id=inspection.place_id, inspection_id=inspection.id,
        issued_at=inspection.started_at + dt.timedelta(hours=hours), content={}, pdf_sha256="0" * 64,
    ))


def test_hazard_ledger_matches_the_database_cell_by_cell(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    with demo_db.session("t") as s:
        hazards = _finished_hazards(s)
        insp = hazards[5].inspection
        _issue_notice(s, insp, "红光安改〔2026〕1号", status="已更正")
        _issue_notice(s, insp, "红光安改〔2026〕2号", hours=1)
        hazards[5].notes = "业主称下周更换"
        hazards[5].supervised = True
        numbered = insp.id
    out = tmp_path / "hazards.xlsx"
    result = export_ledger(
        desk_for(demo_db),
        ExportOptions(kind="hazards", out=out, made_by="周建国", as_of=demo_today, made_on=demo_today),
    )
    rows = _read(out)
    assert rows[0][0] == "红光镇隐患排查治理台账"
    assert rows[1][0] == "填报单位：红光镇人民政府"
    assert "制表人：周建国" in rows[1]
    assert f"填报日期：{demo_today.year}年{demo_today.month}月{demo_today.day}日" in rows[1]
    assert rows[2][:3] == ("序号", "隐患编号", "村(社区)/网格")
    with demo_db.reader() as s:
        expected = expected_hazard_rows(s, demo_today)
        assert len(expected) > 100
        assert result.rows == len(expected)
        assert rows[3:] == expected
        # The notice number reached the rows of its inspection (the corrected one did not).
        codes = {h.code for h in s.scalars(select(Hazard).where(Hazard.inspection_id == numbered))}
    numbered_rows = [r for r in rows[3:] if r[1] in codes]
    assert numbered_rows and all(r[20] == "红光安改〔2026〕2号" for r in numbered_rows)
    # Something of every kind is there: reviews, closures, overdue marks, what was done.
    assert any(r[24] == "已整改" for r in rows[3:])
    assert any("已逾期" in str(r[25]) for r in rows[3:])
    assert any(r[25] == "已销号（逾期整改）" for r in rows[3:])
    assert any(str(r[21]).startswith("20") and "复查：" in str(r[21]) for r in rows[3:])


def test_filters_by_date_grid_sector_and_status(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    with demo_db.reader() as s:
        hazards = _finished_hazards(s)
        grid = hazards[0].place.grid
        assert grid is not None
        grid_id, label = grid.id, _grid_label(grid)
        start, end = demo_today - dt.timedelta(days=240), demo_today - dt.timedelta(days=60)
        want = {
            h.code for h in hazards
            if start <= to_local(h.inspection.started_at).date() <= end and h.place.grid_id == grid_id
        }
        assert want
        want_sector = {h.code for h in hazards if h.sector == "消防" and h.status != "已销号"}
    out = tmp_path / "f.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, as_of=demo_today,
                                         filters=LedgerFilters(start=start, end=end, grid_id=grid_id)))
    rows = _read(out)[3:]
    assert {r[1] for r in rows} == want
    assert all(r[2] == label for r in rows)
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, as_of=demo_today,
                                         filters=LedgerFilters(sector="消防", status="未销号")))
    assert {r[1] for r in _read(out)[3:]} == want_sector
    with pytest.raises(UserInputError, match="未知的隐患状态"):
        export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, filters=LedgerFilters(status="完成")))


def test_deidentified_ledgers_hold_no_phone_number_or_personal_name(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    with demo_db.reader() as s:
        names = {p.responsible_person for p in s.scalars(select(Place))}
        names |= {p.name for p in s.scalars(select(InspectionParticipant))}
        names |= {u.name for u in s.scalars(select(User))}
        names |= {m.name for m in s.scalars(select(GridMember))}
        names |= {h.rectifier for h in s.scalars(select(Hazard))}
        names.discard("")
        individual_codes = {p.credit_code for p in s.scalars(select(Place))
                            if p.credit_code and p.credit_code.startswith("92")}
        company_codes = {p.credit_code for p in s.scalars(select(Place))
                         if p.credit_code and p.credit_code.startswith("91")}
    assert len(names) > 50 and individual_codes
    for kind in ("hazards", "inspections", "places", "major", "overdue"):
        out = tmp_path / f"{kind}.xlsx"
        export_ledger(desk_for(demo_db), ExportOptions(kind=kind, out=out, deidentified=True, as_of=demo_today))
        cells = [str(v) for row in _read(out) for v in row if v is not None]
        assert len(cells) > 50
        text = "\n".join(cells)
        assert PHONE.search(text) is None, kind
        leaked = sorted(n for n in names if n in text)
        assert leaked == [], (kind, leaked[:5])
        assert not any(code in text for code in individual_codes)
        if kind == "places":
            assert any(code in text for code in company_codes)  # companies' codes are public
    # The full ledger has them (the test would be empty otherwise).
    out = tmp_path / "full.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="places", out=out, as_of=demo_today))
    text = "\n".join(str(v) for row in _read(out) for v in row if v is not None)
    assert PHONE.search(text) and any(code in text for code in individual_codes)


def test_inspection_place_major_and_overdue_ledgers(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    paths = {k: tmp_path / f"{k}.xlsx" for k in ("inspections", "places", "major", "overdue")}
    for kind, out in paths.items():
        export_ledger(desk_for(demo_db), ExportOptions(kind=kind, out=out, as_of=demo_today))
    with demo_db.reader() as s:
        inspections = sorted((i for i in s.scalars(select(Inspection)) if i.status == "已完成"),
                             key=lambda i: (i.started_at, i.id))
        rows = _read(paths["inspections"])[3:]
        assert len(rows) == len(inspections)
        library = _library_sectors(s)
        for row, insp in zip(rows, inspections, strict=True):
            sectors = [x.sector for x in insp.place.sector_rows if x.sector in library] or ["其他"]
            assert row[4] == "、".join(sectors) and "工贸" not in str(row[4])
            # The demo's checks walk the library's templates (named in the ledger's order, by name).
            assert insp.templates and insp.results
            assert row[12] and str(row[12]).startswith("、".join(sorted(t.template.name for t in insp.templates)))
            assert f"检查{len(insp.results)}项" in str(row[12])
            assert (row[15], row[16]) == (("未记录", "未鉴定") if "自建房" in sectors else (None, None))
            assert row[2] == _day(to_local(insp.started_at).date())
            assert row[6] == insp.place.name
            assert row[11] == _text("、".join(p.name for p in sorted(insp.participants, key=lambda p: p.seq)))
            assert row[13] == len(insp.hazards)
            assert row[14] == sum(h.grade == "重大" for h in insp.hazards)

        places = {p.name + p.id: p for p in s.scalars(select(Place))}
        rows = _read(paths["places"])[3:]
        assert len(rows) == len(places)
        by_name: dict[str, list[tuple[Any, ...]]] = {}
        for row in rows:
            by_name.setdefault(row[4], []).append(row)
        for place in places.values():
            finished = [i for i in s.scalars(select(Inspection).where(Inspection.place_id == place.id))
                        if i.status == "已完成"]
            open_count = sum(1 for h in s.scalars(select(Hazard).where(Hazard.place_id == place.id))
                             if h.status != "已销号" and h.inspection.status == "已完成")
            last = max((to_local(i.started_at).date() for i in finished), default=None)
            want = (_day(last), len(finished), open_count)
            assert want in [(r[11], r[12], r[13]) for r in by_name[place.name]], place.name
            assert _grid_label(place.grid) in [r[1] for r in by_name[place.name]]

        majors = [h for h in _finished_hazards(s) if h.grade == "重大" and h.supervised]
        rows = _read(paths["major"])[4:]  # two header rows (五落实, 验收)
        assert majors and [r[1] for r in rows] == [h.code for h in majors]
        for row, h in zip(rows, majors, strict=True):
            assert row[14:20] == (h.place.name, h.fl_responsibility, h.fl_measures,
                                  h.funds_yuan / 10000 if h.funds_yuan is not None else h.fl_funds,
                                  _day(h.fl_deadline), h.fl_plan)
            assert row[23] == ("已摘牌销号" if h.status == "已销号" else "挂牌督办中")

        overdue = [h for h in _finished_hazards(s)
                   if h.status != "已销号" and h.deadline is not None and h.deadline < demo_today]
        rows = _read(paths["overdue"])[3:]
        assert overdue and [r[1] for r in rows] == [h.code for h in overdue]
        assert [r[11] for r in rows] == [(demo_today - h.deadline).days for h in overdue if h.deadline]


# --- statistics: a hand-counted township ----------------------------------------------------------


def _at(y: int, m: int, d: int) -> dt.datetime:
    return local_to_utc(dt.datetime(y, m, d, 10, 0))


@pytest.fixture
def small_town(db: Database) -> Database:
    with db.session("t") as s:
        town = Township(name="青山镇", issuer="青山镇人民政府")
        v = Village(township=town, name="河西村")
        g1, g2 = Grid(village=v, name="第一网格"), Grid(village=v, name="第二网格", sort_order=1)
        s.add_all([town, v, g1, g2])
        s.flush()
        a = Place(grid_id=g1.id, name="甲饭店", sector_rows=[PlaceSector(sector="燃气"), PlaceSector(sector="九小场所")])
        b = Place(grid_id=g1.id, name="乙商店", sector_rows=[PlaceSector(sector="九小场所")])
        c = Place(grid_id=g2.id, name="丙自建房", sector_rows=[PlaceSector(sector="自建房")])
        s.add_all([a, b, c])
        s.flush()
        i1 = Inspection(place_id=a.id, started_at=_at(2026, 7, 5), status="已完成")
        i2 = Inspection(place_id=b.id, started_at=_at(2026, 8, 5), status="已完成")
        i3 = Inspection(place_id=c.id, started_at=_at(2026, 9, 30), status="已完成")
        i4 = Inspection(place_id=a.id, started_at=_at(2026, 9, 1), status="已完成")
        i_draft = Inspection(place_id=b.id, started_at=_at(2026, 8, 1), status="草稿")
        s.add_all([i1, i2, i3, i4, i_draft])
        s.flush()

        def hz(code: str, insp: Inspection, sector: str, grade: str = "一般", **kw: object) -> Hazard:
            return Hazard(code=code, inspection_id=insp.id, place_id=insp.place_id, sector=sector,
                          description=code, grade=grade, **kw)

        s.add_all([
            hz("H1", i1, "燃气", deadline=dt.date(2026, 7, 12), status="已销号", closed_on=dt.date(2026, 7, 10)),
            hz("H2", i1, "燃气", deadline=dt.date(2026, 7, 20), status="整改中"),
            hz("H3", i2, "九小场所", "重大", deadline=dt.date(2026, 10, 30), status="待整改", supervised=True,
               listed_on=dt.date(2026, 8, 10), supervision_no="青安办督〔2026〕3号", funds_yuan=35000),
            hz("H4", i3, "自建房", deadline=dt.date(2026, 10, 15), status="已销号", closed_on=dt.date(2026, 9, 30)),
            hz("H5", i_draft, "九小场所", deadline=dt.date(2026, 8, 2)),
        ])
    return db


# Hand count for 2026 Q3 as of 2026-11-23, by grid:
#   第一网格: places 甲,乙 = 2; inspections i1,i2,i4 = 3; 一般 H1,H2 = 2; 重大 H3 = 1; 合计 3;
#             已整改 H1 = 1; 超期 H2 (deadline 7-20 < 9-30) = 1; 重大未销号 H3 = 1.
#   第二网格: places 丙 = 1; inspections 1; 一般 H4 = 1; 重大 0; 合计 1; 已整改 1; 超期 0; 重大未销号 0.
#   挂牌督办: H3 listed 8-10 = 1, still open at 9-30 = 1; 整改资金: H3 35,000 元 = 3.5 万元.
HAND_BY_GRID = [
    (1, "河西村 第一网格", 2, 3, 2, 1, 3, 1, 1 / 3, 1, 1, 1, 1, 3.5, None),
    (2, "河西村 第二网格", 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, None),
]
HAND_TOTAL = ("合计", None, 3, 4, 3, 1, 4, 2, 0.5, 1, 1, 1, 1, 3.5, None)
SIGNATURES = ("单位负责人（签字）：", "审核人（签字）：", "制表人（签字）：")


def _read_sheet(path: Path, name: str) -> list[tuple[Any, ...]]:
    ws = load_workbook(path)[name]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _table(
    path: Path, sheet: str = "按村（社区）网格"
) -> tuple[list[tuple[Any, ...]], tuple[Any, ...], list[tuple[Any, ...]]]:
    """A statistics sheet read back: the data rows, the 合计 row and the rows under it."""
    rows = _read_sheet(path, sheet)
    end = next(i for i, r in enumerate(rows) if r[0] == "合计")
    return rows[4:end], rows[end], rows[end + 1 :]


def _signed(tail: list[tuple[Any, ...]]) -> None:
    """16号令 第十四条: the three signatures and the seal's place under the table."""
    texts = [[str(v) for v in r if v is not None] for r in tail]
    texts = [t for t in texts if t]
    assert texts[0] == list(SIGNATURES)
    assert texts[1][0].startswith("（单位盖章）") and "年    月    日" in texts[1][0]


def test_quarterly_statistics_match_hand_count_and_statistics_table(small_town: Database, tmp_path: Path) -> None:
    out = tmp_path / "q.xlsx"
    result = export_ledger(
        desk_for(small_town),
        ExportOptions(kind="quarterly", out=out, filters=LedgerFilters(start=dt.date(2026, 8, 15)),
                      as_of=TOWN_AS_OF, made_by="李华"),
    )
    # One workbook, two sheets (the by-area table first), each titled, headed, signed and sealed.
    assert result.paths == (out,)
    assert load_workbook(out).sheetnames == ["按村（社区）网格", "按行业领域"]
    assert result.titles == ("青山镇2026年第3季度隐患排查治理统计表（按村/网格）",
                             "青山镇2026年第3季度隐患排查治理统计表（按行业领域）")
    assert [p for p, _t in result.titles_by_path()] == [out]
    assert not list(tmp_path.glob("q-*"))
    rows = _read(out)
    assert rows[0][0] == "青山镇2026年第3季度隐患排查治理统计表（按村/网格）"
    assert rows[3][11:14] == ("挂牌督办数", "未摘牌", None) and rows[2][13] == "整改资金(万元)"
    sector_sheet = _read_sheet(out, "按行业领域")
    assert sector_sheet[0][0] == "青山镇2026年第3季度隐患排查治理统计表（按行业领域）"
    assert sector_sheet[1][0] == "填报单位：青山镇人民政府"
    assert sector_sheet[2][1] == "行业领域" and sector_sheet[3][11:13] == ("挂牌督办数", "未摘牌")
    data, total, tail = _table(out)
    assert [*data, total] == [*HAND_BY_GRID, HAND_TOTAL]
    _signed(tail)
    with small_town.reader() as s:
        groups: tuple[tuple[str, Literal["grid", "sector"]], ...] = (
            ("按村（社区）网格", "grid"), ("按行业领域", "sector"))
        for sheet, group in groups:
            table = statistics_table(s, dt.date(2026, 7, 1), dt.date(2026, 9, 30), group, as_of=TOWN_AS_OF)
            data, total, tail = _table(out, sheet)
            want: list[tuple[Any, ...]] = [
                (n, r.label, r.places_inspected, r.inspections, r.hazards_general, r.hazards_major, r.hazards,
                 r.rectified, r.rectification_rate, r.overdue, r.major_open, r.supervised, r.supervised_open,
                 r.funds_wan, None)
                for n, r in enumerate(table.rows, start=1)
            ]
            t = table.totals
            want.append(("合计", None, t.places_inspected, t.inspections, t.hazards_general, t.hazards_major,
                         t.hazards, t.rectified, t.rectification_rate, t.overdue, t.major_open, t.supervised,
                         t.supervised_open, t.funds_wan, None))
            assert [*data, total] == want
            _signed(tail)
        # Both sheets count the same hazards: their 合计 rows agree, and agree with plain SQL.
        _d, grid_total, _t = _table(out)
        sector_data, sector_total, _t = _table(out, "按行业领域")
        assert grid_total == sector_total
        first, last = local_to_utc(dt.datetime(2026, 7, 1)), local_to_utc(dt.datetime(2026, 10, 1))
        by_sql = s.execute(sql(
            "SELECT h.sector, h.grade, count(*), sum(coalesce(h.funds_yuan, 0)) FROM hazards h"
            " JOIN inspections i ON i.id = h.inspection_id"
            " WHERE i.status = '已完成' AND i.started_at >= :first AND i.started_at < :last"
            " GROUP BY h.sector, h.grade"), {"first": first, "last": last}).all()
        counted = {(sector, grade): n for sector, grade, n, _f in by_sql}
        sheet_counts = {}
        for r in sector_data:
            sheet_counts.update({(r[1], "一般"): r[4], (r[1], "重大"): r[5]})
        assert {k: v for k, v in sheet_counts.items() if v} == counted
        assert sector_total[4:7] == (
            sum(n for (_s, g), n in counted.items() if g == "一般"),
            sum(n for (_s, g), n in counted.items() if g == "重大"),
            sum(counted.values()),
        )
        assert sector_total[13] == sum(f for *_k, f in by_sql) / 10000
        inspected = s.execute(sql(
            "SELECT count(DISTINCT place_id), count(*) FROM inspections"
            " WHERE status = '已完成' AND started_at >= :first AND started_at < :last"),
            {"first": first, "last": last}).one()
        assert sector_total[2:4] == tuple(inspected)
    data, _total, _tail = _table(out, "按行业领域")
    sector_rows = {r[1]: r for r in data}
    assert sector_rows["燃气"][2:11] == (1, 2, 2, 0, 2, 1, 0.5, 1, 0)
    assert sector_rows["自建房"][2:11] == (1, 1, 1, 0, 1, 1, 1, 0, 0)
    assert sector_rows["九小场所"][11:14] == (1, 1, 3.5)


def test_annual_and_default_quarter(small_town: Database, tmp_path: Path) -> None:
    out = tmp_path / "y.xlsx"
    export_ledger(desk_for(small_town), ExportOptions(kind="annual", out=out, year=2026, as_of=TOWN_AS_OF))
    rows = _read(out)
    assert rows[0][0] == "青山镇2026年度隐患排查治理统计表（按村/网格）"
    # Nothing outside Q3, but overdue is counted at 2026-11-23 now: H3 (due 10-30) joins H2.
    _data, total, tail = _table(out)
    assert total == ("合计", None, 3, 4, 3, 1, 4, 2, 0.5, 2, 1, 1, 1, 3.5, None)
    _signed(tail)
    out = tmp_path / "q.xlsx"
    export_ledger(desk_for(small_town), ExportOptions(kind="quarterly", out=out, as_of=TOWN_AS_OF))  # last finished: Q3
    assert _read(out)[0][0] == "青山镇2026年第3季度隐患排查治理统计表（按村/网格）"


# --- the district's own template -----------------------------------------------------------------

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FILL = "FFFFC000"


def district_template(path: Path) -> Path:
    """Title rows, a merged two-row header in their own order, a styled sample row, a footer."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "排查台账"
    ws["A1"] = "XX区安全隐患排查整治台账"
    ws.merge_cells("A1:I1")
    ws["A2"] = "乡镇（街道）：          填报时间："
    ws.merge_cells("A2:I2")
    top = ["序号", "被检查单位", "存在的问题或隐患", "隐患等级", "整改情况", None, None, "检查时间", "备注"]
    low = [None, None, None, None, "整改时限", "复查时间", "复查人", None, None]
    for c, (t, lo) in enumerate(zip(top, low, strict=True), start=1):
        for r, v in ((3, t), (4, lo)):
            cell = ws.cell(row=r, column=c, value=v)
            cell.font = Font(name="黑体", bold=True)
            cell.fill = PatternFill("solid", fgColor=FILL)
            cell.border = BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells("E3:G3")
    for col in "ABCDHI":
        ws.merge_cells(f"{col}3:{col}4")
    for c in range(1, 10):
        cell = ws.cell(row=5, column=c)
        cell.border = BOX
        cell.font = Font(name="仿宋", size=10)
    ws["A7"] = "填报人：          审核人："
    wb.save(path)
    return path


def test_template_keeps_their_header_and_styles_with_our_data(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    template = district_template(tmp_path / "template.xlsx")
    out = tmp_path / "filled.xlsx"
    result = export_ledger(
        desk_for(demo_db), ExportOptions(kind="hazards", out=out, template=template, as_of=demo_today)
    )
    wb = load_workbook(out)
    ws = wb["排查台账"]
    assert ws["A1"].value == "XX区安全隐患排查整治台账"
    assert {str(r) for r in ws.merged_cells.ranges} >= {"A1:I1", "E3:G3", "A3:A4", "H3:H4"}
    for ref, text in (("B3", "被检查单位"), ("E3", "整改情况"), ("F4", "复查时间"), ("H3", "检查时间")):
        assert ws[ref].value == text
        assert ws[ref].fill.fgColor.rgb == FILL and ws[ref].font.bold
    with demo_db.reader() as s:
        expected = expected_hazard_rows(s, demo_today)
    assert result.rows == len(expected)
    for n, want in enumerate(expected):
        r = 5 + n
        got = [ws.cell(row=r, column=c).value for c in range(1, 10)]
        assert got == [n + 1, want[5], want[12], want[15], want[18], want[22], want[23], want[9], want[27]]
        assert ws.cell(row=r, column=2).font.name == "仿宋" and ws.cell(row=r, column=2).border.left.style == "thin"
    footer_row = 5 + len(expected)
    assert any(str(ws.cell(row=r, column=1).value or "").startswith("填报人")
               for r in range(footer_row, footer_row + 3))


def test_template_uses_the_remembered_mapping(demo_db: Database, tmp_path: Path, demo_today: dt.date) -> None:
    template = district_template(tmp_path / "template.xlsx")
    with demo_db.session("t") as s:
        guessed = template_mapping_for(s, template)
        assert guessed.columns["place_name"] == 1 and guessed.columns["inspected_on"] == 7
        # The user says 备注 (I) should get the 隐患编号.
        columns = {k: v for k, v in guessed.columns.items() if v != 8}
        columns["hazard_no"] = 8
        remember_template_mapping(s, guessed.with_columns(columns))
    with demo_db.reader() as s:
        stored = s.get(Setting, settings.LEDGER_TEMPLATE_MAPPINGS.key)
        assert stored is not None and guessed.fingerprint in stored.value
        codes = [h.code for h in _finished_hazards(s)]
    out = tmp_path / "filled.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, template=template, as_of=demo_today))
    ws = load_workbook(out)["排查台账"]
    assert [ws.cell(row=5 + i, column=9).value for i in range(len(codes))] == codes


def test_deidentified_template_fill(demo_db: Database, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "单位名称", "负责人", "联系电话", "隐患描述", "整改责任人"])
    template = tmp_path / "t.xlsx"
    wb.save(template)
    out = tmp_path / "o.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, template=template, deidentified=True))
    rows = _read(out)[1:]
    assert rows and all(r[2] is None and r[3] is None and r[5] is None for r in rows)
    assert PHONE.search("\n".join(str(v) for r in rows for v in r if v)) is None


# --- photos, cancel, bad input --------------------------------------------------------------------


def test_photo_folder_named_by_hazard_number(demo_db: Database, tmp_path: Path) -> None:
    store = demo_db.attachment_store()
    src = tmp_path / "p.jpg"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(src)
    src2 = tmp_path / "q.jpg"
    Image.new("RGB", (64, 48), (30, 200, 30)).save(src2)
    with demo_db.session("t") as s:
        hazard = _finished_hazards(s)[0]
        code = hazard.code
        for path, role in ((src, "photo"), (src2, "after")):
            att = save_attachment(s, store, prepare_photo(path), path.name)
            link_attachment(s, att, "hazard", hazard.id, role=role)
    out = tmp_path / "out" / "h.xlsx"
    out.parent.mkdir()
    result = export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, photos="folder"))
    folder = tmp_path / "out" / "h-照片"
    assert result.photo_folder == folder and result.photos_copied == 2
    assert sorted(p.name for p in folder.iterdir()) == [f"{code}-1.jpg", f"{code}-整改后-1.jpg"]
    with Image.open(folder / f"{code}-1.jpg") as img:
        assert img.getpixel((32, 24))[0] > 150  # type: ignore[index]
    # Thumbnails in the sheet instead: the photo column is there and holds the picture.
    out2 = tmp_path / "out" / "t.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out2, photos="column"))
    ws = load_workbook(out2).active
    assert ws is not None
    assert ws.cell(row=3, column=29).value == "现场照片" and len(ws._images) == 1


class _CancelOnFirstRows(Progress):
    """Records every report and asks to stop as soon as rows have been written."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, int]] = []

    def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
        super().update(done, total, text)
        self.calls.append((done, self.state()[1].total))
        if done:
            self.cancel()


def test_cancel_leaves_no_file(demo_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "out" / "h.xlsx"
    out.parent.mkdir()
    progress = _CancelOnFirstRows()
    with pytest.raises(ExportCancelled):
        export_ledger(desk_for(demo_db), ExportOptions(kind="inspections", out=out), progress=progress)
    assert list(out.parent.iterdir()) == []
    calls = progress.calls
    assert calls and calls[0][1] > 400
    assert any(done for done, _total in calls)  # it was stopped while writing rows
    assert progress.state()[1].text.startswith("正在导出台账… 已写入")


def test_progress_counts_up_to_the_rows_written(demo_db: Database, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []

    class Recording(Progress):
        def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
            super().update(done, total, text)
            seen.append((done, self.state()[1].total))

    result = export_ledger(desk_for(demo_db), ExportOptions(kind="inspections", out=tmp_path / "i.xlsx"),
                           progress=Recording())
    assert seen[0] == (0, result.rows) and seen[-1] == (result.rows, result.rows)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen) and len(seen) > 3


def test_bad_output_is_refused(demo_db: Database, tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="xlsx"):
        export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=tmp_path / "a.xls"))
    with pytest.raises(UserInputError, match="不存在"):
        export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=tmp_path / "no" / "a.xlsx"))
    with pytest.raises(UserInputError, match="未知的台账类型"):
        export_ledger(desk_for(demo_db), ExportOptions(kind="weekly", out=tmp_path / "a.xlsx"))


# --- entry points for the export form ---------------------------------------------------------------


def test_export_choices_list_villages_grids_and_sectors(demo_db: Database) -> None:
    choices = export_choices(desk_for(demo_db))
    with demo_db.reader() as s:
        township = s.scalars(select(Township)).one()
        want: list[GroundChoice] = []
        for village in s.scalars(select(Village).order_by(Village.sort_order, Village.name)):
            want.append(GroundChoice("village", village.id, village.name))
            grids = s.scalars(select(Grid).where(Grid.village_id == village.id).order_by(Grid.sort_order, Grid.name))
            want.extend(GroundChoice("grid", g.id, g.name) for g in grids)
        sectors = sorted({p.sector for p in s.scalars(select(PlaceSector))})
    assert choices.township == township.name == "红光镇"
    assert list(choices.ground) == want and any(c.kind == "grid" for c in want)
    assert list(choices.sectors) == sectors and "燃气" in sectors


def test_template_mapping_is_guessed_then_remembered(demo_db: Database, tmp_path: Path) -> None:
    desk = desk_for(demo_db)
    template = district_template(tmp_path / "template.xlsx")
    guessed = template_mapping(desk, template)
    with demo_db.reader() as s:
        assert guessed == template_mapping_for(s, template)
    columns = {k: v for k, v in guessed.columns.items() if v != 8}
    columns["hazard_no"] = 8
    with collect_changes() as log:
        save_template_mapping(desk, guessed.with_columns(columns))
    assert log.changes.touches("settings")
    assert template_mapping(desk, template).columns == columns
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    with pytest.raises(TemplateError, match=r"broken\.xlsx"):
        template_mapping(desk, broken)


def test_write_ledgers_reads_through_the_given_session(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    """The building block sees what its session sees (here: a change not yet committed)."""
    with demo_db.session("t") as s:
        first = _finished_hazards(s)[0]
        first.description = "未提交的描述"
        s.flush()
        result = write_ledgers(s, ExportOptions(kind="hazards", out=tmp_path / "h.xlsx", as_of=demo_today))
        s.rollback()
    rows = _read(tmp_path / "h.xlsx")[3:]
    assert result.rows == len(rows) and rows[0][12] == "未提交的描述"
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=tmp_path / "c.xlsx", as_of=demo_today))
    assert _read(tmp_path / "c.xlsx")[3][12] != "未提交的描述"
