"""Connecting this computer to the township's server (PostgreSQL).

:func:`check_server` (测试连接) connects once with a short timeout and says what it found: the
server's version, whether the database already holds this program's tables and at which revision,
and the township set up in it. Whatever goes wrong is told in Chinese so the user (or the township's
IT person) knows what to fix: the server cannot be reached (address, port, network), the password is
missing or wrong, the database does not exist, it is some other program's database, or its schema is
newer than this program. PostgreSQL reports most connection failures without an SQLSTATE and in the
server's own language, so they are told apart by what can be observed where possible: a TCP
connection to the port (or the socket file), libpq's "a password was needed", whether the same user
logs in with the same password to the server's ``postgres`` database; and by the message (English or
Chinese) for a database that does not exist and for ``pg_hba.conf``.

:func:`connect_server` (连接) opens the database (the first laptop creates the schema in an empty
one), saves the server as this computer's workplace (:mod:`anquan_desk.core.workplace`) and, when
asked, remembers the password in libpq's password file. A password that is not remembered stays in
this process's memory: the engine hands it to libpq at each connection, it is never part of the URL.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy.exc
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from anquan_desk.core.db import APP_NAME, DB_ENV, MIGRATIONS_DIR, resolve_db_url
from anquan_desk.core.errors import DatabaseError, UserInputError
from anquan_desk.core.workplace import (
    ServerAddress,
    forget_password,
    forget_server,
    passfile_path,
    remember_password,
    remembered_password,
    save_server,
    saved_server,
)
from anquan_desk.migrations import SCHEMA_HEAD
from anquan_desk.services import township
from anquan_desk.services.desk import Actor, Desk, open_desk

__all__ = [
    "CONNECT_TIMEOUT_S",
    "ServerAddress",
    "ServerConnectError",
    "ServerInfo",
    "check_server",
    "connect_server",
    "open_workplace",
    "passfile_path",
    "remembered_password",
    "saved_server",
    "use_own_file",
]

#: Seconds to wait for the server before saying it cannot be reached (a LAN answers at once).
CONNECT_TIMEOUT_S = 5
#: Databases every PostgreSQL server has, to tell "wrong password" from "no such database".
_SERVER_DATABASES = ("postgres", "template1")

Reason = Literal["unreachable", "password", "refused", "database"]


class ServerConnectError(UserInputError):
    """The server could not be opened for a reason the user can fix in the 连接服务器 dialog.

    ``reason``: ``unreachable`` (address, port, network, server stopped), ``password`` (missing or
    wrong, or no such user), ``refused`` (``pg_hba.conf`` does not let this computer in) or
    ``database`` (no such database, or the user may not open it). ``saved``: the address is the one
    saved on this computer (not a ``--db``/``$ANQUAN_DB`` given for this start)."""

    def __init__(self, message: str, *, reason: Reason, address: ServerAddress, saved: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.address = address
        self.saved = saved


@dataclass(frozen=True)
class ServerInfo:
    """What 测试连接 found on the server."""

    address: ServerAddress
    server_version: str  # "15.6"
    revision: str | None  # None: an empty database (no tables of this program yet)
    township: str | None  # None: not set up yet

    @property
    def empty(self) -> bool:
        return self.revision is None

    @property
    def needs_upgrade(self) -> bool:
        return self.revision is not None and self.revision != SCHEMA_HEAD

    def summary(self) -> str:
        lines = [f"连接成功：PostgreSQL {self.server_version}，数据库 {self.address.describe()}。"]
        if self.empty:
            lines.append("这是一个空数据库：点“连接”后由本机建立数据表，然后设置本乡镇（街道）。")
            return "\n".join(lines)
        if self.needs_upgrade:
            lines.append(f"数据库版本 {self.revision}，连接时将升级到 {SCHEMA_HEAD}"
                         "（其他电脑也需要升级到本版本的程序）。")
        else:
            lines.append(f"数据库版本 {self.revision}，与本程序一致。")
        lines.append(f"乡镇（街道）：{self.township}。" if self.township
                     else "尚未设置乡镇（街道）：连接后打开首次设置向导。")
        return "\n".join(lines)


# --- connecting --------------------------------------------------------------------------------------


def _connect_args(password: str) -> dict[str, Any]:
    args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": APP_NAME}
    if password:
        args["password"] = password
    return args


def _engine(address: ServerAddress, password: str, database: str | None = None) -> Engine:
    url = make_url(address.url)
    if database is not None:
        url = url.set(database=database)
    return create_engine(url, poolclass=NullPool, connect_args=_connect_args(password))


def _unreachable(address: ServerAddress) -> str | None:
    """Why nothing answers at the address (None: something listens there)."""
    if address.on_socket:
        sock = Path(address.host) / f".s.PGSQL.{address.port}"
        return None if sock.exists() else f"本机的数据库服务器（{address.host}）没有运行。"
    try:
        socket.create_connection((address.host, address.port), timeout=CONNECT_TIMEOUT_S).close()
    except socket.gaierror:
        return f"找不到服务器“{address.host}”：这个名称无法解析。请核对服务器地址（可以直接填 IP 地址，如 192.168.1.10）。"
    except OSError:
        return (f"连接不上服务器 {address.host} 的 {address.port} 端口：服务器没有开机、数据库没有运行、"
                "网络不通，或防火墙挡住了这个端口。请核对地址和端口，或联系管理员。")
    return None


def _password_proven(address: ServerAddress, password: str) -> bool:
    """Whether the user logs in *with this password* to one of the databases every server has (a
    login the server trusts without a password proves nothing)."""
    for database in _SERVER_DATABASES:
        engine = _engine(address, password, database)
        try:
            with engine.connect() as conn:
                pgconn = getattr(conn.connection.dbapi_connection, "pgconn", None)
                return bool(getattr(pgconn, "used_password", False))
        except sqlalchemy.exc.DBAPIError:
            continue
        finally:
            engine.dispose()
    return False


def _says_no_such_database(message: str, database: str) -> bool:
    """PostgreSQL's 'database "x" does not exist', in English or in a Chinese server's words."""
    about_password = any(word in message.lower() for word in ("password", "密码", "口令"))
    return f'"{database}"' in message and ("database" in message or "数据库" in message) and not about_password


def explain_failure(address: ServerAddress, password: str, exc: BaseException, *,
                    saved: bool = False) -> ServerConnectError:
    """The Chinese error for a failed connection to ``address``."""
    orig = getattr(exc, "orig", None) or exc

    def error(message: str, reason: Reason) -> ServerConnectError:
        return ServerConnectError(message, reason=reason, address=address, saved=saved)

    far = _unreachable(address)
    if far is not None:
        return error(far, "unreachable")
    pgconn = getattr(orig, "pgconn", None)
    if pgconn is not None and getattr(pgconn, "needs_password", False):
        return error(f"服务器要求输入密码：请填写用户“{address.user}”的密码。", "password")
    if "pg_hba.conf" in str(orig):
        return error(
            f"服务器不允许本机以用户“{address.user}”连接数据库“{address.database}”"
            "（服务器的 pg_hba.conf 中没有相应的条目）。请核对数据库名和用户名；都没错时，"
            "请管理员按说明书“乡镇服务器”一节放行办公室的局域网。",
            "refused",
        )
    if _says_no_such_database(str(orig), address.database) or _password_proven(address, password):
        return error(
            f"服务器上没有数据库“{address.database}”，或用户“{address.user}”无权打开它。请核对数据库名（区分大小写）。",
            "database",
        )
    return error(f"用户名或密码不对（用户“{address.user}”）。请核对后再试，密码区分大小写。", "password")


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def _not_ours(address: ServerAddress, what: str) -> DatabaseError:
    return DatabaseError(
        f"服务器上的数据库“{address.database}”{what}，不是本程序的数据库，没有做任何改动。"
        "请核对数据库名，或请管理员新建一个空数据库（见说明书“乡镇服务器”一节）。"
    )


def _inspect(conn: Connection, address: ServerAddress) -> ServerInfo:
    version = str(conn.execute(text("SHOW server_version")).scalar() or "").split(" ")[0]
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables:
        if tables:
            raise _not_ours(address, f"里已有别的数据（{len(tables)} 个表）")
        return ServerInfo(address, version, None, None)
    revision = str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or "")
    if revision not in _known_revisions():
        if revision.isdigit() and int(revision) > int(SCHEMA_HEAD) and "audit_log" in tables:
            raise DatabaseError(
                f"服务器上的数据库已由更新版本的程序升级（数据库版本 {revision}，本程序只认识到 {SCHEMA_HEAD}）。"
                "请先把本机的程序升级到与其他电脑相同的版本。"
            )
        raise _not_ours(address, f"的版本号“{revision}”不是本程序的")
    name = None
    if "townships" in tables:
        name = conn.execute(text("SELECT name FROM townships ORDER BY created_at LIMIT 1")).scalar()
    return ServerInfo(address, version, revision, str(name) if name else None)


def check_server(address: ServerAddress, password: str) -> ServerInfo:
    """测试连接: connect once (at most :data:`CONNECT_TIMEOUT_S` s to wait) and report what is there.
    Changes nothing. Raises :class:`ServerConnectError` or :class:`DatabaseError` (not ours, newer)."""
    address = address.cleaned()
    engine = _engine(address, password)
    try:
        try:
            conn = engine.connect()
        except sqlalchemy.exc.DBAPIError as exc:
            raise explain_failure(address, password, exc) from exc
        with conn:
            return _inspect(conn, address)
    finally:
        engine.dispose()


def supply_password(engine: Engine, password: str) -> None:
    """Hand ``password`` to libpq at each new connection of ``engine`` (kept in memory only)."""
    if not password:
        return

    def _with_password(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["password"] = password

    event.listen(engine, "do_connect", _with_password)


def _migrate(desk: Desk) -> None:
    try:
        desk.db.migrate()
    except sqlalchemy.exc.ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        address = ServerAddress.from_url(desk.db.url)
        who = f"用户“{address.user}”" if address else "该用户"
        raise DatabaseError(
            f"{who}无权在这个数据库中建立数据表。请管理员把数据库的所有者设为该用户"
            "（CREATE DATABASE … OWNER …，见说明书“乡镇服务器”一节）。"
        ) from exc


def connect_server(address: ServerAddress, password: str, remember: bool) -> Desk:
    """连接: open the server's database (creating the schema in an empty one, upgrading an older
    one), make it this computer's workplace, and remember the password in libpq's password file when
    ``remember`` (when not, a password remembered before for this address is removed)."""
    address = address.cleaned()
    check_server(address, password)
    desk = open_desk(address.url, Actor.system("start"), migrate=False)
    try:
        supply_password(desk.db.engine, password)
        _migrate(desk)
    except BaseException:
        desk.close()
        raise
    save_server(address)
    if remember and password:
        remember_password(address, password)
    elif password and not remember:
        forget_password(address)
    return desk


def _from_saved(db: str | os.PathLike[str] | None) -> bool:
    return not db and not os.environ.get(DB_ENV) and saved_server() is not None


def open_workplace(db: str | os.PathLike[str] | None) -> Desk:
    """The database the window opens at start-up (:func:`township.open_workplace`), with a server
    that cannot be opened reported as :class:`ServerConnectError` (``saved`` when it is this
    computer's saved server: the window then offers the 连接服务器 dialog)."""
    url = resolve_db_url(db)
    try:
        return township.open_workplace(db)
    except sqlalchemy.exc.OperationalError as exc:
        address = ServerAddress.from_url(url)
        if address is None:
            raise
        raise explain_failure(address, str(make_url(url).password or ""), exc, saved=_from_saved(db)) from exc


def use_own_file() -> None:
    """改用本机数据库: this computer stops opening the saved server (its own database file again),
    and the password remembered for that server leaves libpq's password file: a laptop that no
    longer works on the server keeps no key to it (connecting again asks for the password)."""
    address = saved_server()
    forget_server()
    if address is not None:
        forget_password(address)
