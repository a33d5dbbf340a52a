"""``anquan-desk setup``, ``users …`` and ``grids …``: the first-run setup and the accounts and grids
from the command line (flags, a JSON file, an xlsx list), read back from the database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import township_setup
from sqlalchemy import select

from anquan_desk.cli import main
from anquan_desk.core.db import open_database
from anquan_desk.core.models import Grid, Township, User, Village
from anquan_desk.core.security import verify_password
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.township import township_profile


@pytest.fixture(autouse=True)
def _login(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that change data log in: as admin (the environment, as scripts do)."""
    monkeypatch.setenv("ANQUAN_USER", 'admin')
    monkeypatch.setenv("ANQUAN_PASSWORD", township_setup.PASSWORD)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _contents(db: Path) -> tuple[list[str], dict[str, list[str]], dict[str, tuple[str, str, bool]]]:
    database = open_database(db)
    try:
        with database.reader() as s:
            towns = [t.name for t in s.scalars(select(Township))]
            villages = {v.name: sorted(g.name for g in s.scalars(select(Grid).where(Grid.village_id == v.id)))
                        for v in s.scalars(select(Village))}
            people = {u.username: (u.name, u.role, u.active) for u in s.scalars(select(User))}
        return towns, villages, people
    finally:
        database.dispose()


def test_setup_with_flags_then_refused_a_second_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "anquan.db"
    code, out, err = run(
        capsys, "setup", "--db", str(db), "--township", "白沙镇", "--county", "青溪县",
        "--village", "红光村:红光一网格,红光二网格", "--village", "城东社区:城东网格",
        "--admin-name", "周建国", "--admin-password", "secret12", "--admin-cert-no", "32010019001",
        "--prefix", "notice=整改",
    )
    assert (code, err) == (0, "")
    assert out == (
        "初始设置已完成：白沙镇，2 个村（社区），3 个网格，1 个用户。\n管理员用户名：admin\n"
        "请生成并打印签名密钥登记表（anquan-desk audit keys --out 签名密钥登记表.pdf），签字盖章后交区（县）应急管理部门留存。\n"
    )
    towns, villages, people = _contents(db)
    assert towns == ["白沙镇"]
    assert villages == {"红光村": ["红光一网格", "红光二网格"], "城东社区": ["城东网格"]}
    assert people == {"admin": ("周建国", "管理员", True)}
    database = open_database(db)
    try:
        profile = township_profile(Desk(database, Actor.system("t")))
        assert profile is not None and profile.number_formats["notice"].prefix == "整改"
    finally:
        database.dispose()
    code, _out, err = run(capsys, "setup", "--db", str(db), "--township", "白沙镇", "--county", "青溪县",
                          "--admin-name", "x", "--admin-password", "secret12")
    assert code == 1 and err == "错误：数据库中已有乡镇（街道）“白沙镇”，不能再次初始设置。\n"


def test_setup_from_json_and_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    grids = township_setup.grid_list(tmp_path / "网格.xlsx", [
        (1, "红光村民委员会", "红光一网格", None), (2, None, "红光二网格", None), (3, "城东社区", "城东网格", None)])
    spec = {
        "township": {"name": "城东街道", "kind": "街道", "county": "青溪县", "authorisation": "赋权",
                     "authorisation_document": "青政发〔2024〕3号", "authorisation_date": "2024-05-06",
                     "number_formats": {"order": {"template": "{region}{prefix}〔{year}〕{serial}号", "prefix": "责改"}}},
        "admin": {"username": "zhou", "name": "周建国"},
        "users": [{"username": "wang", "name": "王芳", "password": "secret12", "cert_no": "32010019002"},
                  {"username": "li", "name": "李华", "password": "secret12", "role": "网格员", "work_no": "CD-001"}],
    }
    source = tmp_path / "setup.json"
    source.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("ANQUAN_ADMIN_PASSWORD", "from-env-1")
    db = tmp_path / "anquan.db"
    code, out, err = run(capsys, "setup", "--db", str(db), "--from", str(source), "--grids", str(grids), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"township": "城东街道", "villages": 2, "grids": 3, "users": 3, "admin": "zhou"}
    _towns, villages, people = _contents(db)
    assert villages == {"红光村": ["红光一网格", "红光二网格"], "城东社区": ["城东网格"]}
    assert people == {"zhou": ("周建国", "管理员", True), "wang": ("王芳", "检查员", True), "li": ("李华", "网格员", True)}
    database = open_database(db)
    try:
        with database.reader() as s:
            township = s.scalars(select(Township)).one()
            assert township.enforcement_authorised and township.issuer == "城东街道办事处"
            zhou = s.scalars(select(User).where(User.username == "zhou")).one()
            assert verify_password("from-env-1", zhou.password_hash)
    finally:
        database.dispose()


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "不是有效的 JSON：第 1 行"),
    ('["a"]', "应为一个 JSON 对象"),
    ('{"villages": {"a": 1}}', "“villages”应为列表"),
    ('{"township": {"name": "白沙镇", "county": "青溪县", "authorisation_date": "2024/5/6"}}', "应写成 YYYY-MM-DD"),
])
def test_setup_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str) -> None:
    source = tmp_path / "setup.json"
    source.write_text(content, encoding="utf-8")
    code, _out, err = run(capsys, "setup", "--db", str(tmp_path / "a.db"), "--from", str(source),
                          "--admin-password", "secret12")
    assert code == 2 and message in err


