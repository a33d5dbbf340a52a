"""Backup and restore of a database on the township's server (PostgreSQL), with ``pg_dump``.

A backup is one file in PostgreSQL's custom format (``pg_dump -Fc``: compressed, restorable table
by table with ``pg_restore``). It holds everything: the records, the audit log and the attachments
(on a server they are rows of ``attachment_blobs``, not files). ``pg_dump`` reads one consistent
snapshot, so laptops may go on working while it runs.

A restore replaces the content of the server's database with the backup's, in one transaction
(``pg_restore --clean --single-transaction``): the database is either the old one or the restored
one. Before that, the current content is dumped beside the backup (``<name>.before-restore-<time>.dump``),
and a restore is refused while another computer is connected (their unsaved work would meet a
database that changed under them).

The tools come from the PostgreSQL client (``postgresql-client-15`` on Debian, with the server); a
computer without them gets a message saying so. The password never appears on a command line: it
is handed to the tools in ``PGPASSWORD`` (or they read the user's passfile, ``~/.pgpass``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from anquan_desk.core.db import create_private_file, partial_path_for
from anquan_desk.core.errors import DatabaseError, UserInputError

#: The first bytes of a custom-format dump.
DUMP_MAGIC = b"PGDMP"
#: How long a dump or restore may take before it is given up (a township's database is small).
TIMEOUT_S = 3600


@dataclass(frozen=True)
class ServerBackup:
    path: Path
    size_bytes: int
    attachments: int


@dataclass(frozen=True)
class ServerRestore:
    path: Path
    previous: Path | None


def client_tool(name: str) -> Path:
    """``pg_dump``/``pg_restore`` of the newest PostgreSQL client installed (a newer client reads
    older servers), else the one on PATH."""
    override = os.environ.get("ANQUAN_PG_BINDIR")
    candidates = [Path(override) / name] if override else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        reverse=True,
    )
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise UserInputError(
        f"本机没有 PostgreSQL 的 {name} 工具，无法备份或恢复服务器数据库。"
        "请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client-15），或请管理员在服务器上备份。"
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The connection as a libpq URI without the password, and the environment that carries it."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    conninfo = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DatabaseError(f"{what}超过 {TIMEOUT_S // 60} 分钟仍未完成，已停止。") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise DatabaseError(f"{what}失败：{detail[-1] if detail else f'退出码 {done.returncode}'}")


def _attachment_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM attachment_blobs")).scalar() or 0)
    finally:
        engine.dispose()


def _dump_to(url: str, out: Path) -> None:
    """``pg_dump -Fc`` into ``out`` (written under a partial name, private, renamed when complete)."""
    conninfo, env = _libpq(url)
    tmp = partial_path_for(out)
    create_private_file(tmp)
    try:
        _run([str(client_tool("pg_dump")), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={tmp}", f"--dbname={conninfo}"], env, "备份服务器数据库（pg_dump）")
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def dump(url: str, out: Path) -> ServerBackup:
    """Back up the server database ``url`` into the file ``out`` (custom format)."""
    out = out.expanduser().resolve()
    if not out.parent.is_dir():
        raise UserInputError(f"备份文件夹“{out.parent}”不存在。")
    _dump_to(url, out)
    return ServerBackup(out, out.stat().st_size, _attachment_count(url))


def _other_connections(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )).scalar() or 0)
    finally:
        engine.dispose()


def restore(backup_file: Path, url: str) -> ServerRestore:
    """Replace the content of the server database ``url`` with the dump ``backup_file``."""
    backup_file = backup_file.expanduser().resolve()
    if not backup_file.is_file():
        raise UserInputError(f"备份文件“{backup_file}”不存在。")
    with backup_file.open("rb") as fh:
        if fh.read(len(DUMP_MAGIC)) != DUMP_MAGIC:
            raise UserInputError(
                f"文件“{backup_file}”不是服务器数据库的备份（pg_dump 自定义格式），未做任何改动。"
                "本机数据库文件（.db）的备份只能恢复到本机数据库。"
            )
    conninfo, env = _libpq(url)
    listing = subprocess.run([str(client_tool("pg_restore")), "--list", str(backup_file)],
                             env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if listing.returncode != 0 or " alembic_version " not in listing.stdout:
        raise UserInputError(f"文件“{backup_file}”不是本程序的备份（没有数据库版本表），未做任何改动。")
    others = _other_connections(url)
    if others:
        raise UserInputError(
            f"服务器数据库正有 {others} 个连接（其他电脑或窗口）在使用，不能恢复。请先让各电脑退出本程序，再恢复。"
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    previous = backup_file.with_name(f"{backup_file.stem}.before-restore-{stamp}.dump")
    _dump_to(url, previous)
    _run([str(client_tool("pg_restore")), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={conninfo}", str(backup_file)],
         env, "恢复服务器数据库（pg_restore）")
    return ServerRestore(Path(make_url(url).database or ""), previous)
