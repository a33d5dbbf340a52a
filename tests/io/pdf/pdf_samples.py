"""Shared helpers for the PDF tests: sample images, text extraction and font inspection."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageDraw
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from anquan_desk.core.documents import samples
from anquan_desk.core.documents.snapshot import DocumentSnapshot
from anquan_desk.io.pdf.fonts import register_fonts


def signature_png() -> bytes:
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line((10, 80, 80, 20, 150, 70, 220, 25, 290, 60), fill="black", width=5)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def photo_jpeg(color: str, size: tuple[int, int]) -> bytes:
    image = Image.new("RGB", size, color)
    ImageDraw.Draw(image).rectangle((20, 20, size[0] // 2, size[1] // 2), outline="black", width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def all_snapshots() -> dict[str, DocumentSnapshot]:
    sig = signature_png()
    return {
        "record": samples.sample_record(sig),
        "notice": samples.sample_notice(sig),
        "order": samples.sample_order(),
        "review": samples.sample_review(),
        "photos": samples.sample_photos(photo_jpeg("#cc9999", (800, 600)), photo_jpeg("#99aacc", (600, 800))),
    }


def pdftotext(pdf: bytes, tmp: Path) -> str:
    """Text in drawing order (``-raw``): a table cell's lines stay together."""
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8", "-raw", str(path), "-"]
    return subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8")


_FOOTER = re.compile(r"核验码：\S+|共 \d+ 页 第 \d+ 页")


def squeeze(text: str) -> str:
    """Text without page footers and without the line breaks and spaces wrapping adds."""
    return "".join(_FOOTER.sub("", text).split())


def pdffonts(pdf: bytes, tmp: Path) -> list[dict[str, str]]:
    path = tmp / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        # name type [type2] encoding emb sub uni object id: read emb/sub/uni from the right.
        rows.append({"name": cols[0], "emb": cols[-5], "sub": cols[-4], "uni": cols[-3]})
    return rows


def drawn_characters(pdf: bytes) -> Iterator[tuple[str, str]]:
    """(character, registered font name) for every character drawn, read back with pypdf."""
    register_fonts()
    by_postscript = {}
    for name in pdfmetrics.getRegisteredFontNames():
        face = getattr(pdfmetrics.getFont(name), "face", None)
        if face is not None:
            by_postscript[face.name.decode() if isinstance(face.name, bytes) else face.name] = name
    found: list[tuple[str, str]] = []

    def visit(text: str, _cm: object, _tm: object, font: object, _size: object) -> None:
        if not text or font is None:
            return
        base = str(font["/BaseFont"]).lstrip("/")  # type: ignore[index]
        registered = by_postscript[base.split("+", 1)[-1]]
        found.extend((ch, registered) for ch in text if not ch.isspace())

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    yield from found
