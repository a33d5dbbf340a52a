"""Every user's signing key: made with the account, re-sealed with a new password, retired and
replaced on an administrator's reset; the first administrator signs the rest of the setup."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import township_setup
from sqlalchemy import select

from anquan_desk.core import security
from anquan_desk.core.audit import verify_chain
from anquan_desk.core.db import Database
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import AuditEntry, User, UserKey
from anquan_desk.services import users
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD, INSPECTORS
from anquan_desk.services.desk import Actor, Desk


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "STRENGTH", security.FAST_FOR_TESTS)


def _keys(db: Database, username: str) -> list[UserKey]:
    with db.reader() as s:
        user_id = s.scalars(select(User.id).where(User.username == username)).one()
        return list(s.scalars(select(UserKey).where(UserKey.user_id == user_id).order_by(UserKey.created_at)))


def test_the_setup_is_signed_by_its_first_administrator(tmp_path: Path) -> None:
    db = township_setup.database(tmp_path)
    try:
        with db.reader() as s:
            admin_key = _keys(db, "admin")[0]
            entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        first = next(e.seq for e in entries if e.entity == "user_keys")
        assert all(e.key_id == admin_key.id for e in entries if e.seq > first)  # the other users, checklists, setup
        assert entries[-1].action == "setup"
        with db.engine.connect() as conn:
            assert verify_chain(conn).ok
        assert all(len(_keys(db, name)) == 1 for name in ("admin", "li", "wang", "zhao"))
    finally:
        db.dispose()


def test_password_change_reseals_and_reset_retires(tmp_path: Path) -> None:
    db = township_setup.database(tmp_path)
    try:
        start = Desk(db, Actor.system("start"))
        li = users.log_in(start, "li", township_setup.PASSWORD)
        before = _keys(db, "li")[0]
        users.change_own_password(start.as_actor(li), township_setup.PASSWORD, "li-new-pass")
        after = _keys(db, "li")
        assert len(after) == 1 and after[0].public_key == before.public_key and after[0].kdf_salt != before.kdf_salt
        admin = users.log_in(start, "admin", township_setup.PASSWORD)
        users.reset_password(start.as_actor(admin), li.user_id or "", "reset-pass-1")
        old, new = _keys(db, "li")
        assert old.retired_at is not None and new.retired_at is None and new.public_key != old.public_key
        with pytest.raises(users.PermissionDeniedError, match="原签名密钥已停用"):
            users.change_own_password(start.as_actor(li), "reset-pass-1", "whatever-12")  # still on the old key
        li_again = users.log_in(start, "li", "reset-pass-1")
        assert li_again.signer is not None and li_again.signer.key_id == new.id
        with pytest.raises(UserInputError, match="不能重设自己的密码"):
            users.reset_password(start.as_actor(admin), admin.user_id or "", "reset-pass-2")
        with db.engine.connect() as conn:
            assert verify_chain(conn).ok
    finally:
        db.dispose()


def test_passwords_need_eight_characters(tmp_path: Path) -> None:
    db = township_setup.database(tmp_path)
    try:
        admin = users.log_in(Desk(db, Actor.system()), "admin", township_setup.PASSWORD)
        with pytest.raises(UserInputError, match="密码太短：至少 8 位"):
            users.add_user(Desk(db, admin), username="sun", name="孙悦", password="1234567", role="网格员")
        assert users.add_user(Desk(db, admin), username="sun", name="孙悦", password="12345678", role="网格员")
    finally:
        db.dispose()


def test_demo_users_are_named_apart_and_log_in(demo_db: Database) -> None:
    assert all(name.startswith("demo-") for name, *_rest in INSPECTORS)
    with demo_db.reader() as s:
        assert "admin" not in set(s.scalars(select(User.username)))
    actor = users.log_in(Desk(demo_db, Actor.system()), DEMO_ADMIN, DEMO_PASSWORD)
    assert actor.signer is not None and actor.role == "管理员"
    with demo_db.engine.connect() as conn:
        report = verify_chain(conn)
    assert report.ok and report.keys == 1


def test_the_program_hashes_passwords_at_full_strength() -> None:
    """The suite lowers argon2id's limits (tests/conftest.py); the program itself never does."""
    import subprocess
    import sys

    code = ("from anquan_desk.core import security as s; "
            "print(s.STRENGTH == s.STRONG, s.STRONG.opslimit, s.STRONG.memlimit // 2**20)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "3", "64"]
