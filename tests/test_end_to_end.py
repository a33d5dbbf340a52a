"""End to end, as a township office works: the district's Excel list is imported, a check is
done at one of its places, the notice is printed, and the ledger goes back to the district.

The import, the documents and the ledger go through the command line in separate processes;
the check itself goes through the same services the inspection screen calls. On both backends: a
SQLite file, and a database on the township's PostgreSQL server the command line reaches by its URL.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
from PIL import Image
from sqlalchemy import select

from anquan_desk.core.checklists.store import default_library, templates_for_place
from anquan_desk.core.db import Database
from anquan_desk.core.models import ChecklistItem, Grid, Hazard, Place, Township, Village
from anquan_desk.services import inspections as svc
from anquan_desk.services.checklists import ensure_builtin_library
from anquan_desk.services.users import create_user


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line as an inspector uses it: as its own process, logged in as 王芳 (the commands
    that change data sign as her)."""
    env = dict(os.environ, ANQUAN_USER="wang", ANQUAN_PASSWORD="12345678")
    return subprocess.run([sys.executable, "-m", "anquan_desk", *args], capture_output=True, text=True, timeout=300,
                          env=env)


def _district_list(path: Path) -> Path:
    """A district-style list: a title row above the header, a full-width name, a phone stored as a number."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "九小场所"
    ws.append(["青溪县红光镇九小场所底数清单（2026年）"])
    ws.merge_cells("A1:H1")
    ws.append(["序号", "单位名称", "统一社会信用代码", "经营地址", "负责人", "联系电话", "所属村（社区）", "行业类别"])
    ws.append([1, "ＸＸ饭店", "91350100M000100Y43", "东湖社区红光路12号", "张堃", 13812345678, "东湖社区", "餐饮"])
    ws.append([2, "好邻居便利店", "", "东湖社区建设路3号", "李喆", "13900001111", "东湖社区", "超市"])
    wb.save(path)
    return path


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


def test_excel_list_to_notice_to_ledger(db: Database, tmp_path: Path) -> None:
    db_url = db.url  # what --db takes: the SQLite file's URL, or the server's
    with db.session("admin") as s:
        town = Township(name="红光镇", issuer="红光镇人民政府", region_short="红", settings={"county": "青溪县"})
        village = Village(township=town, name="东湖社区", kind="社区")
        s.add_all([town, village, Grid(village=village, name="东湖社区第一网格")])
        a = create_user(s, username="wang", name="王芳", password="12345678", cert_no="32010019002")
        b = create_user(s, username="li", name="李华", password="12345678", cert_no="32010019003")
        ensure_builtin_library(s)
        ids = (a.id, b.id)

    # 1. The district's list goes in (command line, JSON report).
    result = cli("import", "places", str(_district_list(tmp_path / "清单.xlsx")), "--db", db_url, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["imported"], report["updated"], report["errors"]) == (2, 0, [])

    # 2. A check at the restaurant, begun three quarters of an hour ago: one item fails, the
    # responsible person signs. (The command line below issues the notice "now", in its own process.)
    started = (datetime.now() - timedelta(minutes=45)).replace(second=0, microsecond=0)
    store = db.attachment_store()
    with db.session("wang") as s:
        place = s.scalars(select(Place).where(Place.name == "XX饭店")).one()  # full-width letters normalised
        templates = templates_for_place(s, place)
        assert {"NINE-COMMON", "NINE-FOOD"} <= {t.code for t in templates}
        inspection = svc.start_inspection(
            s, place_id=place.id, inspector_ids=list(ids), template_ids=[t.id for t in templates],
            started_at=started,
        )
        inspection_id = inspection.id
        for n, entry in enumerate(svc.checklist_entries(s, inspection_id)):
            svc.record_answer(s, inspection_id, entry.item.id, "不合格" if n == 5 else "合格")
        hazard = s.scalars(select(Hazard)).one()
        svc.update_hazard(s, hazard.id, location="后厨通道")
        hazard_text, hazard_code, basis = hazard.description, hazard.code, hazard.basis
        failed_code = s.get(ChecklistItem, hazard.item_id).code  # type: ignore[union-attr]
        svc.finish_inspection(s, store, inspection_id, signer_name="张堃", signature_png=_png())

    # 3. The notice is printed: its text names the place, the hazard, the basis and the number.
    notice = tmp_path / "通知书.pdf"
    before = date.today()
    # Served today: the check may have begun yesterday when the suite runs around midnight (then a
    # date is required; any day from the check's to today is right).
    result = cli("doc", "render", "--db", db_url, "--inspection", inspection_id, "--type", "notice",
                 "--served-on", date.today().isoformat(), "--out", str(notice))
    assert result.returncode == 0, result.stderr
    # Numbered in the year it is issued (the year may turn while the process runs).
    years = "|".join(str(y) for y in range(before.year, date.today().year + 1))
    number = rf"红安改〔(?:{years})〕第\d{{3}}号"
    text = subprocess.run(["pdftotext", "-raw", str(notice), "-"], capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "安全隐患整改通知书" in flat and "XX饭店" in flat
    assert re.sub(r"\s+", "", hazard_text)[:12] in flat
    assert re.search(number, flat)
    # The legal consequence is the failed item's own (from the checklist library), not a fixed sentence.
    consequence = next(i.consequence for i in default_library().items if i.code == failed_code)
    for cited in (consequence or "《中华人民共和国安全生产法》第一百零二条").split("；"):
        assert cited.strip() in flat
    assert re.sub(r"\s+", "", basis)[:10] in flat
    verify = cli("doc", "verify", str(notice), "--db", db_url)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # 4. The hazard ledger goes to the district; read it back cell by cell.
    ledger = tmp_path / "台账.xlsx"
    result = cli("export", "ledger", "--db", db_url, "--kind", "hazards", "--out", str(ledger))
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(ledger)
    ws = wb.active
    assert ws is not None
    rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    assert "红光镇" in str(rows[0][0]) and "隐患排查治理台账" in str(rows[0][0])
    header_index = next(i for i, r in enumerate(rows) if r[0] == "序号")
    header = rows[header_index]
    data = [r for r in rows[header_index + 1:] if r[0] is not None]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=False))
    assert row["隐患编号"] == hazard_code
    assert row["单位名称"] == "XX饭店"
    assert row["负责人"] == "张堃"
    assert str(row["联系电话"]) == "13812345678"
    assert row["检查方式"] == "四不两直"
    assert row["检查人员"] == "王芳、李华"
    assert row["隐患等级"] == "一般"
    assert row["检查日期"] == datetime(started.year, started.month, started.day)
    assert re.fullmatch(number, str(row["文书编号"]))

    # The de-identified variant for publication carries no name and no phone number.
    public = tmp_path / "台账-脱敏.xlsx"
    assert cli("export", "ledger", "--db", db_url, "--kind", "hazards", "--deidentified",
               "--out", str(public)).returncode == 0
    cells = " ".join(str(v) for r in openpyxl.load_workbook(public).active.iter_rows(values_only=True)  # type: ignore[union-attr]
                     for v in r if v is not None)
    assert "张堃" not in cells and "王芳" not in cells and not re.search(r"1[3-9]\d{9}", cells)
    assert "XX饭店" in cells
