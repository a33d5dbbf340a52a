"""Reading plan files: text encodings, Word (.docx with tables) and text PDFs, and clear errors."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from helpers import PLANS
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from anquan_desk.core.errors import FileInputError
from anquan_desk.core.plans.parse import parse_plan
from anquan_desk.io.plan_text import PlanReadError, decode_text, read_plan_text
from anquan_desk.resources import resource_path

SEEDS = PLANS

PLAN_LINES = [
    "某镇2026年燃气安全专项整治方案",
    "一、重点任务",
    "1.开展瓶装液化石油气安全隐患专项整治，督促餐饮场所安装燃气泄漏报警装置。",
    "2.春节、国庆期间开展“四不两直”检查。每月开展一次九小场所检查。",
]


def _cjk_font_name() -> str:
    """The CJK TrueType font the project ships (never a system font a fresh machine may lack)."""
    name = "PlanTestCJK"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", "wqy-microhei.ttf"))))
    return name


# ----------------------------------------------------------------------------- .txt


def test_utf8_seed_reads_as_is() -> None:
    path = SEEDS / "yueyanglou_2021_gongzuo_yaodian.txt"
    assert read_plan_text(path) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-16"])
def test_other_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    # The web copy has no-break spaces, which GBK lacks; otherwise it is GB2312-range Chinese.
    original = (SEEDS / "enyang_2023_gongzuo_yaodian.txt").read_text(encoding="utf-8").replace("\xa0", " ")
    path = tmp_path / f"plan-{encoding}.txt"
    path.write_bytes(original.encode(encoding))
    assert read_plan_text(path) == original.replace("\r\n", "\n")
    assert parse_plan(read_plan_text(path)).title == "2023年巴中市恩阳区安全生产工作要点"


def test_decode_text_reports_the_encoding() -> None:
    assert decode_text("燃气".encode()) == ("燃气", "utf-8")
    assert decode_text("燃气".encode("gbk")) == ("燃气", "gb18030")


def test_undecodable_text_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "坏文件.txt"
    path.write_bytes(b"\x81\x30")  # truncated GB18030 four-byte sequence, not UTF-8 either
    with pytest.raises(PlanReadError) as info:
        read_plan_text(path)
    message = str(info.value)
    assert str(path) in message and "编码" in message
    assert isinstance(info.value, FileInputError)
    assert info.value.location.file == str(path)


def test_binary_file_with_txt_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(PlanReadError, match="不是文本文件"):
        read_plan_text(path)


# ----------------------------------------------------------------------------- .docx


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading(PLAN_LINES[0], level=1)
    document.add_paragraph(PLAN_LINES[1])
    document.add_paragraph(PLAN_LINES[2])
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "序号"
    table.cell(0, 1).text = "任务"
    table.cell(0, 2).text = "时限"
    table.cell(1, 0).text = "1"
    table.cell(1, 1).text = "开展经营性自建房安全隐患排查整治"
    table.cell(1, 2).text = "每季度"
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "加强电动自行车违规停放充电整治"
    table.cell(2, 2).text = "每月"
    document.add_paragraph(PLAN_LINES[3])
    path = tmp_path / "方案.docx"
    document.save(str(path))

    text = read_plan_text(path)
    lines = [line for line in text.split("\n") if line]
    assert lines[:3] == PLAN_LINES[:3]
    assert lines[3:6] == [
        "序号\t任务\t时限",
        "1\t开展经营性自建房安全隐患排查整治\t每季度",
        "加强电动自行车违规停放充电整治\t每月",  # merged cell appears once
    ]
    assert lines[6] == PLAN_LINES[3]

    summary = parse_plan(text)
    assert summary.title == "某镇2026年燃气安全专项整治方案"
    assert summary.year == 2026
    assert summary.sector_names == ("燃气", "自建房", "九小场所", "电动自行车")
    assert summary.periods == ("春节", "国庆")


def test_broken_docx_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "损坏.docx"
    path.write_bytes(b"this is not a zip package")
    with pytest.raises(PlanReadError) as info:
        read_plan_text(path)
    assert str(path) in str(info.value) and "Word" in str(info.value)


# ----------------------------------------------------------------------------- .pdf


def _make_pdf(path: Path, lines: list[str]) -> None:
    font = _cjk_font_name()
    pdf = canvas.Canvas(str(path), pagesize=A4)
    y = 780.0
    for n, line in enumerate(lines):
        pdf.setFont(font, 16 if n == 0 else 11)
        pdf.drawString(60, y, line)
        y -= 22
    pdf.showPage()
    pdf.setFont(font, 11)
    pdf.drawString(60, 780, "3.加强森林防火巡查，汛期前开展地质灾害隐患排查。")
    pdf.showPage()
    pdf.save()


def test_text_pdf_is_read_page_by_page(tmp_path: Path) -> None:
    path = tmp_path / "方案.pdf"
    _make_pdf(path, PLAN_LINES)
    text = read_plan_text(path)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    assert lines == [*PLAN_LINES, "3.加强森林防火巡查，汛期前开展地质灾害隐患排查。"]
    summary = parse_plan(text)
    assert summary.sector_names == ("燃气", "九小场所", "森林防火", "自然灾害")
    assert summary.periods == ("春节", "国庆", "汛期")
    assert [d.frequency for d in summary.duties] == ["每月"]


def _render_wrapped_pdf(path: Path, text: str, width: int = 34, per_page: int = 44) -> int:
    """Lay out a plan as a government PDF would: wrapped lines, page-number footers. Returns pages."""
    font = _cjk_font_name()
    lines: list[str] = []
    for paragraph in text.replace("\xa0", " ").split("\n"):
        paragraph = paragraph.strip()
        if paragraph.startswith("发布日期"):  # a web page's header line: a PDF would not wrap it
            lines.append(paragraph[:60])
            continue
        lines.extend(paragraph[k : k + width] for k in range(0, len(paragraph), width))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pages = 0
    for start in range(0, len(lines), per_page):
        pages += 1
        pdf.setFont(font, 11)
        y = 790.0
        for line in lines[start : start + per_page]:
            pdf.drawString(50, y, line)
            y -= 16
        pdf.drawCentredString(A4[0] / 2, 30, f"- {pages} -")
        pdf.showPage()
    pdf.save()
    return pages


@pytest.mark.parametrize(
    "name", ["enyang_2023_gongzuo_yaodian.txt", "xixinan_2023_sange_henzhua.txt", "yueyanglou_2021_gongzuo_yaodian.txt"]
)
def test_real_plan_as_wrapped_pdf_gives_the_same_findings(tmp_path: Path, name: str) -> None:
    original = (SEEDS / name).read_text(encoding="utf-8")
    path = tmp_path / "plan.pdf"
    assert _render_wrapped_pdf(path, original) > 3
    from_pdf = parse_plan(read_plan_text(path))
    from_txt = parse_plan(original)
    assert from_pdf.sector_names == from_txt.sector_names
    assert from_pdf.periods == from_txt.periods
    assert [d.frequency for d in from_pdf.duties] == [d.frequency for d in from_txt.duties]
    assert (from_pdf.title, from_pdf.year, from_pdf.issuer) == (from_txt.title, from_txt.year, from_txt.issuer)
    # Sentences broken over lines and pages are whole again (no page number inside).
    gas_pdf = from_pdf.evidence_for("燃气")
    assert len(gas_pdf) == len(from_txt.evidence_for("燃气"))
    assert not any("- " in sentence for f in from_pdf.sectors for sentence in f.evidence)


def test_scanned_pdf_without_text_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "扫描件.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(100, 100, 300, 300, fill=1)
    pdf.showPage()
    pdf.save()
    with pytest.raises(PlanReadError, match="扫描件") as info:
        read_plan_text(path)
    assert str(path) in str(info.value)


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"%PDF-1.4 but then nothing useful")
    with pytest.raises(PlanReadError) as info:
        read_plan_text(path)
    assert str(path) in str(info.value)


# ----------------------------------------------------------------------------- other


def test_missing_unsupported_and_directory(tmp_path: Path) -> None:
    with pytest.raises(PlanReadError, match="文件不存在"):
        read_plan_text(tmp_path / "没有.txt")
    old = tmp_path / "旧版.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(PlanReadError, match=r"另存为 \.docx"):
        read_plan_text(old)
    other = tmp_path / "plan.xlsx"
    other.write_bytes(b"x")
    with pytest.raises(PlanReadError, match="不支持的文件类型"):
        read_plan_text(other)
    with pytest.raises(PlanReadError, match="文件夹"):
        read_plan_text(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "空.txt"
    path.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(PlanReadError, match="没有文字"):
        read_plan_text(path)
