"""One laptop working on the township's server, as a separate process: log in, then do checks —
start, answer every item (the first one failed: a hazard), a photo of the hazard, finish with a
signature, issue the notice — and report what it saved.

Used by ``tests/core/test_server_load.py`` (a few laptops, a few checks) and
``bench/bench_server_load.py`` (8 laptops × 200 checks). The caller gives each process its own
device file (``ANQUAN_DEVICE_FILE``: its own laptop identity and number slot) and data folder.

    python -m tests.helpers.laptop_worker --db URL --user NAME --password PW --checks N --out result.json
        [--stop-file PATH]  (pause before each check while PATH exists: the server is being restarted)

The result (JSON): the ids of every inspection, hazard and document the program confirmed as saved,
the document numbers and hazard codes, per-step timings (seconds) and the errors met (a lost server:
the step is retried after reconnecting, as an inspector would press 保存 again).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from PIL import Image
from sqlalchemy import func, select

from anquan_desk.core.attachments import prepare_png
from anquan_desk.core.audit import verify_chain
from anquan_desk.core.db import Database, ServerUnavailable
from anquan_desk.core.models import AttachmentBlob, Document, Hazard, Inspection
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services import documents as docs
from anquan_desk.services import inspections as insp
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD, create_demo
from anquan_desk.services.desk import Actor, Desk, open_desk
from anquan_desk.services.inspections import PreparedPhoto
from anquan_desk.services.places import PlaceFilter, list_places
from anquan_desk.services.users import add_user, log_in

T = TypeVar("T")
PASSWORD = "laptop-pw-1"
FIVE = {"fl_responsibility": "经营者", "fl_measures": "停用并加固", "fl_funds": "自筹1万元",
        "fl_deadline": date.today() + timedelta(days=15), "fl_plan": "人员撤离预案"}


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, "PNG")
    return buf.getvalue()


def _peak_mib() -> float:
    """This process's peak resident memory (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return 0.0


