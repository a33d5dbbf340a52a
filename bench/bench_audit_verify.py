"""Benchmark: verifying the audit chain (``audit verify``) of the large demo.

Builds (once, kept) the large demo township (5,000 places, 50,000 checks, 200,000 hazards: some
700,000 audit entries, all in the unsigned prologue a demo has), then, each part in its own process
so its peak memory (ru_maxrss) is its own:

* ``chain``: :func:`anquan_desk.core.audit.verify_chain` — every entry re-hashed, in order, with
  the signature checks;
* ``bare``: the same work with the bare libraries — the rows read with the ``sqlite3`` module, the
  same text hashed with ``hashlib`` and every signature checked with PyNaCl one after another;
* ``data``: :func:`anquan_desk.core.audit_check.check_data` — every audited table replayed from
  the log and compared with its rows (the second half of ``audit verify``).

With ``--signed N`` a copy of the demo first gets N *signed* entries the way a township's database
does: ``demo-admin`` logs in (the first key of the chain) and changes N hazards through the ORM, so
each entry is signed by the flush hook; the three parts then run on the copy.

Peak memory: Linux keeps a process's ru_maxrss across exec, so the parent stays small (the signed
copy is made in a process of its own too).

Usage: .venv/bin/python bench/bench_audit_verify.py [--db PATH] [--signed N] [--parts chain,bare,data]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_DB = Path("/tmp/anquan-bench-audit/large-demo.db")


def build_demo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "anquan_desk", "demo", "--db", str(path), "--scale", "large"], check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"large demo built in {time.perf_counter() - started:.0f} s: {path}")


def add_signed_entries(source: Path, target: Path, count: int) -> None:
    """A copy of ``source`` where demo-admin logged in and changed ``count`` hazards (signed entries)."""
    from sqlalchemy import select

    from anquan_desk.core.db import Database
    from anquan_desk.core.models import Hazard
    from anquan_desk.services.users import authenticate

    shutil.copyfile(source, target)
    db = Database(f"sqlite:///{target}")
    started = time.perf_counter()
    with db.session() as session:
        authenticate(session, "demo-admin", "demo1234")
        for hazard in session.scalars(select(Hazard).order_by(Hazard.code).limit(count)):
            hazard.location = hazard.location + "（复核）"
        session.commit()
    db.engine.dispose()
    print(f"{count} signed entries added in {time.perf_counter() - started:.0f} s")


def part_chain(path: Path) -> dict[str, object]:
    from sqlalchemy import create_engine

    from anquan_desk.core.audit import verify_chain

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        started = time.perf_counter()
        report = verify_chain(conn)
        seconds = time.perf_counter() - started
    assert report.ok, report.message
    return {"seconds": seconds, "entries": report.entries, "signed": report.signed}


def part_bare(path: Path) -> dict[str, object]:
    import nacl.signing

    from anquan_desk.core.security import SIGNING_CONTEXT

    conn = sqlite3.connect(path)
    keys = {
        key_id: nacl.signing.VerifyKey(bytes.fromhex(public))
        for key_id, public in conn.execute("SELECT id, public_key FROM user_keys")
    }
    started = time.perf_counter()
    prev = "0" * 64
    entries = signed = 0
    cursor = conn.execute(
        "SELECT seq, prev_hash, hash, at, actor, action, entity, entity_id, payload, key_id, signature"
        " FROM audit_log ORDER BY seq"
    )
    for seq, prev_hash, digest, at, actor, action, entity, entity_id, payload, key_id, signature in cursor:
        stamp = at.replace(" ", "T", 1)
        text = "\x1f".join((prev, str(seq), stamp, actor, action, entity, entity_id, payload))
        if prev_hash != prev or hashlib.sha256(text.encode()).hexdigest() != digest:
            raise SystemExit(f"bare: entry {seq} does not fit")
        if key_id:
            keys[key_id].verify(SIGNING_CONTEXT + digest.encode("ascii"), bytes.fromhex(signature))
            signed += 1
        prev = digest
        entries += 1
    return {"seconds": time.perf_counter() - started, "entries": entries, "signed": signed}


def part_data(path: Path) -> dict[str, object]:
    from sqlalchemy import create_engine

    from anquan_desk.core.audit_check import check_data

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        started = time.perf_counter()
        report = check_data(conn)
        seconds = time.perf_counter() - started
    assert report.ok, report.problems[:1]
    return {"seconds": seconds, "entries": report.rows, "signed": 0}


PARTS = {"chain": part_chain, "bare": part_bare, "data": part_data}


def run_part(name: str, path: Path) -> dict[str, object]:
    """Run one part in a fresh process; its figures and peak memory."""
    out = subprocess.run(
        [sys.executable, __file__, "--run-part", name, "--db", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="the large demo (built there when missing)")
    parser.add_argument("--signed", type=int, default=0, help="add this many signed entries to a copy first")
    parser.add_argument("--parts", default="chain,bare,data")
    parser.add_argument("--run-part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    parser.add_argument("--sign-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sign_only:
        add_signed_entries(args.db, args.db.with_name(f"{args.db.stem}-signed-{args.signed}.db"), args.signed)
        return
    if args.run_part:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        figures = PARTS[args.run_part](args.db)
        figures.update(peak_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, base_kib=base)
        print(json.dumps(figures))
        return
    if not args.db.exists():
        build_demo(args.db)
    path = args.db
    if args.signed:
        path = args.db.with_name(f"{args.db.stem}-signed-{args.signed}.db")
        if not path.exists():  # in a process of its own: its memory is not counted in the parts' peaks
            subprocess.run(
                [sys.executable, __file__, "--db", str(args.db), "--signed", str(args.signed), "--sign-only"], check=True
            )
    print(f"database: {path} ({path.stat().st_size / 2**20:.0f} MiB)")
    print(f"{'part':<8}{'entries/rows':>14}{'signed':>9}{'seconds':>9}{'per 1,000':>11}{'peak RSS MiB':>14}{'(start)':>9}")
    for name in args.parts.split(","):
        r = run_part(name, path)
        n = int(str(r["entries"])) or 1
        seconds = float(str(r["seconds"]))
        print(
            f"{name:<8}{n:>14,}{int(str(r['signed'])):>9,}{seconds:>9.2f}{seconds / n * 1000:>10.3f}s"
            f"{int(str(r['peak_kib'])) / 1024:>14.1f}{int(str(r['base_kib'])) / 1024:>9.1f}"
        )


if __name__ == "__main__":
    main()
