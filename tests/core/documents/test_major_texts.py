"""The fixed wording of issue 14 §4 (重大事故隐患, 挂牌督办, 移交抄告函, 送达回证): every article it cites of a
shipped statute says what the wording claims, and the new snapshot types check themselves."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from anquan_desk.core.documents import texts
from anquan_desk.core.documents.snapshot import (
    DocumentHeader,
    HazardEntry,
    NoticeContent,
    PlaceInfo,
    ReceiptContent,
    SnapshotError,
    SupervisionContent,
    snapshot_from_dict,
    snapshot_to_dict,
)

LAW = Path(__file__).resolve().parents[2] / "data" / "laws" / "安全生产法(2021-06-10).md"


def _paragraphs(article: str) -> list[list[str]]:
    """The 款 of an article of 安全生产法, each as [款 text, 项 texts …]."""
    lines = [ln.strip() for ln in LAW.read_text(encoding="utf-8").splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith(article))
    out: list[list[str]] = []
    for ln in lines[start:]:
        if out and re.match(r"^第[一二三四五六七八九十百零]+条", ln):
            break
        if re.match(r"^（[一二三四五六七八九十]+）", ln):
            out[-1].append(ln)
        else:
            out.append([ln])
    return out


def test_cited_articles_say_it() -> None:
    art65 = _paragraphs("第六十五条")
    item3 = art65[0][3]  # 第一款第（三）项
    assert item3.startswith("（三）")
    for words in ("撤出作业人员", "暂时停产停业或者停止使用相关设施、设备", "经审查同意，方可恢复生产经营和使用"):
        assert words in item3
    art41 = _paragraphs("第四十一条")
    assert "重大事故隐患排查治理情况应当及时向负有安全生产监督管理职责的部门" in art41[1][0]  # 第二款
    art9 = _paragraphs("第九条")
    assert "协助人民政府有关部门" in art9[1][0]  # 第二款
    assert "应当及时移送其他有关部门" in _paragraphs("第六十九条")[0][0]


def test_major_paragraphs_by_posture() -> None:
    assert texts.major_hazard_paragraphs([], "township", "某镇人民政府", "某县") == ()
    township = "".join(texts.major_hazard_paragraphs([2, 3], "township", "某镇人民政府", "某县"))
    assert "上表第2项、第3项隐患为重大事故隐患" in township and "责令" not in township
    assert "某县应急管理局（某县安全生产委员会办公室）" in township
    authorised = "".join(texts.major_hazard_paragraphs([1], "authorised", "某镇人民政府", ""))
    assert "责令你单位从危险区域内撤出作业人员" in authorised
    assert "县级应急管理部门（县级安全生产委员会办公室）" in authorised
    for text in (township, authorised):
        assert "第六十五条第一款第（三）项" in text and "第四十一条第二款" in text and "五落实" in text


def _header(doc_type: str, posture: str = "township") -> DocumentHeader:
    return DocumentHeader.from_dict({
        "doc_type": doc_type, "number": "X", "issuer": "某镇人民政府", "township": "某镇",
        "issued_at": "2026-11-20T12:00:00", "short_code": "ABCDEFGH", "posture": posture,
    })


def test_old_notice_snapshots_read_without_the_major_paragraphs() -> None:
    notice = NoticeContent(
        header=_header("notice"), place=PlaceInfo("某店", "某路1号"), inspected_at=datetime(2026, 11, 20, 9, 0),
        inspectors=(), hazards=(HazardEntry(1, "H-1", "问题", grade="重大"),), legal_consequence="……",
    )
    stored = snapshot_to_dict(notice)
    del stored["content"]["major_hazard"]  # as stored before this field existed
    assert snapshot_from_dict(stored) == notice


def test_new_snapshots_check_themselves() -> None:
    place = PlaceInfo("某店", "某路1号")
    with pytest.raises(SnapshotError, match="只有重大事故隐患"):
        SupervisionContent(
            header=_header("supervision"), place=place, hazard=HazardEntry(1, "H-1", "问题"),
            found_on=date(2026, 11, 20), listed_on=date(2026, 11, 20), supervision_no="督1", supervising_unit="某镇",
            requirements=(),
        )
    with pytest.raises(SnapshotError, match="见证人"):
        ReceiptContent(
            header=_header("receipt"), document_title="安全隐患整改通知书", document_number="X", recipient="某店",
            address="某路1号", method="留置送达", servers=("张三",),
        )
    receipt = ReceiptContent(
        header=_header("receipt"), document_title="安全隐患整改通知书", document_number="X", recipient="某店",
        address="某路1号", method="留置送达", servers=("张三",), witness="李四", reason="拒绝签收",
    )
    assert snapshot_from_dict(snapshot_to_dict(receipt)) == receipt
