"""Fixed wording of the printed documents (2017 式样 and the township notice), in one place.

The service layer copies the legal-consequence paragraph into each snapshot when a document is
issued, so a later change of wording here never alters a document already issued.
"""

from __future__ import annotations

from collections.abc import Sequence

# 安全生产法 (2021) 第一百零二条; 消防法 (2021) 第六十条. A township notifies; the fine is imposed by
# the competent department, hence "移交有关部门依法查处".
NOTICE_LEGAL_CONSEQUENCE = (
    "逾期未整改或者整改不符合要求的，依据《中华人民共和国安全生产法》第一百零二条“生产经营单位未采取措施"
    "消除事故隐患的，责令立即消除或者限期消除，处五万元以下的罚款；生产经营单位拒不执行的，责令停产停业整顿，"
    "对其直接负责的主管人员和其他直接责任人员处五万元以上十万元以下的罚款”及《中华人民共和国消防法》第六十条"
    "等规定，移交有关部门依法查处。"
)

ORDER_LEGAL_CONSEQUENCE = "整改期间，你单位应当采取措施，确保安全生产。对安全生产违法行为，将依法予以行政处罚。"

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
