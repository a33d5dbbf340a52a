"""Ledger exports and privacy: 脱敏 of free text read back from the xlsx, no photos in the 脱敏
variant, names built from data kept inside their folder, scratch files in the data folder's own temp
area, private files in the data folder."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import desk_for
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.cli import main as cli_main
from anquan_desk.core.attachments import link_attachment, prepare_photo, save_attachment
from anquan_desk.core.db import Database
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Attachment, AttachmentLink, GridMember, Hazard, Inspection, Place
from anquan_desk.core.progress import Progress
from anquan_desk.services.housekeeping import TEMP_AREA
from anquan_desk.services.ledgers import ExportOptions, export_ledger
from anquan_desk.services.ledgers.export import NO_PHOTOS_WHEN_DEIDENTIFIED

ID18 = "11010519491231002X"
ID15 = "110105491231002"
MOBILE = "13812345678"
LANDLINE = "0571-87654321"


def _finished_hazards(session: Session) -> list[Hazard]:
    hazards = [h for h in session.scalars(select(Hazard)) if h.inspection.status == "已完成"]
    return sorted(hazards, key=lambda h: (h.inspection.started_at, h.inspection_id, h.seq, h.code))


def _sheet(path: Path) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    """Header → column index, and the data rows (below the title, info line and header)."""
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    header = {str(v): i for i, v in enumerate(rows[2]) if v is not None}
    return header, rows[3:]


def _photo(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (64, 48), colour).save(path)
    return path


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_deidentified_ledgers_mask_ids_phones_and_known_names_in_free_text(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session("t") as s:
        hazard = _finished_hazards(s)[0]
        place = hazard.place
        # People the database knows who have nothing to do with this hazard's row.
        member = next(m.name for m in s.scalars(select(GridMember)) if m.grid_id != place.grid_id)
        owner = next(p.responsible_person for p in s.scalars(select(Place))
                     if p.id != place.id and len(p.responsible_person) >= 2 and p.responsible_person not in member)
        hazard.description = f"业主{owner}（身份证{ID18}，手机138 1234 5678）在消防通道堆放杂物"
        hazard.location = f"后厨，联系电话{LANDLINE}"
        hazard.notes = f"网格员{member}已告知；旧证号{ID15}"
        code = hazard.code
        inspection = hazard.inspection
        inspection.findings = f"与{owner}核实，身份证{ID18}"
        inspection_place = inspection.place.name
    secrets = (ID18, ID15, MOBILE, "138 1234 5678", "87654321", owner, member)

    out = tmp_path / "脱敏.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, deidentified=True))
    header, rows = _sheet(out)
    [row] = [r for r in rows if r[header["隐患编号"]] == code]
    description, remarks = row[header["隐患描述"]], row[header["备注"]]
    assert description == (f"业主{owner[0]}{'*' * (len(owner) - 1)}（身份证110*************2X，手机138****5678）"
                           "在消防通道堆放杂物")
    assert row[header["隐患部位"]] == "后厨，联系电话0571-****4321"
    assert remarks == f"网格员{member[0]}{'*' * (len(member) - 1)}已告知；旧证号110**********02"
    text = "\n".join(str(v) for r in rows for v in r if v is not None)
    assert not [s for s in secrets if s in text]
    assert "整改情况" in header and "负责人" not in header and "联系电话" not in header

    out = tmp_path / "检查脱敏.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="inspections", out=out, deidentified=True))
    header, rows = _sheet(out)
    contents = [r[header["检查内容"]] for r in rows if r[header["单位名称"]] == inspection_place]
    assert any("身份证110*************2X" in str(c) and f"与{owner[0]}*" in str(c) for c in contents)
    text = "\n".join(str(v) for r in rows for v in r if v is not None)
    assert ID18 not in text and owner not in text

    # The full ledger keeps what was recorded.
    full = tmp_path / "full.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=full))
    header, rows = _sheet(full)
    [row] = [r for r in rows if r[header["隐患编号"]] == code]
    assert ID18 in row[header["隐患描述"]] and LANDLINE in row[header["隐患部位"]] and member in row[header["备注"]]


def test_deidentified_export_with_photos_is_refused(
    demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "h.xlsx"
    out.parent.mkdir()
    for photos in ("folder", "column"):
        with pytest.raises(UserInputError, match="脱敏版台账不附现场照片"):
            export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, deidentified=True,
                                                           photos=photos))  # type: ignore[arg-type]
    assert list(out.parent.iterdir()) == []
    code = cli_main(["export", "ledger", "--db", demo_db.url, "--deidentified", "--photos", "folder",
                     "--out", str(out)])
    assert code == 2
    assert NO_PHOTOS_WHEN_DEIDENTIFIED in capsys.readouterr().err
    assert list(out.parent.iterdir()) == []


def test_hostile_hazard_codes_stay_inside_the_photo_folder(demo_db: Database, tmp_path: Path) -> None:
    store = demo_db.attachment_store()
    # Codes are unique, but two may give the same file name: neither overwrites the other.
    hostile = ["../../逃逸", "..\\..\\逃逸", "/tmp/绝对", "CON", "同/号", "同\\号"]
    with demo_db.session("t") as s:
        hazards = _finished_hazards(s)[: len(hostile)]
        for n, (hazard, code) in enumerate(zip(hazards, hostile, strict=True)):
            hazard.code = code
            att = save_attachment(s, store, prepare_photo(_photo(tmp_path / f"s{n}.jpg", (n * 40, 90, 90))), "x.jpg")
            link_attachment(s, att, "hazard", hazard.id)
    work = tmp_path / "work"
    out = work / "导出" / "h.xlsx"
    out.parent.mkdir(parents=True)
    result = export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, photos="folder"))
    folder = out.parent / "h-照片"
    assert result.photo_folder == folder and result.photos_copied == len(hostile)
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        "_.._逃逸-1.jpg", "_.._逃逸-1(2).jpg", "_tmp_绝对-1.jpg", "_CON-1.jpg", "同_号-1.jpg", "同_号-1(2).jpg",
    ])
    assert _tree(work) == {"导出", "导出/h.xlsx", "导出/h-照片", *(f"导出/h-照片/{p.name}" for p in folder.iterdir())}
    assert not (tmp_path / "逃逸-1.jpg").exists() and not Path("/tmp/绝对-1.jpg").exists()


def test_a_record_naming_a_file_outside_the_store_is_never_read(demo_db: Database, tmp_path: Path) -> None:
    secret = demo_db.data_dir / "secret.jpg"
    secret.parent.mkdir(parents=True, exist_ok=True)
    _photo(secret, (250, 0, 0))
    with demo_db.session("t") as s:
        hazard = _finished_hazards(s)[0]
        att = Attachment(sha256="../secret", mime="image/jpeg", size=1, original_name="x.jpg")
        s.add(att)
        s.flush()
        s.add(AttachmentLink(attachment_id=att.id, owner_type="hazard", owner_id=hazard.id, role="photo"))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out_dir / "h.xlsx", photos="folder"))
    assert result.photos_copied == 0 and result.photo_folder is None
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out_dir / "c.xlsx", photos="column"))
    wb = load_workbook(out_dir / "c.xlsx")
    assert wb.active is not None and wb.active._images == []
    assert sorted(p.name for p in out_dir.iterdir()) == ["c.xlsx", "h.xlsx"]


def test_photo_folder_of_a_new_export_replaces_the_old_one(demo_db: Database, tmp_path: Path) -> None:
    store = demo_db.attachment_store()
    with demo_db.session("t") as s:
        hazard = _finished_hazards(s)[0]
        att = save_attachment(s, store, prepare_photo(_photo(tmp_path / "a.jpg", (200, 0, 0))), "a.jpg")
        link_attachment(s, att, "hazard", hazard.id)
        code, hazard_id = hazard.code, hazard.id
    out = tmp_path / "out" / "h.xlsx"
    out.parent.mkdir()
    folder = out.parent / "h-照片"
    folder.mkdir()
    (folder / "上次导出-1.jpg").write_bytes(b"old")
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, photos="folder"))
    assert sorted(p.name for p in folder.iterdir()) == [f"{code}-1.jpg"]
    with demo_db.session("t") as s:
        att = save_attachment(s, store, prepare_photo(_photo(tmp_path / "b.jpg", (0, 200, 0))), "b.jpg")
        link_attachment(s, att, "hazard", hazard_id, role="after")
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, photos="folder"))
    assert sorted(p.name for p in folder.iterdir()) == [f"{code}-1.jpg", f"{code}-整改后-1.jpg"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["h-照片", "h.xlsx"]


class _Watching(Progress):
    """Looks at the data folder's temp area and the output folder while rows are written."""

    def __init__(self, area: Path, out_dir: Path) -> None:
        super().__init__()
        self.area = area
        self.out_dir = out_dir
        self.seen: list[tuple[set[str], set[str]]] = []

    def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
        super().update(done, total, text)
        if done and self.area.is_dir():
            self.seen.append(({p.name.split("~")[0] for p in self.area.iterdir()},
                              {p.name for p in self.out_dir.iterdir()}))


