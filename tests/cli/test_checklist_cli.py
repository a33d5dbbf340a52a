"""``anquan-desk checklists list / export / import`` as a separate process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from anquan_desk.core.checklists import ChecklistLibrary


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anquan_desk", *args], capture_output=True, text=True,
                          timeout=300)


def test_list_json_export_and_import(tmp_path: Path, library: ChecklistLibrary) -> None:
    db = str(tmp_path / "cl.db")
    result = run("checklists", "list", "--json", "--db", db)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["code"] for r in rows] == [t.code for t in library.templates]
    food = next(r for r in rows if r["code"] == "NINE-FOOD")
    assert food == {"code": "NINE-FOOD", "name": library.template("NINE-FOOD").name, "sector": "九小场所",
                    "nine_small_kind": "小餐饮场所", "version": 1,
                    "items": len(library.template("NINE-FOOD").items), "enabled": True, "builtin": True}
    assert sum(r["items"] for r in rows) == len(library.items)

    out = tmp_path / "food.xlsx"
    result = run("checklists", "export", "nine-food", "--out", str(out), "--db", db)
    assert result.returncode == 0, result.stderr
    assert "已导出 NINE-FOOD" in result.stdout and out.exists()
    assert run("checklists", "export", "NOPE", "--out", str(out), "--db", db).returncode == 2

    result = run("checklists", "import", str(out), "--db", db)
    assert result.returncode == 0 and "完全相同，未作改动" in result.stdout

    wb = load_workbook(out)
    ws = wb.active
    assert ws is not None
    header_row = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "编号")
    ws.cell(row=header_row + 1, column=3, value="查看灶台（本镇措辞）")
    wb.save(out)
    result = run("checklists", "import", str(out), "--db", db)
    assert result.returncode == 0, result.stderr
    assert "已导入 NINE-FOOD" in result.stdout and "第 2 版" in result.stdout

    ws.cell(row=header_row + 2, column=6, value="特大")
    wb.save(out)
    result = run("checklists", "import", str(out), "--db", db)
    assert result.returncode == 2
    assert f"第 {header_row + 2} 行，“默认等级”列：默认等级“特大”无效" in result.stderr

    rows = json.loads(run("checklists", "list", "--json", "--db", db).stdout)
    assert next(r for r in rows if r["code"] == "NINE-FOOD")["version"] == 2
