"""The grid work sheet and the 双随机 record as PDF: read back with poppler (pdftotext, pdffonts)."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Grid, Hazard, Place
from anquan_desk.core.plans.draws import DrawScope
from anquan_desk.core.plans.worksheet import find_grid, grid_worksheet
from anquan_desk.io.pdf.worksheet import render_draw_record, render_worksheet
from anquan_desk.services.plans import make_draw

DAY = date(2026, 11, 24)  # the day of a sheet that does not depend on the data


def _text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def _busiest_grid(db: Database) -> str:
    """The grid with the most open hazards in the demo."""
    with db.reader() as s:
        rows = s.execute(
            select(Place.grid_id).join(Hazard, Hazard.place_id == Place.id).where(Hazard.status != "已销号")
        ).scalars()
        grid_id, _n = Counter(rows).most_common(1)[0]
        assert grid_id is not None
        return str(grid_id)


def test_worksheet_lists_places_in_route_order_with_hazards(
    demo_db: Database, tmp_path: Path, demo_today: date
) -> None:
    day = demo_today + timedelta(days=1)  # the sheet for tomorrow's round
    grid_id = _busiest_grid(demo_db)
    with demo_db.reader() as s:
        sheet = grid_worksheet(s, grid_id, day)
        grid = s.get(Grid, grid_id)
        assert grid is not None
        places = s.scalars(
            select(Place).where(Place.grid_id == grid_id, Place.status != "关闭").order_by(Place.route_order)
        ).all()
        hazards = s.scalars(
            select(Hazard).join(Place, Hazard.place_id == Place.id)
            .where(Place.grid_id == grid_id, Hazard.status != "已销号")
        ).all()
    assert len(hazards) >= 2
    assert [r.name for r in sheet.rows] == [p.name for p in places]
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(render_worksheet(sheet))
    flat = _flat(_text(pdf))

    assert _flat(sheet.title) in flat
    assert f"{day.year}年{day.month}月{day.day}日" in flat
    positions = [flat.find(_flat(p.name)) for p in places]
    assert all(pos >= 0 for pos in positions), [p.name for p, pos in zip(places, positions, strict=True) if pos < 0]
    assert positions == sorted(positions), "places must follow the route order"
    for hazard in hazards:
        assert _flat(hazard.description) in flat
    due = [h for h in hazards if h.deadline is None or h.deadline <= day]
    assert len(due) >= 1 and flat.count("【到期复查") == len(due)
    for word in ("检查情况", "签字", "巡查人员（签字）", "上次检查"):
        assert word in flat
    # Every row shows its colour word next to the mark.
    for row in sheet.rows:
        assert f"■{row.risk_color}" in flat
    fonts = _fonts(pdf)
    assert fonts and all(f[-5] == "yes" for f in fonts), fonts  # the "emb" column
    assert not any("Helvetica" in f[0] for f in fonts)


def test_worksheet_of_an_empty_grid_and_lookup_errors(db: Database, tmp_path: Path) -> None:
    from anquan_desk.core.errors import NotFoundError
    from anquan_desk.core.models import Township, Village

    with db.session("t") as s:
        town = Township(name="红光镇")
        village = Village(township=town, name="石桥村")
        s.add_all([town, village, Grid(village=village, name="第一网格"), Grid(village=village, name="第二网格")])
    with db.reader() as s:
        grid = find_grid(s, "石桥村 第一网格")
        assert find_grid(s, "第一网格").id == grid.id
        with pytest.raises(NotFoundError, match="找不到网格"):
            find_grid(s, "第九网格")
        sheet = grid_worksheet(s, grid.id, DAY)
    assert sheet.rows == () and sheet.title == "石桥村第一网格安全巡查单"
    pdf = tmp_path / "empty.pdf"
    pdf.write_bytes(render_worksheet(sheet))
    assert "本网格没有在册场所" in _flat(_text(pdf))


def test_draw_record_pdf(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.reader() as s:
        grid = s.scalars(select(Grid).where(Grid.name == "红光村第一网格")).one()
        excluded = s.scalars(select(Place).where(Place.grid_id == grid.id).order_by(Place.name)).first()
        assert excluded is not None
    with demo_db.session("admin") as s:
        draw = make_draw(
            s, scope=DrawScope(grid_id=grid.id), count=5, drawn_by="周建国", seed="777",
            exclusions=[("32010019002", excluded.id)], now=datetime(2026, 11, 23, 1, 30, tzinfo=UTC),
        )
    pdf = tmp_path / "draw.pdf"
    pdf.write_bytes(render_draw_record(draw, township="红光镇"))
    flat = _flat(_text(pdf))
    assert "红光镇双随机抽查抽取记录" in flat
    assert "777" in flat and draw.record.input_digest in flat
    assert "网格：红光村第一网格" in flat
    for a in draw.record.assignments:
        assert _flat(draw.place_name(a.place)) in flat
        for cert in a.inspectors:
            assert _flat(draw.inspector_label(cert)) in flat
    assert _flat(f"王芳（32010019002）{excluded.name}") in flat  # the 回避 row
    assert "抽取人（签字）" in flat and "监督人（签字）" in flat
    # The appendix lists the whole pool so that anyone can repeat the draw.
    for pid in draw.record.places:
        assert pid in flat
    assert all(f[-5] == "yes" for f in _fonts(pdf))
    # Same record, same bytes.
    assert render_draw_record(draw, township="红光镇") == pdf.read_bytes()
