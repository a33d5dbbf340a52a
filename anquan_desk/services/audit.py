"""Checking the audit log (执法全过程记录): the chain, the data against it, the attachment files,
anchors taken earlier, and the weekly 审计锚点 sheet."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, inspect, select

from anquan_desk.core.audit import ChainReport, verify_chain
from anquan_desk.core.audit_check import (
    AnchorReport,
    AnchorSheet,
    DataReport,
    FilesReport,
    KeyLine,
    SheetKind,
    check_anchor,
    check_attachments,
    check_data,
    head_anchor,
)
from anquan_desk.core.clock import utcnow
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Township, User
from anquan_desk.services.desk import Desk

__all__ = ["AuditVerdict", "anchor_sheet", "verify", "verify_all", "write_sheet"]


def verify(desk: Desk) -> ChainReport:
    """Recompute the whole hash chain and report the first entry that does not fit."""
    with desk.db.engine.connect() as conn:
        return verify_chain(conn)


@dataclass(frozen=True)
class AuditVerdict:
    """Everything ``audit verify`` checked; ``problems`` in Chinese, the first names what changed."""

    chain: ChainReport
    data: DataReport
    files: FilesReport
    anchors: tuple[AnchorReport, ...]
    seconds: float
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.problems:
            more = f"（另有 {len(self.problems) - 1 + self.data.more} 处问题）" if len(self.problems) > 1 else ""
            return f"{self.problems[0]}{more}"
        anchors = f"，{len(self.anchors)} 个锚点核验通过" if self.anchors else ""
        return (
            f"审计链完整，共 {self.chain.entries} 条记录；{self.data.rows} 行数据与审计记录一致；"
            f"{self.files.files} 个附件文件未被改动{anchors}（用时 {self.seconds:.1f} 秒）。"
        )


def _problems(chain: ChainReport, data: DataReport, files: FilesReport, anchors: list[AnchorReport]) -> list[str]:
    problems: list[str] = []
    if not chain.ok:
        problems.append(chain.message)
    if chain.entries == 0 and data.rows:
        problems.append(f"审计日志为空，但数据库中有 {data.rows} 行数据：审计记录已被清除（数据库被改动）。")
    problems += [a.message for a in anchors if not a.ok]
    problems += [p.message for p in data.problems]
    problems += [p.message for p in files.problems]
    return problems


def verify_all(desk: Desk, anchors: tuple[str, ...] = ()) -> AuditVerdict:
    """The chain, every anchor code given, every audited row against the log, every attachment file.
    A mistyped anchor code raises :class:`~anquan_desk.core.audit_check.AnchorCodeError`."""
    started = time.perf_counter()
    with desk.db.engine.connect() as conn:
        chain = verify_chain(conn)
        checked = [check_anchor(conn, code) for code in anchors]
        data = check_data(conn)
        files = check_attachments(conn, desk.attachments)
    problems = _problems(chain, data, files, checked)
    return AuditVerdict(chain, data, files, tuple(checked), time.perf_counter() - started, tuple(problems))


# --- the weekly 审计锚点 sheet -------------------------------------------------------------------


def _keys(conn: Any) -> tuple[KeyLine, ...] | None:
    if not inspect(conn).has_table("user_keys"):
        return None
    keys = Table("user_keys", MetaData(), autoload_with=conn)
    users = User.__table__
    rows = conn.execute(
        select(users.c.username, users.c.name, keys.c.public_key, keys.c.created_at, keys.c.retired_at)
        .join(users, users.c.id == keys.c.user_id)
        .order_by(users.c.username, keys.c.created_at)
    )
    return tuple(KeyLine(u, n, str(k), at, r is not None) for u, n, k, at, r in rows)


def anchor_sheet(desk: Desk, kind: SheetKind = "anchor") -> AnchorSheet:
    """What the weekly 审计锚点单 (or, with ``kind="keys"``, the 签名密钥登记表) prints: the township,
    now, the chain head and its code, the users' public keys."""
    with desk.query() as session:
        township = session.scalar(select(Township.name).order_by(Township.created_at).limit(1)) or ""
        conn = session.connection()
        return AnchorSheet(township, utcnow(), head_anchor(conn), _keys(conn), kind)


def write_sheet(desk: Desk, path: Path, kind: SheetKind = "anchor") -> AnchorSheet:
    """Write the 审计锚点单 / 签名密钥登记表 PDF to ``path``; the sheet as printed. A file that
    cannot be written raises :class:`~anquan_desk.core.errors.UserInputError` naming it."""
    from anquan_desk.io.pdf.anchor_sheet import write_anchor_sheet

    sheet = anchor_sheet(desk, kind)
    if sheet.anchor is None:
        raise UserInputError("审计日志为空，还没有可以打印的锚点。")
    try:
        write_anchor_sheet(sheet, path)
    except OSError as exc:
        raise UserInputError(f"无法写入“{path}”：{exc.strerror or exc}") from exc
    return sheet
