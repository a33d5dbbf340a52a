"""Connecting a laptop to the township's server, against real throwaway PostgreSQL clusters.

The run's cluster (``pg_cluster``) trusts every local connection. Passwords are tested on a cluster of
this module's own whose ``pg_hba.conf`` makes the role ``clerk`` log in with scram-sha-256 (as the
README tells the IT person to set up the office LAN) and rejects the role ``stranger``; the password
file written by :func:`connect_server` is read by the real libpq.
"""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from anquan_desk.core.db import Database, open_database, resolve_db_url
from anquan_desk.core.errors import DatabaseError
from anquan_desk.core.workplace import remembered_password, saved_server, workplace_file
from anquan_desk.migrations import SCHEMA_HEAD
from anquan_desk.services import township
from anquan_desk.services.server import (
    ServerAddress,
    ServerConnectError,
    check_server,
    connect_server,
    open_workplace,
)
from tests.helpers.pg_roles import CLERK_PASSWORD
from tests.helpers.pg_server import SUPERUSER, PgCluster

pytestmark = pytest.mark.server_only


def _address(cluster: PgCluster, database: str, user: str = SUPERUSER) -> ServerAddress:
    return ServerAddress(host=str(cluster.socket_dir), port=5432, database=database, user=user)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- what 测试连接 reports ------------------------------------------------------------------------------


def test_check_reports_version_revision_and_township(backend: str, demo_db: Database) -> None:
    address = ServerAddress.from_url(demo_db.url)
    assert address is not None
    info = check_server(address, "")
    assert info.revision == SCHEMA_HEAD and not info.empty and not info.needs_upgrade
    assert info.server_version.split(".")[0].isdigit() and int(info.server_version.split(".")[0]) >= 15
    with demo_db.reader() as s:
        name = s.execute(text("SELECT name FROM townships")).scalar()
    assert info.township == name
    assert f"乡镇（街道）：{name}" in info.summary() and f"数据库版本 {SCHEMA_HEAD}，与本程序一致" in info.summary()


def test_the_first_laptop_creates_the_schema_and_saves_the_server(backend: str, pg_cluster: PgCluster) -> None:
    name = pg_cluster.new_name("first")
    pg_cluster.create_database(name)
    address = _address(pg_cluster, name)
    try:
        info = check_server(address, "")
        assert info.empty and info.township is None
        assert "空数据库" in info.summary()
        desk = connect_server(address, "", remember=False)
        try:
            assert desk.db.current_revision() == SCHEMA_HEAD
            assert township.start_state(desk).needs_setup
        finally:
            desk.close()
        assert saved_server() == address
        assert resolve_db_url(None) == address.url
        # The next start opens it by itself.
        again = open_workplace(None)
        assert again.db.url == address.url
        again.close()
        assert check_server(address, "").revision == SCHEMA_HEAD
    finally:
        pg_cluster.drop_database(name)


# --- what goes wrong -------------------------------------------------------------------------------------


def test_an_unreachable_server_is_told_apart(tmp_path: Path) -> None:
    with pytest.raises(ServerConnectError, match=r"连接不上服务器 127\.0\.0\.1 的 \d+ 端口") as caught:
        check_server(ServerAddress(host="127.0.0.1", port=_free_port(), database="anquan", user="anquan"), "pw")
    assert caught.value.reason == "unreachable"
    with pytest.raises(ServerConnectError, match=r"找不到服务器“no-such-host\.invalid”"):
        check_server(ServerAddress(host="no-such-host.invalid", database="anquan", user="anquan"), "pw")
    with pytest.raises(ServerConnectError, match="没有运行"):
        check_server(ServerAddress(host=str(tmp_path), database="anquan", user="anquan"), "")
    assert not workplace_file().exists()


def test_a_missing_database_and_someone_elses_database(backend: str, pg_cluster: PgCluster) -> None:
    with pytest.raises(ServerConnectError, match="服务器上没有数据库“nope”") as caught:
        check_server(_address(pg_cluster, "nope"), "")
    assert caught.value.reason == "database"
    name = pg_cluster.new_name("other")
    pg_cluster.create_database(name)
    try:
        database = open_database(pg_cluster.url(name), migrate=False)
        with database.engine.begin() as conn:
            conn.execute(text("CREATE TABLE invoices (id int)"))
        database.dispose()
        with pytest.raises(DatabaseError, match="里已有别的数据（1 个表），不是本程序的数据库"):
            check_server(_address(pg_cluster, name), "")
        with pytest.raises(DatabaseError, match="不是本程序的数据库"):
            connect_server(_address(pg_cluster, name), "", remember=False)
        assert saved_server() is None
    finally:
        pg_cluster.drop_database(name)


