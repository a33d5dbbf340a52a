"""重大事故隐患 on the notice/order, the 挂牌督办通知书, the 隐患移交抄告函 and the 送达回证 (issue 14 §4):
issued through the services, read back from the PDF text."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine
from helpers import desk_for, doc_setup
from sqlalchemy import func, select

from anquan_desk.core.db import Database
from anquan_desk.core.errors import PermissionDeniedError, UserInputError
from anquan_desk.core.models import ChecklistItem, Document, Hazard, IssuedNumber
from anquan_desk.services import documents as docs
from anquan_desk.services import hazards, users
from anquan_desk.services.users import create_user

CHECK_NOON = datetime(2026, 11, 20, 12, 0)
LATER = datetime(2026, 11, 30, 10, 0)
SUPERVISION_NO = "白安委督〔2026〕1号"


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))
    # doc_setup's users have 6-character passwords; the password rule is not what these tests are about.
    monkeypatch.setattr(users, "MIN_PASSWORD_LENGTH", min(users.MIN_PASSWORD_LENGTH, 6))


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def _setup(db: Database, tmp_path: Path, *, enforcement: bool, major: bool = True) -> dict[str, str]:
    """doc_setup's check with library codes: hazard 1 the gas alarm (GAS-LPG-01, no hand-over), hazard 2 a
    cylinder item of the 燃气管理部门 (GAS-LPG-05), hazard 3 三合一 (FIRE-3IN1-01, 消防救援机构) — 重大."""
    ids = doc_setup.finished_check(db, tmp_path, enforcement=enforcement)
    with db.session("setup") as s:
        for old, new in (("T-1", "GAS-LPG-01"), ("T-2", "GAS-LPG-05"), ("T-3", "FIRE-3IN1-01")):
            s.scalars(select(ChecklistItem).where(ChecklistItem.code == old)).one().code = new
        if major:
            hazard = s.get(Hazard, ids["exit"])
            assert hazard is not None
            hazard.grade = "重大"
    return ids


def _numbers(db: Database) -> int:
    with db.reader() as s:
        return int(s.scalar(select(func.count()).select_from(IssuedNumber)) or 0)


# --- 1. the notice / order of a major hazard -------------------------------------------------------------


def test_township_notice_asks_what_a_major_hazard_requires(db: Database, tmp_path: Path) -> None:
    ids = _setup(db, tmp_path, enforcement=False)
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        issued = docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"])
    text = _text(issued.pdf, tmp_path)
    assert "重大事故隐患治理要求" in text
    assert "上表第3项隐患为重大事故隐患，不能仅以限期整改了结" in text
    for words in (
        "从危险区域内撤出作业人员", "暂时停产停业（全部或者局部）或者停止使用相关设施、设备",
        "《安全生产事故隐患排查治理暂行规定》（原国家安全生产监督管理总局令第16号）第十六条",
        "依照该规定第十五条组织制定并实施隐患治理方案",
        "治理的目标和任务、采取的方法和措施、经费和物资的落实、负责治理的机构和人员、治理的时限和要求、安全措施和应急预案",
        "责任、措施、资金、时限、预案“五落实”",
        "《中华人民共和国安全生产法》第四十一条第二款",
        "将把上述重大事故隐患报告青溪县应急管理局（青溪县安全生产委员会办公室）",
        "第六十五条第一款第（三）项依法处理",
    ):
        assert words in text, words
    # A township has no enforcement power: it asks and reports, it orders nothing.
    assert "责令" not in text


def test_authorised_order_orders_it(db: Database, tmp_path: Path) -> None:
    ids = _setup(db, tmp_path, enforcement=True)
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        issued = docs.obtain_document(desk_for(db, "zhang"), "order", ids["inspection"])
    text = _text(issued.pdf, tmp_path)
    assert "上述第3项问题为重大事故隐患" in text
    assert "依照《中华人民共和国安全生产法》第六十五条第一款第（三）项" in text
    assert "责令你单位从危险区域内撤出作业人员，暂时停产停业（全部或者局部）或者停止使用相关设施、设备" in text
    assert "责令你单位主要负责人依照《安全生产事故隐患排查治理暂行规定》" in text
    assert "五落实" in text and "本机关将把上述重大事故隐患报告青溪县应急管理局" in text
    # the paragraphs are frozen in the snapshot
    with db.reader() as s:
        stored = s.get(Document, issued.document.id)
        assert stored is not None
        assert len(stored.content["content"]["major_hazard"]) == 3


@pytest.mark.parametrize("enforcement", [False, True])
def test_no_major_hazard_no_block(db: Database, tmp_path: Path, enforcement: bool) -> None:
    ids = _setup(db, tmp_path, enforcement=enforcement, major=False)
    kind = "order" if enforcement else "notice"
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        text = _text(docs.obtain_document(desk_for(db, "zhang"), kind, ids["inspection"]).pdf, tmp_path)
    assert "重大事故隐患" not in text and "五落实" not in text


# --- 2. 挂牌督办通知书 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("enforcement", [False, True])
def test_supervision_notice(db: Database, tmp_path: Path, enforcement: bool) -> None:
    ids = _setup(db, tmp_path, enforcement=enforcement)
    desk = desk_for(db, "zhang")
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        with pytest.raises(UserInputError, match="尚未挂牌督办"):
            docs.supervision_notice(desk, ids["exit"])
        with pytest.raises(UserInputError, match="一般隐患"):
            docs.supervision_notice(desk, ids["gas"])
        assert _numbers(db) == 0
        hazards.supervise(desk, ids["exit"], listed_on=date(2026, 11, 20), supervision_no=SUPERVISION_NO)
        draft = _text(docs.preview_supervision_notice(desk, ids["exit"]), tmp_path)
        assert "草稿" in draft and _numbers(db) == 0
        issued = docs.supervision_notice(desk, ids["exit"])
        again = docs.supervision_notice(desk, ids["exit"])
    assert issued.new and not again.new and again.pdf == issued.pdf  # a reprint never changes
    assert issued.document.number == "青督办〔2026〕第001号"  # its own series, no 应急 in either mode
    text = _text(issued.pdf, tmp_path)
    for words in (
        "重大事故隐患挂牌督办通知书", "青督办〔2026〕第001号", doc_setup.PLACE_NAME, doc_setup.HAZARD_EXIT,
        "挂牌日期2026年11月20日", f"督办文号{SUPERVISION_NO}", f"督办单位{doc_setup.ISSUER}",
        "治理期限2026年11月23日前", "并按方案于2026年11月23日前治理完毕", "五落实", "治理方案",
        "第十五条", "经审查验收合格后予以销号、摘牌", "2026年11月20日",
    ):
        assert words in text, words
    assert "行政执法" not in text


def test_supervision_notice_for_an_old_listing_asks_the_service_date(db: Database, tmp_path: Path) -> None:
    ids = _setup(db, tmp_path, enforcement=False)
    with db.session("setup") as s:  # a long deadline, as a major hazard's 治理 takes time
        hazard = s.get(Hazard, ids["exit"])
        assert hazard is not None
        hazard.deadline = date(2027, 3, 31)
    desk = desk_for(db, "zhang")
    with time_machine.travel(datetime(2026, 11, 22, 9, 0).astimezone(), tick=False):
        hazards.supervise(desk, ids["exit"], listed_on=date(2026, 11, 21), supervision_no=SUPERVISION_NO)
    with time_machine.travel(LATER.astimezone(), tick=False):
        with pytest.raises(docs.ServiceDateNeeded):
            docs.supervision_notice(desk, ids["exit"])
        with pytest.raises(UserInputError, match="早于挂牌督办日期"):
            docs.supervision_notice(desk, ids["exit"], served_on=date(2026, 11, 20))
        assert _numbers(db) == 0
        issued = docs.supervision_notice(desk, ids["exit"], served_on=date(2026, 11, 24))
    text = _text(issued.pdf, tmp_path)
    assert "2026年11月24日" in text and "2026年11月30日" not in text
    assert "2027年3月31日前" in text


def test_supervision_notice_refused_after_its_deadline(db: Database, tmp_path: Path) -> None:
    ids = _setup(db, tmp_path, enforcement=False)
    desk = desk_for(db, "zhang")
    with time_machine.travel(LATER.astimezone(), tick=False):
        hazards.supervise(desk, ids["exit"], listed_on=date(2026, 11, 20), supervision_no=SUPERVISION_NO)
        with pytest.raises(UserInputError, match="整改期限早于该日期"):
            docs.supervision_notice(desk, ids["exit"], served_on=date(2026, 11, 29))  # deadline 11-23


def test_grid_worker_may_not_issue_a_supervision_notice(db: Database, tmp_path: Path) -> None:
    ids = _setup(db, tmp_path, enforcement=False)
    with db.session("setup") as s:
        create_user(s, username="wang", name="王网格", password="12345678", role="网格员")
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        hazards.supervise(desk_for(db, "zhang"), ids["exit"], listed_on=date(2026, 11, 20),
                          supervision_no=SUPERVISION_NO)
        with pytest.raises(PermissionDeniedError):
            docs.supervision_notice(desk_for(db, "wang"), ids["exit"])


# --- 3. 隐患移交抄告函 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("enforcement", [False, True])
def test_one_handover_letter_per_department(db: Database, tmp_path: Path, enforcement: bool) -> None:
    ids = _setup(db, tmp_path, enforcement=enforcement)
    desk = desk_for(db, "zhang")
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        docs.obtain_document(desk, "record", ids["inspection"])
        groups = docs.handover_groups(desk, ids["inspection"])
        assert [(g.department, g.hazard_count) for g in groups] == [("燃气管理部门", 1), ("消防救援机构", 1)]
        with pytest.raises(UserInputError, match="没有属于住房城乡建设主管部门职责范围"):
            docs.handover_letter(desk, ids["inspection"], "住房城乡建设主管部门")
        gas = docs.handover_letter(desk, ids["inspection"], "燃气管理部门")
        fire = docs.handover_letter(desk, ids["inspection"], "消防救援机构")
        assert docs.handover_letter(desk, ids["inspection"], "燃气管理部门").pdf == gas.pdf
        assert [g.issued_number for g in docs.handover_groups(desk, ids["inspection"])] == [
            gas.document.number, fire.document.number,
        ]
    assert (gas.document.number, fire.document.number) == ("青移交〔2026〕第001号", "青移交〔2026〕第002号")
    gas_text, fire_text = _text(gas.pdf, tmp_path), _text(fire.pdf, tmp_path)
    assert gas_text.startswith(doc_setup.ISSUER) and "安全隐患移交抄告函" in gas_text
    assert "燃气管理部门：" in gas_text and "消防救援机构：" not in gas_text
    # place, location, description, basis and the photos' count of the hazard of its remit only
    for words in (doc_setup.PLACE_NAME, doc_setup.PLACE_ADDRESS, "后厨灶台", doc_setup.HAZARD_CYLINDER,
                  "《城镇燃气管理条例》第二十八条第（五）项", "1张", "现场照片1张", "《中华人民共和国安全生产法》第九条第二款"):
        assert words in gas_text, words
    assert doc_setup.HAZARD_EXIT not in gas_text and doc_setup.HAZARD_GAS not in gas_text
    assert doc_setup.HAZARD_EXIT in fire_text and "大堂" in fire_text and "无" in fire_text
    assert "现场照片" not in fire_text  # no photo of that hazard
    assert ("第六十九条" in gas_text) == enforcement
    assert "行政执法" not in gas_text


# --- 4. 送达回证 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("enforcement", [False, True])
def test_service_receipt(db: Database, tmp_path: Path, enforcement: bool) -> None:
    ids = _setup(db, tmp_path, enforcement=enforcement)
    desk = desk_for(db, "zhang")
    kind = "order" if enforcement else "notice"
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        notice = docs.obtain_document(desk, kind, ids["inspection"])
        record = docs.obtain_document(desk, "record", ids["inspection"])
        with pytest.raises(UserInputError, match="见证人"):
            docs.service_receipt(desk, notice.document.id, docs.ReceiptRequest(method="留置送达", reason="拒收"))
        left = docs.service_receipt(
            desk, notice.document.id,
            docs.ReceiptRequest(method="留置送达", witness="王五（红光村村委会主任）", reason="负责人拒绝签收"),
        )
        direct = docs.service_receipt(desk, record.document.id)
        with pytest.raises(UserInputError, match="已出具送达回证"):
            docs.preview_service_receipt(desk, record.document.id)
    assert left.document.number == f"{notice.document.number}送达回证"
    text = _text(left.pdf, tmp_path)
    title = "责令限期整改指令书" if enforcement else "安全隐患整改通知书"
    for words in (
        "送达回证", f"《{title}》", notice.document.number, f"受送达人{doc_setup.PLACE_NAME}（负责人：周赟）",
        f"送达地点{doc_setup.PLACE_ADDRESS}", "送达方式留置送达", "张堃、李喆", "见证人（签名）", "王五（红光村村委会主任）",
        "留置送达事由负责人拒绝签收", "受送达人拒绝签收（留置送达）", "收件人（签名）", "2026年11月20日",
    ):
        assert words in text, words
    plain = _text(direct.pdf, tmp_path)
    assert "送达方式直接送达" in plain and "《现场检查记录》" in plain and "负责人拒绝签收" not in plain


def test_receipt_dates(db: Database, tmp_path: Path) -> None:
    ids = _setup(db, tmp_path, enforcement=False)
    desk = desk_for(db, "zhang")
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        notice = docs.obtain_document(desk, "notice", ids["inspection"])
    with time_machine.travel(LATER.astimezone(), tick=False):
        with pytest.raises(UserInputError, match="早于文书日期"):
            docs.service_receipt(desk, notice.document.id, served_on=date(2026, 11, 19))
        with pytest.raises(UserInputError, match="晚于今天"):
            docs.service_receipt(desk, notice.document.id, served_on=date(2026, 12, 1))
        receipt = docs.service_receipt(desk, notice.document.id, served_on=date(2026, 11, 21))
        with pytest.raises(UserInputError, match="作废后重新出具"):
            docs.correct_issued(desk, receipt.document.id, "地址写错")
    assert "2026年11月21日" in _text(receipt.pdf, tmp_path)
