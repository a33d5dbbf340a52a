"""Read the text of a district work plan (工作要点 / 实施方案) from a file.

Supported: ``.txt`` (UTF-8, with or without BOM, UTF-16 with BOM, or GB18030/GBK — detected),
``.docx`` (python-docx: body paragraphs and tables, in document order) and text-based ``.pdf``
(pypdf). The result is plain text with one paragraph per line; the analysis of that text lives
in :mod:`anquan_desk.core.plans.parse`.

Any failure raises :class:`PlanReadError`, whose message is Chinese and names the file (and the
page where it applies). A long PDF reports its pages to the :class:`~anquan_desk.core.progress.Progress`
given, and stops between pages when asked to (:class:`~anquan_desk.core.errors.OperationCancelled`).

Whatever the file, time and memory stay bounded: the file's size is checked before it is read
(``MAX_*_BYTES``), a ``.docx`` package's declared sizes and entry count before it is unpacked
(its parts are then read no further than they declare, so a lying zip stops there), a PDF's page
count before any page is read, and the text gathered is limited (``MAX_TEXT_CHARS``,
``MAX_TEXT_LINES``) as it grows. pypdf's English log lines are kept off the console
(:func:`quiet_pypdf`).
"""

from __future__ import annotations

import logging
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from anquan_desk.core.attachments import describe_content
from anquan_desk.core.errors import FileInputError, Location
from anquan_desk.core.progress import NO_PROGRESS, Progress

__all__ = [
    "MAX_PDF_PAGES",
    "MAX_TEXT_CHARS",
    "SUPPORTED_SUFFIXES",
    "PlanReadError",
    "decode_text",
    "quiet_pypdf",
    "read_plan_text",
]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".text", ".docx", ".pdf")

MB = 1024 * 1024
#: A plan is tens of pages: these limits are generous for one and refuse what cannot be one.
MAX_TXT_BYTES = 8 * MB
MAX_DOCX_BYTES = 60 * MB
MAX_DOCX_UNPACKED = 60 * MB  # all parts together, as the package declares them (python-docx holds them all)
MAX_DOCX_XML = 8 * MB  # word/document.xml: its XML tree takes about 15 times as much
MAX_DOCX_ENTRIES = 3000
MAX_PDF_BYTES = 50 * MB
MAX_PDF_PAGES = 300
MAX_TEXT_CHARS = 1_000_000
MAX_TEXT_LINES = 50_000

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class PlanReadError(FileInputError):
    """A plan file could not be read. ``file`` names it; ``page`` is set for PDF page errors."""

    def __init__(self, file: str | Path, reason: str, *, page: int | None = None) -> None:
        self.file = str(file)
        self.reason = reason
        self.page = page
        where = f"第{page}页：" if page is not None else ""
        super().__init__(f"无法读取计划文件，{where}{reason}", Location(file=self.file))


# --- pypdf: quiet, and within tighter limits ---------------------------------------------------------

#: pypdf's resource limits while reading a file a user handed us (its defaults allow 75 MB a stream).
PYPDF_LIMITS: dict[str, int] = {
    "maximum_declared_stream_length": 32 * MB,
    "array_based_stream_maximum_output_length": 16 * MB,
    "zlib_maximum_output_length": 16 * MB,
    "lzw_maximum_output_length": 16 * MB,
    "run_length_maximum_output_length": 16 * MB,
    "jbig2_maximum_output_length": 16 * MB,
    "brotli_maximum_output_length": 16 * MB,
    "image_maximum_buffer_size": 16 * MB,
    "stream_decoding_work_maximum_length": 64 * MB,
    "stream_parsing_work_maximum_count": 1_000_000,
    "xform_maximum_invocations_per_extraction": 1_000,
}

_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: tuple[int, bool] = (logging.NOTSET, True)


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """Read with pypdf as it suits a file a user handed us: its log lines ("EOF marker not found",
    "CAUTION: startxref …") kept off stdout/stderr, and its resource limits lowered
    (``PYPDF_LIMITS``, for this thread only). The logger is as it was afterwards (safe across threads)."""
    from pypdf import apply_configuration

    global _quiet_depth, _quiet_saved
    logger = logging.getLogger("pypdf")
    with _quiet_lock:
        if _quiet_depth == 0:
            _quiet_saved = (logger.level, logger.propagate)
            logger.setLevel(logging.CRITICAL + 1)
            logger.propagate = False
        _quiet_depth += 1
    try:
        with apply_configuration(None, **PYPDF_LIMITS):
            yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                logger.setLevel(_quiet_saved[0])
                logger.propagate = _quiet_saved[1]


# --- helpers ---------------------------------------------------------------------------------------


