"""Safe output of the ledger writer: partial names, scratch folders, private files, names from data,
and the 脱敏 of free text (ID-card and phone numbers, known names) read back from the xlsx."""

from __future__ import annotations

import datetime as dt
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_samples import sample_rows
from openpyxl import load_workbook
from PIL import Image

from anquan_desk.core.db import partial_path_for, process_tag
from anquan_desk.io.ledger._common import (
    create_file,
    make_scratch_dir,
    path_inside,
    safe_file_name,
    temp_path_for,
)
from anquan_desk.io.ledger._common import process_tag as io_process_tag
from anquan_desk.io.ledger.columns import (
    HAZARD_COLUMNS,
    PHOTO_COLUMN,
    NameScrubber,
    person_names,
    scrub_free_text,
    scrub_id_numbers,
    scrub_phone_numbers,
)
from anquan_desk.io.ledger.writer import write_ledger
from anquan_desk.services.housekeeping import AREA_NAME, PARTIAL_NAME


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def empty_system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp folder, watched: a fresh empty folder."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def _write(path: Path, rows: object, **kw: object):  # type: ignore[no-untyped-def]
    return write_ledger(
        path, title="城关镇隐患排查治理台账", unit="城关镇人民政府", made_by="李安全",
        made_on=dt.date(2026, 11, 23), columns=kw.pop("columns", HAZARD_COLUMNS),  # type: ignore[arg-type]
        rows=rows, **kw,  # type: ignore[arg-type]
    )


# --- partial names, scratch, modes ----------------------------------------------------------------


def test_partial_names_have_the_shape_housekeeping_recognises(tmp_path: Path) -> None:
    target = tmp_path / ("很长的台账名称" * 20 + ".xlsx")
    for partial in (temp_path_for(target), partial_path_for(target)):
        match = PARTIAL_NAME.match(partial.name)
        assert match is not None and partial.parent == tmp_path
        assert (match["pid"], match["host"]) == tuple(process_tag().split("-"))
        assert len(partial.name.encode("utf-8")) < 255
    assert io_process_tag() == process_tag()  # io and core name the process alike
    assert temp_path_for(target) != temp_path_for(target)  # two writers never share a partial file
    scratch = make_scratch_dir(tmp_path / "area", target)
    assert AREA_NAME.match(scratch.name) and _mode(scratch) == 0o700 and _mode(scratch.parent) == 0o700
    beside = make_scratch_dir(None, target)
    assert beside.parent == tmp_path and PARTIAL_NAME.match(beside.name)


def test_scratch_goes_to_the_given_folder_never_the_system_temp(tmp_path: Path, empty_system_temp: Path) -> None:
    photo = tmp_path / "现场.jpg"
    Image.new("RGB", (800, 600), (20, 120, 200)).save(photo)
    area = tmp_path / "data" / ".anquan-tmp"
    seen: list[list[str]] = []
    columns = (*HAZARD_COLUMNS, PHOTO_COLUMN)
    rows = sample_rows(columns, 300)
    for row in rows:
        row["photos"] = [photo]

    def watched() -> Iterator[dict[str, object]]:
        for n, row in enumerate(rows):
            if n == 250:  # XlsxWriter's row file and the thumbnails are in the scratch folder now
                seen.append([p.name for p in area.rglob("*")])
            yield row

    out = tmp_path / "out" / "台账.xlsx"
    out.parent.mkdir()
    result = _write(out, watched(), columns=columns, scratch_dir=area)
    assert result.rows_written == 300
    [names] = seen
    assert any(n.startswith("scratch~") for n in names) and any(n.endswith(".jpg") for n in names)
    assert list(empty_system_temp.iterdir()) == []
    assert list(area.iterdir()) == []  # the scratch folder went with the export
    assert [p.name for p in out.parent.iterdir()] == ["台账.xlsx"]
    assert len(load_workbook(out).active._images) == 300


def test_without_a_scratch_folder_it_works_beside_the_target(tmp_path: Path, empty_system_temp: Path) -> None:
    seen: list[list[str]] = []

    def watched() -> Iterator[dict[str, object]]:
        # The first 200 rows are read before anything is written (column widths).
        for n, row in enumerate(sample_rows(HAZARD_COLUMNS, 300)):
            if n == 250:
                seen.append(sorted(p.name for p in tmp_path.iterdir() if p.name != "system-temp"))
            yield row

    _write(tmp_path / "台账.xlsx", watched())
    [names] = seen
    assert len(names) == 2 and all(PARTIAL_NAME.match(n) for n in names)  # the partial file and scratch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["system-temp", "台账.xlsx"]
    assert list(empty_system_temp.iterdir()) == []


def test_private_ledger_is_0600_from_its_first_byte(tmp_path: Path) -> None:
    modes: list[int] = []

    def watched() -> Iterator[dict[str, object]]:
        for n, row in enumerate(sample_rows(HAZARD_COLUMNS, 260)):
            if n == 230:
                [partial] = [p for p in tmp_path.iterdir() if p.is_file() and PARTIAL_NAME.match(p.name)]
                modes.append(_mode(partial))
            yield row

    previous = os.umask(0o022)
    try:
        _write(tmp_path / "private.xlsx", watched(), private=True)
        _write(tmp_path / "shared.xlsx", sample_rows(HAZARD_COLUMNS, 3))
    finally:
        os.umask(previous)
    assert modes == [0o600]
    assert _mode(tmp_path / "private.xlsx") == 0o600
    assert _mode(tmp_path / "shared.xlsx") == 0o644  # outside the data folder: as the umask says
    create_file(tmp_path / "x", private=True)
    with pytest.raises(FileExistsError):
        create_file(tmp_path / "x", private=True)