def test_scratch_files_go_to_the_data_folder_not_the_system_temp(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "system-temp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    monkeypatch.setenv("TMPDIR", str(system))
    store = demo_db.attachment_store()
    with demo_db.session("t") as s:
        for n, hazard in enumerate(_finished_hazards(s)[:5]):
            att = save_attachment(s, store, prepare_photo(_photo(tmp_path / f"p{n}.jpg", (n * 50, 0, 0))), "p.jpg")
            link_attachment(s, att, "hazard", hazard.id)
    out = tmp_path / "out" / "h.xlsx"
    out.parent.mkdir()
    area = demo_db.data_dir / TEMP_AREA
    progress = _Watching(area, out.parent)
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, photos="column"), progress=progress)
    during = [names for names, _out in progress.seen]
    assert during and all(names == {"pending", "scratch"} for names in during[:-1])
    assert all(len(out_names) == 1 and next(iter(out_names)).startswith(".~h.xlsx~") for _n, out_names in
               progress.seen[:-1])
    assert list(system.iterdir()) == []
    assert list(area.iterdir()) == []
    assert [p.name for p in out.parent.iterdir()] == ["h.xlsx"]


def test_exports_into_the_data_folder_are_private(demo_db: Database) -> None:
    previous = os.umask(0o022)
    try:
        out = demo_db.data_dir / "台账.xlsx"
        export_ledger(desk_for(demo_db), ExportOptions(kind="places", out=out))
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        out2 = demo_db.data_dir / "季度.xlsx"
        result = export_ledger(desk_for(demo_db), ExportOptions(kind="quarterly", out=out2))
        assert result.paths == (out2,) and len(result.titles) == 2
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in result.paths)
    finally:
        os.umask(previous)


