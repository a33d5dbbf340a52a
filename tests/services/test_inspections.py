"""The on-site check and the re-inspection, through the services."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.db import Database
from anquan_desk.core.errors import FileInputError, UserInputError
from anquan_desk.core.models import (
    Attachment,
    AttachmentLink,
    AuditEntry,
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    Inspection,
    ItemResult,
    Place,
)
from anquan_desk.services import inspections as insp
from anquan_desk.services import reinspections as rein
from anquan_desk.services.users import create_user


@pytest.fixture
def setup(db: Database) -> dict[str, str]:
    with db.session("t") as s:
        a = create_user(s, username="wang", name="王芳", password="123456", cert_no="A001")
        b = create_user(s, username="li", name="李华", password="123456", cert_no="A002")
        place = Place(name="张记小馆", address="红光路12号", responsible_person="张堃")
        template = ChecklistTemplate(code="T-GAS", name="燃气（瓶装）", sector="燃气")
        template.items = [
            ChecklistItem(
                code="T-GAS-01",
                seq=1,
                content="是否安装可燃气体报警装置",
                hazard_text="未安装可燃气体报警装置",
                basis="《中华人民共和国安全生产法》第三十六条第四款",
                requirement="安装报警装置",
                deadline_days=7,
            ),
            ChecklistItem(
                code="T-GAS-02",
                seq=2,
                content="钢瓶是否存放于地下室",
                hazard_text="液化石油气钢瓶存放于地下室",
                basis="《城镇燃气管理条例》第二十八条第（五）项",
                default_grade="重大",
                requirement="立即移出",
                deadline_days=0,
            ),
            ChecklistItem(
                code="T-GAS-03",
                seq=3,
                content="软管长度",
                hazard_text="软管超长",
                basis="《城镇燃气管理条例》第二十七条",
                deadline_days=3,
            ),
        ]
        s.add_all([place, template])
        s.flush()
        ids = {"a": a.id, "b": b.id, "place": place.id, "template": template.id}
        ids.update({i.code: i.id for i in template.items})
    return ids


def _photo(path: Path, size: tuple[int, int] = (3000, 2000), orientation: int | None = None) -> Path:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 3, size[1]))  # blue band on the left
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def _signature() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (400, 150), (255, 255, 255, 0)).save(buf, "PNG")
    return buf.getvalue()


def start(db: Database, ids: dict[str, str]) -> str:
    with db.session("wang") as s:
        return insp.start_inspection(
            s,
            place_id=ids["place"],
            inspector_ids=[ids["a"], ids["b"]],
            template_ids=[ids["template"]],
            started_at=datetime(2026, 11, 20, 9, 30),
        ).id


def test_two_inspectors_required(db: Database, setup: dict[str, str]) -> None:
    with db.session() as s, pytest.raises(UserInputError, match="两名及以上"):
        insp.start_inspection(
            s,
            place_id=setup["place"],
            inspector_ids=[setup["a"], setup["a"]],
            template_ids=[setup["template"]],
        )


def test_failed_item_prefills_hazard_and_undo_removes_it(db: Database, setup: dict[str, str]) -> None:
    iid = start(db, setup)
    with db.session("wang") as s:
        hazard = insp.record_answer(s, iid, setup["T-GAS-01"], "不合格")
        assert hazard is not None
        assert hazard.description == "未安装可燃气体报警装置"
        assert hazard.basis == "《中华人民共和国安全生产法》第三十六条第四款"
        assert hazard.deadline == date(2026, 11, 27)
        assert hazard.rectifier == "张堃" and hazard.sector == "燃气"
        assert hazard.code.startswith("YH2026-") and hazard.code.endswith("-0001")
    with db.session("wang") as s:
        assert insp.record_answer(s, iid, setup["T-GAS-01"], "合格") is None
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Hazard)) == 0
        assert s.scalars(select(ItemResult.outcome)).all() == ["合格"]


# The check is finished "now" and its 复查 is dated 2026-11-27, so "now" is the week of the check.
@time_machine.travel(datetime(2026, 11, 20, 9, 30).astimezone(), tick=True)
def test_whole_check_and_reinspection(db: Database, setup: dict[str, str], tmp_path: Path) -> None:
    store = AttachmentStore(db.attachments_dir)
    iid = start(db, setup)
    with db.session("wang") as s:
        gas = insp.record_answer(s, iid, setup["T-GAS-01"], "不合格")
        assert gas is not None
        gas_id = gas.id
        insp.update_hazard(s, gas_id, location="后厨灶台旁")
        insp.record_answer(s, iid, setup["T-GAS-02"], "合格")
        free = insp.add_hazard(
            s, iid, description="灭火器压力不足", location="大厅", deadline=date(2026, 11, 23)
        )
        free_id = free.id
    with db.session("wang") as s:
        assert insp.progress(s, iid).remaining == 1
        with pytest.raises(UserInputError, match="还有 1 个检查项"):
            insp.finish_inspection(s, store, iid, signature_png=_signature())
    with db.session("wang") as s:
        insp.record_answer(s, iid, setup["T-GAS-03"], "不涉及")
        links = insp.add_photos(s, store, iid, [_photo(tmp_path / "a.jpg", orientation=6)], hazard_id=gas_id)
        # The same photo again is stored once.
        insp.add_photos(s, store, iid, [_photo(tmp_path / "a.jpg", orientation=6)])
        attachment = s.get(Attachment, links[0].attachment_id)
        assert attachment is not None
        # 3000x2000 turned upright (EXIF 6 = rotate 90°) and reduced: 1333x2000.
        assert (attachment.width, attachment.height) == (1333, 2000)
    with db.session("wang") as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1
        with pytest.raises(UserInputError, match="见证人"):
            insp.finish_inspection(s, store, iid, refusal_reason="负责人不在场")
    with db.session("wang") as s:
        insp.finish_inspection(s, store, iid, signer_name="张堃", signature_png=_signature())
    with db.session("wang") as s:
        inspection = s.get(Inspection, iid)
        assert inspection is not None and inspection.status == "已完成" and inspection.signature_sha256
        assert [h.status for h in inspection.hazards] == ["待整改", "待整改"]
        with pytest.raises(UserInputError, match="已完成"):
            insp.record_answer(s, iid, setup["T-GAS-01"], "合格")

    # Re-inspection: the gas hazard is fixed, the extinguisher is not.
    with db.session("li") as s:
        r = rein.start_reinspection(
            s,
            place_id=setup["place"],
            hazard_ids=[gas_id, free_id],
            inspector_ids=[setup["a"], setup["b"]],
            at=datetime(2026, 11, 27, 10, 0),
        )
        rid = r.id
        rein.add_after_photos(s, store, rid, gas_id, [_photo(tmp_path / "after.jpg", size=(800, 600))])
        rein.record_review(s, rid, gas_id, outcome="已整改", note="已安装报警器")
        rein.record_review(s, rid, free_id, outcome="未整改")
    with db.session("li") as s, pytest.raises(UserInputError, match="须重新确定整改期限"):
        rein.finish_reinspection(s, rid)
    with db.session("li") as s:
        rein.record_review(s, rid, free_id, outcome="部分整改", new_deadline=date(2026, 12, 5))
        rein.finish_reinspection(s, rid, signer_name="张堃")
    with db.reader() as s:
        gas_h, free_h = s.get(Hazard, gas_id), s.get(Hazard, free_id)
        assert gas_h is not None and free_h is not None
        assert (gas_h.status, gas_h.closed_on) == ("已销号", date(2026, 11, 27))
        assert (free_h.status, free_h.deadline) == ("整改中", date(2026, 12, 5))
        roles = sorted(link.role for link in s.scalars(select(AttachmentLink)))
        assert roles == ["after", "photo", "photo", "signature"]
        history = [e.what for e in rein.hazard_history(s, gas_id)]
        assert history[0].startswith("四不两直检查发现（王芳、李华）")
        assert any("修改了 具体位置" in h for h in history)
        assert history[-1] == "复查（王芳、李华）：已整改，已安装报警器，予以销号"
        events = [
            (e.actor, e.action, e.entity) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
        assert ("wang", "finish", "inspections") in events
        assert ("li", "finish", "reinspections") in events


def test_major_hazard_needs_five_implementations(db: Database, setup: dict[str, str]) -> None:
    store = AttachmentStore(db.attachments_dir)
    iid = start(db, setup)
    with db.session() as s:
        major = insp.record_answer(s, iid, setup["T-GAS-02"], "不合格")
        assert major is not None and major.grade == "重大"
        major_id = major.id
        insp.record_answer(s, iid, setup["T-GAS-01"], "合格")
        insp.record_answer(s, iid, setup["T-GAS-03"], "合格")
    with db.session() as s, pytest.raises(UserInputError, match=r"五落实.*责任、措施、资金、时限、预案"):
        insp.finish_inspection(s, store, iid, signature_png=_signature())
    with db.session() as s:
        insp.update_hazard(
            s,
            major_id,
            fl_responsibility="张堃",
            fl_measures="移出地下室",
            fl_funds="0.5万元",
            fl_deadline=date(2026, 11, 21),
            fl_plan="应急预案",
            supervised=True,
        )
        insp.finish_inspection(s, store, iid, refusal_reason="负责人拒绝签字", refusal_witness="网格员 赵玥")
    with db.reader() as s:
        inspection = s.get(Inspection, iid)
        assert inspection is not None and inspection.signature_refused
        assert inspection.refusal_witness == "网格员 赵玥"


def test_amendment_is_audited_with_reason(db: Database, setup: dict[str, str]) -> None:
    store = AttachmentStore(db.attachments_dir)
    iid = start(db, setup)
    with db.session() as s:
        hazard = insp.record_answer(s, iid, setup["T-GAS-01"], "不合格")
        assert hazard is not None
        hid = hazard.id
        for code in ("T-GAS-02", "T-GAS-03"):
            insp.record_answer(s, iid, setup[code], "合格")
        insp.finish_inspection(s, store, iid, signature_png=_signature())
    with db.session() as s, pytest.raises(UserInputError, match="须说明原因"):
        insp.amend_inspection(s, iid, reason=" ", hazards={hid: {"location": "厨房"}})
    with db.session("wang") as s:
        insp.amend_inspection(s, iid, reason="位置记录有误", hazards={hid: {"location": "后厨"}})
    with db.reader() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)).all()
        assert entries[1].action == "amend" and json.loads(entries[1].payload) == {"reason": "位置记录有误"}
        assert entries[0].action == "update" and json.loads(entries[0].payload)["location"] == ["", "后厨"]


def test_bad_photo_adds_nothing(db: Database, setup: dict[str, str], tmp_path: Path) -> None:
    store = AttachmentStore(db.attachments_dir)
    iid = start(db, setup)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(FileInputError, match=r"broken\.jpg"), db.session() as s:
        insp.add_photos(s, store, iid, [_photo(tmp_path / "ok.jpg"), bad])
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(AttachmentLink)) == 0


def test_discard_draft_needs_reason(db: Database, setup: dict[str, str]) -> None:
    iid = start(db, setup)
    with db.session() as s:
        assert [d.id for d in insp.drafts(s)] == [iid]
        with pytest.raises(UserInputError):
            insp.discard_draft(s, iid, "")
    with db.session() as s:
        insp.record_answer(s, iid, setup["T-GAS-01"], "不合格")
        insp.discard_draft(s, iid, "误建")
    with db.reader() as s:
        assert insp.drafts(s) == []
        assert s.scalar(select(func.count()).select_from(Hazard)) == 0


def test_due_list(db: Database, setup: dict[str, str]) -> None:
    store = AttachmentStore(db.attachments_dir)
    iid = start(db, setup)
    with db.session() as s:
        insp.record_answer(s, iid, setup["T-GAS-01"], "不合格")  # due 11-27
        insp.record_answer(s, iid, setup["T-GAS-03"], "不合格")  # due 11-23
        insp.record_answer(s, iid, setup["T-GAS-02"], "合格")
        insp.finish_inspection(s, store, iid, signature_png=_signature())
    with db.reader() as s:
        due = insp.open_hazards_due(s, within_days=7, on=date(2026, 11, 24))
        assert [h.description for h in due] == ["软管超长", "未安装可燃气体报警装置"]
        assert [h.is_overdue(date(2026, 11, 24)) for h in due] == [True, False]
        assert insp.open_hazards_due(s, within_days=1, on=date(2026, 11, 20)) == []
        assert len(insp.open_hazards_due(s, within_days=0, on=date(2026, 11, 20) + timedelta(days=30))) == 2
