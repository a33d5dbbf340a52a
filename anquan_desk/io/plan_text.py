"""Read the text of a district work plan (工作要点 / 实施方案) from a file.

Supported: ``.txt`` (UTF-8, with or without BOM, UTF-16 with BOM, or GB18030/GBK — detected),
``.docx`` (python-docx: body paragraphs and tables, in document order) and text-based ``.pdf``
(pypdf). The result is plain text with one paragraph per line; the analysis of that text lives
in :mod:`anquan_desk.core.plans.parse`.

Any failure raises :class:`PlanReadError`, whose message is Chinese and names the file. A long
PDF reports its pages to the :class:`~anquan_desk.core.progress.Progress` given, and stops between
pages when asked to (:class:`~anquan_desk.core.errors.OperationCancelled`).
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

from anquan_desk.core.errors import FileInputError, Location
from anquan_desk.core.progress import NO_PROGRESS, Progress

__all__ = ["SUPPORTED_SUFFIXES", "PlanReadError", "decode_text", "read_plan_text"]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".text", ".docx", ".pdf")


class PlanReadError(FileInputError):
    """A plan file could not be read. ``file`` names it; ``page`` is set for PDF page errors."""

    def __init__(self, file: str | Path, reason: str, *, page: int | None = None) -> None:
        self.file = str(file)
        self.reason = reason
        self.page = page
        where = f"第{page}页：" if page is not None else ""
        super().__init__(f"无法读取计划文件，{where}{reason}", Location(file=self.file))


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a text file; return ``(text, encoding)``.

    Order: BOMs (UTF-8, UTF-16), then strict UTF-8, then strict GB18030 (a superset of GBK and
    GB2312). Raises ``ValueError`` when none of them decodes the data.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ValueError(f"文字编码无法识别（既不是 UTF-8 也不是 GB18030/GBK），第{exc.start + 1}字节处出错") from exc


def _read_txt(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanReadError(path, f"打开文件失败（{exc.strerror or exc}）") from exc
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PlanReadError(path, "这不是文本文件（含有二进制内容）")
    try:
        text, _encoding = decode_text(data)
    except ValueError as exc:
        raise PlanReadError(path, str(exc)) from exc
    return text


def _read_docx(path: Path) -> str:
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise PlanReadError(path, "不是有效的 Word 文档（.docx）") from exc
    except Exception as exc:  # python-docx raises assorted errors on damaged packages
        raise PlanReadError(path, f"Word 文档已损坏（{type(exc).__name__}）") from exc

    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, document).text)
        elif child.tag == qn("w:tbl"):
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = cell.text.strip()
                    # Merged cells repeat their text in every grid column they span.
                    if text and (not cells or cells[-1] != text):
                        cells.append(text)
                if cells:
                    lines.append("\t".join(cells))
            lines.append("")
    return "\n".join(lines)


def _read_pdf(path: Path, progress: Progress) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf reports recoverable oddities through logging; keep them out of the user's console.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise PlanReadError(path, "PDF 已加密，无法提取文字") from exc
        pages: list[str] = []
        total = len(reader.pages)
        for number, page in enumerate(reader.pages, start=1):
            progress.check()
            progress.update(number - 1, total, f"正在读取第 {number}/{total} 页…")
            try:
                pages.append(page.extract_text() or "")
            except Exception as exc:
                raise PlanReadError(path, f"提取文字失败（{type(exc).__name__}）", page=number) from exc
    except PlanReadError:
        raise
    except (PdfReadError, OSError, ValueError) as exc:
        raise PlanReadError(path, "不是有效的 PDF 文件") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise PlanReadError(path, "PDF 中没有可提取的文字（可能是扫描件，请先做文字识别或提供 Word/文本版）")
    return text


def read_plan_text(path: str | Path, progress: Progress = NO_PROGRESS) -> str:
    """Return the text of the plan in ``path`` (``.txt``, ``.docx`` or text ``.pdf``)."""
    p = Path(path)
    if not p.exists():
        raise PlanReadError(p, "文件不存在")
    if p.is_dir():
        raise PlanReadError(p, "这是一个文件夹，不是文件")
    suffix = p.suffix.lower()
    if suffix in (".txt", ".text"):
        text = _read_txt(p)
    elif suffix == ".docx":
        text = _read_docx(p)
    elif suffix == ".pdf":
        text = _read_pdf(p, progress)
    elif suffix == ".doc":
        raise PlanReadError(p, "不支持旧版 .doc 格式，请在 Word/WPS 中另存为 .docx 后再导入")
    else:
        raise PlanReadError(p, f"不支持的文件类型“{p.suffix or '无扩展名'}”（支持 .txt、.docx、.pdf）")
    if not text.strip():
        raise PlanReadError(p, "文件中没有文字")
    return text.replace("\r\n", "\n").replace("\r", "\n")