def test_cli_runs_with_a_private_umask(demo_db: Database, tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        out = tmp_path / "out" / "places.xlsx"
        out.parent.mkdir()
        assert cli_main(["export", "ledger", "--db", demo_db.url, "--kind", "places", "--out", str(out)]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o600  # the program's umask 077
        assert os.umask(0o022) == 0o022  # and the caller's umask is back
    finally:
        os.umask(previous)


def test_inspections_ledger_counts_are_unchanged_by_the_scrubbing(demo_db: Database, tmp_path: Path) -> None:
    """脱敏 changes text only: the same rows, in the same order, with the same numbers."""
    full, masked = tmp_path / "f.xlsx", tmp_path / "m.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="inspections", out=full))
    export_ledger(desk_for(demo_db), ExportOptions(kind="inspections", out=masked, deidentified=True))
    h_full, rows_full = _sheet(full)
    h_masked, rows_masked = _sheet(masked)
    with demo_db.reader() as s:
        finished = len(list(s.scalars(select(Inspection).where(Inspection.status == "已完成"))))
    assert len(rows_full) == len(rows_masked) == finished
    for key in ("序号", "检查日期", "发现隐患数", "其中重大隐患"):
        assert [r[h_full[key]] for r in rows_full] == [r[h_masked[key]] for r in rows_masked]


def test_a_photo_folder_that_cannot_be_put_in_place_leaves_the_old_one(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anquan_desk.services.ledgers import export as export_module

    store = demo_db.attachment_store()
    with demo_db.session("t") as s:
        hazard = _finished_hazards(s)[0]
        att = save_attachment(s, store, prepare_photo(_photo(tmp_path / "a.jpg", (200, 0, 0))), "a.jpg")
        link_attachment(s, att, "hazard", hazard.id)
    out = tmp_path / "out" / "h.xlsx"
    out.parent.mkdir()
    folder = out.parent / "h-照片"
    folder.mkdir()
    (folder / "上次导出-1.jpg").write_bytes(b"old")
    real_replace = os.replace
    calls: list[Path] = []

    def failing(source: Any, target: Any) -> None:
        if Path(target) == folder and not calls:  # the new folder cannot be put in place
            calls.append(Path(source))
            raise PermissionError(13, "folder in use")
        real_replace(source, target)

    monkeypatch.setattr(export_module.os, "replace", failing)
    with pytest.raises(PermissionError):
        export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, photos="folder"))
    monkeypatch.undo()
    assert calls and calls[0].name.startswith(".~h-照片~")
    assert [p.name for p in folder.iterdir()] == ["上次导出-1.jpg"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["h-照片"]  # the new ledger went too
