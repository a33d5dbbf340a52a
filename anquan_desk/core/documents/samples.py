"""Realistic example snapshots (a 小餐饮 place with gas hazards), for previews, tests and benchmarks.

The names deliberately use rare characters (赟, 堃, 喆) so a preview shows font fallback at work.
"""

from __future__ import annotations

from datetime import date, datetime

from anquan_desk.core.documents import texts
from anquan_desk.core.documents.snapshot import (
    AppealInfo,
    ChecklistSummary,
    DocType,
    DocumentHeader,
    HazardEntry,
    InspectionRecordContent,
    InspectorInfo,
    NoticeContent,
    PhotoAppendix,
    PhotoImage,
    PhotoPair,
    PlaceInfo,
    Posture,
    Refusal,
    ReviewContent,
    ReviewOutcome,
    Signature,
    encode_image,
)

ISSUER = "青溪县白沙镇人民政府"
TOWNSHIP = "白沙镇"

PLACE = PlaceInfo(
    name="白沙镇老周家常菜馆",
    address="青溪县白沙镇红光路18号",
    credit_code="92330100MA2XXXXX05",
    responsible_person="周赟",
    title="经营者",
    phone="13905710000",
)

INSPECTORS = (
    InspectorInfo(name="张堃", cert_no="33010020230015"),
    InspectorInfo(name="李喆", cert_no="33010020230027"),
)
#: The same inspectors as a township's staff, with their 工作证号.
TOWNSHIP_INSPECTORS = (
    InspectorInfo(name="张堃", cert_no="BS-2023-015"),
    InspectorInfo(name="李喆", cert_no="BS-2023-027"),
)


def inspectors_for(posture: Posture) -> tuple[InspectorInfo, ...]:
    return TOWNSHIP_INSPECTORS if posture == "township" else INSPECTORS

HAZARDS = (
    HazardEntry(
        seq=1,
        code="BS-2026-0031",
        description="后厨液化石油气钢瓶与燃气灶具水平净距不足1米，钢瓶未采取防倾倒固定措施",
        location="后厨灶台",
        basis="《城镇燃气管理条例》第二十八条第（五）项",
        requirement="将钢瓶移至距灶具1米以外并加装防倾倒链条或支架",
        deadline=None,
        grade="一般",
    ),
    HazardEntry(
        seq=2,
        code="BS-2026-0032",
        description="厨房未安装可燃气体报警装置，无燃气泄漏自动切断装置",
        location="后厨",
        basis="《中华人民共和国安全生产法》第三十六条第四款",
        requirement="安装可燃气体报警装置并与紧急切断阀联动，保持灵敏有效",
        deadline=date(2026, 3, 20),
        grade="一般",
    ),
    HazardEntry(
        seq=3,
        code="BS-2026-0033",
        description="燃气连接软管为橡胶管且长度约2.5米，穿越隔墙敷设；大堂安全出口处堆放桌椅杂物",
        location="后厨、大堂",
        basis="《城镇燃气管理条例》第二十七条；《中华人民共和国消防法》第二十八条",
        requirement="更换为不锈钢波纹管或金属管，长度不超过2米且不穿墙；立即清理安全出口堆放物",
        deadline=date(2026, 3, 15),
        grade="一般",
    ),
)


def header(
    doc_type: DocType, number: str, short_code: str, issued_at: datetime | None = None, posture: Posture = "township"
) -> DocumentHeader:
    moment = issued_at or datetime(2026, 3, 10, 11, 20)
    return DocumentHeader(
        doc_type=doc_type,
        number=number,
        issuer=ISSUER,
        township=TOWNSHIP,
        issued_at=moment,
        short_code=short_code,
        posture=posture,
        dated=moment.date(),
    )


