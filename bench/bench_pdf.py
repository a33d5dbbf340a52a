"""Benchmark: render 安全隐患整改通知书 PDFs, against bare reportlab drawing the same text.

Variants (same process, fonts registered once up front and timed separately):

* ``ours-one``        — render_document() of one notice (mean of several runs).
* ``ours-batch``      — render_documents() of N notices into one PDF (a print batch).
* ``ours-files``      — render_document() N times, one PDF file each.
* ``bare-one`` / ``bare-batch`` / ``bare-files`` — a plain reportlab canvas (invariant=1) with
  drawString of the same strings, in the same fonts, cut into lines of fixed length: no layout,
  tables, fallback runs, QR codes or page counting. This is the floor the library itself sets.

Usage: .venv/bin/python bench/bench_pdf.py [--count N]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from anquan_desk.core.documents import samples
from anquan_desk.core.documents.snapshot import NoticeContent
from anquan_desk.io.pdf import render_document, render_documents
from anquan_desk.io.pdf.fonts import HEI, SONG, register_fonts
from anquan_desk.io.pdf.render import cn_datetime, deadline_text


def notice_strings(notice: NoticeContent) -> list[str]:
    """The text a notice prints (near enough), in reading order."""
    h, p = notice.header, notice.place
    out = [h.issuer, "安全隐患整改通知书", h.number, p.name, p.address, p.responsible_person, p.title, p.phone,
           p.credit_code, cn_datetime(notice.inspected_at)]
    out += [f"{i.name}（执法证号：{i.cert_no}）" for i in notice.inspectors]
    for hz in notice.hazards:
        out += [f"{hz.seq}【{hz.location}】{hz.description}", hz.requirement, hz.basis, deadline_text(hz.deadline)]
    out += [notice.legal_consequence, f"{h.issuer}（印章）", "本通知书一式两份：一份由检查机关存档，一份交被检查单位。"]
    return out


def bare_draw(canvas: Canvas, strings: list[str], per_line: int = 36) -> None:
    """Same strings with drawString, fixed-length lines, a new page when full."""
    y = A4[1] - 25 * mm
    canvas.setFont(HEI, 22)
    canvas.drawString(25 * mm, y, strings[1])
    y -= 30
    canvas.setFont(SONG, 12)
    for text in strings:
        for start in range(0, len(text), per_line):
            if y < 30 * mm:
                canvas.showPage()
                canvas.setFont(SONG, 12)
                y = A4[1] - 25 * mm
            canvas.drawString(25 * mm, y, text[start : start + per_line])
            y -= 20
    canvas.showPage()


def bare_pdf(notices: list[NoticeContent]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, initialFontName=SONG)
    for notice in notices:
        bare_draw(canvas, notice_strings(notice))
    canvas.save()
    return buffer.getvalue()


def timed(label: str, fn: object, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        result = fn()  # type: ignore[operator]
    seconds = (time.perf_counter() - start) / repeat
    size = len(result) if isinstance(result, bytes) else sum(result)
    print(f"{label:<14} {seconds * 1000:10.1f} ms   {size / 1024:10.1f} KiB")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    n = args.count

    start = time.perf_counter()
    register_fonts()
    print(f"font registration (3 TrueType files, once per process): {(time.perf_counter() - start) * 1000:.0f} ms")

    one = samples.sample_notice()
    many = [samples.sample_notice(serial=i) for i in range(1, n + 1)]
    render_document(one)  # warm caches (glyph lookups) before timing
    bare_pdf([one])

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def ours_files() -> list[int]:
            sizes = []
            for i, notice in enumerate(many):
                data = render_document(notice)
                (folder / f"ours-{i}.pdf").write_bytes(data)
                sizes.append(len(data))
            return sizes

        def bare_files() -> list[int]:
            sizes = []
            for i, notice in enumerate(many):
                data = bare_pdf([notice])
                (folder / f"bare-{i}.pdf").write_bytes(data)
                sizes.append(len(data))
            return sizes

        print(f"{'variant':<14} {'time':>13}   {'output':>14}")
        ours_one = timed("ours-one", lambda: render_document(one), repeat=10)
        bare_one = timed("bare-one", lambda: bare_pdf([one]), repeat=10)
        ours_batch = timed(f"ours-batch×{n}", lambda: render_documents(many))
        bare_batch = timed(f"bare-batch×{n}", lambda: bare_pdf(many))
        ours_f = timed(f"ours-files×{n}", ours_files)
        bare_f = timed(f"bare-files×{n}", bare_files)

    print()
    print(f"one notice: {ours_one * 1000:.0f} ms ({ours_one / bare_one:.1f}× bare reportlab)")
    print(f"{n} notices, one PDF: {ours_batch:.1f} s ({ours_batch / bare_batch:.1f}× bare), "
          f"{ours_batch / n * 1000:.0f} ms per notice")
    print(f"{n} notices, {n} files: {ours_f:.1f} s ({ours_f / bare_f:.1f}× bare)")


if __name__ == "__main__":
    main()
