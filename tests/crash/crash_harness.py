"""Kill -9 harness: a child process runs a real ``anquan-desk`` command and is killed at a random moment.

Used by ``tests/crash/test_crash_kill.py`` (a few trials per action) and ``bench/bench_crash.py``
(hundreds). Each trial works in its own folder with its own copy of a prepared database:

* the child is ``python -c CHILD <argv>``: it imports the program and its verbs, prints ``ready`` and runs
  ``anquan_desk.cli.main(argv)`` with ``TMPDIR`` pointing at the trial's own temp folder;
* the parent waits for ``ready``, sleeps a random time drawn from a seeded RNG (0 … 1.15 × the time
  the command took in an uninterrupted calibration run), sends SIGKILL and reaps the child;
* then it checks what a user would find: ``PRAGMA integrity_check`` is ok; the database is wholly as
  before or wholly as after the command (no half import, a document issued with its PDF hash or
  not at all, a restore either done or not); the output file, if present, is complete; the program
  opens again (the next start, with its housekeeping), ``audit verify`` passes; and after that start
  no partial or scratch file is left anywhere in the trial folder — the data folder, beside the
  targets, the system temp folder (``TMPDIR``).

Actions: ``import`` (``import places``, 600 new places), ``export`` (``export ledger`` of the
hazard ledger with the photo folder, or of the inspection ledger), ``doc`` (``doc render`` issuing
a 现场检查记录), ``backup`` (``backup`` with the attachments), ``restore`` (``restore`` of a backup
holding different data).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from PIL import Image
from sqlalchemy import select

from anquan_desk.core.attachments import link_attachment, prepare_photo, save_attachment
from anquan_desk.core.db import open_database
from anquan_desk.core.models import Document, Hazard, Inspection, Township
from anquan_desk.services import audit
from anquan_desk.services.backup import backup as backup_files
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD
from anquan_desk.services.desk import Actor, Desk, open_desk
from anquan_desk.services.housekeeping import AREA_NAME, PARTIAL_NAME, TEMP_AREA
from anquan_desk.services.users import log_in

ACTIONS = ("import", "export", "doc", "backup", "restore")
# The verbs' modules are imported before "ready", so the kill lands in the command's work.
CHILD = (
    "import sys\n"
    "from anquan_desk.cli import build_parser, main\n"
    "build_parser()\n"
    "print('ready', flush=True)\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
IMPORT_ROWS = 600
PHOTOS = 24
RECORD_TYPE = "现场检查记录"


# --- the prepared database (built once, copied for every trial) ------------------------------------


@dataclass(frozen=True)
class Template:
    folder: Path
    db: Path  # the prepared database (demo + photos)
    places_xlsx: Path  # the list the import reads
    restore_source: Path  # a backup holding different data (for restore)
    inspection_id: str  # a finished inspection without a 现场检查记录 yet
    device_file: Path


def _photo(path: Path, n: int) -> Path:
    Image.new("RGB", (900, 700), ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)).save(path, "JPEG", quality=92)
    return path


def build_template(folder: Path, demo_db: Path) -> Template:
    """A copy of ``demo_db`` with photos on some hazards, the import list, a different backup."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    data.mkdir()
    db_path = data / "anquan.db"
    shutil.copy2(demo_db, db_path)
    database = open_database(db_path)
    try:
        store = database.attachment_store()
        with database.session("setup") as s:
            hazards = list(s.scalars(select(Hazard).join(Inspection).where(Inspection.status == "已完成").limit(PHOTOS)))
            for n, hazard in enumerate(hazards):
                source = _photo(folder / f"p{n}.jpg", n)
                att = save_attachment(s, store, prepare_photo(source), source.name)
                link_attachment(s, att, "hazard", hazard.id, role="after" if n % 3 == 0 else "photo")
                source.unlink()
        # The administrator's first login (the commands log in as them) makes their signing key now:
        # a killed command's database is then either as before it or as after it, nothing between.
        log_in(Desk(database, Actor.system()), DEMO_ADMIN, DEMO_PASSWORD)
        with database.reader() as s:
            recorded = set(s.scalars(select(Document.inspection_id).where(Document.doc_type == RECORD_TYPE)))
            candidates = [
                i.id for i in s.scalars(select(Inspection).where(Inspection.status == "已完成").order_by(Inspection.id))
                if i.id not in recorded
            ]
        assert candidates, "the demo has no finished inspection without a record"
        inspection_id = candidates[0]
    finally:
        database.dispose()

    # The restore source: the same database with a renamed township and one more photo-less change.
    other = folder / "other.db"
    shutil.copy2(db_path, other)
    changed = open_database(other)
    try:
        with changed.session("setup") as s:
            township = s.scalars(select(Township)).first()
            assert township is not None
            township.name = township.name + "（恢复）"
    finally:
        changed.dispose()
    restore_source = folder / "restore-source" / "backup.db"
    backup_files(other, restore_source)
    other.unlink()
    for side in ("-wal", "-shm"):
        Path(str(other) + side).unlink(missing_ok=True)

    places = folder / "places.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "场所清单"
    ws.append(["序号", "单位名称", "地址", "所属村（社区）", "网格", "行业类别", "负责人", "联系电话"])
    for n in range(1, IMPORT_ROWS + 1):
        ws.append([n, f"崩溃测试商店{n:04d}号", f"崩溃测试村幸福路{n}号", "崩溃测试村", f"第{n % 5 + 1}网格",
                   "九小场所", f"测试{n:04d}", f"139{n:08d}"])
    wb.save(places)
    device = folder / "device.json"
    device.write_text(json.dumps({"id": "crash-harness-device", "short": "CRSH"}), encoding="utf-8")
    return Template(folder, db_path, places, restore_source, inspection_id, device)


