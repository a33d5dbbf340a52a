"""``anquan-desk users list|add|deactivate|activate|reset-password``: accounts from the command line.

The command line works on the database file directly and acts as the system (the administrator's
tool, see :mod:`anquan_desk.services.roles`). Passwords come from ``--password``, from
``$ANQUAN_NEW_PASSWORD`` or, at a terminal, from a prompt that does not echo.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from anquan_desk.cli.common import add_db_argument, add_login_argument, desk_for, fail, print_json
from anquan_desk.core.errors import AnquanError
from anquan_desk.services import users
from anquan_desk.services.roles import ROLES

PASSWORD_ENV = "ANQUAN_NEW_PASSWORD"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="用户账号：列出、添加、停用、恢复、重设密码")
    verbs = p.add_subparsers(dest="users_verb", metavar="<子命令>", required=True)

    v = verbs.add_parser("list", help="列出全部用户（含已停用的）")
    add_db_argument(v)
    v.add_argument("--active", action="store_true", help="只列出在用的用户")
    v.add_argument("--json", action="store_true", help="以 JSON 输出")
    v.set_defaults(func=cmd_list)

    v = verbs.add_parser("add", help="添加用户")
    v.add_argument("username", help="用户名（字母、数字，如姓名拼音）")
    add_db_argument(v)
    v.add_argument("--name", required=True, help="姓名")
    v.add_argument("--role", choices=ROLES, default="检查员", help="角色（默认检查员）")
    v.add_argument("--cert-no", default="", help="执法证号")
    v.add_argument("--work-no", default="", help="工作证号")
    v.add_argument("--phone", default="", help="联系电话")
    v.add_argument("--password", help=f"密码（也可用环境变量 {PASSWORD_ENV}；在终端中不给出时提示输入）")
    add_login_argument(v)
    v.set_defaults(func=cmd_add)

    v = verbs.add_parser("deactivate", help="停用用户（不删除：其检查记录保留姓名）")
    v.add_argument("username")
    add_db_argument(v)
    add_login_argument(v)
    v.set_defaults(func=cmd_deactivate)

    v = verbs.add_parser("activate", help="恢复已停用的用户")
    v.add_argument("username")
    add_db_argument(v)
    add_login_argument(v)
    v.set_defaults(func=cmd_activate)

    v = verbs.add_parser("reset-password", help="重设用户密码")
    v.add_argument("username")
    add_db_argument(v)
    v.add_argument("--password", help=f"新密码（也可用环境变量 {PASSWORD_ENV}；在终端中不给出时提示输入）")
    add_login_argument(v)
    v.set_defaults(func=cmd_reset_password)


class _NoPassword(Exception):
    pass


def _password(args: argparse.Namespace) -> str:
    if args.password:
        return str(args.password)
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise _NoPassword("两次输入的密码不一致。")
        return first
    raise _NoPassword(f"请用 --password 或环境变量 {PASSWORD_ENV} 给出密码。")


def cmd_list(args: argparse.Namespace) -> int:
    with desk_for(args) as desk:
        rows = users.list_users(desk, include_inactive=not args.active)
    if args.json:
        print_json([
            {"username": r.username, "name": r.name, "role": r.role, "cert_no": r.cert_no, "work_no": r.work_no,
             "phone": r.phone, "active": r.active}
            for r in rows
        ])
        return 0
    if not rows:
        print("还没有用户。")
        return 0
    print("用户名\t姓名\t角色\t执法证号\t工作证号\t状态")
    for r in rows:
        print(f"{r.username}\t{r.name}\t{r.role}\t{r.cert_no or '—'}\t{r.work_no or '—'}\t{'在用' if r.active else '已停用'}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    try:
        password = _password(args)
        with desk_for(args, login=True) as desk:
            row = users.add_user(
                desk, username=args.username, name=args.name, password=password, role=args.role,
                cert_no=args.cert_no, work_no=args.work_no, phone=args.phone,
            )
    except (_NoPassword, AnquanError) as exc:
        return fail(str(exc))
    print(f"已添加用户 {row.username}（{row.name}，{row.role}）。")
    return 0


def _by_name(args: argparse.Namespace, change: str) -> int:
    try:
        with desk_for(args, login=True) as desk:
            row = users.find_user(desk, args.username)
            if change == "deactivate":
                users.deactivate_user(desk, row.id)
                print(f"已停用用户 {row.username}（{row.name}）；其检查记录和文书保留姓名。")
            elif change == "activate":
                users.reactivate_user(desk, row.id)
                print(f"已恢复用户 {row.username}（{row.name}）。")
            else:
                users.reset_password(desk, row.id, _password(args))
                print(f"已重设用户 {row.username}（{row.name}）的密码，请提醒其登录后修改。")
    except (_NoPassword, AnquanError) as exc:
        return fail(str(exc))
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    return _by_name(args, "deactivate")


def cmd_activate(args: argparse.Namespace) -> int:
    return _by_name(args, "activate")


def cmd_reset_password(args: argparse.Namespace) -> int:
    return _by_name(args, "reset")
