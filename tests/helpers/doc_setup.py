"""A finished check and its 复查, built through the services, for the document tests (core, CLI, GUI)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core.audit import SIGNER
from anquan_desk.core.db import Database
from anquan_desk.core.models import ChecklistItem, ChecklistTemplate, Hazard, Place, Township, User
from anquan_desk.core.security import Signer
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services import inspections as insp
from anquan_desk.services import reinspections as rein
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.users import add_user, create_first_admin, create_user, log_in

ISSUER = "青溪县白沙镇人民政府"
PLACE_NAME = "白沙镇老周家常菜馆"
PLACE_ADDRESS = "青溪县白沙镇红光路18号"
HAZARD_GAS = "厨房未安装可燃气体报警装置"
HAZARD_CYLINDER = "液化石油气钢瓶未设置防倾倒固定措施"
HAZARD_EXIT = "大堂安全出口处堆放桌椅杂物"
BASIS_GAS = "《中华人民共和国安全生产法》第三十六条第四款"
BASIS_CYLINDER = "《城镇燃气管理条例》第二十八条第（五）项"
BASIS_EXIT = "《中华人民共和国消防法》第二十八条"
WORK_NO_ZHANG = "BS-2023-015"  # 工作证号 (a township's staff); the 执法证号 are 33010020230015 / …027
WORK_NO_LI = "BS-2023-027"
#: The day of the scenario's check: the service date (送达日期) of its notice when issued later.
CHECK_DAY = date(2026, 11, 20)
#: The day of the scenario's 复查.
REVIEW_DAY = date(2026, 11, 27)


def photo(path: Path, colour: tuple[int, int, int], label: str = "") -> Path:
    image = Image.new("RGB", (1600, 1200), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 700, 500), fill=(255, 255, 255))
    draw.text((120, 120), label, fill=(0, 0, 0))
    image.save(path, "JPEG", quality=90)
    return path


def signature_png() -> bytes:
    image = Image.new("RGBA", (400, 150), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.line((20, 110, 120, 30, 200, 120, 300, 40, 380, 100), fill=(0, 0, 0, 255), width=6)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def township(db: Database, *, enforcement: bool = False, settings: dict[str, object] | None = None) -> None:
    with db.session("setup") as s:
        s.add(
            Township(
                name="白沙镇",
                issuer=ISSUER,
                region_short="青",
                enforcement_authorised=enforcement,
                settings=settings or {},
            )
        )


PASSWORD = "12345678"


@contextmanager
def _session(db: Database, username: str, signers: dict[str, Signer]) -> Iterator[Session]:
    """A unit of work as ``username``, its audit entries signed when the scenario is signed."""
    with db.session(username) as s:
        if username in signers:
            s.info[SIGNER] = signers[username]
        yield s


def _signed_users(db: Database) -> dict[str, Signer]:
    """The first administrator (whose key the chain takes unsigned), who adds 张堃 and 李喆: from
    then on every entry is signed, as in the program."""
    with db.session("setup") as s:
        create_first_admin(s, username="admin", name="管理员", password=PASSWORD)
    desk = Desk(db, Actor.system())
    admin = log_in(desk, "admin", PASSWORD)
    for username, name, cert, work in (("zhang", "张堃", "33010020230015", WORK_NO_ZHANG),
                                       ("li", "李喆", "33010020230027", WORK_NO_LI)):
        add_user(desk.as_actor(admin), username=username, name=name, password=PASSWORD,
                 role=UserRole.INSPECTOR.value, cert_no=cert, work_no=work)
    signers = {name: log_in(desk, name, PASSWORD).signer for name in ("zhang", "li")}
    signers["setup"] = admin.signer
    return {k: v for k, v in signers.items() if v is not None}


def finished_check(
    db: Database, tmp_path: Path, *, enforcement: bool = False, refuse: bool = False, with_township: bool = True,
    signed: bool = False,
) -> dict[str, str]:
    """Township, two inspectors, a 小餐饮 place; a finished check with three hazards (two with
    photos), signed (or refused); returns the ids. ``signed``: every audit entry after the first
    administrator's key is signed by the user who made it (a chain ``audit verify`` accepts)."""
    if with_township:
        township(db, enforcement=enforcement)
    store = db.attachment_store()
    signers = _signed_users(db) if signed else {}
    with _session(db, "setup", signers) as s:
        if signed:
            a = s.scalars(select(User).where(User.username == "zhang")).one()
            b = s.scalars(select(User).where(User.username == "li")).one()
        else:
            a = create_user(s, username="zhang", name="张堃", password=PASSWORD, cert_no="33010020230015",
                            work_no=WORK_NO_ZHANG)
            b = create_user(s, username="li", name="李喆", password=PASSWORD, cert_no="33010020230027",
                            work_no=WORK_NO_LI)
        place = Place(
            name=PLACE_NAME,
            address=PLACE_ADDRESS,
            responsible_person="周赟",
            responsible_title="经营者",
            phone="13905710000",
            credit_code="92330100MA2XXXXX05",
        )
        template = ChecklistTemplate(code="T-FOOD", name="小餐饮场所（瓶装燃气）", sector="燃气")
        template.items = [
            ChecklistItem(code="T-1", seq=1, content="是否安装可燃气体报警装置", hazard_text=HAZARD_GAS,
                          basis=BASIS_GAS, requirement="安装可燃气体报警装置并保持灵敏有效", deadline_days=7),
            ChecklistItem(code="T-2", seq=2, content="钢瓶是否固定", hazard_text=HAZARD_CYLINDER,
                          basis=BASIS_CYLINDER, requirement="加装防倾倒链条或支架", deadline_days=0),
            ChecklistItem(code="T-3", seq=3, content="安全出口是否畅通", hazard_text=HAZARD_EXIT,
                          basis=BASIS_EXIT, requirement="立即清理安全出口堆放物", deadline_days=3),
            ChecklistItem(code="T-4", seq=4, content="是否配置灭火器", hazard_text="未配置灭火器"),
        ]
        s.add_all([place, template])
        s.flush()
        ids = {"a": a.id, "b": b.id, "place": place.id, "template": template.id}
        items = {i.code: i.id for i in template.items}
    with _session(db, "zhang", signers) as s:
        iid = insp.start_inspection(
            s, place_id=ids["place"], inspector_ids=[ids["a"], ids["b"]], template_ids=[ids["template"]],
            started_at=datetime(2026, 11, 20, 9, 30),
        ).id
        gas = insp.record_answer(s, iid, items["T-1"], "不合格")
        cyl = insp.record_answer(s, iid, items["T-2"], "不合格")
        ext = insp.record_answer(s, iid, items["T-3"], "不合格")
        insp.record_answer(s, iid, items["T-4"], "合格")
        assert gas is not None and cyl is not None and ext is not None
        insp.update_hazard(s, gas.id, location="后厨")
        insp.update_hazard(s, cyl.id, location="后厨灶台")
        insp.update_hazard(s, ext.id, location="大堂")
        insp.add_photos(s, store, iid, [photo(tmp_path / "gas.jpg", (200, 60, 60), "gas")], hazard_id=gas.id)
        insp.add_photos(s, store, iid, [photo(tmp_path / "cyl.jpg", (60, 60, 200), "cylinder")], hazard_id=cyl.id)
        ids.update(inspection=iid, gas=gas.id, cylinder=cyl.id, exit=ext.id)
    with _session(db, "zhang", signers) as s:
        if refuse:
            insp.finish_inspection(s, store, iid, refusal_reason="负责人称需请示老板", refusal_witness="王五",
                                   ended_at=datetime(2026, 11, 20, 10, 15))
        else:
            insp.finish_inspection(s, store, iid, signer_name="周赟", signature_png=signature_png(),
                                   ended_at=datetime(2026, 11, 20, 10, 15))
    return ids


