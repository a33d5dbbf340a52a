"""``anquan-desk plan …`` through the real command-line entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import PLANS

from anquan_desk.cli import main

DATA = PLANS
XIXINAN = DATA / "xixinan_2023_sange_henzhua.txt"


def test_parse_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "parse", str(XIXINAN), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == "西溪南镇安全生产“三个狠抓”专项行动实施方案"
    assert data["year"] == 2023
    assert data["issuer"] == "徽州区西溪南镇人民政府"
    assert [s["sector"] for s in data["sectors"]] == [
        "消防", "燃气", "自建房", "危险化学品", "道路交通", "建筑施工", "特种设备", "工贸",
        "森林防火", "水上交通", "民爆物品", "油气管道", "文化旅游", "自然灾害",
    ]
    assert [f["focus"] for f in data["focus"]] == ["人员密集场所", "电动自行车"]  # place types, not sectors
    gas = next(s for s in data["sectors"] if s["sector"] == "燃气")
    assert any("燃气门站" in sentence for sentence in gas["evidence"])
    assert data["periods"] == [
        "元旦", "春节", "清明", "五一", "国庆", "汛期", "高温", "台风", "秋冬", "雨雪冰冻", "重大活动",
    ]
    assert {"frequency": "每半年", "text": data["duties"][2]["text"]} == data["duties"][2]
    assert data["duties"][2]["text"].startswith("每半年至少组织1次生产安全事故应急预案演练")


def test_parse_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "parse", str(DATA / "yueyanglou_2021_gongzuo_yaodian.txt")]) == 0
    out = capsys.readouterr().out
    assert "标题：岳阳楼区2021年安全生产工作要点" in out
    assert "发文单位：（未注明）" in out
    assert "涉及行业领域（17 项）" in out
    assert "重点时段：五一、中秋、国庆、全国两会、岁末年初、重大活动" in out
    assert "【每季度】对企业主要负责人、安全管理人员实行每季随机抽考" in out


def test_parse_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "计划.pdf"
    bad.write_bytes(b"not a pdf")
    assert main(["plan", "parse", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "无法读取计划文件" in err
    assert main(["plan", "parse", str(tmp_path / "没有这个文件.txt"), "--json"]) == 2
    assert "文件不存在" in capsys.readouterr().err


def test_calendar(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "calendar", "2026", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["festivals"]["春节"] == "2026-02-17"
    assert data["festivals"]["端午"] == "2026-06-19"
    assert data["festivals"]["中秋"] == "2026-09-25"
    spring = next(w for w in data["windows"] if w["name"] == "春节")
    assert (spring["start"], spring["end"]) == ("2026-02-02", "2026-02-24")
    assert main(["plan", "calendar", "2026"]) == 0
    assert "春节（2月17日）：2026-02-02 至 2026-02-24" in capsys.readouterr().out
    assert main(["plan", "calendar", "1800"]) == 2
    assert "超出可计算范围" in capsys.readouterr().err


def test_draw_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    places = tmp_path / "places.txt"
    places.write_text("\n".join(f"场所{n}" for n in range(1, 21)) + "\n", encoding="gbk")
    record_path = tmp_path / "draw.json"
    args = ["plan", "draw", "--places", f"@{places}", "--inspectors", "张伟,王芳，李娜", "--count", "4",
            "--seed", "88", "--exclude", "张伟:场所1", "--out", str(record_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "随机种子：88" in out and "从 20 个候选场所中抽取 4 个" in out
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["inspectors"] == sorted(["张伟", "王芳", "李娜"])
    assert record["exclusions"] == [["张伟", "场所1"]]

    assert main(["plan", "verify", str(record_path)]) == 0
    assert "核验通过" in capsys.readouterr().out

    record["assignments"][0]["place"] = "场所99"
    record_path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert main(["plan", "verify", str(record_path)]) == 1
    assert "核验不通过" in capsys.readouterr().err


def test_draw_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "draw", "--places", "a,b", "--inspectors", "x", "--count", "1"]) == 2
    assert "至少需要 2 名" in capsys.readouterr().err
    assert main(["plan", "draw", "--places", "a,b", "--inspectors", "x,y", "--count", "1", "--exclude", "x"]) == 2
    assert "格式不对" in capsys.readouterr().err