def test_a_schema_newer_than_this_program_is_refused(backend: str, db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    address = ServerAddress.from_url(db.url)
    assert address is not None
    with pytest.raises(DatabaseError, match=f"数据库版本 0099，本程序只认识到 {SCHEMA_HEAD}"):
        check_server(address, "")
    with pytest.raises(DatabaseError, match="更新版本"):
        connect_server(address, "", remember=False)
    assert saved_server() is None


# --- passwords -------------------------------------------------------------------------------------------


def test_a_missing_or_wrong_password_and_a_refused_user(backend: str, clerk_cluster: PgCluster, passfile: Path) -> None:
    address = _address(clerk_cluster, "township", "clerk")
    with pytest.raises(ServerConnectError, match="服务器要求输入密码") as caught:
        check_server(address, "")
    assert caught.value.reason == "password"
    with pytest.raises(ServerConnectError, match="用户名或密码不对（用户“clerk”）") as caught:
        check_server(address, "wrong")
    assert caught.value.reason == "password"
    with pytest.raises(ServerConnectError, match="用户名或密码不对（用户“nobody”）"):
        check_server(_address(clerk_cluster, "township", "nobody"), "x")
    with pytest.raises(ServerConnectError, match=r"pg_hba\.conf") as caught:
        check_server(_address(clerk_cluster, "township", "stranger"), "")
    assert caught.value.reason == "refused"
    with pytest.raises(ServerConnectError, match="服务器上没有数据库“nope”"):
        check_server(_address(clerk_cluster, "nope", "clerk"), CLERK_PASSWORD)
    assert check_server(address, CLERK_PASSWORD).server_version
    assert not passfile.exists()


def test_a_remembered_password_is_found_by_libpq_at_the_next_start(
    backend: str, clerk_cluster: PgCluster, passfile: Path
) -> None:
    address = _address(clerk_cluster, "township", "clerk")
    desk = connect_server(address, CLERK_PASSWORD, remember=True)
    desk.close()
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    assert passfile.read_text(encoding="utf-8") == (
        f"{clerk_cluster.socket_dir}:5432:township:clerk:Hong\\:guang\\\\2026\n")
    assert remembered_password(address)
    assert "Hong" not in workplace_file().read_text(encoding="utf-8")
    assert "Hong" not in resolve_db_url(None)
    # The next start: no password given anywhere but the passfile, which libpq reads by itself.
    again = open_workplace(None)
    try:
        assert again.db.current_revision() == SCHEMA_HEAD
        assert township.start_state(again).needs_setup
    finally:
        again.close()


def test_a_password_not_remembered_stays_in_memory_and_the_next_start_asks(
    backend: str, clerk_cluster: PgCluster, passfile: Path
) -> None:
    address = _address(clerk_cluster, "township", "clerk")
    passfile.write_text(f"{clerk_cluster.socket_dir}:5432:township:clerk:stale\n", encoding="utf-8")
    passfile.chmod(0o600)
    desk = connect_server(address, CLERK_PASSWORD, remember=False)
    try:
        # New connections of this window get the password from memory.
        desk.db.engine.dispose()
        with desk.query() as session:
            assert session.execute(text("SELECT current_user")).scalar() == "clerk"
    finally:
        desk.close()
    assert passfile.read_text(encoding="utf-8") == ""  # unticked: the old line is gone
    with pytest.raises(ServerConnectError, match="服务器要求输入密码") as caught:
        open_workplace(None)
    assert caught.value.saved and caught.value.address == address and caught.value.reason == "password"
    # A --db given for this start is not "the saved server".
    with pytest.raises(ServerConnectError) as caught:
        open_workplace(address.url)
    assert not caught.value.saved


def test_a_user_who_may_not_create_tables_is_told_what_to_ask_for(
    backend: str, clerk_cluster: PgCluster, passfile: Path
) -> None:
    name = clerk_cluster.new_name("owned_by_admin")
    clerk_cluster.create_database(name)  # owned by the superuser, not by clerk
    address = _address(clerk_cluster, name, "clerk")
    assert check_server(address, CLERK_PASSWORD).empty
    with pytest.raises(DatabaseError, match=r"用户“clerk”无权在这个数据库中建立数据表.*OWNER"):
        connect_server(address, CLERK_PASSWORD, remember=True)
    assert saved_server() is None and not passfile.exists()
