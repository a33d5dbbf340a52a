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

The documents of issue 14 §4: ``--type supervision --hazard <隐患编号或ID>`` (重大事故隐患挂牌督办通知书 of a
挂牌督办 hazard), ``--type handover --inspection … --department <部门>`` (隐患移交抄告函, one per department),
``--type receipt --document <文书编号> --mode 直接|留置 [--witness … --reason …]`` (送达回证 of an issued
document; ``--served-on`` is its 送达日期, by default the document's own date).
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

TYPES = ("record", "notice", "order", "review", "photos", "supervision", "handover", "receipt")
TYPE_HELP = (
    "record=现场检查记录 notice=整改通知书 order=责令限期整改指令书 review=整改复查意见书 photos=照片附页 "
    "supervision=重大事故隐患挂牌督办通知书（用 --hazard） handover=隐患移交抄告函（用 --department） "
    "receipt=送达回证（用 --document、--mode）"
)
EXTRA: tuple[DocType, ...] = ("supervision", "handover", "receipt")


def _add_target_arguments(v: argparse.ArgumentParser, served_help: str) -> None:
    v.add_argument("--inspection", help="检查：inspections list 列出的短编号、完整 ID 或该检查的文书编号"
                   "（supervision、receipt 可不填）")
    v.add_argument("--type", required=True, choices=TYPES, help=TYPE_HELP)
    v.add_argument("--reinspection", help="复查记录 ID（用于 review；缺省取该检查隐患最近一次已完成的复查）")
    v.add_argument("--hazard", help="隐患编号或隐患 ID（用于 supervision：须已挂牌督办的重大事故隐患）")
    v.add_argument("--department", help="移交（抄告）的部门，如 消防救援机构、燃气管理部门（用于 handover）")
    v.add_argument("--document", help="已签发文书的编号或核验码（用于 receipt：为该文书出具送达回证）")
    v.add_argument("--mode", choices=("直接", "留置"), default="直接",
                   help="送达方式（用于 receipt）：直接=直接送达，留置=留置送达（须填 --witness 和 --reason）")
    v.add_argument("--witness", default="", help="留置送达的见证人姓名及身份，如“王五（村委会主任）”")
    v.add_argument("--reason", default="", help="留置送达事由，如“受送达人拒绝签收”")
    v.add_argument("--served-on", dest="served_on", help=served_help)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doc", help="文书：生成/重印 PDF、核验、按日批量打印、本机编号段位")
    verbs = p.add_subparsers(dest="doc_verb", metavar="<子命令>", required=True)

    v = verbs.add_parser("render", help="出具文书（已出具的则按原样重印）并写入 PDF 文件")
    add_db_argument(v)
    _add_target_arguments(
        v, "送达日期（文书落款日期），如 2026-11-23；检查、复查或挂牌督办早于今天时必填；送达回证缺省为原文书日期"
    )
    v.add_argument("--out", required=True, help="输出 PDF 文件")
    add_login_argument(v)
    v.set_defaults(func=cmd_render)

    v = verbs.add_parser("preview", help="生成文书草稿（水印“草稿”、无编号），不签发、不占用编号")
    add_db_argument(v)
    _add_target_arguments(v, "送达日期，如 2026-11-23；检查、复查或挂牌督办早于今天时必填")
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
    if args.inspection is None:
        raise AnquanError(f"--type {args.type} 须指定 --inspection（检查的短编号、ID 或文书编号）。")
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


def _receipt_request(args: argparse.Namespace) -> docs.ReceiptRequest:
    if args.mode == "留置":
        return docs.ReceiptRequest(method="留置送达", witness=args.witness, reason=args.reason).checked()
    if args.witness or args.reason:
        raise AnquanError("--witness 和 --reason 只用于留置送达（--mode 留置）。")
    return docs.ReceiptRequest()


def _extra_target(desk: Desk, args: argparse.Namespace) -> str:
    """What a supervision / handover / receipt is for: the hazard id, the inspection id, the document id."""
    kind: DocType = args.type
    if kind == "supervision":
        if not args.hazard:
            raise AnquanError("--type supervision 须指定 --hazard（隐患编号或隐患 ID）。")
        return docs.hazard_by_reference(desk, args.hazard)
    if kind == "handover":
        if not args.department:
            raise AnquanError("--type handover 须指定 --department（移交的部门，如 消防救援机构）。")
        if args.inspection is None:
            raise AnquanError("--type handover 须指定 --inspection（检查的短编号、ID 或文书编号）。")
        return resolve_inspection(desk, args.inspection)
    if not args.document:
        raise AnquanError("--type receipt 须指定 --document（已签发文书的编号或核验码）。")
    return docs.document_by_reference(desk, args.document)


def _extra(desk: Desk, args: argparse.Namespace, *, draft: bool) -> DocumentPdf | bytes:
    """Issue (or reprint) or draft a 挂牌督办通知书 / 移交抄告函 / 送达回证."""
    kind: DocType = args.type
    target = _extra_target(desk, args)
    served_on = _served_on(args)
    try:
        if kind == "supervision":
            if draft:
                return docs.preview_supervision_notice(desk, target, served_on=served_on)
            return docs.supervision_notice(desk, target, served_on=served_on)
        if kind == "handover":
            if draft:
                return docs.preview_handover_letter(desk, target, args.department, served_on=served_on)
            return docs.handover_letter(desk, target, args.department, served_on=served_on)
        request = _receipt_request(args)
        if draft:
            return docs.preview_service_receipt(desk, target, request, served_on=served_on)
        return docs.service_receipt(desk, target, request, served_on=served_on)
    except docs.ServiceDateNeeded as exc:
        raise _needs_date(exc) from exc


def _render(desk: Desk, args: argparse.Namespace) -> DocumentPdf:
    """The document with its PDF (issued now, or reprinted)."""
    if args.type in EXTRA:
        result = _extra(desk, args, draft=False)
        assert isinstance(result, DocumentPdf)
        return result
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
            kind: DocType = args.type
            if kind in EXTRA:
                drafted = _extra(desk, args, draft=True)
                assert isinstance(drafted, bytes)
                pdf = drafted
            else:
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
            slot = numbering.assign_slot(desk, device.id, args.slot, laptop=device)
    except AnquanError as exc:
        return fail(str(exc))
    print(f"本机（{device.name}）的文书编号段位：{slot}")
    return 0
