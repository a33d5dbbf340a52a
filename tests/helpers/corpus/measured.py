"""Run one corpus case in this process and report how it went (used in a child process).

``python measured.py KIND DB FILE WORKDIR`` runs the command that receives ``FILE`` and prints, as
the last line of stderr, ``MEASURED <exit code> <peak RSS in KiB>``.
"""

from __future__ import annotations

import contextlib
import resource
import sys
from pathlib import Path


def peak_kib() -> int:
    """This process's own peak resident memory (``VmHWM``). Not ``ru_maxrss``: after ``exec`` Linux
    carries the parent's peak over into it, so a child of a big pytest process would report that."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def argv_for(kind: str, db: str, file: str, workdir: Path) -> list[str] | None:
    """The command line of ``anquan-desk`` for a kind (None: a kind run through a service call)."""
    return {
        "places": ["--db", db, "import", "places", file, "--json"],
        "checklist": ["--db", db, "checklists", "import", file],
        "template": ["--db", db, "export", "ledger", "--kind", "hazards", "--template", file,
                     "--out", str(workdir / "out.xlsx")],
        "plan": ["plan", "parse", file, "--json"],
        "verify": ["--db", db, "doc", "verify", file],
    }.get(kind)


def run_photo(db: str, file: str) -> int:
    """Photos have no command: the inspection screen prepares them through this entry point."""
    from anquan_desk.core.errors import AnquanError
    from anquan_desk.services import inspections

    try:
        inspections.prepare_photos([Path(file)])
    except AnquanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


def main(kind: str, db: str, file: str, workdir: str) -> int:
    argv = argv_for(kind, db, file, Path(workdir))
    if argv is None:
        code = run_photo(db, file)
    else:
        from anquan_desk.cli import main as cli

        try:
            code = cli(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return code


if __name__ == "__main__":
    status = 1
    try:
        status = main(*sys.argv[1:5])
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        print(f"MEASURED {status} {peak_kib()}", file=sys.stderr, flush=True)
    sys.exit(status)
