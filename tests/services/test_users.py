from __future__ import annotations

import pytest
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import AuditEntry
from anquan_desk.core.security import hash_password, verify_password
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services.users import authenticate, create_first_admin, create_user, has_users


def test_password_hash_is_salted_scrypt() -> None:
    a, b = hash_password("secret1"), hash_password("secret1")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("secret1", a) and not verify_password("secret2", a)
    assert not verify_password("secret1", "garbage")


def test_first_admin_then_login(db: Database) -> None:
    with db.session() as session:
        assert not has_users(session)
        admin = create_first_admin(session, username="admin", name="周建国", password="good-pass")
        assert admin.role == UserRole.ADMIN
    with db.session() as session, pytest.raises(UserInputError, match="已有用户"):
        create_first_admin(session, username="x", name="x", password="123456")
    with db.session() as session:
        user = authenticate(session, "admin", "good-pass")
        assert user.name == "周建国"
    with db.session() as session, pytest.raises(UserInputError, match="用户名或密码不正确"):
        authenticate(session, "admin", "wrong")
    with db.reader() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions == ["insert", "login"]


def test_user_validation(db: Database) -> None:
    with db.session() as session:
        create_user(session, username="wang", name="王芳", password="123456", cert_no="3201")
        with pytest.raises(UserInputError, match="已存在"):
            create_user(session, username="wang", name="王芳", password="123456")
        with pytest.raises(UserInputError, match="至少"):
            create_user(session, username="li", name="李华", password="123")
