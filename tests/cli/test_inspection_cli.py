"""A whole check from the command line (issue 17: demo → import → check → notice → ledger on the
server through the CLI): ``inspections start`` → ``answer`` (one item, a file of answers) →
``finish``, then ``doc render --type notice`` and ``export ledger --kind hazards`` show it. Every bad
input is refused in Chinese, naming the item or row, and changes nothing."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from anquan_desk.cli import main
from anquan_desk.core.db import Database, open_database
from anquan_desk.core.models import AttachmentLink, Hazard, Inspection, ItemResult, Place
from anquan_desk.services import lookup
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD
from tests.helpers import desk_for


@pytest.fixture(autouse=True)
def _login(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commands that change data log in: as the demo's administrator (the environment, as scripts do)."""
    monkeypatch.setenv("ANQUAN_USER", DEMO_ADMIN)
    monkeypatch.setenv("ANQUAN_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def _image(path: Path, colour: tuple[int, int, int], kind: str = "JPEG") -> Path:
    Image.new("RGB", (320, 240), colour).save(path, kind)
    return path


def _restaurant(db: Database) -> str:
    """A small restaurant of the demo whose name no other place has."""
    with db.reader() as s:
        names = s.scalars(select(Place.name).where(Place.nine_small_kind == "小餐饮场所").order_by(Place.name)).all()
        counts = dict(s.execute(select(Place.name, func.count()).group_by(Place.name)).tuples().all())
    return next(n for n in names if counts[n] == 1)


def _counts(url: str) -> tuple[int, int, int]:
    """(answered items, hazards, photo links) in the whole database."""
    database = open_database(url)
    try:
        with database.reader() as s:
            return (
                int(s.scalar(select(func.count()).select_from(ItemResult)) or 0),
                int(s.scalar(select(func.count()).select_from(Hazard)) or 0),
                int(s.scalar(select(func.count()).select_from(AttachmentLink)) or 0),
            )
    finally:
        database.dispose()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_whole_check_from_the_command_line(
    demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    place = _restaurant(demo_db)
    url = demo_db.url
    demo_db.dispose()
    db = ["--db", url]

    # start: two inspectors (the login and --with), the checklists named
    code, _out, err = _run(capsys, "inspections", "start", *db, "--place", place, "--checklist", "NINE-FOOD")
    assert code == 1 and "两名及以上检查人员" in err and "--with" in err
    code, _out, err = _run(capsys, "inspections", "start", *db, "--place", place, "--with", "demo-wangfang",
                           "--checklist", "NO-SUCH")
    assert code == 1 and "没有代码为“NO-SUCH”的检查表" in err and "NINE-FOOD" in err
    before = _counts(url)
    code, out, _err = _run(capsys, "inspections", "start", *db, "--place", place, "--with", "demo-wangfang",
                           "--checklist", "NINE-COMMON", "--checklist", "NINE-FOOD", "--json")
    assert code == 0
    started = json.loads(out)
    ref = started["short_id"]
    assert started["place"] == place and started["inspectors"] == ["周建国", "王芳"]
    assert started["checklists"] == ["NINE-COMMON", "NINE-FOOD"]
    codes = [i["code"] for i in started["items"]]
    assert "NINE-FOOD-02" in codes and "NINE-COMMON-06" in codes and len(codes) == len(set(codes)) > 10

    # one item, failed: its hazard with location, deadline in days, requirement and a photo
    photo1 = _image(tmp_path / "灭火毯.jpg", (200, 30, 30))
    code, out, err = _run(capsys, "inspections", "answer", ref, *db, "--item", "nine-food-02", "--result", "不合格",
                          "--location", "后厨灶台旁", "--deadline", "7", "--requirement", "三日内配置灭火毯",
                          "--photo", str(photo1))
    assert code == 0, err
    assert "已记录 NINE-FOOD-02：不合格，隐患 YH" in out and "部位：后厨灶台旁" in out
    assert f"还有 {len(codes) - 1} 项未填写" in out

    # bad single answers change nothing and name the item
    unchanged = _counts(url)
    assert unchanged == (before[0] + 1, before[1] + 1, before[2] + 1)
    bad_photo = tmp_path / "坏.jpg"
    bad_photo.write_text("不是照片", encoding="utf-8")
    for argv, said in [
        (["--item", "NINE-FOOD-01", "--result", "不合格", "--photo", str(bad_photo)], "检查项 NINE-FOOD-01：文件"),
        (["--item", "NINE-FOOD-01", "--result", "不合格", "--deadline", "下周"], "整改期限“下周”无效"),
        (["--item", "NINE-FOOD-01", "--result", "不合格", "--deadline", "2001-01-01"], "早于检查日期"),
        (["--item", "NINE-FOOD-01", "--result", "合格", "--location", "门口"], "检查项 NINE-FOOD-01：结果为“合格”"),
        (["--item", "NOPE-9", "--result", "合格"], "没有编号为“NOPE-9”的检查项"),
        (["--result", "合格"], "请用 --item 和 --result"),
    ]:
        code, _out, err = _run(capsys, "inspections", "answer", ref, *db, *argv)
        assert code == 1 and said in err, (argv, err)
    assert _counts(url) == unchanged

    # the rest from a file of answers (Chinese headers, UTF-8 with BOM): a 重大 hazard with a photo
    photo2 = _image(tmp_path / "通道.jpg", (30, 30, 200))
    answers = tmp_path / "答案.csv"

    def write_answers(bad: bool) -> None:
        with answers.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(["检查项", "结果", "部位", "隐患描述", "等级", "整改期限", "照片"])
            for item in codes:
                if item == "NINE-FOOD-02":
                    continue
                if item == "NINE-COMMON-06":
                    writer.writerow([item, "不合格", "一楼疏散通道", "疏散通道堆放纸箱杂物", "重大", "3", photo2.name])
                elif item == "NINE-FOOD-05" and bad:
                    writer.writerow([item, "合格了", "", "", "", "", ""])
                else:
                    writer.writerow([item, "不涉及" if item.endswith("15") else "合格", "", "", "", "", ""])

    write_answers(bad=True)
    code, _out, err = _run(capsys, "inspections", "answer", ref, *db, "--from", str(answers))
    # The file, its sheet, the row and the column of the bad value are named.
    assert code == 1 and f"答案表“{answers.name}”工作表“{answers.stem}”第 " in err, err
    assert " 行 B 列（结果）：" in err and "合格了" in err
    assert _counts(url) == unchanged  # the good rows before it were not saved either
    write_answers(bad=False)
    code, out, err = _run(capsys, "inspections", "answer", ref, *db, "--from", str(answers))
    assert code == 0, err
    assert "已记录 NINE-COMMON-06：不合格" in out and "（重大）：疏散通道堆放纸箱杂物" in out
    assert "重大隐患须落实“五落实”，尚缺：责任、措施、资金、时限、预案" in out
    assert "全部填写完毕" in out

    # finishing says everything that is missing at once, and changes nothing
    code, _out, err = _run(capsys, "inspections", "finish", ref, *db, "--findings", "发现两处隐患")
    assert code == 1 and "还不能完成" in err
    assert "重大隐患“疏散通道堆放纸箱杂物”须落实“五落实”" in err and "--signature" in err
    code, out, err = _run(capsys, "inspections", "answer", ref, *db, "--item", "NINE-COMMON-06", "--result", "不合格",
                          "--fl-responsibility", "店主", "--fl-measures", "清走杂物", "--fl-funds", "自筹",
                          "--fl-deadline", "2099-01-01", "--fl-plan", "疏散预案")
    assert code == 0 and "五落实" not in out, err
    not_png = _image(tmp_path / "签名.jpg", (255, 255, 255))
    code, _out, err = _run(capsys, "inspections", "finish", ref, *db, "--signature", str(not_png))
    assert code == 1 and "不是可用的 PNG 图片" in err
    signature = _image(tmp_path / "签名.png", (255, 255, 255), "PNG")
    code, out, err = _run(capsys, "inspections", "finish", ref, *db, "--signature", str(signature),
                          "--findings", "发现两处隐患，已当场告知。")
    assert code == 0, err
    assert f"检查 {ref} 已完成" in out and "发现隐患 2 处" in out and "已签字" in out
    code, _out, err = _run(capsys, "inspections", "answer", ref, *db, "--item", "NINE-FOOD-02", "--result", "合格")
    assert code == 1 and "已完成，不能再填写" in err

    check = open_database(url)
    try:
        with check.reader() as s:
            inspection = s.get(Inspection, lookup.resolve_inspection(desk_for(check), ref))
            assert inspection is not None and inspection.status == "已完成"
            assert inspection.findings == "发现两处隐患，已当场告知。" and inspection.signature_sha256
            hazards = {h.location: h for h in inspection.hazards}
            assert set(hazards) == {"后厨灶台旁", "一楼疏散通道"}
            assert hazards["一楼疏散通道"].grade == "重大" and hazards["一楼疏散通道"].fl_plan == "疏散预案"
            assert hazards["后厨灶台旁"].requirement == "三日内配置灭火毯"
            start_day = inspection.started_at.astimezone().date()
            assert (hazards["后厨灶台旁"].deadline - start_day).days == 7
            assert (hazards["一楼疏散通道"].deadline - start_day).days == 3
            photos = s.scalar(select(func.count()).select_from(AttachmentLink).where(
                AttachmentLink.owner_type == "hazard", AttachmentLink.role == "photo",
                AttachmentLink.owner_id.in_([h.id for h in inspection.hazards])))
            assert photos == 2
    finally:
        check.dispose()

    # the notice and the hazard ledger show the check
    notice = tmp_path / "通知书.pdf"
    code, out, err = _run(capsys, "doc", "render", *db, "--inspection", ref, "--type", "notice", "--out", str(notice))
    assert code == 0, err
    text = _pdf_text(notice)
    assert "安全隐患整改通知书" in text and place in text
    assert "后厨灶台旁" in text and "疏散通道堆放纸箱杂物" in text
    ledger = tmp_path / "台账.xlsx"
    code, out, err = _run(capsys, "export", "ledger", *db, "--kind", "hazards", "--out", str(ledger))
    assert code == 0, err
    ws = load_workbook(ledger).active
    assert ws is not None
    rows = [[str(c) for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    ours = [" ".join(r) for r in rows if any(place == c for c in r)]
    assert any("疏散通道堆放纸箱杂物" in r and "重大" in r for r in ours)
    assert any("后厨灶台旁" in r for r in ours)


def test_places_are_found_by_a_part_of_their_name(demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_for(demo_db)
    place = _restaurant(demo_db)
    with demo_db.reader() as s:
        place_id = s.scalar(select(Place.id).where(Place.name == place))
    assert place_id is not None
    assert lookup.resolve_place(desk, place) == place_id
    assert lookup.resolve_place(desk, f" {place_id} ") == place_id
    assert lookup.resolve_place(desk, lookup.short_id(place_id)) == place_id
    url = demo_db.url
    demo_db.dispose()
    code, _out, err = _run(capsys, "inspections", "start", "--db", url, "--place", "小", "--with", "demo-wangfang")
    assert code == 1 and "“小”对应多个场所" in err and "编号" in err
    code, _out, err = _run(capsys, "inspections", "start", "--db", url, "--place", "没有这家店", "--with", "demo-lihua")
    assert code == 1 and "没有找到名称含“没有这家店”的场所" in err
    code, _out, err = _run(capsys, "inspections", "start", "--db", url, "--place", place, "--with", "nobody")
    assert code == 1 and "没有用户名为“nobody”的用户" in err
    check = open_database(url)
    try:
        with check.reader() as s:  # none of the refused starts left a draft
            assert not s.scalars(select(Inspection).join(Place).where(Place.name == place,
                                                                       Inspection.status == "草稿")).first()
    finally:
        check.dispose()


def test_a_file_of_answers_with_unknown_columns_is_refused(
    demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    place = _restaurant(demo_db)
    url = demo_db.url
    demo_db.dispose()
    code, out, _err = _run(capsys, "inspections", "start", "--db", url, "--place", place, "--with", "demo-lihua",
                           "--checklist", "NINE-FOOD", "--json")
    assert code == 0
    ref = json.loads(out)["short_id"]
    before = _counts(url)
    cases = {
        "item,outcome\nNINE-FOOD-01,合格\n": "列名“outcome”无法识别",
        "item,result,结果\nNINE-FOOD-01,合格,合格\n": "出现了两次",
        "result\n合格\n": "缺少“item/检查项”列",
        "item,result\nNINE-FOOD-01,合格\nnine-food-01,不涉及\n": "工作表“答案3”第 3 行（nine-food-01）：这个检查项在第 2 行已经填写过",
        "item,result\n,合格\n": "第 2 行 A 列（item）：没有填写检查项编号",
        "item,result,deadline\nNINE-FOOD-01,不合格,下周\n": "第 2 行 C 列（deadline）：",
        "item,result\n": "除列名外没有内容",
    }
    for n, (content, said) in enumerate(cases.items()):
        path = tmp_path / f"答案{n}.csv"
        path.write_text(content, encoding="gb18030")
        code, _out, err = _run(capsys, "inspections", "answer", ref, "--db", url, "--from", str(path))
        assert code == 1 and said in err, (content, err)
    assert _counts(url) == before
    # GB18030 (what Excel saves in China) is read as well
    path = tmp_path / "答案.csv"
    path.write_text("检查项,结果,备注\nNINE-FOOD-01,合格,油烟罩已清洗\n", encoding="gb18030")
    code, out, err = _run(capsys, "inspections", "answer", ref, "--db", url, "--from", str(path))
    assert code == 0 and "已记录 NINE-FOOD-01：合格。" in out, err
    code, out, _err = _run(capsys, "inspections", "items", ref, "--db", url, "--json")
    items = {i["code"]: i for i in json.loads(out)}
    assert items["NINE-FOOD-01"]["result"] == "合格" and items["NINE-FOOD-01"]["note"] == "油烟罩已清洗"
    code, out, _err = _run(capsys, "inspections", "items", ref, "--db", url, "--todo")
    assert code == 0 and "NINE-FOOD-01" not in out and "NINE-FOOD-02\t未填写" in out
