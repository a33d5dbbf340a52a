"""Document numbers in the database: formats, per-laptop slot blocks offline, void, merge of two laptops."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.db import Database, open_database
from anquan_desk.core.device import this_device
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import IssuedNumber, NumberBlock, Township
from anquan_desk.services import documents as docs
from anquan_desk.services import numbering as num


def _device_file(path: Path, device_id: str) -> Path:
    path.write_text(json.dumps({"id": device_id, "short": device_id[:4].upper()}), encoding="utf-8")
    return path


def _township(session: Session) -> Township:
    return num.township_or_fail(session)


def test_formats_defaults_and_township_override(db: Database) -> None:
    doc_setup.township(db)
    with db.session() as s:
        t = _township(s)
        # a township that is not authorised numbers in its own name: no 应急 anywhere
        assert num.number_format(t, "notice").format(2026, 15) == "青安改〔2026〕第015号"
        assert num.number_format(t, "record").format(2026, 7) == "青检记〔2026〕第007号"
        assert num.number_format(t, "review").format(2026, 7) == "青复查〔2026〕第007号"
        assert num.number_format(t, "order").format(2026, 15) == "青责改〔2026〕第015号"
        # authorised to enforce: the 2017 式样 as written since 2018 (its own notice unchanged)
        t.enforcement_authorised = True
        assert num.number_format(t, "order").format(2026, 15) == "（青）应急责改〔2026〕15号"
        assert num.number_format(t, "record").format(2026, 7) == "（青）应急检记〔2026〕7号"
        assert num.number_format(t, "review").format(2026, 7) == "（青）应急复查〔2026〕7号"
        assert num.number_format(t, "notice").format(2026, 15) == "青安改〔2026〕第015号"
        t.enforcement_authorised = False
        assert num.number_format(t, "notice").parse("青安改〔2026〕第015号") == (2026, 15)
        t.number_formats = {"notice": {"template": "白{prefix}字〔{year}〕{serial_padded}号", "prefix": "隐改",
                                       "serial_width": 4}}
        s.flush()
        got = num.allocate_number(s, t, "notice", 2026, "dev-a")
        assert (got.series, got.serial, got.number) == ("隐改", 1, "白隐改字〔2026〕0001号")


def test_one_laptop_no_gaps_then_next_block(db: Database) -> None:
    doc_setup.township(db, settings={"number_block_size": 5, "number_slots": 3})
    with db.session() as s:
        t = _township(s)
        serials = [num.allocate_number(s, t, "notice", 2026, "dev-a").serial for _ in range(12)]
        # slot 1 (given automatically to the first laptop), blocks of 5 in rounds of 3 slots
        assert serials == [1, 2, 3, 4, 5, 16, 17, 18, 19, 20, 31, 32]
        blocks = s.execute(select(NumberBlock.first, NumberBlock.last, NumberBlock.next_serial)
                           .order_by(NumberBlock.first)).all()
        assert [tuple(b) for b in blocks] == [(1, 5, 6), (16, 20, 21), (31, 35, 33)]
        # series are separate; a new year starts again at 1
        assert num.allocate_number(s, t, "record", 2026, "dev-a").serial == 1
        assert num.allocate_number(s, t, "notice", 2027, "dev-a").serial == 1
        assert num.device_slots(t) == {"dev-a": 1}


def test_laptop_without_slot_is_refused_offline(db: Database) -> None:
    doc_setup.township(db)
    with db.session() as s:
        assert num.assign_device_slot(s, "dev-a") == 1
        assert num.assign_device_slot(s, "dev-b") == 2
        assert num.assign_device_slot(s, "dev-b") == 2  # asking again changes nothing
        with pytest.raises(UserInputError, match="已分配给其他电脑"):
            num.assign_device_slot(s, "dev-c", 1)
        t = _township(s)
        if db.path is not None:  # a laptop's own file: no slot, no numbers offline
            with pytest.raises(UserInputError, match="尚未分配文书编号段位"):
                num.allocate_number(s, t, "notice", 2026, "dev-c")
        else:  # on the township's server the laptop gets the next free slot by itself
            assert num.allocate_number(s, t, "notice", 2026, "dev-c").serial == 101  # slot 3
            assert num.device_slots(t)["dev-c"] == 3
        assert num.allocate_number(s, t, "notice", 2026, "dev-b").serial == 51  # slot 2, default block 50


@pytest.mark.sqlite_only("laptops offline carry copies of the SQLite file")
def test_two_laptops_offline_then_merge(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The admin gives both laptops their slot on the shared database; each takes a copy into the
    field and issues 100 notices offline (own device file); merged, no number repeats."""
    ids = doc_setup.finished_check(db, tmp_path)
    laptop_a = _device_file(tmp_path / "a.json", "aaaaaaaa-0000-0000-0000-00000000000a")
    laptop_b = _device_file(tmp_path / "b.json", "bbbbbbbb-0000-0000-0000-00000000000b")
    with db.session("admin") as s:
        for f in (laptop_a, laptop_b):
            monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(f))
            num.assign_device_slot(s, this_device().id)
    db.dispose()
    assert db.path is not None
    copies: dict[str, Database] = {}
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy2(db.path, folder / "anquan.db")
        shutil.copytree(db.attachments_dir, folder / "anquan-attachments")
        copies[name] = open_database(folder / "anquan.db")
    numbers: dict[str, list[str]] = {}
    for name, device in (("a", laptop_a), ("b", laptop_b)):
        monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(device))
        laptop = copies[name]
        with laptop.session(name) as s:
            t = _township(s)
            device_id = this_device().id
            # 99 numbers through the allocator the issue path uses, then a real notice as the 100th
            for _ in range(99):
                num.allocate_number(s, t, "notice", 2026, device_id)
            notice, _pdf = docs.issue_notice(
                s, AttachmentStore(laptop.attachments_dir), ids["inspection"], issued_at=datetime(2026, 11, 23, 9, 0),
                served_on=doc_setup.CHECK_DAY,
            )
            assert notice.number.startswith("青安改〔2026〕第")
        with laptop.reader() as s:
            rows = list(s.scalars(select(IssuedNumber).order_by(IssuedNumber.serial)))
            assert len(rows) == 100 and {r.device_id for r in rows} == {device_id}
            numbers[name] = [r.number for r in rows]
            serials = [r.serial for r in rows]
            # no gaps inside one laptop's blocks: slot 1 → 1–50, 501–550; slot 2 → 51–100, 551–600
            assert serials == (list(range(1, 51)) + list(range(501, 551)) if name == "a"
                               else list(range(51, 101)) + list(range(551, 601)))
    assert numbers["a"][0] == "青安改〔2026〕第001号" and numbers["b"][0] == "青安改〔2026〕第051号"
    merged = numbers["a"] + numbers["b"]
    assert len(merged) == 200 and len(set(merged)) == 200
    # merge the rows physically: laptop B's numbers into laptop A's database (UNIQUE series/year/serial)
    with copies["b"].reader() as s:
        rows_b = [(r.series, r.year, r.serial, r.number, r.device_id) for r in s.scalars(select(IssuedNumber))]
    with copies["a"].session("merge") as s:
        for series, year, serial, number, device in rows_b:
            s.add(IssuedNumber(series=series, year=year, serial=serial, number=number, device_id=device))
    with copies["a"].reader() as s:
        all_rows = list(s.scalars(select(IssuedNumber)))
        assert len(all_rows) == 200
        assert num.find_number_collisions(all_rows) == []
    for laptop in copies.values():
        laptop.dispose()


