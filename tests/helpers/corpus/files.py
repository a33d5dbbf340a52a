"""Corpus cases: plans (.txt/.docx/.pdf), photos and PDFs handed to 核验.

Every file is made here by code (Pillow, reportlab, pypdf, python-docx, zipfile): bombs whose
header promises more than any laptop holds, damaged and cut-off copies, files renamed to look like
something else. The ``verify`` cases damage the notice issued in the runner's database, which
lies beside the folder the file is written to (``../db/anquan.db``, see
``tests/cli/test_bad_input_corpus.py``); without one (``build.py``) a database with that notice is
made there first.
"""

from __future__ import annotations

import io
import os
import random
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from helpers.corpus import Case, Kind, Outcome

MB = 1024 * 1024
PLAN_TEXT = (
    "白沙镇2026年安全生产工作要点\n"
    "一、开展燃气安全专项整治，督促餐饮场所安装可燃气体报警装置。\n"
    "二、春节、国庆期间开展“四不两直”检查，每月开展一次九小场所检查。\n"
)


# --- cases and where their files are made ------------------------------------------------------------


class _BuiltInChild:
    """Runs a builder of this module in a child process: building a 60-megapixel photo or a 300 MB
    bomb must not swell the test process, whose memory a child started from it may be charged with."""

    def __init__(self, builder: Callable[[Path], Path]) -> None:
        self.name = builder.__name__

    def __call__(self, folder: Path) -> Path:
        tests = str(Path(__file__).resolve().parents[2])
        script = (
            "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
            "from helpers.corpus import files; print(getattr(files, sys.argv[2])(Path(sys.argv[3])))"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, tests, self.name, str(folder)],
            capture_output=True, text=True, timeout=300,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        )
        if done.returncode != 0:
            raise RuntimeError(f"building {self.name} failed:\n{done.stderr[-3000:]}")
        return Path(done.stdout.strip().splitlines()[-1])


def _case(
    kind: Kind, name: str, builder: Callable[[Path], Path], expect: Outcome, *message: str, why: str
) -> Case:
    return Case(name, kind, _BuiltInChild(builder), expect, message, why)


