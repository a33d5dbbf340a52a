"""Fixed wording of the printed documents (2017 式样 and the township notice), in one place.

The service layer copies the legal-consequence paragraph into each snapshot when a document is
issued, so a later change of wording here never alters a document already issued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from anquan_desk.core.documents.snapshot import DOC_TITLES, DocumentHeader, InspectorInfo, Posture

# 安全生产法 (2021) 第一百零二条; 消防法 (2021) 第六十条. A township notifies; the fine is imposed by
# the competent department, hence "移交有关部门依法查处".
NOTICE_LEGAL_CONSEQUENCE = (
    "逾期未整改或者整改不符合要求的，依据《中华人民共和国安全生产法》第一百零二条“生产经营单位未采取措施"
    "消除事故隐患的，责令立即消除或者限期消除，处五万元以下的罚款；生产经营单位拒不执行的，责令停产停业整顿，"
    "对其直接负责的主管人员和其他直接责任人员处五万元以上十万元以下的罚款”及《中华人民共和国消防法》第六十条"
    "等规定，移交有关部门依法查处。"
)

ORDER_LEGAL_CONSEQUENCE = "整改期间，你单位应当采取措施，确保安全生产。对安全生产违法行为，将依法予以行政处罚。"

#: For a hazard no library item covers (entered freely or from a township's own item): the general rule.
GENERAL_CONSEQUENCE = "《中华人民共和国安全生产法》第一百零二条"


def _numbers(seqs: Sequence[int]) -> str:
    return "、".join(f"第{n}项" for n in seqs)


def hazard_consequence(
    consequences: Sequence[tuple[int, str]], handovers: Sequence[tuple[int, str]], *, order: bool
) -> str:
    """The 逾期不整改 paragraph built from each hazard's own item (issue 14 §4): ``consequences`` are
    (hazard number, the item's consequence citation — "" when no library item covers it) and
    ``handovers`` (hazard number, competent department) for matters outside the township's power.

    The citations are listed once each, in the order of the hazards; a hazard without one falls back
    to the general rule of 安全生产法第一百零二条."""
    cited: list[str] = []
    for _seq, citation in consequences:
        for one in (c.strip() for c in (citation or GENERAL_CONSEQUENCE).split("；")):
            if one and one not in cited:
                cited.append(one)
    lead = "整改期间，你单位应当采取措施，确保安全生产。" if order else ""
    if order:
        text = f"{lead}逾期未整改或者整改不符合要求的，将依照{'、'.join(cited)}等规定依法予以行政处罚。"
    else:
        text = f"逾期未整改或者整改不符合要求的，将依照{'、'.join(cited)}等规定，移交有关部门依法查处。"
    by_department: dict[str, list[int]] = {}
    for seq, department in handovers:
        by_department.setdefault(department, []).append(seq)
    for department, seqs in by_department.items():
        text += f"上表{_numbers(seqs)}隐患属{department}职责范围，将抄告{department}依法处理。"
    return text


REFUSAL_BASIS = "（依据《中华人民共和国安全生产法》第六十八条）"

COPIES_NOTE = {
    "record": "本文书一式两份：一份由检查机关存档，一份交被检查单位。",
    "notice": "本通知书一式两份：一份由检查机关存档，一份交被检查单位。",
    "order": "本文书一式两份：一份由检查机关备案，一份交被检查单位。",
    "review": "本文书一式两份：一份由检查机关备案，一份交被复查单位。",
}


def appeal_sentence(reconsideration_bodies: Sequence[str], court: str) -> str:
    """行政复议法 第二十条 (60日) and 行政诉讼法 第四十六条 (6个月), 2017 式样 wording."""
    bodies = "或者".join(reconsideration_bodies)
    return (
        f"如果不服本指令，可以依法在60日内向{bodies}申请行政复议，或者在6个月内依法向{court}提起行政诉讼，"
        "但本指令不停止执行，法律另有规定的除外。"
    )


def refusal_sentence(reason: str, witness: str) -> str:
    return f"被检查单位负责人拒绝签字，原因：{reason}，见证人：{witness}{REFUSAL_BASIS}"


# --- wording by posture (who the issuer is) ------------------------------------------------------------

#: First line of every 2017 式样 document; only a township authorised to enforce prints it.
ENFORCEMENT_BANNER = "安全生产行政执法文书"
#: A township's own record of a 复查 (DOMAIN §5.0: not the 复查意见书 of an enforcement body).
TOWNSHIP_REVIEW_TITLE = "整改复查意见"
#: 安全生产法 (2021) 第九条第二款: the township's own duty to inspect.
TOWNSHIP_INSPECTION_BASIS = "《中华人民共和国安全生产法》第九条"


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def printed_title(header: DocumentHeader) -> str:
    """The title line: the 2017 式样 names, except a township's 复查 (整改复查意见)."""
    if header.posture == "township" and header.doc_type == "review":
        return TOWNSHIP_REVIEW_TITLE
    return DOC_TITLES[header.doc_type]


def banner(header: DocumentHeader) -> str:
    """The line above the title: 安全生产行政执法文书 for an authorised issuer's documents (and for
    orders/reviews issued before the posture was recorded), else the issuing body."""
    if header.doc_type == "order":  # only ever issued under an authorisation
        return ENFORCEMENT_BANNER
    if header.posture == "authorised" and header.doc_type in ("record", "review"):
        return ENFORCEMENT_BANNER
    if header.posture == "legacy" and header.doc_type == "review":
        return ENFORCEMENT_BANNER
    return header.issuer


def cert_label(posture: Posture) -> str:
    """What the inspectors' numbers are: a township's staff show their 工作证号."""
    return "工作证号" if posture == "township" else "执法证号"


def inspector_signature_label(header: DocumentHeader) -> str:
    """The inspectors' signature column of a record / notice / review."""
    if header.posture == "authorised" and header.doc_type == "review":
        return "安全生产监管行政执法人员（签名）"
    return "检查人员（签名）"


def record_identification(header: DocumentHeader, inspectors: Sequence[InspectorInfo]) -> str:
    """The sentence the inspectors say on arrival (2017 式样 for an authorised issuer)."""
    names = "、".join(i.name for i in inspectors)
    if header.posture == "township":
        shown = "、".join(f"{i.name}（工作证号：{i.cert_no}）" if i.cert_no else i.name for i in inspectors)
        return (
            f"我们是{header.issuer}检查人员{shown}，这是我们的工作证件（出示证件）。"
            f"现依照{TOWNSHIP_INSPECTION_BASIS}的规定对你单位进行安全检查，请予以配合。"
        )
    certs = "、".join(i.cert_no for i in inspectors)
    return (
        f"我们是{header.issuer}行政执法人员{names}，证件号码为{certs}，这是我们的证件（出示证件）。"
        "现依法对你单位进行现场检查，请予以配合。"
    )


def review_opening(
    header: DocumentHeader, original_title: str, original_number: str, original_date: date, reviewed: str
) -> str:
    """The opening sentence of the review. Only a 责令限期整改指令书 is a 决定 (2017 式样); a township's
    notice is a 通知书 and is named as such."""
    if header.posture == "legacy":
        return (
            f"本机关于{_cn_date(original_date)}作出了{original_title}的决定[{original_number}]，"
            f"经于{reviewed}对你单位整改情况进行复查，提出如下意见："
        )
    if original_title == DOC_TITLES["order"]:
        return (
            f"本机关于{_cn_date(original_date)}作出了责令限期整改的决定[{original_number}]，"
            f"经于{reviewed}对你单位整改情况进行复查，提出如下意见："
        )
    if original_number == NO_NUMBER:
        sent = f"于{_cn_date(original_date)}检查时对你单位（场所）存在的安全隐患提出了整改要求"
    else:
        sent = f"于{_cn_date(original_date)}向你单位（场所）送达了《{original_title}》（{original_number}）"
    return f"{header.issuer}{sent}，并于{reviewed}对你单位整改情况进行了复查，复查意见如下："


#: What a review cites when the rectification was demanded on paper or before this program.
NO_NUMBER = "无文号"


# --- 重大事故隐患 (issue 14 §4) ----------------------------------------------------------------------------
#
# Cited as the shipped texts say (tests/data/laws): 安全生产法第四十一条第二款 (the unit reports its major
# hazards' 排查治理 to the supervising departments), 第六十五条第一款第（三）项 (a supervising department
# orders 撤出作业人员 / 暂时停产停业 / 停止使用相关设施、设备 where safety cannot be ensured before or while
# the hazard is removed; resumption only after 审查同意). 安全生产事故隐患排查治理暂行规定 (原国家安全生产
# 监督管理总局令第16号) is not among the shipped texts (DOMAIN.md §4.1, [P]): 第十五条 the 治理方案 and its six
# contents, 第十六条 the unit's own duty to withdraw people and stop use while safety cannot be ensured.

SAFETY_LAW = "《中华人民共和国安全生产法》"
RULE_16 = "《安全生产事故隐患排查治理暂行规定》（原国家安全生产监督管理总局令第16号）"
RULE_16_SHORT = "《安全生产事故隐患排查治理暂行规定》"
#: 16号令 第十五条第二款: what a 治理方案 contains.
TREATMENT_PLAN_CONTENTS = (
    "治理的目标和任务、采取的方法和措施、经费和物资的落实、负责治理的机构和人员、治理的时限和要求、安全措施和应急预案"
)
FIVE_IN_PLACE = "责任、措施、资金、时限、预案“五落实”"


def county_bodies(county: str) -> str:
    """The county bodies a township reports a major hazard to (县级应急管理部门 / 安委会办公室)."""
    if county:
        return f"{county}应急管理局（{county}安全生产委员会办公室）"
    return "县级应急管理部门（县级安全生产委员会办公室）"


def _treatment_deadline(seqs: Sequence[int], deadlines: Sequence[date | None]) -> str:
    """“，并按方案于…前治理完毕” for the major hazards ``seqs`` (their ``deadlines`` in the same order;
    none given: nothing). The one place a major hazard's deadline is said: after its 治理方案."""
    if not deadlines:
        return ""
    groups: dict[date | None, list[int]] = {}
    for seq, deadline in zip(seqs, deadlines, strict=True):
        groups.setdefault(deadline, []).append(seq)
    parts = []
    for deadline in sorted(groups, key=lambda d: (d is not None, d or date.min)):
        which = "" if len(groups) == 1 else f"第{'、'.join(str(n) for n in groups[deadline])}项"
        parts.append(f"{which}立即组织治理" if deadline is None else f"{which}于{_cn_date(deadline)}前治理完毕")
    return "，并按方案" + "、".join(parts)


def major_hazard_paragraphs(
    seqs: Sequence[int], posture: Posture, issuer: str, county: str, deadlines: Sequence[date | None] = ()
) -> tuple[str, ...]:
    """What the notice (township) or the order (authorised) says about its 重大事故隐患 ``seqs``:
    a township asks (要求) and reports to the county; an authorised issuer orders (责令).

    ``deadlines`` (one per seq) are said here, after the 治理方案 (16号令第十五条: 治理的时限 is part of the
    plan), so the document never gives a major hazard a plain 整改期限 before what it requires."""
    if not seqs:
        return ()
    which = _numbers(seqs)
    report = county_bodies(county)
    until = _treatment_deadline(seqs, deadlines)
    if posture == "township":
        return (
            f"上表{which}隐患为重大事故隐患，不能仅以限期整改了结。依照{RULE_16}第十六条，隐患排除前或者排除过程中"
            "无法保证安全的，你单位应当从危险区域内撤出作业人员，疏散可能危及的其他人员，设置警戒标志，暂时停产停业"
            "（全部或者局部）或者停止使用相关设施、设备。",
            f"你单位主要负责人应当依照该规定第十五条组织制定并实施隐患治理方案，内容包括{TREATMENT_PLAN_CONTENTS}，"
            f"做到{FIVE_IN_PLACE}，将治理方案书面报送{issuer}{until}；依照{SAFETY_LAW}第四十一条第二款，"
            "重大事故隐患排查治理情况应当及时向负有安全生产监督管理职责的部门报告。",
            f"{issuer}将把上述重大事故隐患报告{report}，由负有安全生产监督管理职责的部门依照{SAFETY_LAW}"
            "第六十五条第一款第（三）项依法处理。重大事故隐患治理完毕，经审查验收合格后方可销号，恢复生产经营和使用。",
        )
    return (
        f"上述{which}问题为重大事故隐患。依照{SAFETY_LAW}第六十五条第一款第（三）项，重大事故隐患排除前或者排除"
        "过程中无法保证安全的，责令你单位从危险区域内撤出作业人员，暂时停产停业（全部或者局部）或者停止使用相关设施、"
        "设备；重大事故隐患排除后，经审查同意，方可恢复生产经营和使用。",
        f"责令你单位主要负责人依照{RULE_16}第十五条组织制定并实施隐患治理方案，内容包括{TREATMENT_PLAN_CONTENTS}，"
        f"做到{FIVE_IN_PLACE}，将治理方案书面报送本机关{until}；依照{SAFETY_LAW}第四十一条第二款，重大事故隐患排查治理"
        "情况应当及时向负有安全生产监督管理职责的部门报告。",
        f"本机关将把上述重大事故隐患报告{report}。",
    )


def supervision_paragraphs(issuer: str, county: str, *, deadline: date | None) -> tuple[str, ...]:
    """The requirements of a 挂牌督办通知书 (治理方案 with 五落实, 停止使用, report, 销号)."""
    until = f"于{_cn_date(deadline)}前" if deadline is not None else "立即"
    return (
        f"你单位主要负责人应当依照{RULE_16}第十五条组织制定隐患治理方案，内容包括{TREATMENT_PLAN_CONTENTS}，"
        f"做到{FIVE_IN_PLACE}，自收到本通知书之日起尽快将治理方案书面报送{issuer}，并按方案{until}治理完毕。",
        "治理期间，你单位应当采取相应的安全防范措施，防止事故发生；隐患排除前或者排除过程中无法保证安全的，应当依照"
        "该规定第十六条从危险区域内撤出作业人员，疏散可能危及的其他人员，设置警戒标志，暂时停产停业（全部或者局部）"
        "或者停止使用相关设施、设备。",
        f"依照{SAFETY_LAW}第四十一条第二款，你单位应当将该重大事故隐患的治理进展情况及时向负有安全生产监督管理职责的部门"
        f"报告；{issuer}已将该隐患报告{county_bodies(county)}。",
        "治理完成后，你单位应当书面报告治理情况并申请验收；经审查验收合格后予以销号、摘牌，方可恢复生产经营和使用。"
        "未经验收销号的，督办不予解除。",
    )


# --- 隐患移交抄告函 --------------------------------------------------------------------------------------


def handover_opening(issuer: str, department: str, place: str, address: str, inspected: str, posture: Posture) -> str:
    """The letter's opening: the township found hazards within the department's remit and hands them over
    (安全生产法第九条第二款: a township 协助 the competent departments; 第六十九条 for an authorised one)."""
    basis = f"{SAFETY_LAW}第九条第二款"
    if posture == "authorised":
        basis += "、第六十九条"
    where = f"（地址：{address}）" if address else ""
    return (
        f"{inspected}，{issuer}检查人员对{place}{where}进行安全检查时，发现下列安全隐患属于贵单位职责范围。"
        f"依照{basis}的规定，现将有关情况移交（抄告）贵单位，请依法处理，并将处理结果函告{issuer}。"
    )


HANDOVER_ATTACHMENTS = "附件："


# --- 送达回证 --------------------------------------------------------------------------------------------

#: What the 送达人 writes where the recipient refuses to sign (留置送达).
RECEIPT_NOTE = "受送达人拒绝签收的，由送达人在本回证上记明拒收事由和日期，由送达人、见证人签名，将文书留在受送达人处，即视为送达。"

COPIES_NOTE.update(
    {
        "supervision": "本通知书一式三份：一份由督办单位存档，一份交被督办单位，一份报县级应急管理部门备案。",
        "handover": "本函一式两份：一份由移交机关存档，一份送接收部门。",
        "receipt": "本回证由送达人填写，受送达人签收后交回出具机关存档。",
    }
)
