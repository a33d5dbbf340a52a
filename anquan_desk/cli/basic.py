"""Verbs of the foundation: demo, audit verify, backup, restore."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from anquan_desk.cli.common import add_db_argument, desk_for, fail
from anquan_desk.core.audit_check import AnchorCodeError
from anquan_desk.core.clock import to_local
from anquan_desk.core.errors import AnquanError
from anquan_desk.services import audit
from anquan_desk.services import backup as backup_service
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD, SCALES, create_demo_database
from anquan_desk.services.township import demo_path

#: Problems ``audit verify`` lists one by one.
MAX_SHOWN = 10


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
    v = audit_sub.add_parser(
        "verify",
        help="校验审计链是否完整、未被改动，数据与审计记录是否一致，附件文件是否被替换"
        "（一致：退出码 0；发现改动：1；锚点码无效：2）",
    )
    add_db_argument(v)
    v.add_argument(
        "--anchor", action="append", default=[], metavar="锚点码",
        help="核验此前打印的审计锚点（如 A-1234-7F3K-9Q2M-ABCD-EFGH-X），可多次给出",
    )
    v.set_defaults(func=cmd_audit_verify)
    a = audit_sub.add_parser("anchor", help="显示当前的审计锚点码；给出 --out 时生成每周的审计锚点单（PDF）")
    add_db_argument(a)
    a.add_argument("--out", help="审计锚点单 PDF 文件路径")
    a.set_defaults(func=cmd_audit_anchor)
    k = audit_sub.add_parser(
        "keys",
        help="列出各用户的签名公钥；给出 --out 时生成签名密钥登记表（PDF，启用系统和新增用户、重设密码后打印，签字盖章交区里）",
    )
    add_db_argument(k)
    k.add_argument("--out", help="签名密钥登记表 PDF 文件路径")
    k.set_defaults(func=cmd_audit_keys)

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
        print(f"演示数据库已存在：{target}（登录：用户名 {DEMO_ADMIN}，密码 {DEMO_PASSWORD}）")
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
    print(f"登录：用户名 {DEMO_ADMIN}，密码 {DEMO_PASSWORD}")
    return _open(target) if args.open else 0


def _open(target: str) -> int:
    from anquan_desk.ui.app import run_gui  # Qt only when a window is asked for

    return run_gui(db=target)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Exit 0 when the chain, every anchor given, the data and the files agree; 1 when something
    was changed (the first change named); 2 for an anchor code that cannot be read."""
    try:
        with desk_for(args, migrate=False) as desk:
            verdict = audit.verify_all(desk, tuple(args.anchor))
    except AnchorCodeError as exc:
        return fail(str(exc), 2)
    except AnquanError as exc:
        return fail(str(exc), 2)
    if verdict.ok:
        print(verdict.summary)
        for anchor in verdict.anchors:
            print(anchor.message)
        return 0
    for line in verdict.problems[:MAX_SHOWN]:
        print(f"错误：{line}", file=sys.stderr)
    hidden = len(verdict.problems) - MAX_SHOWN + verdict.data.more
    if hidden > 0:
        print(f"错误：另有 {hidden} 处问题未列出。", file=sys.stderr)
    print(f"审计核验未通过：发现 {len(verdict.problems) + verdict.data.more} 处问题（用时 {verdict.seconds:.1f} 秒）。")
    return 1


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    try:
        with desk_for(args, migrate=False) as desk:
            sheet = audit.write_sheet(desk, Path(args.out)) if args.out else audit.anchor_sheet(desk)
    except AnquanError as exc:
        return fail(str(exc))
    if sheet.anchor is None:
        return fail("审计日志为空，还没有可以打印的锚点。")
    print(f"审计锚点：{sheet.anchor.code}（第 {sheet.anchor.seq} 条记录，哈希 {sheet.anchor.hash}）")
    if args.out:
        print(f"审计锚点单已写入 {args.out}：请打印、签字，交区里留存。")
    return 0


def cmd_audit_keys(args: argparse.Namespace) -> int:
    try:
        with desk_for(args, migrate=False) as desk:
            sheet = audit.write_sheet(desk, Path(args.out), "keys") if args.out else audit.anchor_sheet(desk, "keys")
    except AnquanError as exc:
        return fail(str(exc))
    if sheet.keys is None:
        print("本数据库尚未启用用户签名密钥（请先升级数据库并登录一次）。")
    elif not sheet.keys:
        print("还没有用户签名密钥：第一位管理员登录后即生成。")
    else:
        print("用户\t状态\t启用日期\t公钥（Ed25519）")
        for key in sheet.keys:
            since = to_local(key.since).strftime("%Y-%m-%d") if key.since is not None else ""
            print(f"{key.name}（{key.username}）\t{'已停用' if key.retired else '在用'}\t{since}\t{key.public_key}")
    if args.out:
        print(f"签名密钥登记表已写入 {args.out}：请打印，由管理员和乡镇（街道）负责人签字、盖章，交区（县）应急管理部门留存。")
    return 0


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
