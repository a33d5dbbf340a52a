"""``anquan-desk plan accept/tasks/worksheet/draw-db`` on a copy of the demo database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import PLANS

from anquan_desk.cli import main
from anquan_desk.core.db import open_database
from anquan_desk.core.plans.draw import DrawRecord, verify_draw
from anquan_desk.core.plans.draws import stored_draws
from anquan_desk.core.plans.programme import load_programme
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _login(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that change data log in: as the demo's administrator (the environment, as scripts do)."""
    monkeypatch.setenv("ANQUAN_USER", DEMO_ADMIN)
    monkeypatch.setenv("ANQUAN_PASSWORD", DEMO_PASSWORD)

DATA = PLANS


def test_accept_then_tasks(demo_db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(demo_db_path)
    plan = str(DATA / "enyang_2023_gongzuo_yaodian.txt")
    assert main(["plan", "accept", plan, "--db", db, "--drop", "油气管道,民爆物品", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "燃气：燃气安全检查表（餐饮等场所使用瓶装液化石油气）" in out
    assert "危险化学品：需乡镇自行添加检查表" in out
    assert "春节：2026-02-02 至 2026-02-24" in out
    database = open_database(demo_db_path)
    try:
        with database.reader() as s:
            programme = load_programme(s)
    finally:
        database.dispose()
    assert programme is not None and programme.year == 2026
    assert "油气管道" not in programme.sector_names and "燃气" in programme.sector_names

    assert main(["plan", "tasks", "--db", db, "--month", "2026-12", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["month"] == "2026-12"
    assert data["plan_sectors"] == list(programme.sector_names)
    assert [p["name"] for p in data["periods"]] == ["冬春", "元旦"]  # only the plan's periods
    assert data["grids"] and all(g["places"] for g in data["grids"])

    assert main(["plan", "tasks", "--db", db, "--month", "2026-12", "--grid", "红光村第一网格"]) == 0
    text = capsys.readouterr().out
    assert "【红光村第一网格】" in text and "定期巡查" in text

    assert main(["plan", "tasks", "--db", db, "--month", "2026-13"]) == 2
    assert "格式不对" in capsys.readouterr().err
    assert main(["plan", "accept", plan, "--db", db, "--drop", "煤矿"]) == 2
    assert "没有行业领域“煤矿”" in capsys.readouterr().err


def test_worksheet_and_draw_db(demo_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(demo_db_path)
    sheet = tmp_path / "sheet.pdf"
    assert main(["plan", "worksheet", "--db", db, "--grid", "红光村第一网格", "--date", "2026-11-24",
                 "--out", str(sheet)]) == 0
    assert sheet.read_bytes().startswith(b"%PDF")
    assert "红光村第一网格安全巡查单（2026-11-24" in capsys.readouterr().out
    assert main(["plan", "worksheet", "--db", db, "--grid", "没有这个网格", "--out", str(sheet)]) == 2
    assert "找不到网格" in capsys.readouterr().err

    record_pdf, record_json = tmp_path / "draw.pdf", tmp_path / "draw.json"
    args = ["plan", "draw-db", "--db", db, "--count", "3", "--sector", "燃气", "--seed", "99", "--by", "周建国",
            "--out", str(record_pdf), "--json", str(record_json)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "随机种子：99" in out and "范围：行业领域：燃气" in out
    record = DrawRecord.from_json(record_json.read_text(encoding="utf-8"))
    assert verify_draw(record) and len(record.assignments) == 3
    assert record_pdf.read_bytes().startswith(b"%PDF")
    assert main(["plan", "verify", str(record_json)]) == 0
    capsys.readouterr()
    database = open_database(demo_db_path)
    try:
        with database.reader() as s:
            draws = stored_draws(s)
    finally:
        database.dispose()
    assert [d.record for d in draws] == [record] and draws[0].drawn_by == "周建国"

    assert main([*args[:-4], "--exclude", "32010019002", "--out", str(record_pdf)]) == 2
    assert "格式不对" in capsys.readouterr().err


def test_draw_db_names_the_drawer_only_when_given(demo_db_path: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = str(demo_db_path)
    out = tmp_path / "draw.pdf"
    assert main(["plan", "draw-db", "--db", db, "--count", "2", "--seed", "1", "--out", str(out)]) == 0
    assert "抽取记录已保存到数据库" in capsys.readouterr().out
    assert main(["plan", "draw-db", "--db", db, "--count", "2", "--seed", "1", "--by", "王芳", "--out", str(out)]) == 0
    capsys.readouterr()
    database = open_database(demo_db_path)
    try:
        with database.reader() as s:
            draws = stored_draws(s)
    finally:
        database.dispose()
    assert [d.drawn_by for d in draws] == ["", "王芳"]
    first, second = draws[0].record, draws[1].record  # same pool, same seed: the same draw
    assert (first.input_digest, first.assignments) == (second.input_digest, second.assignments)
    # The 回避 place must be in the draw's scope.
    assert main(["plan", "draw-db", "--db", db, "--count", "2", "--exclude", "32010019002:没有这个场所",
                 "--out", str(out)]) == 2
    assert "抽取范围内没有场所“没有这个场所”" in capsys.readouterr().err