def _os_reason(exc: OSError) -> str:
    """Why a file could not be read, in Chinese (the system's own text is often English)."""
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有读取该文件的权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    return f"系统错误：{exc.strerror or exc}"


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB" if size < 10 * MB else f"{size // MB} MB"


def _what_it_is(head: bytes) -> str | None:
    """What the first bytes say the file really is (Chinese), for "this is not a …" messages: the plan
    reader's own hints for what a plan is often saved as, else :func:`describe_content`."""
    if head.startswith(_OLE):
        return "旧版 Office 文档（.doc/.xls/.ppt）或加密的 Office 文档"
    if head.startswith(b"{\\rtf"):
        return "RTF 文档（请在 Word/WPS 中另存为 .docx）"
    return describe_content(head)


def _checked_size(path: Path, limit: int, kind: str, hint: str = "") -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PlanReadError(path, f"打开文件失败（{_os_reason(exc)}）") from exc
    if size == 0:
        raise PlanReadError(path, "文件是空的（0 字节）")
    if size > limit:
        raise PlanReadError(
            path, f"文件过大（{_megabytes(size)}，{kind}上限 {_megabytes(limit)}），不像是一份工作方案{hint}"
        )
    return size


def _head(path: Path, count: int = 1024) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(count)
    except OSError as exc:
        raise PlanReadError(path, f"打开文件失败（{_os_reason(exc)}）") from exc


class _TextLimit:
    """Counts what has been gathered; refuses past ``MAX_TEXT_CHARS`` / ``MAX_TEXT_LINES``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.chars = 0
        self.lines = 0

    def add(self, text: str, page: int | None = None) -> str:
        self.chars += len(text)
        self.lines += text.count("\n") + 1
        if self.chars > MAX_TEXT_CHARS:
            raise PlanReadError(
                self.path,
                f"文字过多（已超过 {MAX_TEXT_CHARS // 10_000} 万字），不像是一份工作方案；请只导出方案正文",
                page=page,
            )
        if self.lines > MAX_TEXT_LINES:
            raise PlanReadError(
                self.path, f"文字行数过多（已超过 {MAX_TEXT_LINES} 行），不像是一份工作方案", page=page
            )
        return text


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


def _control_share(data: bytes) -> float:
    """Share of control bytes other than tab, line breaks, form feed and escape in the first 200 KB:
    no text in UTF-8 or GB18030 has them (their multi-byte characters are all above 0x80)."""
    sample = data[:200_000]
    if not sample:
        return 0.0
    controls = (*range(1, 9), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F)
    bad = sum(sample.count(bytes([byte])) for byte in controls)
    return bad / len(sample)


# --- .txt -------------------------------------------------------------------------------------------


def _read_txt(path: Path) -> str:
    _checked_size(path, MAX_TXT_BYTES, "文本文件")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanReadError(path, f"打开文件失败（{_os_reason(exc)}）") from exc
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16:
        kind = _what_it_is(data[:1024])
        if kind is not None:
            raise PlanReadError(path, f"这不是文本文件，而是{kind}")
        if b"\x00" in data or _control_share(data) > 0.01:
            raise PlanReadError(path, "这不是文本文件（含有二进制内容）")
    try:
        text, _encoding = decode_text(data)
    except ValueError as exc:
        raise PlanReadError(path, str(exc)) from exc
    return _TextLimit(path).add(text)


# --- .docx ------------------------------------------------------------------------------------------


def _check_docx_package(path: Path) -> None:
    """A real .docx within limits, judged from its central directory before anything is unpacked."""
    head = _head(path)
    if head.startswith(_OLE):
        raise PlanReadError(
            path,
            "这是旧版 Word 文档（.doc）或设置了打开密码的 Word 文档：请在 Word/WPS 中解除密码并另存为 .docx 后再导入",
        )
    if not head.startswith(_ZIP):
        kind = _what_it_is(head)
        what = f"，而是{kind}" if kind else ""
        raise PlanReadError(path, f"不是有效的 Word 文档（.docx）{what}")
    try:
        with zipfile.ZipFile(path) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise PlanReadError(path, "不是有效的 Word 文档（.docx）：压缩包已损坏或不完整") from exc
    names = {e.filename for e in entries}
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            kind = "，而是 Excel 工作簿（.xlsx）"
        elif "ppt/presentation.xml" in names:
            kind = "，而是 PowerPoint 演示文稿（.pptx）"
        elif "content.xml" in names:
            kind = "，而是 OpenDocument 文档（请另存为 .docx）"
        else:
            kind = "：压缩包里没有 Word 正文（word/document.xml）"
        raise PlanReadError(path, f"不是有效的 Word 文档（.docx）{kind}")
    if len(entries) > MAX_DOCX_ENTRIES:
        raise PlanReadError(path, f"Word 文档包含的部件过多（{len(entries)} 个），不像是一份工作方案")
    unpacked = sum(e.file_size for e in entries)
    body = next(e for e in entries if e.filename == "word/document.xml")
    if body.file_size > MAX_DOCX_XML or unpacked > MAX_DOCX_UNPACKED:
        raise PlanReadError(
            path,
            f"Word 文档解压后过大（{_megabytes(unpacked)}，正文 {_megabytes(body.file_size)}；"
            f"上限 {_megabytes(MAX_DOCX_UNPACKED)}，正文 {_megabytes(MAX_DOCX_XML)}），"
            "可能是损坏或恶意构造的文件",
        )
    if any(e.flag_bits & 0x1 for e in entries):
        raise PlanReadError(path, "Word 文档中有加密的部件，请解除密码后另存为 .docx 再导入")
    for entry in entries:
        if not _inflates_as_declared(path, entry):
            raise PlanReadError(
                path, f"Word 文档已损坏：部件“{entry.filename}”解压后的大小与压缩包记录的不符，可能是恶意构造的文件"
            )


def _inflates_as_declared(path: Path, entry: zipfile.ZipInfo) -> bool:
    """Does the entry's data inflate to no more than its declared size? Checked in small steps, so a
    package that declares a few KB and holds a 1 GB deflate stream costs no memory (``zipfile``
    itself would inflate the whole stream at once before cutting it to the declared size)."""
    import struct
    import zlib

    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return False
    with path.open("rb") as fh:
        fh.seek(entry.header_offset)
        local = fh.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            return False
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        fh.seek(name_length + extra_length, 1)
        if entry.compress_type == zipfile.ZIP_STORED:
            return entry.compress_size == entry.file_size
        inflater = zlib.decompressobj(-15)
        left = entry.compress_size
        produced = 0
        step = 64 * 1024
        while left > 0 and not inflater.eof:
            chunk = fh.read(min(step, left))
            if not chunk:
                return False
            left -= len(chunk)
            data = chunk
            while data and not inflater.eof:
                try:
                    out = inflater.decompress(data, step)
                except zlib.error:
                    return False
                produced += len(out)
                if produced > entry.file_size:
                    return False
                data = inflater.unconsumed_tail
    return produced == entry.file_size


def _read_docx(path: Path) -> str:
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _checked_size(path, MAX_DOCX_BYTES, "Word 文档")
    _check_docx_package(path)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise PlanReadError(path, "不是有效的 Word 文档（.docx）") from exc
    except Exception as exc:  # python-docx raises assorted errors on damaged packages
        raise PlanReadError(path, f"Word 文档已损坏（{type(exc).__name__}）") from exc

    limit = _TextLimit(path)
    lines: list[str] = []
    try:
        body = document.element.body
        for child in body.iterchildren():
            if child.tag == qn("w:p"):
                lines.append(limit.add(Paragraph(child, document).text))
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
                        lines.append(limit.add("\t".join(cells)))
                lines.append("")
    except PlanReadError:
        raise
    except Exception as exc:  # a body python-docx cannot walk (odd or broken XML)
        raise PlanReadError(path, f"Word 文档内容已损坏（{type(exc).__name__}）") from exc
    return "\n".join(lines)


# --- .pdf -------------------------------------------------------------------------------------------


def _read_pdf(path: Path, progress: Progress) -> str:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    _checked_size(path, MAX_PDF_BYTES, "PDF ", "；如是扫描件，请提供 Word 或文本版")
    head = _head(path)
    if b"%PDF-" not in head:
        kind = _what_it_is(head)
        raise PlanReadError(path, f"不是有效的 PDF 文件{f'，而是{kind}' if kind else ''}")
    encrypted = "PDF 已加密，请先解除密码保护或另存为未加密的 PDF 后再导入"
    limit = _TextLimit(path)
    pages: list[str] = []
    with quiet_pypdf():
        try:
            reader = PdfReader(str(path))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")  # a permissions-only password opens with an empty one
                except (DependencyError, NotImplementedError) as exc:  # AES without the crypto library
                    raise PlanReadError(path, encrypted) from exc
                except Exception as exc:
                    raise PlanReadError(path, encrypted) from exc
                if not opened:
                    raise PlanReadError(path, encrypted)
            total = len(reader.pages)
            if total > MAX_PDF_PAGES:
                raise PlanReadError(
                    path, f"PDF 共 {total} 页，超过 {MAX_PDF_PAGES} 页上限，不像是一份工作方案；请只导出方案正文"
                )
            for number in range(1, total + 1):
                progress.check()
                progress.update(number - 1, total, f"正在读取第 {number}/{total} 页…")
                try:
                    text = reader.pages[number - 1].extract_text() or ""
                except Exception as exc:  # a damaged page or one over pypdf's resource limits
                    raise PlanReadError(path, f"提取文字失败，该页已损坏（{type(exc).__name__}）", page=number) from exc
                pages.append(limit.add(text, page=number))
        except PlanReadError:
            raise
        except (
            PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError
        ) as exc:
            raise PlanReadError(path, "不是有效的 PDF 文件（文件已损坏或不完整）") from exc
        except Exception as exc:  # pypdf's other errors (limits reached …)
            raise PlanReadError(path, f"PDF 文件已损坏，无法读取（{type(exc).__name__}）") from exc
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
    elif suffix == ".wps":
        raise PlanReadError(p, "不支持 WPS 文字的 .wps 格式，请在 WPS 中另存为 .docx 后再导入")
    else:
        raise PlanReadError(p, f"不支持的文件类型“{p.suffix or '无扩展名'}”（支持 .txt、.docx、.pdf）")
    if not text.strip():
        raise PlanReadError(p, "文件中没有文字")
    return text.replace("\r\n", "\n").replace("\r", "\n")
