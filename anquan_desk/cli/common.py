"""Helpers shared by the command-line verbs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from anquan_desk.services.desk import Actor, Desk, open_desk


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """Let ``--db`` also follow the verb (``anquan-desk demo --db x.db``)."""
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="数据库文件路径或 PostgreSQL 地址（默认：用户数据目录下的 anquan.db）",
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = 1) -> int:
    """Print a Chinese error message to stderr and return the exit code."""
    print(f"错误：{message}", file=sys.stderr)
    return code


@contextmanager
def desk_for(args: argparse.Namespace, actor: str = "cli", *, migrate: bool = True) -> Iterator[Desk]:
    """The database named by ``--db`` (or ``$ANQUAN_DB``, or the default), worked on as ``actor``
    (``--actor`` when the verb has one); closed when the block ends."""
    name = getattr(args, "actor", None) or actor
    desk = open_desk(getattr(args, "db", None), Actor.system(str(name)), migrate=migrate)
    try:
        yield desk
    finally:
        desk.close()
