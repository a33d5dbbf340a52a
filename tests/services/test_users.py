from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import desk_for, township_setup
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.errors import NotFoundError, PermissionDeniedError, UserInputError
from anquan_desk.core.models import AuditEntry, User
from anquan_desk.core.security import hash_password, legacy_scrypt_hash, needs_rehash, verify_password
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services import users
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.users import authenticate, create_first_admin, create_user, has_users


def test_password_hash_is_salted_argon2id(monkeypatch: pytest.MonkeyPatch) -> None:
    from anquan_desk.core import security

    monkeypatch.setattr(security, "STRENGTH", security.STRONG)  # the suite hashes quickly (conftest.py)
    a, b = hash_password("secret12"), hash_password("secret12")
    assert a != b and a.startswith("$argon2id$v=19$m=65536,t=3,p=1$")  # the program's strength
    assert verify_password("secret12", a) and not verify_password("secret13", a)
    assert not verify_password("secret12", "garbage")
    old = legacy_scrypt_hash("secret12")  # hashes of earlier versions still verify
    assert verify_password("secret12", old) and not verify_password("secret13", old)
    assert needs_rehash(old) and not needs_rehash(a)


def test_first_admin_then_login(db: Database) -> None:
    with db.session() as session:
        assert not has_users(session)
        admin = create_first_admin(session, username="admin", name="周建国", password="good-pass")
        assert admin.role == UserRole.ADMIN
    with db.session() as session, pytest.raises(UserInputError, match="已有用户"):
        create_first_admin(session, username="x", name="x", password="12345678")
    with db.session() as session:
        user = authenticate(session, "admin", "good-pass")
        assert user.name == "周建国"
    with db.session() as session, pytest.raises(UserInputError, match="用户名或密码不正确"):
        authenticate(session, "admin", "wrong")
    with db.reader() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions == ["insert", "insert", "login"]  # the user, their signing key, the login


def test_user_validation(db: Database) -> None:
    with db.session() as session:
        create_user(session, username="wang", name="王芳", password="12345678", cert_no="3201")
        with pytest.raises(UserInputError, match="已存在"):
            create_user(session, username="wang", name="王芳", password="12345678")
        with pytest.raises(UserInputError, match="至少 8 位"):
            create_user(session, username="li", name="李华", password="1234567")


# --- the administrator's management of accounts ---------------------------------------------------


@pytest.fixture
def township_db(tmp_path: Path) -> Iterator[Database]:
    database = township_setup.database(tmp_path)
    yield database
    database.dispose()


def test_add_user_checks_the_formats(township_db: Database) -> None:
    admin = desk_for(township_db, "admin")
    row = users.add_user(admin, username="sun", name=" 孙 悦 ", password="secret12", role="网格员",
                         cert_no="", work_no="ｂｓ－２０２６－０２０", phone="138 1234 5678")
    assert (row.name, row.role, row.work_no, row.phone, row.active) == ("孙悦", "网格员", "BS-2026-020",
                                                                        "13812345678", True)
    assert users.log_in(admin, "sun", "secret12").role == "网格员"
    cases = {
        "用户名“王 芳”不可用": {"username": "王 芳"},
        "执法证号“12”格式不对": {"cert_no": "12"},
        "执法证号“32010019002”已属于 王芳": {"cert_no": "32010019002"},
        "工作证号“工作证”格式不对": {"work_no": "工作证"},
        "没有“组长”这个角色": {"role": "组长"},
        "密码太短：至少 8 位": {"password": "1234567"},
        "联系电话": {"phone": "12345"},
        "用户名“wang”已存在": {"username": "wang"},
    }
    for message, change in cases.items():
        fields: dict[str, str] = {"username": "zhou", "name": "周五", "password": "secret12", "role": "检查员",
                                  "cert_no": "", "work_no": "", "phone": ""}
        fields.update(change)
        with pytest.raises(UserInputError, match=message):
            users.add_user(admin, **fields)
    assert [u.username for u in users.list_users(admin)] == ["admin", "li", "sun", "wang", "zhao"]


def test_edit_deactivate_and_the_last_administrator(township_db: Database) -> None:
    admin = desk_for(township_db, "admin")
    ids = {u.username: u.id for u in users.list_users(admin)}
    edited = users.update_user(admin, ids["li"], name="李华", role="检查员", cert_no="苏a 12345678", work_no="")
    assert (edited.role, edited.cert_no) == ("检查员", "苏A12345678")
    with pytest.raises(UserInputError, match="唯一在用的管理员"):
        users.update_user(admin, ids["admin"], name="周建国", role="检查员")
    with pytest.raises(UserInputError, match="不能停用自己"):
        users.deactivate_user(admin, ids["admin"])
    gone = users.deactivate_user(admin, ids["wang"])
    assert not gone.active
    with pytest.raises(UserInputError, match="已停用，不能登录"):
        users.log_in(admin, "wang", township_setup.PASSWORD)
    with township_db.reader() as s:  # never deleted: the row and its name stay
        assert s.get(User, ids["wang"]).name == "王芳"  # type: ignore[union-attr]
    assert [u.username for u in users.list_users(admin, include_inactive=False)] == ["admin", "li", "zhao"]
    assert users.list_users(admin)[-1].username == "wang"  # the deactivated last
    users.reactivate_user(admin, ids["wang"])
    users.update_user(admin, ids["wang"], name="王芳", role="管理员", cert_no="32010019002")
    users.update_user(desk_for(township_db, "wang"), ids["admin"], name="周建国", role="检查员",
                      cert_no="32010019001")  # another administrator is left now
    with pytest.raises(PermissionDeniedError, match="周建国（检查员）无权管理用户账号"):
        users.deactivate_user(admin, ids["zhao"])  # no longer an administrator: counts at once
    with pytest.raises(NotFoundError):
        users.deactivate_user(desk_for(township_db, "wang"), "no-such-id")


def test_reset_and_change_passwords(township_db: Database) -> None:
    admin = desk_for(township_db, "admin")
    li = users.find_user(admin, "li")
    users.reset_password(admin, li.id, "new-pass-1")
    desk = desk_for(township_db, "li")
    assert users.log_in(desk, "li", "new-pass-1").username == "li"
    with pytest.raises(UserInputError, match="原密码不正确"):
        users.change_own_password(desk, "wrong", "other-pass")
    with pytest.raises(UserInputError, match="不能与原密码相同"):
        users.change_own_password(desk, "new-pass-1", "new-pass-1")
    users.change_own_password(desk, "new-pass-1", "mine-now")
    assert users.log_in(desk, "li", "mine-now").username == "li"
    with pytest.raises(PermissionDeniedError, match="请先登录"):
        users.change_own_password(Desk(township_db, Actor.system("cli")), "x", "y")
    with township_db.reader() as s:
        events = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity_id == li.id))]
    assert "reset_password" in events and "change_password" in events
    with pytest.raises(NotFoundError, match="没有用户名为“nobody”"):
        users.find_user(admin, "nobody")


def test_cert_formats() -> None:
    assert users.check_cert(" 3201 0019 001 ") == "32010019001"
    assert users.check_cert("宁应急A-0012") == "宁应急A-0012"
    assert users.check_cert("") == ""
    for bad in ("A1", "ABCDEFG", "12-", "执法证号", "3201/0019", "1" * 31):
        with pytest.raises(UserInputError, match="格式不对"):
            users.check_cert(bad)
