"""``anquan-desk doc render | verify | batch | slot``: the printed documents.

``render`` issues the document if it was not issued yet (number, frozen snapshot, sha256) and
otherwise reprints the issued one, byte-identical. For ``--type review`` give ``--reinspection``;
without it the latest finished 复查 that covered a hazard of the inspection is taken.
``--type photos`` is the photo appendix of the inspection's 现场检查记录 (issued first if needed),
or of the 复查意见书 when ``--reinspection`` is given.

A document bears a date fixed on issue and kept on every reprint. A 现场检查记录 bears the day of
the check. A notice, order or review of a check / 复查 before today bears the day it is served:
``--served-on YYYY-MM-DD`` must be given, otherwise nothing is issued (no number is taken) and the
command says so; an issued document is reprinted as it was, whatever ``--served-on`` says.
``doc preview`` writes a draft (watermark 草稿, no number) and issues nothing.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from anquan_desk.cli.common import add_db_argument, add_login_argument, desk_for, fail
from anquan_desk.core.device import this_device
from anquan_desk.core.documents.snapshot import DOC_TITLES, DocType
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.progress import NO_PROGRESS
from anquan_desk.services import documents as docs
from anquan_desk.services import numbering
from anquan_desk.services.desk import Desk
from anquan_desk.services.documents import DocumentPdf
from anquan_desk.services.lookup import resolve_inspection

TYPES = ("record", "notice", "order", "review", "photos")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doc", help="文书：生成/重印 PDF、核验、按日批量打印、本机编号段位")
    verbs = p.add_subparsers(dest="doc_verb", metavar="<子命令>", required=True)

    v = verbs.add_parser("render", help="出具文书（已出具的则按原样重印）并写入 PDF 文件")
    add_db_argument(v)
    v.add_argument("--inspection", required=True, help="检查：inspections list 列出的短编号、完整 ID 或该检查的文书编号")
    v.add_argument("--type", required=True, choices=TYPES,
                   help="record=现场检查记录 notice=整改通知书 order=责令限期整改指令书 review=整改复查意见书 photos=照片附页")
    v.add_argument("--reinspection", help="复查记录 ID（用于 review；缺省取该检查隐患最近一次已完成的复查）")
    v.add_argument("--served-on", dest="served_on", help="送达日期（文书落款日期），如 2026-11-23；检查或复查早于今天时必填")
    v.add_argument("--out", required=True, help="输出 PDF 文件")
    add_login_argument(v)
    v.set_defaults(func=cmd_render)

    v = verbs.add_parser("preview", help="生成文书草稿（水印“草稿”、无编号），不签发、不占用编号")
    add_db_argument(v)
    v.add_argument("--inspection", required=True, help="检查：inspections list 列出的短编号、完整 ID 或该检查的文书编号")
    v.add_argument("--type", required=True, choices=TYPES, help="同 render")
    v.add_argument("--reinspection", help="复查记录 ID（用于 review；缺省取最近一次已完成的复查）")
    v.add_argument("--served-on", dest="served_on", help="送达日期，如 2026-11-23；检查或复查早于今天时必填")
    v.add_argument("--out", required=True, help="输出 PDF 文件")
    v.set_defaults(func=cmd_preview)

    v = verbs.add_parser("verify", help="核验 PDF 是否为本系统签发且未被改动（是：退出码 0，否则 1）")
    v.add_argument("file", help="PDF 文件")
    add_db_argument(v)
    v.set_defaults(func=cmd_verify)

    v = verbs.add_parser("batch", help="把某一天签发的全部有效文书合成一个 PDF")
    add_db_argument(v)
    v.add_argument("--date", required=True, help="日期，如 2026-11-23")
    v.add_argument("--out", required=True, help="输出 PDF 文件")
    v.set_defaults(func=cmd_batch)

    v = verbs.add_parser("slot", help="为本机分配文书编号段位（在共享数据库上、带电脑下乡前执行）")
    add_db_argument(v)
    v.add_argument("--slot", type=int, help="指定段位号（缺省取下一个空闲段位）")
    add_login_argument(v)
    v.set_defaults(func=cmd_slot)


def _served_on(args: argparse.Namespace) -> date | None:
    if args.served_on is None:
        return None
    try:
        return date.fromisoformat(args.served_on)
    except ValueError:
        raise AnquanError(f"送达日期“{args.served_on}”无效，应写作 2026-11-23") from None


def _needs_date(exc: docs.ServiceDateNeeded) -> AnquanError:
    return AnquanError(f"{exc}\n未签发文书、未占用编号。请加上 --served-on YYYY-MM-DD 后重试。")


def _target(desk: Desk, args: argparse.Namespace) -> tuple[DocType, str | None]:
    """The document type asked for and the 复查 it concerns (checked against the township's mode);
    ``args.inspection`` (a short id, an id or a document number) becomes the inspection's id."""
    args.inspection = resolve_inspection(desk, args.inspection)
    kind: DocType = args.type
    if kind in ("notice", "order"):
        wanted = docs.notice_kind(desk)
        if kind != wanted:
            raise AnquanError(
                f"本乡镇{'已' if wanted == 'order' else '未'}获执法授权，出具的是{DOC_TITLES[wanted]}，"
                f"请使用 --type {wanted}。"
            )
    reinspection_id = args.reinspection
    if kind == "review" and reinspection_id is None:
        reinspection_id = docs.latest_reinspection(desk, args.inspection)
        if reinspection_id is None:
            raise AnquanError("该检查的隐患还没有已完成的复查，不能出具整改复查意见书。")
    return kind, reinspection_id


def _render(desk: Desk, args: argparse.Namespace) -> DocumentPdf:
    """The document with its PDF (issued now, or reprinted)."""
    kind, reinspection_id = _target(desk, args)
    try:
        return docs.obtain_document(
            desk, kind, args.inspection, reinspection_id, served_on=_served_on(args), progress=NO_PROGRESS
        )
    except docs.ServiceDateNeeded as exc:
        raise _needs_date(exc) from exc


def cmd_preview(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        with desk_for(args) as desk:
            kind, reinspection_id = _target(desk, args)
            try:
                pdf = docs.preview_document(
                    desk, kind, args.inspection, reinspection_id, served_on=_served_on(args)
                )
            except docs.ServiceDateNeeded as exc:
                raise _needs_date(exc) from exc
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(pdf)
    except AnquanError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"无法写入文件“{out}”：{exc.strerror or exc}")
    print(f"已生成{DOC_TITLES[kind]}草稿（未签发、无编号），已写入 {out}")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        with desk_for(args, login=True) as desk:
            result = _render(desk, args)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(result.pdf)
    except AnquanError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"无法写入文件“{out}”：{exc.strerror or exc}")
    document = result.document
    print(f"{'已签发' if result.new else '已重印'}{document.doc_type} {document.number}（核验码 {document.short_code}），已写入 {out}")
    if not result.new and args.served_on is not None:
        print("该文书此前已签发，按原样重印（落款日期不变），--served-on 未使用。")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 for an unchanged issued document, 1 otherwise; the verdict names the file. Nothing
    a library prints while reading the file reaches the console (see ``docs.verify_file``)."""
    try:
        with desk_for(args) as desk:
            result = docs.verify_pdf_file(desk, Path(args.file))
    except AnquanError as exc:
        return fail(str(exc))
    print(f"文件“{args.file}”：{result.message}")
    return 0 if result.ok else 1


def cmd_batch(args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        return fail(f"日期“{args.date}”无效，应写作 2026-11-23")
    out = Path(args.out)
    try:
        with desk_for(args) as desk:
            documents = docs.documents_of_day(desk, day)
            if not documents:
                return fail(f"{day.year}年{day.month}月{day.day}日没有签发的文书。")
            pdf = docs.batch_pdf(desk, [d.id for d in documents], progress=NO_PROGRESS)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(pdf)
    except AnquanError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"无法写入文件“{out}”：{exc.strerror or exc}")
    print(f"{day.year}年{day.month}月{day.day}日签发的 {len(documents)} 份文书已合并写入 {out}")
    return 0


def cmd_slot(args: argparse.Namespace) -> int:
    device = this_device()
    try:
        with desk_for(args, login=True) as desk:
            slot = numbering.assign_slot(desk, device.id, args.slot)
    except AnquanError as exc:
        return fail(str(exc))
    print(f"本机（{device.short}）的文书编号段位：{slot}")
    return 0