def on_library_items(db: Database, ids: dict[str, str]) -> str:
    """:func:`finished_check`'s items take the library's codes, so the documents read the library's
    legal data (gas alarm → GAS-LPG-01, cylinder → GAS-LPG-05: the 燃气管理部门; exit → FIRE-3IN1-01:
    the 消防救援机构), and the exit hazard is graded 重大. Returns that hazard's stored number."""
    with db.session("setup") as s:
        for old, new in (("T-1", "GAS-LPG-01"), ("T-2", "GAS-LPG-05"), ("T-3", "FIRE-3IN1-01")):
            s.scalars(select(ChecklistItem).where(ChecklistItem.code == old)).one().code = new
        hazard = s.get(Hazard, ids["exit"])
        assert hazard is not None
        hazard.grade = "重大"
        return hazard.code


def finished_review(db: Database, tmp_path: Path, ids: dict[str, str]) -> str:
    """复查 on 2026-11-27: the gas alarm fixed (after photo), the cylinder partly (new deadline)."""
    store = db.attachment_store()
    with db.session("li") as s:
        r = rein.start_reinspection(
            s, place_id=ids["place"], hazard_ids=[ids["gas"], ids["cylinder"]],
            inspector_ids=[ids["a"], ids["b"]], at=datetime(2026, 11, 27, 10, 0),
        )
        rid = r.id
        rein.add_after_photos(s, store, rid, ids["gas"], [photo(tmp_path / "after.jpg", (60, 200, 60), "after")])
        rein.record_review(s, rid, ids["gas"], outcome="已整改", note="已安装报警器并联动切断阀")
        rein.record_review(s, rid, ids["cylinder"], outcome="部分整改", note="已移位，尚未固定",
                           new_deadline=date(2026, 12, 5))
    with db.session("li") as s:
        rein.finish_reinspection(s, rid, signer_name="周赟")
    return rid
