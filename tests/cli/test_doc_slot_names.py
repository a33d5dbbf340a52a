"""The command line names laptops, never by their 4-character code: ``doc slot`` says 本机（名称）
and records the laptop's name for the other laptops' slot lists; ``plan tasks`` shows the hazard
numbers to review with the laptop's name (as the screens do)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import doc_setup
from sqlalchemy import select, update

from anquan_desk.cli import main
from anquan_desk.core import settings
from anquan_desk.core.db import Database, open_database
from anquan_desk.core.device import rename_this_device, this_device
from anquan_desk.core.models import Hazard
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD
from anquan_desk.services.laptops import Laptops


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def test_doc_slot_says_the_laptops_name(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANQUAN_USER", "zhang")
    monkeypatch.setenv("ANQUAN_PASSWORD", "12345678")
    doc_setup.township(db)
    device = rename_this_device("安监办笔记本1")
    db_path = db.url
    db.dispose()
    assert main(["doc", "slot", "--db", db_path]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "本机（安监办笔记本1）的文书编号段位：1"
    # Recorded, so another laptop's slot list names this one.
    database = open_database(db_path)
    try:
        with database.reader() as s:
            known = Laptops("ZZ99", settings.get(s, settings.LAPTOP_NAMES), settings.get(s, settings.LAPTOP_CODES))
    finally:
        database.dispose()
    assert known.label_of_device(device.id) == "安监办笔记本1"
    assert known.label_of_device("0a1b2c3d-not-known") == "其他电脑 0a1b2c3d"


def test_plan_tasks_names_the_laptop_of_a_hazard_number(
    demo_db_path: Path, demo_today: date, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ANQUAN_USER", DEMO_ADMIN)
    monkeypatch.setenv("ANQUAN_PASSWORD", DEMO_PASSWORD)
    db = str(demo_db_path)
    # A month well after the demo's day: every open hazard of the demo is due for 复查 by then.
    later = demo_today + timedelta(days=150)
    month = f"{later.year}-{later.month:02d}"
    assert main(["plan", "tasks", "--db", db, "--month", month]) == 0
    listed = [line.split("复查 ", 1)[1].split("：", 1)[0] for line in capsys.readouterr().out.splitlines()
              if line.lstrip().startswith("复查 ")]
    assert listed, "the demo has open hazards to review"
    # Two of them as a laptop numbers them today: this one (named) and another (its name recorded).
    mine, theirs = listed[0], listed[-1]
    assert mine != theirs
    device = rename_this_device("安监办笔记本1")
    database = open_database(demo_db_path)
    try:
        with database.session("setup") as s:
            s.execute(update(Hazard).where(Hazard.code == mine).values(code=f"YH2026-{device.short}-0007"))
            s.execute(update(Hazard).where(Hazard.code == theirs).values(code="YH2026-7KQM-0003"))
            settings.put(s, settings.LAPTOP_NAMES, {"7KQM": "王芳的电脑"})
            assert s.scalar(select(Hazard.id).where(Hazard.code == f"YH2026-{device.short}-0007")) is not None
    finally:
        database.dispose()
    assert this_device().short == device.short
    assert main(["plan", "tasks", "--db", db, "--month", month]) == 0
    out = capsys.readouterr().out
    assert "复查 YH2026-0007（安监办笔记本1）：" in out
    assert "复查 YH2026-0003（王芳的电脑）：" in out
    assert f"-{device.short}-" not in out and "7KQM" not in out
