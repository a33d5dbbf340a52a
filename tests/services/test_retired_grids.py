"""A retired grid keeps its history but takes no more places: not offered on the place page (except
to a place still in it), refused when a place is moved into it, and refused in a place import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import desk_for, township_setup
from openpyxl import Workbook
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Grid, Place
from anquan_desk.services import ground, place_import, places


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = township_setup.database(tmp_path)
    yield database
    database.dispose()


def _grids(db: Database) -> dict[str, str]:
    with db.reader() as s:
        return {g.name: g.id for g in s.scalars(select(Grid))}


def _list(folder: Path, grid: str) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["单位名称", "地址", "所属村（社区）", "所属网格"])
    ws.append(["老街面馆", "老街18号", "红光村", grid])
    path = folder / f"{grid}.xlsx"
    wb.save(path)
    return path


def test_a_retired_grid_takes_no_imported_places(db: Database, tmp_path: Path) -> None:
    admin = desk_for(db, "admin")
    ground.retire_grid(admin, _grids(db)["红光二网格"])
    preview = place_import.preview_place_list(admin, _list(tmp_path, "红光二网格"))
    errors = [p for p in preview.problems if p.severity == "error"]
    assert [(p.sheet, p.row, p.column) for p in errors] == [("Sheet", 2, "所属网格")]
    assert "红光二网格" in errors[0].message
    with pytest.raises(place_import.ImportBlockedError):
        place_import.import_place_list(admin, preview)
    # With "create missing" the preview does not check the grid names; the write refuses it whole.
    preview = place_import.preview_place_list(admin, _list(tmp_path, "红光二网格"), create_missing=True)
    with pytest.raises(place_import.ImportBlockedError, match="已停用"):
        place_import.import_place_list(admin, preview, create_missing=True)
    with db.reader() as s:
        assert s.scalars(select(Place)).all() == []
    done = place_import.import_place_list(admin, place_import.preview_place_list(admin, _list(tmp_path, "红光一网格")))
    assert done.imported == 1


def test_the_place_page_offers_active_grids_and_the_place_s_own(db: Database, tmp_path: Path) -> None:
    admin = desk_for(db, "admin")
    grids = _grids(db)
    place_import.import_place_list(admin, place_import.preview_place_list(admin, _list(tmp_path, "红光二网格")))
    with db.reader() as s:
        place_id = s.scalars(select(Place.id)).one()
    places.edit_place(admin, place_id, {"status": "关闭"})  # a grid with open places cannot be retired
    ground.retire_grid(admin, grids["红光二网格"])
    choices = dict(places.place_editor(admin, place_id).grids)
    assert choices[grids["红光二网格"]] == "红光村 / 红光二网格（已停用）"
    assert grids["红光一网格"] in choices and grids["城东网格"] in choices
    # The place may stay where it is (other fields edited), or move to a grid in use …
    places.edit_place(admin, place_id, {"phone": "13905710001", "grid_id": grids["红光二网格"]})
    places.edit_place(admin, place_id, {"grid_id": grids["红光一网格"]})
    # … but not back into the retired grid, which it is no longer offered either.
    with pytest.raises(places.PlaceEditError, match="已停用"):
        places.edit_place(admin, place_id, {"grid_id": grids["红光二网格"]})
    assert grids["红光二网格"] not in dict(places.place_editor(admin, place_id).grids)
