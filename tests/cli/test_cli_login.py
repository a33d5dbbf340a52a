"""Commands that change data log in (``--login-file`` 0600, or ``$ANQUAN_USER``/``$ANQUAN_PASSWORD``),
sign as that user and get that user's role; read-only commands need no login."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import township_setup
from sqlalchemy import select

from anquan_desk.cli import main
from anquan_desk.core import security
from anquan_desk.core.audit import verify_chain
from anquan_desk.core.db import open_database
from anquan_desk.core.models import AuditEntry, User, UserKey


@pytest.fixture(autouse=True)
def _no_login_around(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANQUAN_USER", raising=False)
    monkeypatch.delenv("ANQUAN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr(security, "STRENGTH", security.FAST_FOR_TESTS)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    township_setup.database(tmp_path).dispose()
    return str(tmp_path / "township" / "anquan.db")


def _add(db: str, username: str, *extra: str) -> int:
    return main(["users", "add", username, "--db", db, "--name", "孙悦", "--role", "网格员",
                 "--password", "secret12", *extra])


def _last_entry(db: str) -> tuple[str, str | None, str | None]:
    database = open_database(db)
    try:
        with database.reader() as s:
            last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
            owner = s.scalar(select(User.username).join(UserKey, UserKey.user_id == User.id)
                             .where(UserKey.id == last.key_id))
            with database.engine.connect() as conn:
                assert verify_chain(conn).ok
            return last.actor, last.key_id and owner, last.signature
    finally:
        database.dispose()


def test_a_change_without_a_login_is_refused(db_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _add(db_path, "sun") == 1
    assert "此命令会修改数据，需要登录" in capsys.readouterr().err
    assert main(["users", "list", "--db", db_path]) == 0  # reading needs none


def test_environment_login_signs_as_the_user(db_path: str, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANQUAN_USER", "admin")
    monkeypatch.setenv("ANQUAN_PASSWORD", "wrong-password")
    assert _add(db_path, "sun") == 1
    assert "登录失败：用户名或密码不正确" in capsys.readouterr().err
    monkeypatch.setenv("ANQUAN_PASSWORD", township_setup.PASSWORD)
    assert _add(db_path, "sun") == 0
    actor, signer, signature = _last_entry(db_path)
    assert (actor, signer) == ("admin", "admin") and signature


def test_roles_apply_to_the_login(db_path: str, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANQUAN_USER", "li")  # 网格员: manages no accounts
    monkeypatch.setenv("ANQUAN_PASSWORD", township_setup.PASSWORD)
    assert _add(db_path, "sun") == 1
    assert "无权管理用户账号" in capsys.readouterr().err


def test_login_file_must_be_private(db_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    login = tmp_path / "login.txt"
    login.write_text(f"admin\n{township_setup.PASSWORD}\n", encoding="utf-8")
    login.chmod(0o644)
    assert _add(db_path, "sun", "--login-file", str(login)) == 1
    err = capsys.readouterr().err
    assert "其他人也能读取（权限 644），拒绝使用" in err and "chmod 600" in err
    login.chmod(0o600)
    assert _add(db_path, "sun", "--login-file", str(login)) == 0
    assert _last_entry(db_path)[1] == "admin"
    login.write_text("admin\n", encoding="utf-8")
    assert _add(db_path, "zhou", "--login-file", str(login)) == 1
    assert "第一行应为用户名，第二行为密码" in capsys.readouterr().err


def test_actor_option_is_gone(db_path: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["import", "places", str(tmp_path / "x.xlsx"), "--db", db_path, "--actor", "anyone"])