@pytest.mark.sqlite_only("laptops offline carry copies of the SQLite file")
def test_copies_without_slots_collide_and_are_reported(db: Database, tmp_path: Path) -> None:
    """What the design warns about: two copies of a database in which no slot was given both
    hand out slot 1 automatically; the merge check finds the repeated serials."""
    doc_setup.township(db)
    db.dispose()
    assert db.path is not None
    keys: list[tuple[str, int, int]] = []
    for name, device in (("a", "dev-a"), ("b", "dev-b")):
        copy = tmp_path / f"{name}.db"
        shutil.copy2(db.path, copy)
        laptop = open_database(copy)
        with laptop.session() as s:
            t = _township(s)
            keys += [(r.series, r.year, r.serial) for r in
                     (num.allocate_number(s, t, "notice", 2026, device).row for _ in range(3))]
        laptop.dispose()
    assert num.find_number_collisions(keys) == [("安改", 2026, 1), ("安改", 2026, 2), ("安改", 2026, 3)]


def test_voided_number_is_kept_and_never_reused(db: Database) -> None:
    doc_setup.township(db)
    with db.session() as s:
        t = _township(s)
        first = num.allocate_number(s, t, "review", 2026, "dev-a")
        num.void_number(s, first.number, "填错")
        second = num.allocate_number(s, t, "review", 2026, "dev-a")
        assert (first.serial, second.serial) == (1, 2)
        row = s.scalar(select(IssuedNumber).where(IssuedNumber.serial == 1))
        assert row is not None and row.voided and row.void_reason == "填错"


def test_slot_entry_points(db: Database) -> None:
    desk = desk_for(db, "admin")
    assert num.number_slots(desk) == num.SlotOverview(has_township=False)
    doc_setup.township(db, settings={"device_slots": {"dev-x": 3}, "number_block_size": 20})
    overview = num.number_slots(desk)
    assert (overview.has_township, overview.problem, overview.slots, overview.block_size) == (True, "", 10, 20)
    assert overview.assigned == (("dev-x", 3),) and overview.slot_of("dev-x") == 3 and overview.slot_of("dev-a") is None
    assert num.assign_slot(desk, "dev-a") == 1
    assert num.assign_slot(desk, "dev-b", 5) == 5
    with pytest.raises(UserInputError, match="已分配给其他电脑"):
        num.assign_slot(desk, "dev-c", 3)
    assert num.number_slots(desk).assigned == (("dev-a", 1), ("dev-x", 3), ("dev-b", 5))
    with db.session() as s:
        _township(s).settings = {**_township(s).settings, "number_slots": 0}
    assert num.number_slots(desk).problem.startswith("编号段设置无效")


def test_spend_number_only_marks_unused_numbers(db: Database) -> None:
    doc_setup.township(db)
    with db.session() as s:
        t = _township(s)
        taken = num.allocate_number(s, t, "notice", 2026, "dev-a")
        assert num.spend_number(s, taken.row.id, "签发未完成")
        assert not num.spend_number(s, taken.row.id, "again")  # voided already: unchanged
        row = s.get(IssuedNumber, taken.row.id)
        assert row is not None and row.voided and row.void_reason == "签发未完成"
        assert num.allocate_number(s, t, "notice", 2026, "dev-a").serial == 2