def sample_record(signature_png: bytes | None = None, posture: Posture = "township") -> InspectionRecordContent:
    number = "白沙检记〔2026〕第031号" if posture == "township" else "（青）应急检记〔2026〕15号"
    return InspectionRecordContent(
        header=header("record", number, "R7KQ2M9X", posture=posture),
        place=PLACE,
        started_at=datetime(2026, 3, 10, 9, 30),
        ended_at=datetime(2026, 3, 10, 10, 45),
        inspectors=inspectors_for(posture),
        check_site="后厨、大堂、储藏间",
        accompanying_person="周赟（经营者）",
        method="四不两直",
        checklists=(
            ChecklistSummary("餐饮场所燃气安全检查表", items_checked=15, items_failed=3),
            ChecklistSummary("九小场所消防安全检查表", items_checked=12, items_failed=1),
        ),
        findings="检查组对该店后厨用气、消防设施及疏散通道进行了检查，现场发现以下问题，已当场告知经营者。",
        hazards=HAZARDS,
        signature=Signature(signer="周赟", png_base64=encode_image(signature_png) if signature_png else None),
    )


def sample_notice(signature_png: bytes | None = None, serial: int = 15) -> NoticeContent:
    return NoticeContent(
        header=header("notice", f"白沙安改〔2026〕第{serial:03d}号", f"N{serial:05d}QX"),
        place=PLACE,
        inspected_at=datetime(2026, 3, 10, 9, 30),
        inspectors=TOWNSHIP_INSPECTORS,
        hazards=HAZARDS,
        legal_consequence=texts.NOTICE_LEGAL_CONSEQUENCE,
        record_number="白沙检记〔2026〕第031号",
        signature=Signature(signer="周赟", png_base64=encode_image(signature_png) if signature_png else None),
    )


def sample_order() -> NoticeContent:
    return NoticeContent(
        header=header("order", "（青）应急责改〔2026〕15号", "D4HT8W2P", posture="authorised"),
        place=PLACE,
        inspected_at=datetime(2026, 3, 10, 9, 30),
        inspectors=INSPECTORS,
        hazards=HAZARDS,
        legal_consequence=texts.ORDER_LEGAL_CONSEQUENCE,
        record_number="（青）应急检记〔2026〕15号",
        appeal=AppealInfo(reconsideration_bodies=("青溪县人民政府",), court="青溪县人民法院"),
        refusal=Refusal(reason="认为钢瓶摆放不影响安全", witness="王昇（白沙镇红光社区网格员）"),
    )


def sample_review(posture: Posture = "authorised") -> ReviewContent:
    """The 复查 of the sample order (authorised) or of the sample notice (a township)."""
    township = posture == "township"
    number = "白沙复查〔2026〕第015号" if township else "（青）应急复查〔2026〕15号"
    return ReviewContent(
        header=header("review", number, "V9MC3R6T", datetime(2026, 3, 21, 15, 0), posture),
        place=PLACE,
        original_title="安全隐患整改通知书" if township else "责令限期整改指令书",
        original_number="白沙安改〔2026〕第015号" if township else "（青）应急责改〔2026〕15号",
        original_date=date(2026, 3, 10),
        reviewed_at=datetime(2026, 3, 21, 14, 30),
        inspectors=inspectors_for(posture),
        outcomes=(
            ReviewOutcome(1, HAZARDS[0].description, "已整改", "钢瓶已移位并加装固定链条"),
            ReviewOutcome(2, HAZARDS[1].description, "部分整改", "报警器已安装，切断阀未联动", date(2026, 3, 31)),
            ReviewOutcome(3, HAZARDS[2].description, "已整改", "已更换不锈钢波纹管，出口已清理"),
        ),
        opinion="第1、3项隐患已整改完毕，符合要求；第2项隐患部分整改，请于2026年3月31日前完成切断阀联动并申请复查。",
        signature=Signature(signer="周赟"),
    )


def sample_photos(before: bytes, after: bytes) -> PhotoAppendix:
    """Photo appendix to the notice; ``before``/``after`` are JPEG or PNG bytes."""
    pairs = tuple(
        PhotoPair(
            hazard_seq=h.seq,
            caption=h.description,
            before=PhotoImage(data_base64=encode_image(before), caption="2026年3月10日 检查时"),
            after=PhotoImage(data_base64=encode_image(after), caption="2026年3月21日 复查时"),
        )
        for h in HAZARDS[:2]
    )
    return PhotoAppendix(
        header=header("photos", "白沙安改〔2026〕第015号附件", "P2ZK7N4B", datetime(2026, 3, 21, 15, 0)),
        place=PLACE,
        attached_to="白沙安改〔2026〕第015号",
        pairs=pairs,
    )