# --- one trial --------------------------------------------------------------------------------------


@dataclass
class Trial:
    action: str
    folder: Path
    db: Path
    out: Path
    argv: list[str]
    variant: str = ""


def _copy_data(template: Template, folder: Path) -> Path:
    data = folder / "data"
    shutil.copytree(template.db.parent, data)
    return data / "anquan.db"


def make_trial(template: Template, action: str, folder: Path, rng: random.Random) -> Trial:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "tmp").mkdir()
    (folder / "out").mkdir()
    db = _copy_data(template, folder)
    out_dir = folder / "out"
    if action == "import":
        return Trial(action, folder, db, out_dir, ["import", "places", str(template.places_xlsx), "--db", str(db),
                                                    "--create-missing"])
    if action == "export":
        if rng.random() < 0.5:
            out = out_dir / "隐患台账.xlsx"
            argv = ["export", "ledger", "--db", str(db), "--kind", "hazards", "--photos", "folder", "--out", str(out)]
            return Trial(action, folder, db, out, argv, "hazards+photos")
        out = out_dir / "检查台账.xlsx"
        return Trial(action, folder, db, out, ["export", "ledger", "--db", str(db), "--kind", "inspections",
                                               "--out", str(out)], "inspections")
    if action == "doc":
        out = out_dir / "record.pdf"
        return Trial(action, folder, db, out, ["doc", "render", "--db", str(db), "--inspection", template.inspection_id,
                                               "--type", "record", "--out", str(out)])
    if action == "backup":
        out = out_dir / "backup.db"
        return Trial(action, folder, db, out, ["backup", "--db", str(db), "--out", str(out)])
    if action == "restore":
        return Trial(action, folder, db, db, ["restore", str(template.restore_source), "--db", str(db)])
    raise ValueError(action)


