"""Reading plan files: text encodings, Word (.docx with tables) and text PDFs, and clear errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from helpers import PLANS
from helpers.corpus import files as corpus
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from anquan_desk.core.errors import FileInputError
from anquan_desk.core.plans.parse import parse_plan
from anquan_desk.core.progress import Progress
from anquan_desk.io import plan_text
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
    assert summary.sector_names == ("燃气", "自建房", "九小场所")
    assert summary.focus_names == ("电动自行车",)  # a campaign, not a sector
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


# ----------------------------------------------------------------------------- hostile and damaged files


def _refused(path: Path) -> str:
    with pytest.raises(PlanReadError) as info:
        read_plan_text(path)
    assert info.value.location.file == str(path)
    assert str(path) in str(info.value)
    return str(info.value)


def test_encrypted_pdf_says_so_and_a_permissions_password_is_no_obstacle(tmp_path: Path) -> None:
    assert "已加密，请先解除密码保护或另存为未加密的 PDF" in _refused(corpus.plan_encrypted_pdf(tmp_path))
    text = read_plan_text(corpus.plan_owner_only_pdf(tmp_path))
    assert parse_plan(text).title == "白沙镇2026年安全生产工作要点"


def test_encryption_pypdf_cannot_undo_is_reported_as_encrypted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AES needs a crypto library pypdf may lack: its DependencyError becomes the same message."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def no_aes(self: PdfReader, password: str) -> int:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", no_aes)
    assert "已加密" in _refused(corpus.plan_encrypted_pdf(tmp_path))


def test_too_many_pages_are_refused_before_any_page_is_read(tmp_path: Path) -> None:
    seen: list[int] = []

    class Watch(Progress):
        def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
            seen.append(done)

    path = corpus.plan_many_pages(tmp_path)
    with pytest.raises(PlanReadError, match="PDF 共 2000 页，超过 300 页上限"):
        read_plan_text(path, Watch())
    assert seen == []


def test_gathered_text_is_limited_and_the_page_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_text, "MAX_TEXT_CHARS", 300)
    path = tmp_path / "长.pdf"
    path.write_bytes(corpus.pdf_of_lines([["燃气安全专项整治" * 10] * 2 for _ in range(4)]))
    message = _refused(path)
    assert "文字过多" in message and "第2页" in message


def test_a_content_stream_that_inflates_without_end_is_refused_at_its_page(tmp_path: Path) -> None:
    started = time.perf_counter()
    message = _refused(corpus.plan_flate_bomb(tmp_path))
    assert "第1页" in message and "提取文字失败" in message
    assert time.perf_counter() - started < 30


def test_truncated_pdf_is_damaged_not_a_traceback(tmp_path: Path) -> None:
    assert "文件已损坏或不完整" in _refused(corpus.plan_truncated_pdf(tmp_path))


def test_pypdf_says_nothing_on_the_console(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    logger = logging.getLogger("pypdf")
    before = (logger.level, logger.propagate)
    data = corpus.pdf_of_lines([PLAN_LINES])
    path = tmp_path / "截断.pdf"
    path.write_bytes(data[:-300])  # pypdf logs "EOF marker not found" and the like
    with pytest.raises(PlanReadError):
        read_plan_text(path)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    assert (logger.level, logger.propagate) == before


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        (corpus.plan_zip_bomb_docx, "解压后过大"),
        (corpus.plan_lying_docx, "解压后的大小与压缩包记录的不符"),
        (corpus.plan_entity_bomb_docx, "Word 文档"),
        (corpus.plan_many_entries_docx, "部件过多（4017 个）"),
        (corpus.plan_xlsx_named_docx, "而是 Excel 工作簿"),
        (corpus.plan_pdf_named_docx, "而是PDF 文件"),
        (corpus.plan_ole_named_docx, "旧版 Word 文档（.doc）"),
        (corpus.plan_huge_txt, "文件过大（9.0 MB"),
        (corpus.plan_png_named_txt, "而是PNG 图片"),
        (corpus.plan_binary_txt, "不是文本文件"),
        (corpus.plan_many_lines_txt, "行数过多"),
        (corpus.plan_wps, "另存为 .docx"),
    ],
)
def test_hostile_files_are_refused_with_a_reason(
    tmp_path: Path, builder: Callable[[Path], Path], expected: str
) -> None:
    started = time.perf_counter()
    assert expected in _refused(builder(tmp_path))
    assert time.perf_counter() - started < 30


def test_a_lying_package_is_caught_without_inflating_it(tmp_path: Path) -> None:
    """zipfile would inflate the whole 200 MB stream at once; the check reads it in small steps."""
    import tracemalloc

    path = corpus.plan_lying_docx(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(PlanReadError):
            read_plan_text(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_supported_encodings_of_the_corpus_still_read(tmp_path: Path) -> None:
    for builder in (corpus.plan_gbk_txt, corpus.plan_utf16_txt):
        assert "燃气" in read_plan_text(builder(tmp_path))
    assert read_plan_text(corpus._write(tmp_path, "方案.docx", corpus.docx_bytes())).startswith("白沙镇2026年")


def test_pypdf_runs_within_tighter_limits_only_while_reading() -> None:
    from pypdf import get_configuration

    default = get_configuration().zlib_maximum_output_length
    with plan_text.quiet_pypdf():
        assert get_configuration().zlib_maximum_output_length == 16 * 1024 * 1024
        with plan_text.quiet_pypdf():  # nested (two screens reading at once) is fine
            assert get_configuration().stream_parsing_work_maximum_count == 1_000_000
    assert get_configuration().zlib_maximum_output_length == default


def test_an_oversized_pdf_is_refused_before_reading(tmp_path: Path) -> None:
    path = corpus._write(tmp_path, "扫描版方案.pdf", corpus.pdf_of_lines([PLAN_LINES]))
    with path.open("r+b") as fh:
        fh.truncate(plan_text.MAX_PDF_BYTES + 1)
    message = _refused(path)
    assert "文件过大" in message and "扫描件" in message
