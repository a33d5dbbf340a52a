"""Which database this computer opens, and libpq's password file (no server needed here; the file
is read by the real libpq in tests/services/test_server.py)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from anquan_desk.core.db import DB_ENV, default_data_dir, resolve_db_url
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.workplace import (
    ServerAddress,
    forget_password,
    forget_server,
    passfile_escape,
    passfile_fields,
    passfile_line,
    passfile_path,
    remember_password,
    remembered_password,
    save_server,
    saved_server,
    saved_server_url,
    workplace_file,
)

OFFICE = ServerAddress(host="192.168.1.10", port=5432, database="anquan", user="anquan")


@pytest.fixture
def passfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "pg" / "pgpass"
    monkeypatch.setenv("PGPASSFILE", str(path))
    return path


def test_the_address_becomes_a_url_without_a_password_and_back() -> None:
    assert OFFICE.url == "postgresql+psycopg://anquan@192.168.1.10:5432/anquan"
    assert ServerAddress.from_url(OFFICE.url) == OFFICE
    socket = ServerAddress(host="/tmp/pg run", port=5433, database="t_1", user="anquan")
    assert ServerAddress.from_url(socket.url) == socket
    odd = ServerAddress(host="server", database="镇 库", user="a@b:c")
    assert ServerAddress.from_url(odd.url) == odd
    assert ServerAddress.from_url("sqlite:///x.db") is None
    assert ServerAddress.from_url("postgresql+psycopg://u:secret@h/d") == ServerAddress(host="h", database="d", user="u")


def test_an_address_is_checked_field_by_field() -> None:
    assert ServerAddress(host=" 10.0.0.2 ", database=" anquan", user="anquan ").cleaned() == ServerAddress(
        host="10.0.0.2", database="anquan", user="anquan")
    with pytest.raises(UserInputError, match="请填写服务器地址"):
        ServerAddress(host=" ", database="a", user="b").cleaned()
    with pytest.raises(UserInputError, match="请填写数据库名"):
        ServerAddress(host="h", database="", user="b").cleaned()
    with pytest.raises(UserInputError, match="用户名“a b”中不能有空格"):
        ServerAddress(host="h", database="d", user="a b").cleaned()
    with pytest.raises(UserInputError, match="端口应为 1–65535"):
        ServerAddress(host="h", port=70000, database="d", user="u").cleaned()


def test_without_db_or_env_the_saved_server_is_opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)
    own_file = f"sqlite:///{(default_data_dir() / 'anquan.db').resolve()}"
    assert saved_server() is None
    assert resolve_db_url(None) == own_file
    save_server(OFFICE)
    assert saved_server() == OFFICE
    assert resolve_db_url(None) == OFFICE.url
    # --db and $ANQUAN_DB still win.
    assert resolve_db_url(tmp_path / "x.db") == f"sqlite:///{(tmp_path / 'x.db').resolve()}"
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.db"))
    assert resolve_db_url(None) == f"sqlite:///{(tmp_path / 'env.db').resolve()}"
    monkeypatch.delenv(DB_ENV)
    assert forget_server() is True
    assert forget_server() is False
    assert resolve_db_url(None) == own_file


def test_the_workplace_lives_in_the_config_folder_and_tolerates_a_broken_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_server(OFFICE)
    assert path == workplace_file()
    assert path.parent == Path(os.environ["XDG_CONFIG_HOME"]) / "anquan-desk" and path.name == "server.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {"url": OFFICE.url}
    path.write_text("{not json", encoding="utf-8")
    assert saved_server() is None and saved_server_url() is None
    monkeypatch.setenv("ANQUAN_WORKPLACE_FILE", str(tmp_path / "w.json"))
    save_server(OFFICE)
    assert (tmp_path / "w.json").is_file()


def test_passfile_escaping_follows_libpq() -> None:
    assert passfile_escape(r"a:b\c") == r"a\:b\\c"
    line = passfile_line(ServerAddress(host="h", port=5432, database="d:b", user="u"), r"p:w\d:")
    assert line == r"h:5432:d\:b:u:p\:w\\d\:"
    assert passfile_fields(line) == ["h", "5432", "d:b", "u", r"p:w\d:"]


def test_a_remembered_password_goes_to_the_passfile_only(passfile: Path) -> None:
    assert passfile_path() == passfile
    secret = r"Zh3n:g\mi"
    save_server(OFFICE)
    remember_password(OFFICE, secret)
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    assert passfile.read_text(encoding="utf-8") == r"192.168.1.10:5432:anquan:anquan:Zh3n\:g\\mi" + "\n"
    assert remembered_password(OFFICE)
    # Never in the program's own files.
    config = workplace_file().parent
    for path in config.rglob("*"):
        if path.is_file():
            assert "Zh3n" not in path.read_text(encoding="utf-8")


def test_remembering_again_replaces_the_line_and_keeps_the_others(passfile: Path) -> None:
    passfile.parent.mkdir()
    passfile.write_text("# the IT person's own lines\n*:*:other:bob:pw1\n192.168.1.10:5432:anquan:anquan:old\n",
                        encoding="utf-8")
    passfile.chmod(0o644)
    remember_password(OFFICE, "new")
    lines = passfile.read_text(encoding="utf-8").splitlines()
    assert lines == ["192.168.1.10:5432:anquan:anquan:new", "# the IT person's own lines", "*:*:other:bob:pw1"]
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600  # libpq ignores a file others may read
    other_db = ServerAddress(host="192.168.1.10", database="anquan2", user="anquan")
    remember_password(other_db, "x")
    assert len(passfile.read_text(encoding="utf-8").splitlines()) == 4
    assert forget_password(OFFICE) is True
    assert forget_password(OFFICE) is False
    assert passfile.read_text(encoding="utf-8").splitlines() == [
        "192.168.1.10:5432:anquan2:anquan:x", "# the IT person's own lines", "*:*:other:bob:pw1"]
    assert not list(passfile.parent.glob(".*.tmp"))


def test_a_password_that_libpq_cannot_store_is_refused(passfile: Path) -> None:
    with pytest.raises(UserInputError, match="没有填写密码"):
        remember_password(OFFICE, "")
    with pytest.raises(UserInputError, match="换行"):
        remember_password(OFFICE, "a\nb")
    assert not passfile.exists()


def test_passfile_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PGPASSFILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert passfile_path() == tmp_path / ".pgpass"