def child_env(trial: Trial, template: Template) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ANQUAN_DB", None)
    home = trial.folder / "home"
    env.update(
        TMPDIR=str(trial.folder / "tmp"),
        TEMP=str(trial.folder / "tmp"),
        TMP=str(trial.folder / "tmp"),
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        ANQUAN_DEVICE_FILE=str(template.device_file),
        # The template is a copy of the demo: the commands that change data log in as its administrator.
        ANQUAN_USER=DEMO_ADMIN,
        ANQUAN_PASSWORD=DEMO_PASSWORD,
        QT_QPA_PLATFORM="offscreen",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@dataclass
class RunResult:
    killed: bool
    delay: float
    work_seconds: float
    returncode: int | None
    stderr: str


def run_child(trial: Trial, template: Template, delay: float | None) -> RunResult:
    """Run the command; with ``delay`` kill it that many seconds after it is ready."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, *trial.argv],
        env=child_env(trial, template),
        cwd=trial.folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        out, err = proc.communicate(timeout=120)
        raise RuntimeError(f"child did not start: {line!r} {out!r} {err!r}")
    started = time.perf_counter()
    killed = False
    if delay is not None:
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            killed = True
    _out, err = proc.communicate(timeout=600)
    took = time.perf_counter() - started
    if killed and proc.returncode != -signal.SIGKILL:
        killed = False  # it finished in the same instant
    return RunResult(killed, delay or 0.0, took, proc.returncode, err)


# --- what is checked after a kill -------------------------------------------------------------------


def integrity(db: Path) -> str:
    conn = sqlite3.connect(str(db))
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(str(db))
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def fingerprint(db: Path, action: str, inspection_id: str = "") -> object:
    """The part of the database the action changes (compared before / after)."""
    if action == "import":
        return (
            sorted(_rows(db, "SELECT name, address, responsible_person, phone FROM places")),
            sorted(_rows(db, "SELECT name FROM villages")),
            sorted(_rows(db, "SELECT g.name, v.name FROM grids g JOIN villages v ON v.id = g.village_id")),
            _rows(db, "SELECT count(*) FROM audit_log"),
        )
    if action == "doc":
        return sorted(_rows(db, f"SELECT number, status, length(pdf_sha256) FROM documents "
                                f"WHERE inspection_id = '{inspection_id}' AND doc_type = '{RECORD_TYPE}'"))
    # export and backup change nothing; restore replaces everything: every table's rows.
    tables = [r[0] for r in _rows(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {t: sorted(_rows(db, f'SELECT * FROM "{t}"'), key=repr) for t in tables}


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()


@dataclass
class Expect:
    """States the database may be in after the action (digests), and what a complete output holds."""

    before: str
    after: str
    rows: dict[str, int] = field(default_factory=dict)  # export variant → rows in a complete ledger


def ledger_rows(path: Path) -> int:
    """Data rows of an office-style ledger (below the title, info line and header)."""
    wb = load_workbook(path, read_only=True)
    try:
        ws = wb.active
        assert ws is not None
        return sum(1 for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None)
    finally:
        wb.close()


def leftovers(folder: Path) -> list[str]:
    """Partial and scratch files of ours anywhere in the trial folder, and anything in its TMPDIR."""
    found: list[str] = []
    tmp = folder / "tmp"
    found.extend(f"TMPDIR: {p.name}" for p in tmp.iterdir())
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        if here == tmp:
            continue
        for name in (*dirs, *files):
            partial = PARTIAL_NAME.match(name) or name.startswith(".~") or name.endswith(".part")
            if partial or (here.name == TEMP_AREA and AREA_NAME.match(name)):
                found.append(str((here / name).relative_to(folder)))
    return found


@dataclass
class Outcome:
    action: str
    variant: str
    killed: bool
    delay: float
    state: str  # "before", "after" or "corrupt"
    problems: list[str]
    output: bool = False  # the target file was there after the kill (and complete, unless a problem says)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_trial(trial: Trial, template: Template, expect: Expect, killed: bool, delay: float) -> Outcome:
    problems: list[str] = []
    db = trial.db
    output = trial.action in ("export", "doc", "backup") and trial.out.exists()
    verdict = integrity(db)
    if verdict != "ok":
        problems.append(f"integrity_check: {verdict}")
    digest = _digest(fingerprint(db, trial.action, template.inspection_id))
    state = "before" if digest == expect.before else "after" if digest == expect.after else "corrupt"
    if state == "corrupt":
        problems.append("the database is neither as before nor as after the action")
    # The output, when there is one, is complete.
    if trial.action == "export" and trial.out.exists():
        try:
            data_rows = ledger_rows(trial.out)
            if data_rows != expect.rows.get(trial.variant):
                problems.append(f"export holds {data_rows} rows, a complete one {expect.rows.get(trial.variant)}")
        except Exception as err:  # any failure to read is the finding
            problems.append(f"export unreadable: {err!r}")
    if trial.action == "backup" and trial.out.exists() and (
        integrity(trial.out) != "ok"
        or _digest(fingerprint(trial.out, "backup")) != _digest(fingerprint(db, "backup"))
    ):
        problems.append("the backup file is not a complete copy")
    if trial.action == "doc" and trial.out.exists():
        stored = _rows(db, f"SELECT pdf_sha256 FROM documents WHERE inspection_id = '{template.inspection_id}' "
                           f"AND doc_type = '{RECORD_TYPE}' AND status = '已签发'")
        if [(hashlib.sha256(trial.out.read_bytes()).hexdigest(),)] != stored:
            problems.append("the PDF written does not match the issued document's hash")
    # The next start: opens, cleans up; the audit chain holds.
    desk = open_desk(db)
    try:
        report = audit.verify(desk)
        if not report.ok:
            problems.append(f"audit verify: {report.message}")
    finally:
        desk.close()
    left = leftovers(trial.folder)
    if left:
        problems.append(f"left behind after the next start: {left}")
    return Outcome(trial.action, trial.variant, killed, delay, state, problems, output)


# --- calibration and the trial loop -----------------------------------------------------------------


@dataclass
class Calibration:
    seconds: dict[str, float]
    expect: dict[str, Expect]


def calibrate(template: Template, work: Path, actions: tuple[str, ...] = ACTIONS) -> Calibration:
    """Run every action once to the end: how long it works, the after state, complete outputs."""
    seconds: dict[str, float] = {}
    expect: dict[str, Expect] = {}
    rng = random.Random(0)
    for action in actions:
        variants = ("hazards+photos", "inspections") if action == "export" else ("",)
        rows: dict[str, int] = {}
        took = 0.0
        before = after = ""
        for variant in variants:
            trial = make_trial(template, action, work / f"calibrate-{action}", rng)
            while variant and trial.variant != variant:
                trial = make_trial(template, action, work / f"calibrate-{action}", rng)
            before = _digest(fingerprint(trial.db, action, template.inspection_id))
            result = run_child(trial, template, None)
            if result.returncode != 0:
                raise RuntimeError(f"{action} failed: {result.stderr}")
            took = max(took, result.work_seconds)
            after = _digest(fingerprint(trial.db, action, template.inspection_id))
            if action == "export":
                rows[variant] = ledger_rows(trial.out)
            shutil.rmtree(trial.folder)
        if action in ("export", "backup"):
            after = before  # they change nothing in the database
        assert action in ("export", "backup") or after != before, action
        seconds[action] = took
        expect[action] = Expect(before, after, rows)
    return Calibration(seconds, expect)


def run_trials(
    template: Template,
    work: Path,
    calibration: Calibration,
    action: str,
    trials: int,
    rng: random.Random,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    outcomes = []
    for n in range(trials):
        trial = make_trial(template, action, work / f"{action}-{n}", rng)
        delay = rng.uniform(0.0, 1.15 * calibration.seconds[action])
        result = run_child(trial, template, delay)
        if not result.killed and result.returncode != 0:
            outcome = Outcome(action, trial.variant, False, delay, "corrupt", [f"exit {result.returncode}: {result.stderr}"])
        else:
            outcome = check_trial(trial, template, calibration.expect[action], result.killed, delay)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if outcome.ok:
            shutil.rmtree(trial.folder, ignore_errors=True)
    return outcomes