# --- small builders -----------------------------------------------------------------------------------


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _photo_image(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture with some detail (so JPEG data is not trivially small)."""
    image = Image.new("RGB", size, (90, 120, 160))
    draw = ImageDraw.Draw(image)
    rng = random.Random(15)
    for _ in range(60):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle((x, y, x + size[0] // 8, y + size[1] // 10), fill=colour)
    return image.convert(mode) if mode != "RGB" else image


def jpeg_bytes(size: tuple[int, int] = (1600, 1200), **save: object) -> bytes:
    buf = io.BytesIO()
    _photo_image(size).save(buf, "JPEG", quality=90, **save)
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bilevel_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of any size (its rows of zeros compress to almost nothing)."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims ``width`` × ``height``."""
    data = bytearray(jpeg_bytes((320, 240)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def pdf_of_lines(pages: list[list[str]]) -> bytes:
    """A text PDF (the project's CJK font), one list of lines per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from anquan_desk.resources import resource_path

    font = "CorpusCJK"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(resource_path("fonts", "wqy-microhei.ttf"))))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    for lines in pages:
        pdf.setFont(font, 11)
        y = 800.0
        for line in lines:
            pdf.drawString(40, y, line)
            y -= 14
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def encrypted(pdf: bytes, user_password: str, owner_password: str = "owner-2026") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(text: str = PLAN_TEXT) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return buf.getvalue()


def _docx_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def issued_notice_pdf(folder: Path) -> bytes:
    """The PDF of the notice issued in the database beside ``folder`` (made there when missing)."""
    from sqlalchemy import select

    from anquan_desk.core.db import open_database
    from anquan_desk.core.models import Document
    from anquan_desk.io.pdf.render import render_document
    from anquan_desk.services.documents import snapshot_of

    path = folder.parent / "db" / "anquan.db"
    if not path.exists():
        from anquan_desk.services import documents
        from anquan_desk.services.desk import Actor, Desk
        from helpers import doc_setup

        path.parent.mkdir(parents=True, exist_ok=True)
        made = open_database(path)
        ids = doc_setup.finished_check(made, path.parent)
        documents.obtain_document(
            Desk(made, Actor.system("zhang")), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY
        )
        made.dispose()
    db = open_database(path)
    try:
        with db.reader() as session:
            document = session.scalars(select(Document).where(Document.doc_type == "安全隐患整改通知书")).first()
            assert document is not None, "the corpus database holds no issued notice"
            return render_document(snapshot_of(document))
    finally:
        db.dispose()


# --- photos --------------------------------------------------------------------------------------------


def photo_huge_png(folder: Path) -> Path:
    return _write(folder, "照片-20000x20000.png", bilevel_png(20000, 20000))


def photo_png_over_limit(folder: Path) -> Path:
    return _write(folder, "照片-7000x7000.png", bilevel_png(7000, 7000))


def photo_jpeg_header_huge(folder: Path) -> Path:
    return _write(folder, "照片-头部声称12000x9000.jpg", jpeg_claiming(12000, 9000))


def photo_big_real_jpeg(folder: Path) -> Path:
    return _write(folder, "照片-6000万像素.jpg", jpeg_bytes((9000, 6700)))


def photo_big_rgba_png(folder: Path) -> Path:
    path = folder / "照片-3600万像素-透明.png"
    _photo_image((6000, 6000), "RGBA").save(path, "PNG", compress_level=1)
    return path


def photo_rgba_png_at_limit(folder: Path) -> Path:
    path = folder / "照片-1800万像素-透明.png"
    _photo_image((5000, 3600), "RGBA").save(path, "PNG", compress_level=1)
    return path


def photo_big_rgb_png(folder: Path) -> Path:
    path = folder / "照片-3500万像素.png"
    _photo_image((7000, 5000)).save(path, "PNG", compress_level=1)
    return path


def photo_panorama_jpeg(folder: Path) -> Path:
    return _write(folder, "照片-全景.jpg", jpeg_bytes((24000, 2000)))


def photo_truncated_jpeg(folder: Path) -> Path:
    data = jpeg_bytes((1600, 1200))
    return _write(folder, "照片-只传了一半.jpg", data[: len(data) // 2])


def photo_truncated_png(folder: Path) -> Path:
    buf = io.BytesIO()
    _photo_image((800, 600)).save(buf, "PNG")
    return _write(folder, "照片-只传了一半.png", buf.getvalue()[: buf.tell() // 2])


def photo_random_bytes(folder: Path) -> Path:
    return _write(folder, "照片-乱码.jpg", random.Random(7).randbytes(200_000))


def photo_pdf_named_jpg(folder: Path) -> Path:
    return _write(folder, "照片-其实是PDF.jpg", pdf_of_lines([["这是一份PDF"]]))


def photo_zip_named_jpg(folder: Path) -> Path:
    return _write(folder, "照片-其实是压缩包.jpg", _zip({"a.jpg": jpeg_bytes((100, 100))}))


def photo_heic(folder: Path) -> Path:
    box = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return _write(folder, "IMG_0001.HEIC", box + random.Random(3).randbytes(5000))


def photo_animated_gif(folder: Path) -> Path:
    path = folder / "照片-动图.gif"
    frames = [_photo_image((120, 90)).convert("P") for _ in range(3)]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


def photo_animated_png(folder: Path) -> Path:
    path = folder / "照片-动图.png"
    frames = [Image.new("RGB", (120, 90), (40 * k, 100, 100)) for k in range(3)]
    frames[0].save(path, "PNG", save_all=True, append_images=frames[1:], duration=100)
    return path


def photo_multipage_tiff(folder: Path) -> Path:
    path = folder / "照片-多页.tif"
    frames = [Image.new("RGB", (200, 150), (k * 60, 80, 80)) for k in range(4)]
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:])
    return path


def photo_cmyk_jpeg(folder: Path) -> Path:
    path = folder / "照片-CMYK.jpg"
    _photo_image((2400, 1800), "CMYK").save(path, "JPEG", quality=90)
    return path


def photo_gray16_png(folder: Path) -> Path:
    path = folder / "照片-16位灰度.png"
    image = Image.new("I;16", (1200, 900))
    image.frombytes((bytes(range(256)) * (1200 * 900 * 2 // 256 + 1))[: 1200 * 900 * 2])
    image.save(path, "PNG")
    return path


def photo_palette_png(folder: Path) -> Path:
    path = folder / "照片-调色板透明.png"
    image = _photo_image((3000, 2000)).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    image.info["transparency"] = 0
    image.save(path, "PNG", transparency=0)
    return path


def photo_rotated_jpeg(folder: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6
    return _write(folder, "照片-侧躺.jpg", jpeg_bytes((4000, 3000), exif=exif.tobytes()))


def photo_empty(folder: Path) -> Path:
    return _write(folder, "照片-空文件.jpg", b"")


def photo_oversized_file(folder: Path) -> Path:
    path = _write(folder, "照片-90MB.jpg", jpeg_bytes((320, 240)))
    with path.open("r+b") as fh:
        fh.truncate(90 * MB)  # sparse: 90 MB on paper, nothing on disk
    return path


def photo_broken_header(folder: Path) -> Path:
    header = png_chunk(b"IHDR", b"\x00\x00\x01\x00\x00\x00\x01\x00\x08\x63\x00\x00\x00")  # colour type 99
    return _write(folder, "照片-头部损坏.png", b"\x89PNG\r\n\x1a\n" + header + b"\x00" * 64)


PHOTO_CASES: list[Case] = [
    _case("photo", "photo-20000x20000-png", photo_huge_png, "refused", "20000×20000", "图片尺寸过大",
          why="4 亿像素的 PNG：解码需要数 GB 内存"),
    _case("photo", "photo-7000x7000-png", photo_png_over_limit, "refused", "7000×7000", "上限 4000 万像素",
          why="4900 万像素的 PNG：PNG 只能整幅解码"),
    _case("photo", "photo-jpeg-header-12000x9000", photo_jpeg_header_huge, "refused", "12000×9000", "图片尺寸过大",
          why="文件很小，头部却声称 1.08 亿像素"),
    _case("photo", "photo-jpeg-60-megapixels", photo_big_real_jpeg, "accepted",
          why="真实的 6000 万像素 JPEG：按 1/4 解码，内存有界"),
    _case("photo", "photo-png-36-megapixels-rgba", photo_big_rgba_png, "refused", "6000×6000", "上限 2000 万像素",
          why="3600 万像素带透明通道的 PNG：解码加缩小要近 300 MB"),
    _case("photo", "photo-png-18-megapixels-rgba", photo_rgba_png_at_limit, "accepted",
          why="1800 万像素带透明通道的 PNG：上限以内"),
    _case("photo", "photo-png-35-megapixels-rgb", photo_big_rgb_png, "accepted", why="3500 万像素的 PNG：上限以内"),
    _case("photo", "photo-panorama-jpeg", photo_panorama_jpeg, "accepted",
          why="24000×2000 的全景照片：按缩小后的比例解码"),
    _case("photo", "photo-truncated-jpeg", photo_truncated_jpeg, "refused", "已损坏或不完整", why="只传了一半的 JPEG"),
    _case("photo", "photo-truncated-png", photo_truncated_png, "refused", "已损坏或不完整", why="只传了一半的 PNG"),
    _case("photo", "photo-random-bytes", photo_random_bytes, "refused", "无法识别的图片文件", why="随机字节"),
    _case("photo", "photo-pdf-named-jpg", photo_pdf_named_jpg, "refused", "这不是照片，而是PDF 文件",
          why="改名为 .jpg 的 PDF"),
    _case("photo", "photo-zip-named-jpg", photo_zip_named_jpg, "refused", "ZIP 压缩包", why="改名为 .jpg 的压缩包"),
    _case("photo", "photo-heic-from-iphone", photo_heic, "refused", "HEIC", "JPEG", why="苹果手机的 HEIC 照片"),
    _case("photo", "photo-animated-gif", photo_animated_gif, "refused", "GIF", why="GIF 动图"),
    _case("photo", "photo-animated-png", photo_animated_png, "refused", "动图或多帧图片（共 3 帧）", why="APNG 动图"),
    _case("photo", "photo-multipage-tiff", photo_multipage_tiff, "refused", "共 4 帧", why="多页 TIFF"),
    _case("photo", "photo-cmyk-jpeg", photo_cmyk_jpeg, "accepted", why="印刷用 CMYK JPEG：转换为 RGB"),
    _case("photo", "photo-16bit-gray-png", photo_gray16_png, "accepted", why="16 位灰度 PNG：转换为 8 位"),
    _case("photo", "photo-palette-transparent-png", photo_palette_png, "accepted", why="带透明色的调色板 PNG：铺白底"),
    _case("photo", "photo-exif-rotated-jpeg", photo_rotated_jpeg, "accepted", why="EXIF 方向为 6 的手机照片"),
    _case("photo", "photo-empty-file", photo_empty, "refused", "文件是空的", why="0 字节"),
    _case("photo", "photo-90mb-file", photo_oversized_file, "refused", "照片文件过大", "上限 80 MB", why="90 MB 的文件"),
    _case("photo", "photo-broken-png-header", photo_broken_header, "refused", "图片文件已损坏", why="PNG 头部的颜色类型无效"),
]


# --- plans ----------------------------------------------------------------------------------------------


def plan_encrypted_pdf(folder: Path) -> Path:
    return _write(folder, "方案-加密.pdf", encrypted(pdf_of_lines([PLAN_TEXT.splitlines()]), "secret"))


def plan_owner_only_pdf(folder: Path) -> Path:
    return _write(folder, "方案-仅限制编辑.pdf", encrypted(pdf_of_lines([PLAN_TEXT.splitlines()]), ""))


def plan_scanned_pdf(folder: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = folder / "方案-扫描件.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawImage(ImageReader(_photo_image((400, 560))), 40, 100, 500, 700)
    pdf.showPage()
    pdf.save()
    return path


def plan_many_pages(folder: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(2000):
        writer.add_blank_page(595, 842)
    path = folder / "方案-2000页.pdf"
    writer.write(path)
    return path


def plan_flate_bomb(folder: Path) -> Path:
    """One page whose content stream inflates to 400 MB of text operators."""
    packer = zlib.compressobj(9)
    chunk = b"BT /F1 12 Tf 40 800 Td (AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj ET\n" * 16384
    body = b"".join(packer.compress(chunk) for _ in range(400 * MB // len(chunk))) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _write(folder, "方案-压缩炸弹.pdf", _assemble_pdf(objects))


def plan_text_flood(folder: Path) -> Path:
    line = "开展燃气安全专项整治" * 30
    return _write(folder, "方案-120万字.pdf", pdf_of_lines([[line] * 50 for _ in range(80)]))


def plan_truncated_pdf(folder: Path) -> Path:
    data = pdf_of_lines([PLAN_TEXT.splitlines()] * 3)
    return _write(folder, "方案-只传了一半.pdf", data[: len(data) // 2])


def plan_zip_bomb_docx(folder: Path) -> Path:
    """word/document.xml inflates to 300 MB (the package is under 1 MB)."""
    path = folder / "方案-解压炸弹.docx"
    parts = _docx_parts(docx_bytes())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, data in parts.items():
            if name == "word/document.xml":
                with package.open(name, "w", force_zip64=True) as fh:
                    fh.write(data[: data.index(b"<w:body>") + 8])
                    for _ in range(300):
                        fh.write(b" " * MB)
                    fh.write(b"</w:body></w:document>")
            else:
                package.writestr(name, data)
    return path


def plan_lying_docx(folder: Path) -> Path:
    """The central directory and local header say document.xml is 2 KB; its data inflates to 200 MB."""
    path = folder / "方案-虚报大小.docx"
    parts = _docx_parts(docx_bytes())
    body = parts["word/document.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            if name == "word/document.xml":
                with package.open(name, "w", force_zip64=False) as fh:
                    fh.write(body[: body.index(b"<w:body>") + 8])
                    for _ in range(200):
                        fh.write(b" " * MB)
                    fh.write(body[body.index(b"<w:body>") + 8 :])
            else:
                package.writestr(name, data)
    package_bytes = bytearray(path.read_bytes())
    for signature, size_at, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        start = 0
        while (at := package_bytes.find(signature, start)) >= 0:
            if package_bytes[at + name_at : at + name_at + 17] == b"word/document.xml":
                struct.pack_into("<I", package_bytes, at + size_at, 2048)
            start = at + 4
    path.write_bytes(bytes(package_bytes))
    return path


def plan_entity_bomb_docx(folder: Path) -> Path:
    """A "billion laughs" DTD in document.xml (never expanded: python-docx does not resolve entities)."""
    parts = _docx_parts(docx_bytes())
    body = parts["word/document.xml"]
    entities = '<!ENTITY a0 "燃气燃气燃气燃气燃气燃气燃气燃气燃气燃气">' + "".join(
        f'<!ENTITY a{k} "{("&a" + str(k - 1) + ";") * 10}">' for k in range(1, 10)
    )
    start = body.index(b"?>") + 2
    parts["word/document.xml"] = (
        body[:start] + f"<!DOCTYPE w:document [{entities}]>".encode() + body[start:]
    ).replace(b"<w:t>", b"<w:t>&a9;", 1)
    return _write(folder, "方案-实体炸弹.docx", _zip(parts))


def plan_many_entries_docx(folder: Path) -> Path:
    parts = _docx_parts(docx_bytes())
    parts.update({f"word/media/pad{k}.bin": b"" for k in range(4000)})
    return _write(folder, "方案-4000个部件.docx", _zip(parts))


def plan_xlsx_named_docx(folder: Path) -> Path:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return _write(folder, "方案-其实是表格.docx", buf.getvalue())


def plan_pdf_named_docx(folder: Path) -> Path:
    return _write(folder, "方案-其实是PDF.docx", pdf_of_lines([PLAN_TEXT.splitlines()]))


def plan_old_word(folder: Path) -> Path:
    return _write(folder, "方案-旧版.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)


def plan_ole_named_docx(folder: Path) -> Path:
    return _write(folder, "方案-旧版改名.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)


def plan_huge_txt(folder: Path) -> Path:
    path = _write(folder, "方案-超大.txt", PLAN_TEXT.encode())
    with path.open("r+b") as fh:
        fh.truncate(9 * MB)
    return path


def plan_png_named_txt(folder: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buf, "PNG")
    return _write(folder, "方案-其实是图片.txt", buf.getvalue())


def plan_binary_txt(folder: Path) -> Path:
    data = bytes(b for b in random.Random(5).randbytes(50_000) if b)  # no NUL byte
    return _write(folder, "方案-二进制.txt", data)


def plan_many_lines_txt(folder: Path) -> Path:
    return _write(folder, "方案-6万行.txt", ("一、燃气\n" * 60_000).encode())


def plan_gbk_txt(folder: Path) -> Path:
    return _write(folder, "方案-GBK.txt", PLAN_TEXT.replace("“", "").replace("”", "").encode("gbk"))


def plan_utf16_txt(folder: Path) -> Path:
    return _write(folder, "方案-UTF16.txt", PLAN_TEXT.encode("utf-16"))


def plan_wps(folder: Path) -> Path:
    return _write(folder, "方案.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)


_ENCRYPTED = "已加密，请先解除密码保护或另存为未加密的 PDF"
PLAN_CASES: list[Case] = [
    _case("plan", "plan-encrypted-pdf", plan_encrypted_pdf, "refused", _ENCRYPTED, why="设了打开密码的 PDF"),
    _case("plan", "plan-permissions-only-pdf", plan_owner_only_pdf, "accepted", "燃气",
          why="只限制编辑（打开密码为空）的 PDF：照常读取"),
    _case("plan", "plan-scanned-pdf", plan_scanned_pdf, "refused", "扫描件", why="只有图片的 PDF"),
    _case("plan", "plan-2000-page-pdf", plan_many_pages, "refused", "2000 页", why="2000 页的 PDF"),
    _case("plan", "plan-flate-bomb-pdf", plan_flate_bomb, "refused", "第1页", why="内容流解压后 400 MB"),
    _case("plan", "plan-text-flood-pdf", plan_text_flood, "refused", "文字过多", why="120 万字的 PDF"),
    _case("plan", "plan-truncated-pdf", plan_truncated_pdf, "refused", "文件已损坏或不完整", why="只传了一半的 PDF"),
    _case("plan", "plan-zip-bomb-docx", plan_zip_bomb_docx, "refused", "解压后过大", why="正文解压后 300 MB"),
    _case("plan", "plan-lying-zip-docx", plan_lying_docx, "refused", "Word 文档", why="压缩包虚报正文大小"),
    _case("plan", "plan-entity-bomb-docx", plan_entity_bomb_docx, "refused", "Word 文档",
          why="XML 实体炸弹（十亿次展开）：不展开，拒绝"),
    _case("plan", "plan-4000-entries-docx", plan_many_entries_docx, "refused", "部件过多",
          why="4000 个部件的压缩包"),
    _case("plan", "plan-xlsx-named-docx", plan_xlsx_named_docx, "refused", "Excel 工作簿",
          why="改名为 .docx 的 Excel"),
    _case("plan", "plan-pdf-named-docx", plan_pdf_named_docx, "refused", "而是PDF 文件", why="改名为 .docx 的 PDF"),
    _case("plan", "plan-old-word-doc", plan_old_word, "refused", "另存为 .docx", why="旧版 Word .doc"),
    _case("plan", "plan-doc-named-docx", plan_ole_named_docx, "refused", "旧版 Word 文档（.doc）",
          why="改名为 .docx 的 .doc"),
    _case("plan", "plan-9mb-txt", plan_huge_txt, "refused", "文件过大", why="9 MB 的文本"),
    _case("plan", "plan-png-named-txt", plan_png_named_txt, "refused", "PNG 图片", why="改名为 .txt 的图片"),
    _case("plan", "plan-binary-txt", plan_binary_txt, "refused", "不是文本文件", why="不含 0 字节的二进制数据"),
    _case("plan", "plan-60000-lines-txt", plan_many_lines_txt, "refused", "行数过多", why="6 万行的文本"),
    _case("plan", "plan-gbk-txt", plan_gbk_txt, "accepted", "燃气", why="GBK 编码"),
    _case("plan", "plan-utf16-txt", plan_utf16_txt, "accepted", "燃气", why="带 BOM 的 UTF-16"),
    _case("plan", "plan-wps-file", plan_wps, "refused", "另存为 .docx", why="WPS 文字的 .wps 文件"),
]


def _assemble_pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- PDFs handed to 核验 ---------------------------------------------------------------------------------


def verify_original(folder: Path) -> Path:
    return _write(folder, "通知书-原件.pdf", issued_notice_pdf(folder))


def _cut(folder: Path, name: str, keep: Callable[[int], int]) -> Path:
    data = issued_notice_pdf(folder)
    return _write(folder, name, data[: keep(len(data))])


def verify_cut_tail(folder: Path) -> Path:
    return _cut(folder, "通知书-少了结尾.pdf", lambda n: n - 200)


def verify_cut_half(folder: Path) -> Path:
    return _cut(folder, "通知书-只有前一半.pdf", lambda n: n // 2)


def verify_cut_tenth(folder: Path) -> Path:
    return _cut(folder, "通知书-只有开头.pdf", lambda n: n // 10)


def verify_flipped(folder: Path) -> Path:
    data = bytearray(issued_notice_pdf(folder))
    at = data.index(b"/Producer")
    data[at + 8] ^= 0x01
    return _write(folder, "通知书-改了一个字节.pdf", bytes(data))


def verify_broken_xref(folder: Path) -> Path:
    data = bytearray(issued_notice_pdf(folder))
    at = data.rindex(b"xref")
    data[at : at + 200] = b"0" * 200
    return _write(folder, "通知书-交叉引用表损坏.pdf", bytes(data))


def verify_appended(folder: Path) -> Path:
    return _write(folder, "通知书-末尾多了内容.pdf", issued_notice_pdf(folder) + b"\n% appended\n" * 50)


def verify_encrypted_copy(folder: Path) -> Path:
    return _write(folder, "通知书-加密另存.pdf", encrypted(issued_notice_pdf(folder), "secret"))


def verify_photo(folder: Path) -> Path:
    return _write(folder, "照片.jpg", jpeg_bytes((800, 600)))


def verify_text(folder: Path) -> Path:
    return _write(folder, "说明-其实是文本.pdf", "这是一段文字，不是 PDF。\n".encode())


def verify_empty(folder: Path) -> Path:
    return _write(folder, "空文件.pdf", b"")


def verify_foreign(folder: Path) -> Path:
    return _write(folder, "别处的通知书.pdf", pdf_of_lines([["安全隐患整改通知书", "核验码：ABCDEFGH"]]))


def verify_huge(folder: Path) -> Path:
    path = _write(folder, "超大文件.pdf", b"%PDF-1.4\n")
    with path.open("r+b") as fh:
        fh.truncate(150 * MB)
    return path


_CHANGED = ("的内容被改动", "第001号")
VERIFY_CASES: list[Case] = [
    _case("verify", "verify-original-notice", verify_original, "accepted", "核验通过", "第001号", why="签发的原件"),
    _case("verify", "verify-notice-cut-200-bytes", verify_cut_tail, "refused", *_CHANGED,
          why="少了最后 200 字节（交叉引用表）"),
    _case("verify", "verify-notice-cut-in-half", verify_cut_half, "refused", *_CHANGED,
          why="只传了一半：页面、元数据都没了，只剩字体"),
    _case("verify", "verify-notice-first-tenth", verify_cut_tenth, "refused", *_CHANGED,
          why="只剩开头十分之一：只有标题字体"),
    _case("verify", "verify-notice-byte-flipped", verify_flipped, "refused", *_CHANGED, why="改了一个字节"),
    _case("verify", "verify-notice-broken-xref", verify_broken_xref, "refused", *_CHANGED, why="交叉引用表被破坏"),
    _case("verify", "verify-notice-appended", verify_appended, "refused", *_CHANGED, why="末尾追加了内容"),
    _case("verify", "verify-notice-encrypted-copy", verify_encrypted_copy, "refused", "加密", "被改动",
          why="原件被加密另存：认得出是本系统的格式，认不出是哪一份"),
    _case("verify", "verify-photo-not-pdf", verify_photo, "refused", "不是 PDF 文件", "JPEG 图片",
          why="把照片拿来核验"),
    _case("verify", "verify-text-named-pdf", verify_text, "refused", "不是 PDF 文件", why="改名为 .pdf 的文本"),
    _case("verify", "verify-empty-pdf", verify_empty, "refused", "文件是空的", why="0 字节"),
    _case("verify", "verify-foreign-pdf", verify_foreign, "refused", "不是本系统签发的文书",
          why="别处生成、印着假核验码的 PDF"),
    _case("verify", "verify-150mb-pdf", verify_huge, "refused", "不是本系统签发的文书",
          why="150 MB：只计算校验值，不整个载入内存"),
]


CASES: list[Case] = [*PHOTO_CASES, *PLAN_CASES, *VERIFY_CASES]