# --- names built from data ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("YH-2026-001", "YH-2026-001"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "未命名"),
        ("/abs/path", "_abs_path"),
        ("C:\\Windows\\x", "C__Windows_x"),
        (" .hidden ", "hidden"),
        ("a\x00b\nc", "a_b_c"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("隐患：消防*通道?", "隐患：消防_通道_"),
        ("", "未命名"),
        (None, "未命名"),
        ("末尾点. . ", "末尾点"),
    ],
)
def test_safe_file_name(value: object, expected: str) -> None:
    assert safe_file_name(value) == expected
    assert "/" not in safe_file_name(value) and "\\" not in safe_file_name(value)


def test_long_names_are_cut() -> None:
    assert len(safe_file_name("长" * 500)) == 80


def test_path_inside_refuses_what_leads_out(tmp_path: Path) -> None:
    folder = tmp_path / "照片"
    folder.mkdir()
    assert path_inside(folder, "YH-1-1.jpg") == folder / "YH-1-1.jpg"
    for name in ("../x.jpg", "/etc/passwd", "a/../../x", ".", ""):
        with pytest.raises(ValueError, match="outside"):
            path_inside(folder, name)
    (folder / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="outside"):
        path_inside(folder, "link/secret.jpg")
    # Whatever a hazard code holds, its safe name stays inside.
    for code in ("../../evil", "..\\..\\evil", "/tmp/evil", "a/../../b", "....//....//x"):
        assert path_inside(folder, safe_file_name(code) + "-1.jpg").parent == folder


# --- 脱敏 of free text ------------------------------------------------------------------------------


def test_id_numbers_in_free_text() -> None:
    assert scrub_id_numbers("身份证11010519491231002X号") == "身份证110*************2X号"
    assert scrub_id_numbers("证号110105194912310021。") == "证号110*************21。"
    assert scrub_id_numbers("ID:44030119851012123x") == "ID:440*************3x"
    assert scrub_id_numbers("老证110105491231002，") == "老证110**********02，"
    assert scrub_id_numbers("身份证 110105 19491231 002X") == "身份证 110*************2X"
    # Not an ID: a company credit code, a date, a hazard number, a longer digit run.
    for text in ("代码91330100MA2ABCDE1X", "913301001234567890", "2026-11-23", "YH-20261123-0001",
                 "12345678901234567890123"):
        assert scrub_id_numbers(text) == text


def test_phone_numbers_in_free_text() -> None:
    assert scrub_phone_numbers("老板13812345678") == "老板138****5678"
    assert scrub_phone_numbers("手机 138 1234 5678") == "手机 138****5678"
    assert scrub_phone_numbers("+86 138-1234-5678") == "+86 138****5678"
    assert scrub_phone_numbers("座机0571-87654321，") == "座机0571-****4321，"
    assert scrub_phone_numbers("（0571）8765 4321") == "0571-****4321"
    assert scrub_phone_numbers("电话：8765-4321") == "电话：****4321"
    assert scrub_phone_numbers("面积87654321平方米") == "面积87654321平方米"  # no keyword: not a phone


def test_scrub_free_text_masks_ids_before_phones() -> None:
    text = "业主张某，身份证330102198001011234，电话13912345678，座机021-62345678"
    assert scrub_free_text(text) == "业主张某，身份证330*************34，电话139****5678，座机021-****5678"
    assert scrub_free_text("灭火器过期") == "灭火器过期" and scrub_free_text(None) is None


def test_name_scrubber_masks_known_names_longest_first() -> None:
    names = NameScrubber(["张三", "张三丰", "李四（店长）", "王五、赵六", "x", "13812345678"])
    assert names.names == {"张三", "张三丰", "李四", "王五", "赵六"}
    assert names("张三丰和张三好，李四店长，王五赵六") == "张**和张*好，李*店长，王*赵*"
    assert names("无人") == "无人" and names(3) == 3
    assert person_names(["欧阳娜娜（网格员）", "", None, "王 五"]) == {"欧阳娜娜"}
    assert NameScrubber([])("张三") == "张三"


def test_deidentified_ledger_masks_numbers_in_free_text_read_back(tmp_path: Path) -> None:
    rows = sample_rows(HAZARD_COLUMNS, 2)
    rows[0]["description"] = "业主身份证11010519491231002X，手机13812345678"
    rows[0]["remarks"] = "隐患部位：后厨；联系电话：0571-87654321"
    rows[0]["rectification"] = "已整改（见证人身份证110105491231002）"
    path = tmp_path / "d.xlsx"
    _write(path, rows, deidentified=True)
    ws = load_workbook(path).active
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for secret in ("11010519491231002X", "13812345678", "87654321", "110105491231002"):
        assert secret not in text
    assert "110*************2X" in text and "138****5678" in text and "0571-****4321" in text
    full = tmp_path / "f.xlsx"
    _write(full, rows)
    text = "\n".join(str(c.value) for row in load_workbook(full).active.iter_rows() for c in row if c.value)
    assert "11010519491231002X" in text and "13812345678" in text
