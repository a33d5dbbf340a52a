"""The command line runs as a separate process, as scripts and power users call it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from anquan_desk import __version__


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "anquan_desk", *args], capture_output=True, text=True, timeout=300
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"anquan-desk {__version__}"


def test_demo_then_verify(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run("demo", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "演示数据库已创建" in result.stdout and "300 个场所" in result.stdout
    again = run("demo", "--db", str(db))
    assert again.returncode == 1 and "已存在" in again.stderr
    verify = run("audit", "verify", "--db", str(db))
    assert verify.returncode == 0 and "审计链完整" in verify.stdout


def test_demo_covers_every_kind_and_hazard_state(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "demo.db"
    assert run("demo", "--db", str(db)).returncode == 0
    conn = sqlite3.connect(str(db))
    kinds = {r[0] for r in conn.execute("SELECT DISTINCT nine_small_kind FROM places WHERE nine_small_kind IS NOT NULL")}
    sectors = {r[0] for r in conn.execute("SELECT DISTINCT sector FROM place_sectors")}
    states = {r[0] for r in conn.execute("SELECT DISTINCT status FROM hazards")}
    overdue = conn.execute(
        "SELECT count(*) FROM hazards WHERE status != '已销号' AND deadline < date('now', 'localtime')"
    ).fetchone()[0]
    counts = dict(conn.execute("SELECT 'v', count(*) FROM villages UNION ALL SELECT 'g', count(*) FROM grids"))
    conn.close()
    assert len(kinds) == 9
    assert {"燃气", "自建房", "消防", "九小场所"} <= sectors
    assert states == {"待整改", "整改中", "待复查", "已销号"}
    assert overdue > 0
    assert counts == {"v": 6, "g": 20}


def test_demo_without_db_never_touches_the_township_s_database(tmp_path: Path) -> None:
    """``anquan-desk demo`` puts the demo beside the default database (anquan-demo.db), never into it."""
    import os

    data = Path(os.environ["XDG_DATA_HOME"]) / "anquan-desk"
    result = run("demo")
    assert result.returncode == 0, result.stderr
    assert (data / "anquan-demo.db").is_file() and not (data / "anquan.db").exists()
    again = run("demo")
    assert again.returncode == 0 and "演示数据库已存在" in again.stdout


def test_a_listing_cut_short_by_its_reader_ends_quietly(demo_db_path: Path) -> None:
    """``anquan-desk inspections list | head -1``: the reader is gone before the listing is written
    (here: standard output is a pipe whose reading end is already closed, so the first write fails
    every time); the command stops without a Python traceback and exits 0."""
    script = (
        "import os, sys\n"
        "read_end, write_end = os.pipe()\n"
        "os.close(read_end)\n"
        "os.dup2(write_end, 1)\n"
        "from anquan_desk.cli import main\n"
        f"sys.exit(main(['inspections', 'list', '--db', {str(demo_db_path)!r}, '--limit', '0']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.returncode == 0
