"""The weekly 审计锚点单: the audit chain's head on paper, with the users' public signing keys; and
the 签名密钥登记表, the same facts with the keys first, printed when the township starts and when a
key is added or replaced.

Printed, signed and handed to the district (or filed), the sheet lets anyone later prove that the
township's log still holds the entry it names (``anquan-desk audit verify --anchor CODE``): a log
rewritten after the sheet was printed no longer matches it. A4 portrait, fonts embedded, output
deterministic for the same content (reportlab ``invariant=1``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from anquan_desk.core.audit_check import AnchorSheet, KeyLine, SheetKind
from anquan_desk.core.clock import to_local
from anquan_desk.io.pdf.fonts import BODY_CHAIN, HEI, SONG, TITLE_CHAIN, markup, register_fonts

__all__ = ["NO_KEYS_TEXT", "render_anchor_sheet", "write_anchor_sheet"]

#: Printed where the key list goes while the database has no signing keys.
NO_KEYS_TEXT = "（本数据库尚未启用用户签名密钥：此处留待列出各用户的公钥。启用后重新打印本单。）"
RULE = 0.5


def _style(name: str, font: str = SONG, size: float = 10.5, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.5, wordWrap="CJK", **kw)


_BODY = _style("body")
_SMALL = _style("small", size=9)
_TITLE = _style("title", HEI, 18, alignment=TA_CENTER)
_HEAD = _style("head", HEI, 12)
_CODE = _style("code", HEI, 16)


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(markup(text, TITLE_CHAIN if style.fontName == HEI else BODY_CHAIN), style)


def _grouped(text: str, size: int = 16) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def _facts(sheet: AnchorSheet) -> Table:
    made = to_local(sheet.made_at)
    anchor = sheet.anchor
    rows = [
        [_p("乡镇（街道）"), _p(sheet.township or "（未设置）")],
        [_p("打印时间"), _p(f"{made.year}年{made.month}月{made.day}日 {made:%H:%M}")],
    ]
    if anchor is None:
        rows.append([_p("审计链链头"), _p("审计日志为空，尚无锚点")])
    else:
        rows += [
            [_p("链头位置"), _p(f"第 {anchor.seq} 条审计记录")],
            [_p("链头哈希（SHA-256）"), _p(_grouped(anchor.hash))],
            [_p("锚点码"), _p(anchor.code, _CODE)],
        ]
    table = Table(rows, colWidths=[42 * mm, 128 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), RULE, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#EEEEEE")),
    ]))
    return table


def _key_row(key: KeyLine) -> list[Paragraph]:
    since = to_local(key.since).strftime("%Y-%m-%d") if key.since is not None else ""
    return [
        _p(f"{key.name}（{key.username}）", _SMALL),
        _p(_grouped(key.public_key), _SMALL),
        _p(since, _SMALL),
        _p("已停用" if key.retired else "在用", _SMALL),
    ]


def _keys(sheet: AnchorSheet) -> Table:
    if sheet.keys is None:
        table = Table([[_p(NO_KEYS_TEXT)]], colWidths=[170 * mm], rowHeights=[30 * mm])
        table.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        return table
    header = [_p(text, _SMALL) for text in ("用户", "公钥（Ed25519，十六进制）", "启用日期", "状态")]
    rows = [header, *(_key_row(k) for k in sheet.keys)] if sheet.keys else [header, [_p("（尚无用户密钥）"), "", "", ""]]
    table = Table(rows, colWidths=[36 * mm, 96 * mm, 22 * mm, 16 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), RULE, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _signatures(kind: SheetKind) -> Table:
    if kind == "keys":
        first = [_p("系统管理员（签字）："), _p("乡镇负责人（签字）："), _p("接收单位及接收人（签字）：")]
    else:
        first = [_p("打印人（签字）："), _p("核对人（签字）："), _p("接收单位及接收人（签字）：")]
    rows = [first, [_p("日期："), _p("日期："), _p("日期：")]]
    if kind == "keys":
        rows.append([_p(""), _p("（乡镇人民政府或街道办事处公章）", _SMALL), _p("")])
    table = Table(rows, colWidths=[56 * mm, 56 * mm, 58 * mm], rowHeights=[16 * mm, 9 * mm] + ([24 * mm] if kind == "keys" else []))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _anchor_story(sheet: AnchorSheet, code: str) -> list[Any]:
    return [
        _p("审计锚点单", _TITLE),
        Spacer(1, 6 * mm),
        _facts(sheet),
        Spacer(1, 4 * mm),
        _p(
            "本单记下执法全过程记录（审计日志）在打印时的最后一条记录（链头）。每条记录的哈希都包含它之前的全部记录，"
            "所以此后任何人改动、删除或重写这条记录及其以前的任何记录，都会与本单不符。"
        ),
        _p(f"核验方法：在本乡镇的电脑上运行 anquan-desk audit verify --anchor {code}，"
           "显示“核验通过”即审计记录未被改写；否则会指出被改动或删除的记录。", _BODY),
        Spacer(1, 5 * mm),
        _p("用户签名公钥", _HEAD),
        _p("每条审计记录由操作人的私钥签名；下列公钥用于核对签名。公钥被替换也会与本单不符。", _SMALL),
        Spacer(1, 2 * mm),
        _keys(sheet),
        Spacer(1, 10 * mm),
        _signatures(sheet.kind),
        Spacer(1, 4 * mm),
        _p("本单一式两份：一份交区（县）应急管理部门留存，一份本乡镇存档。请每周打印一次。", _SMALL),
    ]


def _keys_story(sheet: AnchorSheet, code: str) -> list[Any]:
    return [
        _p("签名密钥登记表", _TITLE),
        Spacer(1, 6 * mm),
        _p(
            "本表登记本乡镇（街道）安全检查工作台各用户的签名公钥。每条执法全过程记录（审计记录）都由操作人用自己的私钥签名，"
            "私钥只以本人密码加密保存；下列公钥用于核对这些签名。启用系统时、以及新增用户或重设密码（更换密钥）后，"
            "请打印本表，签字盖章后交区（县）应急管理部门留存。"
        ),
        Spacer(1, 3 * mm),
        _p("用户签名公钥", _HEAD),
        Spacer(1, 2 * mm),
        _keys(sheet),
        Spacer(1, 4 * mm),
        _p(
            "此后若有人替换公钥、以他人身份伪造记录，或改写本表打印以前的记录，核验时都会与本表不符。"
            f"核验方法：在本乡镇的电脑上运行 anquan-desk audit verify --anchor {code}。", _SMALL
        ),
        Spacer(1, 4 * mm),
        _facts(sheet),
        Spacer(1, 8 * mm),
        _signatures(sheet.kind),
        Spacer(1, 2 * mm),
        _p("本表一式两份：一份交区（县）应急管理部门留存，一份本乡镇存档。", _SMALL),
    ]


def render_anchor_sheet(sheet: AnchorSheet) -> bytes:
    register_fonts()
    buf = io.BytesIO()
    title = "签名密钥登记表" if sheet.kind == "keys" else "审计锚点单"
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=title, author=sheet.township, invariant=1,
    )
    code = sheet.anchor.code if sheet.anchor is not None else "A-…"
    story = _keys_story(sheet, code) if sheet.kind == "keys" else _anchor_story(sheet, code)
    doc.build(story)
    return buf.getvalue()


def write_anchor_sheet(sheet: AnchorSheet, path: Path) -> int:
    """Write the sheet to ``path``; returns the size in bytes."""
    data = render_anchor_sheet(sheet)
    path.write_bytes(data)
    return len(data)
