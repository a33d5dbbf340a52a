"""Benchmark: render 安全隐患整改通知书 PDFs, against bare reportlab drawing the same text.

Variants (same process, fonts registered once up front and timed separately):

* ``ours-one``        — render_document() of one notice (mean of several runs).
* ``ours-batch``      — render_documents() of N notices into one PDF (a print batch).
* ``ours-files``      — render_document() N times, one PDF file each.
* ``issue-one``       — the whole issue path from a database (documents.issue_notice: snapshot
  from the rows, number from the laptop's block, render, sha256, Document row, audit, commit).
* ``issue×N``         — N notices issued that way, one transaction each (N finished checks).
* ``day-batch×N``     — the N issued notices read back and rendered as one PDF (doc batch).
* ``bare-one`` / ``bare-batch`` / ``bare-files`` — a plain reportlab canvas (invariant=1) with
  drawString of the same strings, in the same fonts, cut into lines of fixed length: no layout,
  tables, fallback runs, QR codes or page counting. This is the floor the library itself sets.

Usage: .venv/bin/python bench/bench_pdf.py [--count N] [--no-issue]
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


def issue_database(folder: Path, n: int) -> tuple[object, list[str]]:
    """A database with N finished checks of one 小餐饮 place (three hazards each): one built
    through the services, the others copied from its rows."""
    import os
    from datetime import date, datetime, timedelta

    from sqlalchemy import insert, select

    from anquan_desk.core.db import open_database
    from anquan_desk.core.models import (
        ChecklistItem,
        ChecklistTemplate,
        Hazard,
        Inspection,
        InspectionParticipant,
        Place,
        Township,
        new_uuid,
    )
    from anquan_desk.services import inspections as insp
    from anquan_desk.services.users import create_user

    os.environ["ANQUAN_DEVICE_FILE"] = str(folder / "device.json")
    db = open_database(folder / "bench.db")
    with db.session("bench") as s:
        s.add(Township(name=samples.TOWNSHIP, issuer=samples.ISSUER, region_short="青"))
        a = create_user(s, username="a", name=samples.INSPECTORS[0].name, password="123456",
                        cert_no=samples.INSPECTORS[0].cert_no)
        b = create_user(s, username="b", name=samples.INSPECTORS[1].name, password="123456",
                        cert_no=samples.INSPECTORS[1].cert_no)
        p = samples.PLACE
        place = Place(name=p.name, address=p.address, responsible_person=p.responsible_person,
                      responsible_title=p.title, phone=p.phone, credit_code=p.credit_code)
        template = ChecklistTemplate(code="B", name="小餐饮场所", sector="燃气")
        template.items = [
            ChecklistItem(code=f"B-{h.seq}", seq=h.seq, content=h.description, hazard_text=h.description,
                          basis=h.basis, requirement=h.requirement, deadline_days=7 * (h.seq - 1))
            for h in samples.HAZARDS
        ]
        s.add_all([place, template])
        s.flush()
        iid = insp.start_inspection(s, place_id=place.id, inspector_ids=[a.id, b.id], template_ids=[template.id],
                                    started_at=datetime(2026, 3, 10, 9, 30)).id
        for item in template.items:
            insp.record_answer(s, iid, item.id, "不合格")
    with db.session("bench") as s:
        insp.finish_inspection(s, db.attachment_store(), iid, refusal_reason="负责人不在场",
                               refusal_witness="王五", ended_at=datetime(2026, 3, 10, 10, 0))
    ids = [iid]
    with db.session("bench") as s:
        base = s.get(Inspection, iid)
        assert base is not None
        cols = [c.key for c in Inspection.__table__.columns]
        insp_rows, part_rows, hazard_rows = [], [], []
        for k in range(1, n):
            new_id = new_uuid()
            ids.append(new_id)
            row = {c: getattr(base, c) for c in cols}
            row.update(id=new_id, started_at=base.started_at + timedelta(days=k % 200),
                       ended_at=base.ended_at + timedelta(days=k % 200))  # type: ignore[operator]
            insp_rows.append(row)
            for part in base.participants:
                part_rows.append({"id": new_uuid(), "inspection_id": new_id, "seq": part.seq,
                                  "user_id": part.user_id, "name": part.name, "cert_no": part.cert_no})
            for h in base.hazards:
                hazard_rows.append({"id": new_uuid(), "inspection_id": new_id, "place_id": h.place_id,
                                    "seq": h.seq, "code": f"{h.code}-{k}", "description": h.description,
                                    "location": h.location, "basis": h.basis, "requirement": h.requirement,
                                    "deadline": (h.deadline or date(2026, 3, 10)) + timedelta(days=k % 200),
                                    "status": h.status})
        s.execute(insert(Inspection), insp_rows)
        s.execute(insert(InspectionParticipant), part_rows)
        s.execute(insert(Hazard), hazard_rows)
        assert len(s.scalars(select(Inspection.id)).all()) == n
    return db, ids


def bench_issue(n: int, bare_one: float, bare_batch: float, bare_files: float) -> None:
    from datetime import date, datetime

    from anquan_desk.core.clock import to_local
    from anquan_desk.core.models import Inspection
    from anquan_desk.services import documents as docs

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        db, ids = issue_database(Path(tmp), n + 10)
        print(f"\nissue path: database with {n + 10} finished checks built in {time.perf_counter() - start:.1f} s")
        store = db.attachment_store()  # type: ignore[attr-defined]
        day = datetime(2026, 11, 23, 9, 0)

        def issue(iid: str) -> int:
            with db.session("bench") as s:  # type: ignore[attr-defined]
                # the checks are of earlier days: each notice bears its check's day as service date
                checked = s.get(Inspection, iid)
                served = to_local(checked.started_at).date()
                _doc, pdf = docs.issue_notice(s, store, iid, issued_at=day, served_on=served)
            return len(pdf)

        issue(ids[0])  # warm
        warm = iter(ids[1:10])
        one = timed("issue-one", lambda: [issue(next(warm))], repeat=9)
        many = ids[10:]
        batch = timed(f"issue×{n}", lambda: [issue(i) for i in many])

        def day_batch() -> bytes:
            with db.reader() as s:  # type: ignore[attr-defined]
                return docs.render_batch(s, docs.documents_issued_on(s, date(2026, 11, 23)))

        whole = timed(f"day-batch×{n + 10}", day_batch)
        db.dispose()  # type: ignore[attr-defined]
    print(f"issue one notice from the DB: {one * 1000:.0f} ms ({one / bare_one:.1f}× bare reportlab drawing it)")
    print(f"issue {n} notices (one transaction each): {batch:.1f} s, {batch / n * 1000:.0f} ms per notice "
          f"({batch / bare_files:.1f}× bare reportlab drawing {n} PDFs)")
    print(f"the day's {n + 10} issued notices as one PDF from the DB: {whole:.1f} s "
          f"({whole / (bare_batch * (n + 10) / n):.1f}× bare reportlab drawing them into one PDF)")


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
    parser.add_argument("--no-issue", action="store_true", help="skip the issue-from-database part")
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
    if not args.no_issue:
        bench_issue(n, bare_one, bare_batch, bare_f)


if __name__ == "__main__":
    main()
