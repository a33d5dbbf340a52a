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

from anquan_desk.core.db import Database
from anquan_desk.core.errors import FileInputError, NotFoundError, OperationCancelled, UserInputError
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
    PlaceSector,
)
from anquan_desk.core.progress import Progress as WorkProgress
from anquan_desk.services import inspections as insp
from anquan_desk.services import reinspections as rein
from anquan_desk.services.desk import Desk, collect_changes
from anquan_desk.services.users import create_user, list_inspectors


@pytest.fixture
def setup(db: Database) -> dict[str, str]:
    with db.session("t") as s:
        a = create_user(s, username="wang", name="王芳", password="12345678", cert_no="A001")
        b = create_user(s, username="li", name="李华", password="12345678", cert_no="A002")
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
    store = db.attachment_store()
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
    store = db.attachment_store()
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
    store = db.attachment_store()
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
    store = db.attachment_store()
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
    store = db.attachment_store()
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


# --- entry points (a desk in, plain data out) -------------------------------------------------------


def _desk(db: Database, username: str = "wang") -> Desk:
    from helpers import desk_for

    return desk_for(db, username)


def test_screen_entry_points_walk_a_check(db: Database, setup: dict[str, str], tmp_path: Path) -> None:
    desk = _desk(db)
    iid = start(db, setup)
    view = insp.inspection_view(desk, iid)
    assert (view.title, view.status, view.read_only, view.issuable) == ("检查：张记小馆（草稿）", "草稿", False, False)
    assert [p.name for p in view.participants] == ["王芳", "李华"]
    assert [i.content for i in view.items] == ["是否安装可燃气体报警装置", "钢瓶是否存放于地下室", "软管长度"]
    assert view.progress == insp.Progress(3, 0, 0, 0) and view.start_day == date(2026, 11, 20)

    # An answer comes back as saved, with the hazard it created and the progress; what it wrote is noted.
    with collect_changes() as log:
        saved = insp.save_answer(desk, iid, setup["T-GAS-01"], "不合格", "无报警器")
    assert log.changes.touches("item_results", "hazards")
    assert saved.hazard is not None and saved.hazard.description == "未安装可燃气体报警装置"
    assert (saved.outcome, saved.note, saved.progress) == ("不合格", "无报警器", insp.Progress(3, 1, 1, 1))
    edited = insp.edit_hazard(desk, saved.hazard.id, {"location": " 后厨 ", "grade": "一般"})
    assert edited.location == "后厨" and edited.code == saved.hazard.code
    with pytest.raises(UserInputError, match="不能为空"):
        insp.edit_hazard(desk, saved.hazard.id, {"description": " "})
    free = insp.add_extra_hazard(desk, iid, "灭火器压力不足")
    assert free.item_id is None and free.deadline == date(2026, 11, 20)

    # Photos: a folder gives its photos; reading them reports progress and can be cancelled.
    folder = tmp_path / "photos"
    folder.mkdir()
    _photo(folder / "1.jpg", size=(900, 600))
    _photo(folder / "2.jpg", size=(600, 900))
    (folder / "readme.txt").write_text("x")
    progress = WorkProgress()
    prepared = insp.prepare_photos([folder], progress)
    assert [p.name for p in prepared] == ["1.jpg", "2.jpg"] and progress.state()[1].percent == 100
    cancelled = WorkProgress()
    cancelled.cancel()
    with pytest.raises(OperationCancelled):
        insp.prepare_photos([folder], cancelled)
    photos = insp.attach_inspection_photos(desk, iid, prepared, hazard_id=free.id)
    assert [(p.owner_type, p.owner_id, p.name) for p in photos] == [("hazard", free.id, "1.jpg"), ("hazard", free.id, "2.jpg")]
    assert all(p.thumbnail and p.thumbnail.startswith(b"\xff\xd8") for p in photos)
    photos = insp.add_inspection_photos(desk, iid, [_photo(tmp_path / "all.jpg", size=(400, 300))])
    assert len(photos) == 3 and photos[-1].owner_type == "inspection"
    with pytest.raises(NotFoundError):
        insp.attach_inspection_photos(desk, iid, prepared, hazard_id="no-such-hazard")

    # Finishing: the summary, a refusal by the rules, then the check is closed.
    insp.save_answer(desk, iid, setup["T-GAS-02"], "合格")
    summary = insp.finish_summary(desk, iid)
    assert summary.signer_name == "张堃" and summary.progress.remaining == 1
    with pytest.raises(UserInputError, match="还有 1 个检查项"):
        insp.finish_check(desk, iid, signature_png=_signature())
    insp.save_answer(desk, iid, setup["T-GAS-03"], "不涉及")
    insp.finish_check(desk, iid, signer_name="张堃", signature_png=_signature())
    view = insp.inspection_view(desk, iid)
    assert (view.title, view.read_only, view.issuable) == ("检查：张记小馆", True, True)
    assert {h.status for h in view.hazards} == {"待整改"} and len(view.hazards) == 2
    assert [(i.outcome, i.note) for i in view.items] == [("不合格", "无报警器"), ("合格", ""), ("不涉及", "")]

    # Corrections are audited with their reason, by the desk's actor.
    insp.amend_check(desk, iid, reason="位置记录有误", hazards={saved.hazard.id: {"location": "后厨灶台旁"}})
    with db.reader() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "amend")).one()
        assert entry.actor == "wang" and json.loads(entry.payload) == {"reason": "位置记录有误"}
    # The follow-up list as plain rows.
    due = insp.due_hazards(desk, within_days=30, on=date(2026, 11, 24))
    assert [h.description for h in due] == ["灭火器压力不足", "未安装可燃气体报警装置"]
    assert due[0].days_overdue(date(2026, 11, 24)) == 4


