"""``doc render`` / ``doc preview`` of the 挂牌督办通知书, 隐患移交抄告函 and 送达回证 (issue 14 §4): the same
served-on rules as the other documents, Chinese messages, PDFs read back."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from sqlalchemy import func, select

from anquan_desk.cli import main
from anquan_desk.core.db import Database, open_database
from anquan_desk.core.models import IssuedNumber
from anquan_desk.services import hazards, users

pytestmark = pytest.mark.usefixtures("document_week")  # "now" is after the 2026-11-20 check
SUPERVISION_NO = "白安委督〔2026〕1号"


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_USER", "zhang")
    monkeypatch.setenv("ANQUAN_PASSWORD", doc_setup.PASSWORD)
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))
    monkeypatch.setattr(users, "MIN_PASSWORD_LENGTH", min(users.MIN_PASSWORD_LENGTH, 6))


def _text(path: Path) -> str:
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


def _setup(db: Database, tmp_path: Path) -> tuple[dict[str, str], str]:
    """doc_setup's check on library items: hazard 2 goes to the 燃气管理部门, hazard 3 (三合一, 重大, 挂牌督办
    on the day of the check) to the 消防救援机构. Returns the ids and the major hazard's code."""
    ids = doc_setup.finished_check(db, tmp_path)
    code = doc_setup.on_library_items(db, ids)
    hazards.supervise(desk_for(db, "zhang"), ids["exit"], listed_on=doc_setup.CHECK_DAY, supervision_no=SUPERVISION_NO)
    return ids, code


def _numbers(url: str) -> int:
    check = open_database(url)
    with check.reader() as s:
        count = int(s.scalar(select(func.count()).select_from(IssuedNumber)) or 0)
    check.dispose()
    return count


def test_supervision_and_handover(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids, code = _setup(db, tmp_path)
    url = db.url
    db.dispose()
    out = tmp_path / "sup.pdf"
    render = ["doc", "render", "--db", url]
    sup = [*render, "--type", "supervision", "--hazard", code, "--out", str(out)]
    # the 挂牌 was days ago: its service date is asked, nothing is issued
    assert main(sup) == 1
    err = capsys.readouterr().err
    assert "--served-on" in err and "未占用编号" in err and not out.exists()
    assert main([*render, "--type", "supervision", "--out", str(out)]) == 1
    assert "须指定 --hazard" in capsys.readouterr().err
    assert main([*render, "--type", "supervision", "--hazard", "无此隐患", "--out", str(out)]) == 1
    assert "找不到隐患“无此隐患”" in capsys.readouterr().err
    # a draft first: 草稿, no number
    draft = tmp_path / "sup-draft.pdf"
    assert main(["doc", "preview", "--db", url, "--type", "supervision", "--hazard", code,
                 "--served-on", "2026-11-20", "--out", str(draft)]) == 0
    assert "草稿" in capsys.readouterr().out and "草稿" in _text(draft) and _numbers(url) == 0
    assert main([*sup, "--served-on", "2026-11-20"]) == 0
    assert "已签发挂牌督办通知书 青督办〔2026〕第001号" in capsys.readouterr().out
    text = _text(out)
    for words in ("重大事故隐患挂牌督办通知书", doc_setup.HAZARD_EXIT, f"督办文号{SUPERVISION_NO}", "2026年11月20日"):
        assert words in text, words
    again = tmp_path / "sup-again.pdf"
    assert main([*render, "--type", "supervision", "--hazard", ids["exit"], "--out", str(again)]) == 0
    assert "已重印" in capsys.readouterr().out and again.read_bytes() == out.read_bytes()

    letter = tmp_path / "handover.pdf"
    hand = [*render, "--type", "handover", "--inspection", ids["inspection"], "--out", str(letter)]
    assert main(hand) == 1
    assert "须指定 --department" in capsys.readouterr().err
    assert main([*hand, "--department", "住房城乡建设主管部门", "--served-on", "2026-11-21"]) == 1
    assert "可移交的部门：燃气管理部门、消防救援机构" in capsys.readouterr().err
    assert main([*hand, "--department", "燃气管理部门"]) == 1
    assert "--served-on" in capsys.readouterr().err
    assert main([*hand, "--department", "燃气管理部门", "--served-on", "2026-11-21"]) == 0
    assert "已签发隐患移交抄告函 青移交〔2026〕第001号" in capsys.readouterr().out
    text = _text(letter)
    assert "燃气管理部门：" in text and doc_setup.HAZARD_CYLINDER in text and doc_setup.HAZARD_EXIT not in text
    assert "2026年11月21日" in text
    assert _numbers(url) == 2


def test_receipt(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids, _code = _setup(db, tmp_path)
    url = db.url
    db.dispose()
    notice = tmp_path / "notice.pdf"
    assert main(["doc", "render", "--db", url, "--inspection", ids["inspection"], "--type", "notice",
                 "--served-on", "2026-11-20", "--out", str(notice)]) == 0
    number = "青安改〔2026〕第001号"
    assert f"已签发安全隐患整改通知书 {number}" in capsys.readouterr().out
    out = tmp_path / "receipt.pdf"
    base = ["doc", "render", "--db", url, "--type", "receipt", "--out", str(out)]
    assert main(base) == 1
    assert "须指定 --document" in capsys.readouterr().err
    assert main([*base, "--document", number, "--mode", "留置", "--reason", "拒收"]) == 1
    assert "见证人" in capsys.readouterr().err and not out.exists()
    assert main([*base, "--document", number, "--witness", "王五"]) == 1
    assert "只用于留置送达" in capsys.readouterr().err
    assert main([*base, "--document", number, "--served-on", "2026-11-19"]) == 1
    assert "早于文书日期" in capsys.readouterr().err
    assert main([*base, "--document", "无此文书"]) == 1
    assert "找不到文书“无此文书”" in capsys.readouterr().err
    assert _numbers(url) == 1
    draft = tmp_path / "receipt-draft.pdf"
    assert main(["doc", "preview", "--db", url, "--type", "receipt", "--document", number, "--mode", "留置",
                 "--witness", "王五（红光村村委会主任）", "--reason", "负责人拒绝签收", "--out", str(draft)]) == 0
    assert "草稿" in _text(draft) and "留置送达" in _text(draft)
    capsys.readouterr()
    assert main([*base, "--document", number, "--mode", "留置", "--witness", "王五（红光村村委会主任）",
                 "--reason", "负责人拒绝签收", "--served-on", "2026-11-21"]) == 0
    assert f"已签发送达回证 {number}送达回证" in capsys.readouterr().out
    text = _text(out)
    for words in ("送达回证", "《安全隐患整改通知书》", number, "送达方式留置送达", "王五（红光村村委会主任）",
                  "留置送达事由负责人拒绝签收", "2026年11月21日"):
        assert words in text, words
    assert "2026年11月30日" not in text  # it bears its service date, not today


def test_help_is_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["doc", "render", "--help"])
    text = capsys.readouterr().out
    for words in ("supervision=重大事故隐患挂牌督办通知书", "handover=隐患移交抄告函", "receipt=送达回证",
                  "留置送达的见证人", "送达回证缺省为原文书日期"):
        assert words in text, words
