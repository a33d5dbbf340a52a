"""A township set up as a new user would (through ``setup_township``), with one user of every role, and
the kind of villages-and-grids list a township's grid office keeps, as an xlsx."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from anquan_desk.core.db import Database
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.township import SetupRequest, TownshipProfile, UserSpec, VillageSpec, setup_township

PASSWORD = "secret12"
#: username → (name, role, 执法证号, 工作证号)
PEOPLE = {
    "admin": ("周建国", "管理员", "32010019001", ""),
    "wang": ("王芳", "检查员", "32010019002", ""),
    "li": ("李华", "网格员", "", "BS-2026-012"),
    "zhao": ("赵玥", "只读", "", ""),
}


def request(*, authorised: bool = False) -> SetupRequest:
    admin_name, _role, admin_cert, _work = PEOPLE["admin"]
    others = tuple(
        UserSpec(username, name, PASSWORD, role, cert, work)
        for username, (name, role, cert, work) in PEOPLE.items()
        if username != "admin"
    )
    profile = TownshipProfile(name="白沙镇", county="青溪县")
    if authorised:
        profile = TownshipProfile(
            name="白沙镇", county="青溪县", authorisation="委托", authorisation_document="青应急〔2024〕12号",
            authorisation_date=date(2024, 3, 1),
        )
    return SetupRequest(
        profile=profile,
        villages=(
            VillageSpec("红光村", grids=("红光一网格", "红光二网格")),
            VillageSpec("城东社区", grids=("城东网格",)),
        ),
        admin=UserSpec("admin", admin_name, PASSWORD, "管理员", admin_cert),
        users=others,
    )


def set_up(db: Database, *, authorised: bool = False) -> None:
    setup_township(Desk(db, Actor.system("setup")), request(authorised=authorised))


def grid_list(path: Path, rows: Sequence[Sequence[object]], *, title: str = "白沙镇网格划分表",
              header: Sequence[str] = ("序号", "所属村（社区）", "网格名称", "类型")) -> Path:
    """A title row merged across the table, the header in row 3, ``rows`` from row 4; the village
    cell merged over the rows of one village when consecutive rows repeat it as None."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "网格"
    ws["A1"] = title
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    for column, text in enumerate(header, start=1):
        ws.cell(row=3, column=column, value=text)
    spans: list[list[int]] = []  # [first row, last row] of each village cell
    for r, values in enumerate(rows, start=4):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
        if values[1] is not None or not spans:
            spans.append([r, r])
        else:
            spans[-1][1] = r
    for first, last in spans:
        if last > first:
            ws.merge_cells(start_row=first, start_column=2, end_row=last, end_column=2)
    ws.cell(row=4 + len(rows) + 1, column=1, value="填表人：王五")
    wb.save(path)
    return path


_templates: dict[bool, Path] = {}


def database(folder: Path, *, authorised: bool = False) -> Database:
    """A copy of the set-up township in ``folder`` (built once per test run: the password hashes and
    the checklist library make a setup take a while)."""
    import shutil
    import tempfile

    from anquan_desk.core.db import open_database

    template = _templates.get(authorised)
    if template is None:
        template = Path(tempfile.mkdtemp(prefix="township-template-")) / "anquan.db"
        built = open_database(template)
        set_up(built, authorised=authorised)
        built.dispose()
        _templates[authorised] = template
    target = folder / "township" / "anquan.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template, target)
    return open_database(target)