def test_start_entry_points(db: Database, setup: dict[str, str]) -> None:
    desk = _desk(db)
    with db.session("t") as s:
        place = s.get(Place, setup["place"])
        assert place is not None
        place.nine_small_kind = "小餐饮场所"
        place.gas_supply = "瓶装"
        place.sector_rows = [PlaceSector(sector="九小场所"), PlaceSector(sector="燃气")]
    with collect_changes() as log:
        choices = insp.start_choices(desk, setup["place"])
    assert log.changes.touches("checklist_templates")  # the built-in library was written first
    assert (choices.place_name, choices.responsible_person) == ("张记小馆", "张堃")
    assert [p.name for p in choices.inspectors] == ["李华", "王芳"]  # by name, those with a 执法证号 first
    codes = {t.id: t.code for t in choices.templates}
    assert "T-GAS" in codes.values() and all(t.item_count > 0 for t in choices.templates)
    assert sorted(codes[i] for i in choices.preselected) == ["GAS-LPG", "NINE-COMMON", "NINE-FOOD", "T-GAS"]
    with collect_changes() as log:
        assert insp.start_choices(desk, setup["place"]) == choices
    assert not log.changes.touches("checklist_templates")  # up to date: nothing written again
    with pytest.raises(NotFoundError):
        insp.start_choices(desk, "no-such-place")

    with pytest.raises(UserInputError, match="两名及以上"):
        insp.start_draft(desk, place_id=setup["place"], inspector_ids=[setup["a"]], template_ids=[setup["template"]])
    iid = insp.start_draft(desk, place_id=setup["place"], inspector_ids=[setup["a"], setup["b"]],
                           template_ids=sorted(choices.preselected), method="日常巡查",
                           started_at=datetime(2026, 11, 21, 8, 0), accompanying_person="")
    view = insp.inspection_view(desk, iid)
    assert (view.method, view.accompanying_person, view.started_at.hour) == ("日常巡查", "张堃", 8)
    assert insp.draft_ids(desk) == [iid]
    insp.discard_inspection(desk, iid, "误建")
    assert insp.inspection_view(desk, iid).status == "已作废" and insp.draft_ids(desk) == []
    assert [(r.name, r.cert_no) for r in list_inspectors(desk)] == [("李华", "A002"), ("王芳", "A001")]


@time_machine.travel(datetime(2026, 11, 20, 9, 30).astimezone(), tick=True)
def test_reinspection_entry_points(db: Database, setup: dict[str, str], tmp_path: Path) -> None:
    wang, li = _desk(db, "wang"), _desk(db, "li")
    iid = start(db, setup)
    gas = insp.save_answer(wang, iid, setup["T-GAS-01"], "不合格").hazard
    assert gas is not None
    insp.attach_inspection_photos(wang, iid, insp.prepare_photos([_photo(tmp_path / "b.jpg", size=(800, 600))]),
                                  hazard_id=gas.id)
    with pytest.raises(UserInputError, match="没有未销号的隐患"):
        rein.open_reinspection(li, setup["place"])  # a draft's hazards are not followed up yet
    for code in ("T-GAS-02", "T-GAS-03"):
        insp.save_answer(wang, iid, setup[code], "合格")
    insp.finish_check(wang, iid, signature_png=_signature())

    view = rein.open_reinspection(li, setup["place"])
    assert view.place_name == "张记小馆" and view.inspectors == ("李华", "王芳")
    (item,) = view.items
    assert (item.hazard_id, item.outcome, len(item.before), item.after) == (gas.id, "未整改", 1, ())
    assert rein.open_reinspection(li, setup["place"]).id == view.id  # resumed, not started again
    after = rein.attach_after_photos(li, view.id, gas.id, insp.prepare_photos([_photo(tmp_path / "a.jpg", size=(640, 480))]))
    assert [p.owner_type for p in after] == ["hazard"] and after[0].thumbnail
    with pytest.raises(UserInputError, match="须重新确定整改期限"):
        rein.complete_reinspection(li, view.id, [rein.ReviewInput(gas.id, "未整改")])
    rein.complete_reinspection(li, view.id, [rein.ReviewInput(gas.id, "已整改", "已安装报警器")], signer_name="张堃")
    events = rein.hazard_events(li, gas.id)
    assert events[-1].what == "复查（李华、王芳）：已整改，已安装报警器，予以销号"
    with db.reader() as s:
        hazard = s.get(Hazard, gas.id)
        assert hazard is not None and hazard.status == "已销号"
        finish = s.scalars(select(AuditEntry).where(AuditEntry.entity == "reinspections",
                                                    AuditEntry.action == "finish")).one()
        assert finish.actor == "li"