def test_setup_refuses_a_grid_list_with_errors_and_a_missing_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = township_setup.grid_list(tmp_path / "坏.xlsx", [(1, "", "无主网格", None)])
    db = tmp_path / "a.db"
    code, _out, err = run(capsys, "setup", "--db", str(db), "--township", "白沙镇", "--county", "青溪县",
                          "--admin-name", "周建国", "--admin-password", "secret12", "--grids", str(bad))
    assert code == 2 and "第4行B列（所属村（社区））：网格“无主网格”没有填写所属村（社区）" in err
    code, _out, err = run(capsys, "setup", "--db", str(db), "--township", "白沙镇", "--county", "青溪县",
                          "--admin-name", "周建国")
    assert code == 2 and "请给出管理员密码" in err
    assert _contents(db) == ([], {}, {})


def test_users_verbs(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    database = township_setup.database(tmp_path)
    database.dispose()
    db = str(tmp_path / "township" / "anquan.db")
    code, out, _err = run(capsys, "users", "add", "sun", "--db", db, "--name", "孙悦", "--role", "网格员",
                          "--work-no", "BS-2026-020", "--password", "secret12")
    assert (code, out) == (0, "已添加用户 sun（孙悦，网格员）。\n")
    code, _out, err = run(capsys, "users", "add", "bad", "--db", db, "--name", "某", "--cert-no", "12",
                          "--password", "secret12")
    assert code == 1 and "执法证号“12”格式不对" in err
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, _out, err = run(capsys, "users", "add", "nopass", "--db", db, "--name", "某")
    assert code == 1 and "请用 --password 或环境变量 ANQUAN_NEW_PASSWORD 给出密码" in err
    code, out, _err = run(capsys, "users", "deactivate", "wang", "--db", db)
    assert code == 0 and "已停用用户 wang（王芳）" in out
    code, _out, err = run(capsys, "users", "deactivate", "admin", "--db", db)
    assert code == 1 and "不能停用自己正在使用的账号" in err  # the login is the administrator
    monkeypatch.setenv("ANQUAN_NEW_PASSWORD", "reset-pass")
    code, out, _err = run(capsys, "users", "reset-password", "li", "--db", db)
    assert code == 0 and "已重设用户 li（李华）的密码" in out
    code, out, _err = run(capsys, "users", "list", "--db", db, "--json")
    rows = {r["username"]: (r["role"], r["active"], r["work_no"]) for r in json.loads(out)}
    assert rows == {"admin": ("管理员", True, ""), "li": ("网格员", True, "BS-2026-012"),
                    "sun": ("网格员", True, "BS-2026-020"), "zhao": ("只读", True, ""), "wang": ("检查员", False, "")}
    code, out, _err = run(capsys, "users", "list", "--db", db)
    assert out.splitlines()[0] == "用户名\t姓名\t角色\t执法证号\t工作证号\t状态"
    assert "wang\t王芳\t检查员\t32010019002\t—\t已停用" in out.splitlines()
    code, _out, err = run(capsys, "users", "activate", "nobody", "--db", db)
    assert code == 1 and "没有用户名为“nobody”的用户" in err
    database = open_database(db)
    try:
        with database.reader() as s:
            li = s.scalars(select(User).where(User.username == "li")).one()
            assert verify_password("reset-pass", li.password_hash)
    finally:
        database.dispose()


def test_grids_verbs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = township_setup.database(tmp_path)
    database.dispose()
    db = str(tmp_path / "township" / "anquan.db")
    source = township_setup.grid_list(tmp_path / "网格.xlsx", [
        (1, "红光村", "红光一网格", None), (2, None, "红光三网格", None), (3, "白沙社区", 1, None)])
    code, out, _err = run(capsys, "grids", "import", source.as_posix(), "--db", db, "--dry-run")
    assert code == 0 and out.startswith("（试运行，未写入）新建 1 个村（社区）、2 个网格；已有的网格 1 个未改动。")
    code, out, _err = run(capsys, "grids", "import", source.as_posix(), "--db", db, "--json")
    assert json.loads(out) == {"imported": True, "created_villages": ["白沙社区"],
                               "created_grids": ["红光村 红光三网格", "白沙社区 第1网格"], "existing_grids": 1,
                               "problems": []}
    bad = township_setup.grid_list(tmp_path / "坏.xlsx", [(1, "", "无主网格", None)])
    code, out, _err = run(capsys, "grids", "import", bad.as_posix(), "--db", db)
    assert code == 2 and "导入未进行，数据库未作任何改动" in out
    code, out, _err = run(capsys, "grids", "list", "--db", db)
    assert out.splitlines()[:4] == ["红光村（村）", "  红光一网格\t0 个场所\t0 名网格人员",
                                    "  红光二网格\t0 个场所\t0 名网格人员", "  红光三网格\t0 个场所\t0 名网格人员"]
    code, out, _err = run(capsys, "grids", "list", "--db", db, "--json")
    assert [v["name"] for v in json.loads(out)] == ["红光村", "城东社区", "白沙社区"]


def test_setup_as_a_separate_process(tmp_path: Path) -> None:
    db = tmp_path / "anquan.db"
    result = subprocess.run(
        [sys.executable, "-m", "anquan_desk", "setup", "--db", str(db), "--township", "白沙镇", "--county", "青溪县",
         "--village", "红光村:一网格", "--admin-name", "周建国", "--admin-password", "secret12"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "初始设置已完成：白沙镇" in result.stdout
    listed = subprocess.run([sys.executable, "-m", "anquan_desk", "users", "list", "--db", str(db)],
                            capture_output=True, text=True, timeout=300)
    assert "admin\t周建国\t管理员\t—\t—\t在用" in listed.stdout


def test_setup_writes_the_key_record_the_district_keeps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``setup --record`` prints the 签名密钥登记表: the administrator's public key as the database holds
    it, the chain head's anchor code, the places to sign and seal; ``audit keys`` lists the same key
    and, after a second user was added, both."""
    from pypdf import PdfReader

    from anquan_desk.core.audit_check import parse_anchor
    from anquan_desk.core.models import UserKey

    db, record = tmp_path / "anquan.db", tmp_path / "签名密钥登记表.pdf"
    code, out, err = run(
        capsys, "setup", "--db", str(db), "--township", "白沙镇", "--county", "青溪县", "--village", "红光村:红光一网格",
        "--admin-name", "周建国", "--admin-password", township_setup.PASSWORD, "--record", str(record),
    )
    assert (code, err) == (0, ""), err
    assert f"签名密钥登记表已写入 {record}" in out
    database = open_database(db)
    try:
        with database.reader() as s:
            keys = [k.public_key for k in s.scalars(select(UserKey))]
    finally:
        database.dispose()
    assert len(keys) == 1
    flat = "".join("".join(page.extract_text().split()) for page in PdfReader(record).pages)
    assert "签名密钥登记表" in flat and "白沙镇" in flat and "周建国（admin）" in flat
    assert keys[0] in flat  # printed in groups of 16, read back without the spaces
    anchor = re.search(r"A-\d+-[0-9A-Z-]+", flat)
    assert anchor is not None and parse_anchor(anchor.group(0)).seq >= 1
    assert "乡镇负责人（签字）" in flat and "公章" in flat

    code, out, err = run(capsys, "users", "add", "li", "--db", str(db), "--name", "李明",
                         "--role", "检查员", "--password", "another12")
    assert code == 0, err
    code, out, err = run(capsys, "audit", "keys", "--db", str(db))
    assert code == 0, err
    assert "周建国（admin）\t在用\t" in out and keys[0] in out
    assert "李明（li）\t在用\t" in out
    code, _out, err = run(capsys, "audit", "verify", "--db", str(db), "--anchor", anchor.group(0))
    assert code == 0, err
