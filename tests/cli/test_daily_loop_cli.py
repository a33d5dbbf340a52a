"""Command line of the daily loop (issue 18): ``inspections list`` and short ids / document numbers,
``restore`` in Chinese, ``plan draw-db`` writing the JSON its PDF names, ``export ledger --template``
refusing a workbook that is no ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import desk_for
from openpyxl import Workbook
from pypdf import PdfReader
from sqlalchemy import select

from anquan_desk.cli import main
from anquan_desk.core.clock import utcnow
from anquan_desk.core.db import Database, open_database
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import Document, Inspection
from anquan_desk.core.plans.draw import DrawRecord, verify_draw
from anquan_desk.services import lookup
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _login(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that change data log in: as the demo's administrator (the environment, as scripts do)."""
    monkeypatch.setenv("ANQUAN_USER", DEMO_ADMIN)
    monkeypatch.setenv("ANQUAN_PASSWORD", DEMO_PASSWORD)


def _pdf_text(path: Path) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(str(path)).pages).replace("\n", "")


def test_inspections_list_shows_short_ids(demo_db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(demo_db_path)
    assert main(["inspections", "list", "--db", db, "--limit", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "短编号\t日期\t状态\t隐患\t场所"
    assert len(out) == 5 and out[-1].startswith("共 3 次检查。生成文书时可写短编号")
    short, day, status, hazards, place = out[1].split("\t")
    assert len(day) == 10 and day[4] == "-"
    assert len(short) == 8 and status in ("草稿", "已完成", "已作废") and hazards.endswith(" 处") and "（" in place

    assert main(["inspections", "list", "--db", db, "--json", "--limit", "0", "--status", "草稿"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["status"] == "草稿" and r["id"].startswith(r["short_id"]) for r in rows)

    # The short id leads back to the inspection.
    assert main(["inspections", "show", short, "--db", db]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(short) and len(shown.split("\t")[0]) == 36
    assert main(["inspections", "show", "zzzz", "--db", db]) == 1
    assert "没有找到检查或文书“zzzz”" in capsys.readouterr().err


def test_resolve_inspection_by_short_id_and_document_number(demo_db: Database) -> None:
    desk = desk_for(demo_db, "tester")
    rows = lookup.list_inspections(desk, limit=None)
    target = rows[0]
    assert lookup.resolve_inspection(desk, target.id) == target.id
    assert lookup.resolve_inspection(desk, target.short_id) == target.id
    assert lookup.resolve_inspection(desk, target.short_id.upper()) == target.id
    with demo_db.session("tester") as s:
        inspection = s.get(Inspection, target.id)
        assert inspection is not None
        s.add(Document(doc_type="现场检查记录", number="红光安检〔2026〕第0099号", short_code="HG-0099",
                       place_id=inspection.place_id, inspection_id=inspection.id, issued_at=utcnow(),
                       pdf_sha256="0" * 64))
    assert lookup.resolve_inspection(desk, "红光安检〔2026〕第0099号") == target.id
    assert lookup.resolve_inspection(desk, " HG-0099 ") == target.id
    absent = next(p for p in ("ffffffff", "00000000", "12345678") if not any(r.id.startswith(p) for r in rows))
    with pytest.raises(NotFoundError, match=f"没有找到编号以“{absent}”开头的检查"):
        lookup.resolve_inspection(desk, absent)
    with pytest.raises(UserInputError):
        lookup.resolve_inspection(desk, "  ")
    # A prefix shared by several inspections asks for more characters.
    with demo_db.reader() as s:
        ids = list(s.scalars(select(Inspection.id)))
    by_prefix: dict[str, int] = {}
    for i in ids:
        by_prefix[i[:4]] = by_prefix.get(i[:4], 0) + 1
    shared = next((p for p, n in by_prefix.items() if n > 1), None)
    if shared is not None:
        with pytest.raises(UserInputError, match="对应多次检查"):
            lookup.resolve_inspection(desk, shared)


def test_restore_speaks_chinese(demo_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = tmp_path / "备份.db"
    assert main(["backup", "--db", str(demo_db_path), "--out", str(backup)]) == 0
    capsys.readouterr()
    fresh = tmp_path / "新" / "a.db"
    assert main(["restore", str(backup), "--db", str(fresh)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [f"已从 {backup} 恢复数据库：{fresh}", "恢复前没有数据库，无需另存。"]
    assert main(["restore", str(backup), "--db", str(fresh)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"已从 {backup} 恢复数据库：{fresh}"
    assert lines[1].startswith("恢复前的数据库已另存为 ") and "{" not in "".join(lines)


def test_draw_db_writes_the_json_its_pdf_names(demo_db_path: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "抽取记录.pdf"
    assert main(["plan", "draw-db", "--db", str(demo_db_path), "--count", "2", "--seed", "5", "--out", str(pdf)]) == 0
    out = capsys.readouterr().out
    written = tmp_path / "抽取记录.json"
    assert out.splitlines()[0] == "抽取人：未指定（记录上留待签字；可用 --by 姓名 印在记录上）"
    assert f"复核用的抽取记录 JSON：{written}（命令：anquan-desk plan verify {written}）" in out
    record = DrawRecord.from_json(written.read_text(encoding="utf-8"))
    assert verify_draw(record) and record.seed == "5"
    text = _pdf_text(pdf)
    assert "抽取人（未指定，见文末签字）" in text
    assert "同名的 .json 抽取记录" in text and "verify 该文件.json 复核" in text
    assert main(["plan", "verify", str(written)]) == 0
    capsys.readouterr()
    assert main(["plan", "draw-db", "--db", str(demo_db_path), "--count", "1", "--by", "王芳", "--out", str(pdf)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "抽取人：王芳"
    assert "抽取人王芳" in _pdf_text(pdf)


def test_export_ledger_refuses_a_workbook_that_is_no_ledger(demo_db_path: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "单位名称", "统一社会信用代码", "地址", "负责人", "联系电话", "所属网格"])
    ws.append([1, "XX饭店", "91320100MA1XXXXX0X", "红光路12号", "张三", "13812345678", "红光村第一网格"])
    places = tmp_path / "场所名单.xlsx"
    wb.save(places)
    before = places.read_bytes()
    out = tmp_path / "台账.xlsx"
    code = main(["export", "ledger", "--db", str(demo_db_path), "--template", str(places), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists() and places.read_bytes() == before
    assert "看起来不是台账模板：没有隐患台账应有的列" in err
    assert "B列“单位名称”→单位名称" in err and "G列“所属网格”→村(社区)/网格" in err
    assert "不会填写（保持空白）的列：C列“统一社会信用代码”" in err
    # The same workbook is a fine template for the place ledger (no hazard columns there).
    assert main(["export", "ledger", "--db", str(demo_db_path), "--kind", "places", "--template", str(places),
                 "--out", str(out)]) == 0
    assert out.exists()


def test_database_handle_is_closed(demo_db_path: Path) -> None:
    """The demo copy is still a sound database after the verbs above (no session left open)."""
    database = open_database(demo_db_path)
    try:
        with database.reader() as s:
            assert s.scalars(select(Inspection.id)).first() is not None
    finally:
        database.dispose()


def test_doc_commands_take_a_short_id(demo_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``doc preview`` / ``doc render --inspection`` accept the short id ``inspections list`` shows."""
    db = str(demo_db_path)
    assert main(["inspections", "list", "--db", db, "--json", "--limit", "0", "--status", "已完成"]) == 0
    rows = json.loads(capsys.readouterr().out)
    short = rows[0]["short_id"]
    out = tmp_path / "草稿.pdf"
    assert main(["doc", "preview", "--db", db, "--inspection", short, "--type", "record", "--out", str(out)]) == 0
    assert "草稿" in capsys.readouterr().out and "草稿" in _pdf_text(out)
    assert main(["doc", "render", "--db", db, "--inspection", "zzzz", "--type", "record",
                 "--out", str(tmp_path / "x.pdf")]) == 1
    assert "zzzz" in capsys.readouterr().err and not (tmp_path / "x.pdf").exists()
