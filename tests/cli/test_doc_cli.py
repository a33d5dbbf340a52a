"""``anquan-desk doc render | verify | batch | slot``: files written, Chinese messages, exit codes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from helpers import doc_setup
from sqlalchemy import select

from anquan_desk.cli import main
from anquan_desk.core.db import Database
from anquan_desk.core.models import Document, Township


@pytest.fixture(autouse=True)
def _login(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that change data log in: as zhang (the environment, as scripts do)."""
    monkeypatch.setenv("ANQUAN_USER", 'zhang')
    monkeypatch.setenv("ANQUAN_PASSWORD", "12345678")

# The CLI issues documents "now" for the 2026 check of doc_setup: their numbers are of 2026.
pytestmark = pytest.mark.usefixtures("document_week")


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _text(path: Path) -> str:
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


def test_render_issue_then_reprint_verify_and_batch(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    rid = doc_setup.finished_review(db, tmp_path, ids)
    db_path = db.url
    db.dispose()
    first, second = tmp_path / "out" / "notice.pdf", tmp_path / "out" / "notice-again.pdf"
    args = ["doc", "render", "--db", db_path, "--inspection", ids["inspection"], "--type", "notice"]
    # the check was ten days ago: no new numbered document without its service date
    assert main([*args, "--out", str(first)]) == 1
    err = capsys.readouterr().err
    assert "送达日期" in err and "--served-on" in err and "未占用编号" in err and not first.exists()
    # a service date after a deadline is refused, naming the hazard
    assert main([*args, "--served-on", "2026-11-25", "--out", str(first)]) == 1
    err = capsys.readouterr().err
    assert doc_setup.HAZARD_EXIT in err and "延长" in err and not first.exists()
    # a draft writes a PDF but issues nothing
    draft = tmp_path / "draft.pdf"
    assert main(["doc", "preview", "--db", db_path, "--inspection", ids["inspection"], "--type", "notice",
                 "--served-on", "2026-11-20", "--out", str(draft)]) == 0
    assert "草稿" in capsys.readouterr().out
    assert "（草稿，签发时编号）" in _text(draft) and "青安改" not in _text(draft)
    args += ["--served-on", "2026-11-20"]
    assert main([*args, "--out", str(first)]) == 0
    assert "已签发安全隐患整改通知书 青安改〔2026〕第001号" in capsys.readouterr().out
    assert main([*args, "--out", str(second)]) == 0
    assert "已重印安全隐患整改通知书 青安改〔2026〕第001号" in capsys.readouterr().out
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    assert doc_setup.HAZARD_EXIT in _text(first)

    # the township is not authorised to enforce: an order is refused with a pointer to the right type
    assert main(["doc", "render", "--db", db_path, "--inspection", ids["inspection"], "--type", "order",
                 "--out", str(tmp_path / "x.pdf")]) == 1
    assert "请使用 --type notice" in capsys.readouterr().err

    record = tmp_path / "record.pdf"
    review = tmp_path / "review.pdf"
    photos = tmp_path / "photos.pdf"
    base = ["doc", "render", "--db", db_path, "--inspection", ids["inspection"]]
    assert main([*base, "--type", "record", "--out", str(record)]) == 0
    assert main([*base, "--type", "review", "--out", str(review)]) == 1  # the 复查 was three days ago
    assert "--served-on" in capsys.readouterr().err
    assert main([*base, "--type", "review", "--served-on", "2026-11-27", "--out", str(review)]) == 0
    assert main([*base, "--type", "photos", "--out", str(photos)]) == 0
    capsys.readouterr()
    assert "整改复查意见" in _text(review) and "青复查〔2026〕第001号" in _text(review)
    assert "2026年11月27日" in _text(review) and "决定" not in _text(review)
    assert "隐患整改照片对照表" in _text(photos) and "青检记〔2026〕第001号" in _text(photos)

    assert main(["doc", "verify", str(first), "--db", db_path]) == 0
    assert "核验通过" in capsys.readouterr().out
    tampered = tmp_path / "tampered.pdf"
    data = first.read_bytes()
    i = data.index(b"/Producer")
    tampered.write_bytes(data[:i] + b"/Producex" + data[i + 9 :])
    assert main(["doc", "verify", str(tampered), "--db", db_path]) == 1
    assert "文书 青安改〔2026〕第001号 的内容被改动" in capsys.readouterr().out
    foreign = tmp_path / "foreign.pdf"
    foreign.write_bytes(b"%PDF-1.4\n%%EOF\n")
    assert main(["doc", "verify", str(foreign), "--db", db_path]) == 1
    assert "不是本系统签发的文书" in capsys.readouterr().out
    assert main(["doc", "verify", str(tmp_path / "missing.pdf"), "--db", db_path]) == 1
    assert "无法读取文件" in capsys.readouterr().err

    # every document was issued today (the CLI issues "now"): one PDF with all four
    from anquan_desk.core.db import open_database

    check = open_database(db_path)
    with check.reader() as s:
        days = {d.issued_at.astimezone().date() for d in s.scalars(select(Document))}
        count = len(s.scalars(select(Document)).all())
        assert rid and count == 4
    check.dispose()
    (day,) = days
    batch = tmp_path / "batch.pdf"
    assert main(["doc", "batch", "--db", db_path, "--date", day.isoformat(), "--out", str(batch)]) == 0
    assert "4 份文书已合并写入" in capsys.readouterr().out
    text = _text(batch)
    for title in ("现场检查记录", "安全隐患整改通知书", "整改复查意见", "隐患整改照片对照表"):
        assert title in text
    other_day = date(2020, 1, 1).isoformat()
    assert main(["doc", "batch", "--db", db_path, "--date", other_day, "--out", str(batch)]) == 1
    assert "没有签发的文书" in capsys.readouterr().err
    assert main(["doc", "batch", "--db", db_path, "--date", "2026-13-01", "--out", str(batch)]) == 1
    assert "日期“2026-13-01”无效" in capsys.readouterr().err


def test_draft_is_refused_and_slot_verb(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc_setup.township(db)
    with db.session() as s:
        assert s.scalar(select(Township)) is not None
    db_path = db.url
    db.dispose()
    assert main(["doc", "slot", "--db", db_path]) == 0
    assert "文书编号段位：1" in capsys.readouterr().out
    assert main(["doc", "render", "--db", db_path, "--inspection", "nope", "--type", "record",
                 "--out", str(tmp_path / "x.pdf")]) == 1
    assert "没有找到检查" in capsys.readouterr().err


def test_verify_exit_code_as_a_process(db: Database, tmp_path: Path) -> None:
    """The real entry point: exit status 1 and a Chinese message for a file that is not ours."""
    doc_setup.township(db)
    db_path = db.url
    db.dispose()
    foreign = tmp_path / "foreign.pdf"
    foreign.write_bytes(b"%PDF-1.4\n%%EOF\n")
    result = subprocess.run(
        [sys.executable, "-m", "anquan_desk", "doc", "verify", str(foreign), "--db", db_path],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "不是本系统签发的文书" in result.stdout
