"""Command line: ``anquan-desk <verb>``.

Every verb lives in its own module under ``anquan_desk.cli`` and exposes
``register(subparsers)``; the verb's handler is stored as ``func`` on its parser and
returns the process exit code. With no verb the GUI opens.

Whatever the program creates is its user's only: :func:`main` (the entry point of the command line,
the GUI and the frozen program) sets the process umask to ``077`` while it runs, so files are
created 0600 and folders 0700 (the data folder, database and backups are also given those modes
explicitly, whoever calls them).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from anquan_desk import __version__
from anquan_desk.cli.common import LoginError, fail

# Modules that add verbs. Each has ``register(subparsers) -> None``.
VERB_MODULES: tuple[str, ...] = (
    "anquan_desk.cli.basic",
    "anquan_desk.cli.checklists",
    "anquan_desk.cli.plan",
    "anquan_desk.cli.imports",
    "anquan_desk.cli.documents",
    "anquan_desk.cli.export",
    "anquan_desk.cli.setup",
    "anquan_desk.cli.users",
    "anquan_desk.cli.grids",
    "anquan_desk.cli.inspections",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anquan-desk",
        description="安全检查工作台 — 乡镇安全生产检查（离线）",
    )
    parser.add_argument("--version", action="version", version=f"anquan-desk {__version__}")
    parser.add_argument(
        "--db",
        help="数据库文件路径或 PostgreSQL 地址（默认：用户数据目录下的 anquan.db；也可用环境变量 ANQUAN_DB）",
    )
    sub = parser.add_subparsers(dest="verb", metavar="<命令>")
    for name in VERB_MODULES:
        importlib.import_module(name).register(sub)
    return parser


#: Group and others get no access to what the program creates.
PRIVATE_UMASK = 0o077


def main(argv: Sequence[str] | None = None) -> int:
    previous = os.umask(PRIVATE_UMASK)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.verb is None:
            from anquan_desk.ui.app import run_gui

            return run_gui(db=args.db)
        try:
            return int(args.func(args))
        except LoginError as exc:  # a command that changes data without a login, or a refused one
            return fail(str(exc))
        except BrokenPipeError:
            # The reader went away (``… | head``): what was done is done; say nothing more. Python's
            # own flush at exit would fail again, so stdout is pointed at nothing first.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return 0
    finally:
        os.umask(previous)  # callers in the same process (tests) get theirs back


if __name__ == "__main__":
    sys.exit(main())
