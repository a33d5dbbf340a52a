"""``anquan-desk export ledger`` as a separate process: files written, exit codes, Chinese messages."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from anquan_desk.core.db import open_database
from anquan_desk.core.models import Hazard, Inspection


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "anquan_desk", "export", "ledger", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_export_hazards_and_statistics(demo_db_path: Path, tmp_path: Path, demo_today: date) -> None:
    # Half a year of the demo's past checks (the demo covers the year before the day it was made).
    start, end = (demo_today - timedelta(days=d) for d in (300, 120))
    out = tmp_path / "h.xlsx"
    result = run("--db", str(demo_db_path), "--kind", "hazards", "--from", start.isoformat(), "--to", end.isoformat(),
                 "--made-by", "王芳", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "已导出“红光镇隐患排查治理台账”" in result.stdout
    ws = load_workbook(out).active
    assert ws is not None
    codes = [r[1] for r in ws.iter_rows(min_row=4, values_only=True)]
    db = open_database(demo_db_path)
    try:
        with db.reader() as s:
            want = set()
            for h in s.scalars(select(Hazard)):
                insp: Inspection = h.inspection
                day = insp.started_at.astimezone().date().isoformat()
                if insp.status == "已完成" and start.isoformat() <= day <= end.isoformat():
                    want.add(h.code)
    finally:
        db.dispose()
    assert want and set(codes) == want and len(codes) == len(want)
    assert f"共 {len(want)} 行" in result.stdout

    q = tmp_path / "q.xlsx"
    result = run("--db", str(demo_db_path), "--kind", "quarterly", "--from", "2026-05-01", "--out", str(q))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "q-按行业领域.xlsx").exists()
    assert f"已导出“红光镇2026年第2季度隐患排查治理统计表（按村/网格）”、“红光镇2026年第2季度隐患排查治理统计表（按行业领域）”：{q}" in result.stdout
    wb = load_workbook(q)
    assert wb.sheetnames == ["按村（社区）网格", "按行业领域"]
    ws = wb.active
    assert ws is not None and ws["A1"].value == "红光镇2026年第2季度隐患排查治理统计表（按村/网格）"
    assert wb["按行业领域"]["A1"].value == "红光镇2026年第2季度隐患排查治理统计表（按行业领域）"
    y = tmp_path / "y.xlsx"
    result = run("--db", str(demo_db_path), "--kind", "quarterly", "--year", "2025", "--out", str(y))
    assert result.returncode == 0, result.stderr
    ws = load_workbook(y).active
    assert ws is not None and ws["A1"].value == "红光镇2025年度隐患排查治理统计表（按村/网格）"


def test_deidentified_and_template(demo_db_path: Path, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["XX区隐患台账"])
    ws.append(["序号", "隐患编号", "被检查单位", "负责人", "联系电话", "存在问题"])
    template = tmp_path / "t.xlsx"
    wb.save(template)
    out = tmp_path / "o.xlsx"
    result = run("--db", str(demo_db_path), "--kind", "hazards", "--deidentified", "--template", str(template),
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "XX区隐患台账" and rows[1][1] == "隐患编号"
    data = rows[2:]
    assert len(data) > 100
    assert all(r[1].startswith("YH") and r[2] and r[3] is None and r[4] is None for r in data)


def test_bad_input_exit_code_2(demo_db_path: Path, tmp_path: Path) -> None:
    db = str(demo_db_path)
    out = str(tmp_path / "x.xlsx")
    cases = [
        (["--kind", "weekly", "--out", out], "未知的台账类型"),
        (["--from", "2026-02-30", "--out", out], "2026年没有2月30日"),
        (["--from", "2026-05-01", "--to", "2026-04-01", "--out", out], "早于"),
        (["--out", str(tmp_path / "x.xls")], ".xlsx"),
        (["--out", str(tmp_path / "missing" / "x.xlsx")], "不存在"),
        (["--template", str(tmp_path / "none.xlsx"), "--out", out], "模板文件"),
        (["--status", "完成", "--out", out], "未知的隐患状态"),
        (["--kind", "inspections", "--status", "待整改", "--out", out], "--status"),
    ]
    for args, message in cases:
        result = run("--db", db, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and result.stderr.startswith("错误："), (args, result.stderr)
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    result = run("--db", db, "--template", str(broken), "--out", out)
    assert result.returncode == 2 and "broken.xlsx" in result.stderr
    assert not Path(out).exists()
