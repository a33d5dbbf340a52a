"""Messages about a hazard say its number as the screens show it: the laptop's name, not its
4-character code (``隐患 YH2027-0001（安监办笔记本1）…``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import desk_for
from helpers.major_hazard import major_hazard

from anquan_desk.core.db import Database
from anquan_desk.core.device import rename_this_device, this_device
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Hazard
from anquan_desk.services import documents, hazards


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def test_supervising_a_hazard_of_a_draft_names_the_laptop(db: Database) -> None:
    rename_this_device("安监办笔记本1")
    _inspection_id, hazard_id = major_hazard(db, finished=False)
    with db.reader() as s:
        hazard = s.get(Hazard, hazard_id)
        assert hazard is not None
        code = hazard.code
    short = this_device().short
    assert code.startswith("YH") and f"-{short}-" in code
    serial = code.rsplit("-", 1)[1]
    with pytest.raises(UserInputError) as raised:
        hazards.supervise(desk_for(db, "wang"), hazard_id, listed_on=date(2027, 3, 10), supervision_no="督〔2027〕1号")
    message = str(raised.value)
    assert message.startswith(f"隐患 {code[:6]}-{serial}（安监办笔记本1） 所在的检查尚未完成")
    assert short not in message


def test_the_supervision_notice_names_the_laptop_in_its_menu_entry_and_refusal(db: Database) -> None:
    rename_this_device("安监办笔记本1")
    inspection_id, hazard_id = major_hazard(db)  # finished, not yet 挂牌督办
    with db.reader() as s:
        hazard = s.get(Hazard, hazard_id)
        assert hazard is not None
        code = hazard.code
    short = this_device().short
    shown = f"{code[:6]}-{code.rsplit('-', 1)[1]}（安监办笔记本1）"
    desk = desk_for(db, "wang")
    with pytest.raises(UserInputError) as raised:
        documents.preview_supervision_notice(desk, hazard_id)
    assert str(raised.value).startswith(f"隐患 {shown} 尚未挂牌督办")
    entry = next(c for c in documents.extra_document_choices(desk, inspection_id) if c.doc_type == "supervision")
    assert f"（隐患 {shown}）" in entry.label and short not in entry.label
