"""``anquan-desk audit verify [--anchor CODE]`` and ``audit anchor [--out sheet.pdf]`` as separate
processes: exit codes and the Chinese messages naming what changed."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anquan_desk", *args], capture_output=True, text=True, timeout=300)


def _anchor(db: Path) -> str:
    result = run("audit", "anchor", "--db", str(db))
    assert result.returncode == 0, result.stderr
    match = re.search(r"审计锚点：(A-\d+-[0-9A-Z-]+)", result.stdout)
    assert match is not None, result.stdout
    return match.group(1)


def test_the_demo_verifies_with_its_anchor(demo_db_path: Path) -> None:
    code = _anchor(demo_db_path)
    result = run("audit", "verify", "--db", str(demo_db_path), "--anchor", code)
    assert result.returncode == 0, result.stderr
    assert "审计链完整" in result.stdout and "数据与审计记录一致" in result.stdout
    assert f"锚点 {code} 核验通过" in result.stdout


def test_a_hazard_edited_outside_the_log_fails_naming_it(demo_db_path: Path) -> None:
    conn = sqlite3.connect(demo_db_path)
    with conn:
        code = conn.execute("SELECT code FROM hazards WHERE status = '待整改' ORDER BY code LIMIT 1").fetchone()[0]
        conn.execute("UPDATE hazards SET status = '已销号' WHERE code = ?", (code,))
    conn.close()
    result = run("audit", "verify", "--db", str(demo_db_path))
    assert result.returncode == 1
    assert f"表 hazards 中 {code}" in result.stderr and "的 status 与审计记录不符（数据库被直接改动）" in result.stderr
    assert "审计核验未通过" in result.stdout


def test_entries_deleted_after_an_anchor_fail_the_anchor(demo_db_path: Path) -> None:
    code = _anchor(demo_db_path)
    seq = int(code.split("-")[1])
    conn = sqlite3.connect(demo_db_path)
    with conn:
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (seq - 2,))
    conn.close()
    result = run("audit", "verify", "--db", str(demo_db_path), "--anchor", code)
    assert result.returncode == 1
    assert f"该锚点所在的第{seq}条记录已被删除" in result.stderr


def test_a_mistyped_anchor_code_exits_2(demo_db_path: Path) -> None:
    code = _anchor(demo_db_path)
    last = code[-1]
    typo = code[:-1] + ("0" if last != "0" else "1")
    result = run("audit", "verify", "--db", str(demo_db_path), "--anchor", typo)
    assert result.returncode == 2
    assert "检查字符不符" in result.stderr


def test_the_anchor_sheet_names_the_township_position_hash_and_code(demo_db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "锚点单.pdf"
    result = run("audit", "anchor", "--db", str(demo_db_path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    code = re.search(r"审计锚点：(\S+)（第 (\d+) 条记录，哈希 ([0-9a-f]{64})）", result.stdout)
    assert code is not None, result.stdout
    conn = sqlite3.connect(demo_db_path)
    township = conn.execute("SELECT name FROM townships").fetchone()[0]
    conn.close()
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    flat = re.sub(r"\s+", "", text)
    assert "审计锚点单" in flat and township in flat
    assert f"第{code.group(2)}条审计记录" in flat
    assert code.group(3) in flat and code.group(1) in flat
    assert "用户签名公钥" in flat and "接收单位及接收人" in flat
