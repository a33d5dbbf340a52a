"""Helpers shared by the command-line verbs.

Commands that change data run as a logged-in user (:func:`desk_for` with ``login=True``): the
user name and password come from ``--login-file`` (a file readable by its owner only: the user name
on the first line, the password on the second), else from ``$ANQUAN_USER`` and ``$ANQUAN_PASSWORD``,
else they are asked for when the command runs in a terminal. The login unlocks the user's signing
key, so every audit entry the command writes is signed by that user, and the user's role decides
what the command may do (:mod:`anquan_desk.services.roles`). A database without any user yet (a new
one, before ``setup``) needs no login: what is written then is the chain's unsigned prologue.
Read-only commands (list, show, verify, export) need no login.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anquan_desk.core.errors import AnquanError
from anquan_desk.services import users
from anquan_desk.services.desk import Actor, Desk, open_desk

USER_ENV = "ANQUAN_USER"
PASSWORD_ENV = "ANQUAN_PASSWORD"


class LoginError(AnquanError):
    """The command needs a login and none could be had, or it was refused (Chinese message)."""


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """Let ``--db`` also follow the verb (``anquan-desk demo --db x.db``)."""
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="数据库文件路径或 PostgreSQL 地址（默认：用户数据目录下的 anquan.db）",
    )


def add_login_argument(parser: argparse.ArgumentParser) -> None:
    """``--login-file`` for a verb that changes data."""
    parser.add_argument(
        "--login-file",
        metavar="FILE",
        help=f"登录文件：第一行用户名，第二行密码；须仅本人可读（chmod 600）。"
        f"不指定时读环境变量 {USER_ENV}、{PASSWORD_ENV}，在终端中运行时询问",
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = 1) -> int:
    """Print a Chinese error message to stderr and return the exit code."""
    print(f"错误：{message}", file=sys.stderr)
    return code


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


def read_login_file(path: Path) -> Credentials:
    """User name and password from a private file (0600: refused when group or others may read it)."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoginError(f"无法读取登录文件“{path}”（{exc.strerror or exc}）。") from exc
    if os.name == "posix" and stat.S_IMODE(mode) & 0o077:
        raise LoginError(
            f"登录文件“{path}”其他人也能读取（权限 {stat.S_IMODE(mode):o}），拒绝使用：请先执行 chmod 600 “{path}”。"
        )
    lines = text.splitlines()
    if len(lines) < 2 or not lines[0].strip() or not lines[1]:
        raise LoginError(f"登录文件“{path}”格式不对：第一行应为用户名，第二行为密码。")
    return Credentials(lines[0].strip(), lines[1])


def credentials(args: argparse.Namespace) -> Credentials | None:
    """The login of this command: ``--login-file``, the environment, or asked in a terminal (None:
    none to be had)."""
    login_file = getattr(args, "login_file", None)
    if login_file:
        return read_login_file(Path(login_file))
    username, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV, "")
    if username and password:
        return Credentials(username, password)
    if sys.stdin is not None and sys.stdin.isatty():
        username = username or input("用户名：")
        return Credentials(username, getpass.getpass("密码："))
    return None


def log_in(desk: Desk, args: argparse.Namespace) -> Desk:
    """The desk worked on by the user of this command's login (the system on a database that has no
    user yet). Raises LoginError."""
    if not users.any_users(desk):
        return desk
    creds = credentials(args)
    if creds is None:
        raise LoginError(
            f"此命令会修改数据，需要登录：请用 --login-file 指定登录文件，或设置环境变量 {USER_ENV} 和 {PASSWORD_ENV}。"
        )
    try:
        # Not a separate audit event: everything the command changes is signed by the user.
        actor = users.log_in(desk, creds.username, creds.password, record=False)
    except AnquanError as exc:
        raise LoginError(f"登录失败：{exc}") from exc
    return desk.as_actor(actor)


@contextmanager
def desk_for(args: argparse.Namespace, *, login: bool = False, migrate: bool = True) -> Iterator[Desk]:
    """The database named by ``--db`` (or ``$ANQUAN_DB``, or the default); with ``login`` worked on
    by the logged-in user (:func:`log_in`), else read as the system. Closed when the block ends."""
    desk = open_desk(getattr(args, "db", None), Actor.system("cli"), migrate=migrate)
    try:
        yield log_in(desk, args) if login else desk
    finally:
        desk.close()
