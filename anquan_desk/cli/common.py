"""Helpers shared by the command-line verbs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


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
