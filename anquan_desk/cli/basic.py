"""Verbs of the foundation: demo, audit verify, backup, restore."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from anquan_desk.cli.common import add_db_argument, desk_for, fail
from anquan_desk.core.errors import AnquanError
from anquan_desk.services import audit
from anquan_desk.services import backup as backup_service
from anquan_desk.services.demo import DEMO_PASSWORD, SCALES, create_demo_database
from anquan_desk.services.township import demo_path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="创建演示数据库（虚构的乡镇、网格、场所、检查与隐患）；不指定 --db 时放在数据库旁的 anquan-demo.db，"
        "从不写入本乡镇的数据库",
    )
    p.add_argument(
        "--db", default=argparse.SUPPRESS, help="演示数据库文件（须是新文件；默认：用户数据目录下的 anquan-demo.db）"
    )
    p.add_argument("--open", action="store_true", help="创建后（或已存在时）打开程序窗口进入演示数据库")
    p.add_argument("--scale", choices=sorted(SCALES), default="small", help="small：约300个场所；large：约5000个场所、20万条隐患")
    p.add_argument("--seed", type=int, default=20261123, help="随机种子（相同种子得到相同数据）")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("audit", help="审计日志")
    audit_sub = p.add_subparsers(dest="audit_verb", metavar="<子命令>", required=True)
    v = audit_sub.add_parser("verify", help="校验审计链是否完整、未被改动")
    add_db_argument(v)
    v.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("backup", help="在线备份数据库（SQLite 备份接口，运行中也可备份）")
    add_db_argument(p)
    p.add_argument("--out", required=True, help="备份文件路径")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="从备份文件恢复数据库")
    p.add_argument("file", help="备份文件路径")
    add_db_argument(p)
    p.set_defaults(func=cmd_restore)


def cmd_demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    given = getattr(args, "db", None)
    target = given if given is not None else str(demo_path(None))
    if given is None and Path(target).exists() and Path(target).stat().st_size > 0:
        print(f"演示数据库已存在：{target}（登录：用户名 admin，密码 {DEMO_PASSWORD}）")
        return _open(target) if args.open else 0
    try:
        where, counts = create_demo_database(target, scale=args.scale, seed=args.seed, progress=print)
    except AnquanError as exc:
        return fail(str(exc))
    took = time.perf_counter() - started
    print(
        f"演示数据库已创建：{where}（{counts['places']} 个场所，{counts['inspections']} 次检查，"
        f"{counts['hazards']} 条隐患，用时 {took:.1f} 秒）"
    )
    print(f"登录：用户名 admin，密码 {DEMO_PASSWORD}")
    return _open(target) if args.open else 0


def _open(target: str) -> int:
    from anquan_desk.ui.app import run_gui  # Qt only when a window is asked for

    return run_gui(db=target)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with desk_for(args, migrate=False) as desk:
        report = audit.verify(desk)
    if report.ok:
        print(report.message)
        return 0
    return fail(report.message)


def cmd_backup(args: argparse.Namespace) -> int:
    try:
        result = backup_service.backup(args.db, Path(args.out))
    except AnquanError as exc:
        return fail(str(exc))
    print(f"已备份到 {result.path}（{result.size_bytes / 1024:.0f} KB，附件 {result.attachments} 个）")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        result = backup_service.restore(Path(args.file), args.db)
    except AnquanError as exc:
        return fail(str(exc))
    print(f"已从 {args.file} 恢复数据库：{result.path}")
    if result.previous is not None:
        print(f"恢复前的数据库已另存为 {result.previous}（确认无误后可以删除）")
    else:
        print("恢复前没有数据库，无需另存。")
    return 0
