"""Importing a real CSV place list with a 场所类别 column: the kind, the inferred sectors and the
checklists the start dialog preselects (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import desk_for
from sqlalchemy import select

from anquan_desk.cli import main as cli_main
from anquan_desk.core.db import Database
from anquan_desk.core.models import Place
from anquan_desk.io.place_import import parse_places
from anquan_desk.io.tabular import PLACE_LIMITS, ImportFileError
from anquan_desk.services import inspections, place_import
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD

HEADER = "单位名称,地址,负责人,联系电话,所属村(社区),所属网格,场所类别"
ROWS = (
    "老张烧烤店,东湖社区红光路88号,张三,13812345678,东湖社区,东湖社区第一网格,烧烤店",
    "好又多便利店,东湖社区红光路90号,李四,13812345679,东湖社区,东湖社区第一网格,便利店",
)


@pytest.fixture(autouse=True)
def _cli_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """``import places`` changes data: the command line logs in as the demo's administrator."""
    monkeypatch.setenv("ANQUAN_USER", DEMO_ADMIN)
    monkeypatch.setenv("ANQUAN_PASSWORD", DEMO_PASSWORD)


def _csv(path: Path, encoding: str, *, bom: bool = False, rows: tuple[str, ...] = ROWS) -> Path:
    text = "\r\n".join((HEADER, *rows)) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False)])
def test_a_csv_place_list_is_read_in_every_usual_encoding(tmp_path: Path, encoding: str, bom: bool) -> None:
    path = _csv(tmp_path / "名单.csv", encoding, bom=bom)
    preview = parse_places(path, kind_sectors=place_import.kind_sectors())
    sheet = preview.sheets[0]
    assert (sheet.sheet, sheet.header_row, sheet.row_count) == ("名单", 1, 2)
    # 场所类别 is the 九小 kind (it used to be taken for 行业领域).
    assert sheet.mapping.columns["nine_small_kind"] == 6 and "sector" not in sheet.mapping.columns
    rows = [(r.place.name, r.place.phone, r.place.nine_small_kind, r.place.sectors) for r in preview.rows]
    assert rows == [
        ("老张烧烤店", "13812345678", "小餐饮场所", frozenset({"九小场所", "消防", "燃气"})),
        ("好又多便利店", "13812345679", "小商店", frozenset({"九小场所", "消防"})),
    ]
    assert preview.problems == []


def test_kind_sectors_come_from_the_checklist_library() -> None:
    inferred = place_import.kind_sectors()
    assert inferred["小餐饮场所"] == frozenset({"消防", "燃气"})  # kinds.toml: typical_sectors = ["燃气"]
    assert inferred["小旅馆"] == frozenset({"消防"})


def test_one_column_may_feed_both_kind_and_sector(tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", "utf-8", rows=("老王饭店,红光路1号,王五,13812345670,东湖社区,东湖社区第一网格,个体户",
                                                   *ROWS))
    first = parse_places(path)
    mapping = first.sheets[0].mapping
    both = type(mapping)(columns={**mapping.columns, "sector": 6}, fingerprint=mapping.fingerprint)
    preview = parse_places(path, mapping=both, kind_sectors=place_import.kind_sectors())
    assert [r.place.nine_small_kind for r in preview.rows] == [None, "小餐饮场所", "小商店"]
    assert preview.rows[1].place.sectors == frozenset({"九小场所", "消防", "燃气"})
    # A value neither field understands is reported and noted once, not once per field.
    assert [p.message for p in preview.problems] == ["未能识别九小场所类别“个体户”；已记入备注"]
    assert preview.rows[0].place.notes == "九小场所类别（原文）：个体户"


def test_csv_limits_hold(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text("单位名称," + ",".join(f"列{i}" for i in range(PLACE_LIMITS.max_columns + 5)) + "\n",
                    encoding="utf-8")
    with pytest.raises(ImportFileError) as err:
        parse_places(wide)
    assert "超过了场所清单的上限 128 列" in str(err.value) and "wide.csv" in str(err.value)
    binary = tmp_path / "fake.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ImportFileError) as err:
        parse_places(binary)
    assert "不是文本表格" in str(err.value)
    unknown = tmp_path / "latin.csv"
    unknown.write_bytes("单位名称\n".encode("utf-16-le")[:-1] + b"\xff\xfe\xfd")
    with pytest.raises(ImportFileError):
        parse_places(unknown)


def test_imported_barbecue_gets_fire_and_gas_and_the_lpg_checklist(demo_db: Database, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path / "东湖社区名单.csv", "gb18030")
    desk = desk_for(demo_db, "tester")
    result = place_import.import_place_list(desk, place_import.preview_place_list(desk, path))
    assert (result.imported, result.skipped) == (2, 0)
    with demo_db.reader() as s:
        bbq = s.scalars(select(Place).where(Place.name == "老张烧烤店")).one()
        assert (bbq.nine_small_kind, sorted(bbq.sectors)) == ("小餐饮场所", sorted(["九小场所", "消防", "燃气"]))
        bbq_id = bbq.id
    choices = inspections.start_choices(desk_for(demo_db, "demo-admin"), bbq_id)
    codes = {t.id: t.code for t in choices.templates}
    preselected = {codes[i] for i in choices.preselected}
    assert {"GAS-LPG", "NINE-COMMON", "NINE-FOOD"} <= preselected


def test_import_places_cli_reads_a_csv(demo_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path / "名单.csv", "utf-8", bom=True)
    assert cli_main(["import", "places", str(path), "--db", str(demo_db_path)]) == 0
    out = capsys.readouterr().out
    assert "新增 2 个场所，更新 0 个，跳过 0 行。" in out