class Laptop:
    def __init__(self, desk: Desk, stop_file: Path | None) -> None:
        self.desk = desk
        self.stop_file = stop_file
        self.timings: dict[str, list[float]] = {"answer": [], "notice": [], "check": []}
        self.errors: list[str] = []

    def retry(self, what: str, step: Callable[[], T]) -> T:
        """Run ``step``; on a lost server wait and run it again (the inspector presses 保存 again)."""
        for _attempt in range(120):
            try:
                return step()
            except ServerUnavailable as exc:
                self.errors.append(f"{what}: {exc}")
                time.sleep(0.5)
        raise RuntimeError(f"{what}: the server did not come back")

    def timed(self, kind: str, what: str, step: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = self.retry(what, step)
        self.timings[kind].append(time.perf_counter() - started)
        return result

    def one_check(
        self, n: int, place_id: str, template_id: str, inspector_ids: list[str], photo: PreparedPhoto
    ) -> dict[str, str]:
        started = time.perf_counter()
        iid = self.retry("start", lambda: insp.start_draft(
            self.desk, place_id=place_id, inspector_ids=inspector_ids, template_ids=[template_id]
        ))
        view = self.retry("open", lambda: insp.inspection_view(self.desk, iid))
        hazard_id = ""
        for i, item in enumerate(view.items):
            outcome = "不合格" if i == 0 else "合格"
            saved = self.timed("answer", "answer", lambda item=item, outcome=outcome: insp.save_answer(  # type: ignore[misc]
                self.desk, iid, item.item_id, outcome
            ))
            if i == 0:
                hazard = saved.hazard
                assert hazard is not None
                hazard_id = hazard.id
                if hazard.grade == "重大":  # a major hazard is finished with its 五落实
                    major = hazard.id
                    self.retry("five", lambda major=major: insp.edit_hazard(self.desk, major, FIVE))  # type: ignore[misc]
        self.retry("photo", lambda: insp.attach_inspection_photos(self.desk, iid, [photo], hazard_id))
        self.retry("finish", lambda: insp.finish_check(
            self.desk, iid, signer_name="负责人", signature_png=_png((0, 0, 0))
        ))
        notice = self.timed("notice", "notice", lambda: docs.obtain_document(self.desk, "notice", iid))
        hazard_code = self.retry("reopen", lambda: insp.inspection_view(self.desk, iid)).hazards[0].code
        self.timings["check"].append(time.perf_counter() - started)
        return {"n": str(n), "inspection": iid, "hazard": hazard_id, "hazard_code": hazard_code,
                "document": notice.document.id, "number": notice.document.number}

    def wait_while_stopped(self) -> None:
        while self.stop_file is not None and self.stop_file.exists():
            time.sleep(0.1)


def prepare_server(db: Database, laptops: int) -> None:
    """The small demo and one inspector per laptop (``laptop1`` …) on the database, the users added
    by the demo's administrator logged in (so that every entry after the first key is signed)."""
    with db.session("setup") as s:
        create_demo(s, scale="small")
    desk = Desk(db, Actor.system())
    admin = desk.as_actor(log_in(desk, DEMO_ADMIN, DEMO_PASSWORD))
    for n in range(1, laptops + 1):
        add_user(admin, username=f"laptop{n}", name=f"检查员{n}", password=PASSWORD, role=UserRole.INSPECTOR.value)


def check_nothing_lost(db: Database, results: list[dict[str, object]]) -> int:
    """Every check the laptops were told was saved is there; no number repeats; the chain holds."""
    saved = [entry for r in results for entry in r["saved"]]  # type: ignore[attr-defined]
    with db.reader() as s:
        inspections = set(s.scalars(select(Inspection.id)))
        hazards = dict(s.execute(select(Hazard.id, Hazard.code)).tuples().all())
        documents = dict(s.execute(select(Document.id, Document.number)).tuples().all())
        if db.path is None:  # on a server the photos are rows of attachment_blobs
            assert s.scalar(select(func.count()).select_from(AttachmentBlob))
    for entry in saved:
        assert entry["inspection"] in inspections
        assert hazards[entry["hazard"]] == entry["hazard_code"]
        assert documents[entry["document"]] == entry["number"]
    numbers = [entry["number"] for entry in saved]
    codes = [entry["hazard_code"] for entry in saved]
    assert len(set(numbers)) == len(numbers) and len(set(codes)) == len(codes)
    with db.reader() as s:  # and across everything in the database, the demo's too
        all_numbers = list(s.scalars(select(Document.number)))
        assert len(set(all_numbers)) == len(all_numbers)
    with db.engine.connect() as conn:
        report = verify_chain(conn)
    assert report.ok, report.message
    return len(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--checks", type=int, default=10)
    parser.add_argument("--out", required=True)
    parser.add_argument("--stop-file")
    args = parser.parse_args(argv)
    opened = open_desk(args.db, migrate=False)
    actor = log_in(opened, args.user, args.password)
    assert actor.user_id is not None
    laptop = Laptop(opened.as_actor(actor), Path(args.stop_file) if args.stop_file else None)
    places = [row.id for row in list_places(laptop.desk, PlaceFilter(), limit=500).rows]
    prepared = PreparedPhoto("隐患.png", prepare_png(_png((180, 30, 30))))
    saved: list[dict[str, str]] = []
    begun = time.perf_counter()
    for n in range(args.checks):
        laptop.wait_while_stopped()
        place_id = places[(hash(args.user) + n * 7) % len(places)]
        choices = laptop.retry("choices", lambda place_id=place_id: insp.start_choices(laptop.desk, place_id))  # type: ignore[misc]
        template_id = sorted(choices.preselected)[0] if choices.preselected else choices.templates[0].id
        # 四不两直 needs two inspectors: this laptop's user and a colleague.
        colleague = next(i.id for i in choices.inspectors if i.id != actor.user_id)
        saved.append(laptop.one_check(n, place_id, template_id, [actor.user_id, colleague], prepared))
    result = {"user": args.user, "seconds": time.perf_counter() - begun, "saved": saved,
              "timings": laptop.timings, "errors": laptop.errors, "peak_mib": _peak_mib()}
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    laptop.desk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
