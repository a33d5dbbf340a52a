"""``anquan-desk setup``: the first-run setup without the window (township, villages and grids, users).

Everything can come from flags, from a JSON file (``--from setup.json``) or both (flags win); the
villages and grids also from an .xlsx list (``--grids 网格.xlsx``, read like the place list). The
JSON file looks like::

    {"township": {"name": "白沙镇", "short_name": "白沙", "county": "青溪县", "authorisation": "",
                  "number_formats": {"notice": {"template": "{region}{prefix}〔{year}〕第{serial_padded}号",
                                                "prefix": "安改", "serial_width": 3}}},
     "villages": [{"name": "红光村", "kind": "村", "grids": ["红光一网格", "红光二网格"]}],
     "admin": {"username": "admin", "name": "周建国", "password": "…", "cert_no": "32010019001"},
     "users": [{"username": "wang", "name": "王芳", "password": "…", "role": "检查员", "cert_no": "…"}]}

The administrator's password may also come from ``--admin-password`` or ``$ANQUAN_ADMIN_PASSWORD``.
A database that already has a township is refused.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from anquan_desk.cli.common import add_db_argument, add_login_argument, desk_for, fail, print_json
from anquan_desk.core.documents.snapshot import DocType
from anquan_desk.core.errors import AnquanError
from anquan_desk.io.tabular import ImportFileError
from anquan_desk.services import audit, ground
from anquan_desk.services.numbering import NUMBERED_TYPES
from anquan_desk.services.township import (
    TOWNSHIP_FORMATS,
    NumberFormatSpec,
    SetupRequest,
    TownshipProfile,
    UserSpec,
    VillageSpec,
    setup_township,
)

#: Exit code when the input (JSON, xlsx, flags) has errors; nothing was written.
EXIT_BAD_INPUT = 2
PASSWORD_ENV = "ANQUAN_ADMIN_PASSWORD"


class _BadInput(Exception):
    """A Chinese message about the setup input."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "setup",
        help="首次使用：设置乡镇（街道）信息、村（社区）和网格、管理员及其他用户（已有乡镇的数据库不能再设置）",
    )
    add_db_argument(p)
    p.add_argument("--from", dest="source", metavar="FILE.json", help="从 JSON 文件读取设置（格式见 anquan_desk/cli/setup.py）")
    p.add_argument("--township", help="乡镇（街道）名称，如 白沙镇")
    p.add_argument("--short-name", help="简称（文书编号中的地区简称），默认取名称去掉“镇/乡/街道”")
    p.add_argument("--kind", choices=("乡镇", "街道"), help="乡镇或街道（默认乡镇）")
    p.add_argument("--issuer", help="发文机关（默认“名称+人民政府”，街道为“名称+办事处”）")
    p.add_argument("--county", help="所属县（区），如 青溪县")
    p.add_argument("--county-government", help="县（区）人民政府全称（默认“县（区）+人民政府”）")
    p.add_argument("--reconsideration", action="append", metavar="机关", help="行政复议机关（可多次；默认县（区）人民政府）")
    p.add_argument("--court", help="行政诉讼的人民法院（默认“县（区）+人民法院”）")
    p.add_argument("--authorisation", choices=("委托", "赋权"), help="受委托或赋权执法时注明方式（出具责令限期整改指令书）")
    p.add_argument("--authorisation-document", metavar="文号", help="委托或赋权文件的文号")
    p.add_argument("--authorisation-date", metavar="YYYY-MM-DD", help="委托或赋权文件的日期")
    p.add_argument("--number-format", action="append", default=[], metavar="类型=格式",
                   help="文书编号格式，类型为 record/notice/order/review，如 notice={region}{prefix}〔{year}〕第{serial_padded}号")
    p.add_argument("--prefix", action="append", default=[], metavar="类型=代字", help="文书编号代字，如 notice=安改")
    p.add_argument("--village", action="append", default=[], metavar="村[:网格,网格]",
                   help="村（社区）及其网格，如 红光村:红光一网格,红光二网格（可多次）")
    p.add_argument("--grids", metavar="FILE.xlsx", help="从 Excel 读取村（社区）和网格（自动识别表头，逐行校验）")
    p.add_argument("--admin-username", help="第一位管理员的用户名")
    p.add_argument("--admin-name", help="第一位管理员的姓名")
    p.add_argument("--admin-password", help=f"管理员密码（也可用环境变量 {PASSWORD_ENV}）")
    p.add_argument("--admin-cert-no", help="管理员的执法证号")
    p.add_argument("--record", metavar="FILE.pdf",
                   help="设置完成后生成签名密钥登记表（PDF）：打印后签字盖章，交区（县）应急管理部门留存")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    add_login_argument(p)
    p.set_defaults(func=cmd_setup)


def _load_json(path: str) -> dict[str, Any]:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise _BadInput(f"无法读取文件“{file}”（{exc.strerror or exc}）") from exc
    except json.JSONDecodeError as exc:
        raise _BadInput(f"文件“{file.name}”不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有误") from exc
    if not isinstance(data, dict):
        raise _BadInput(f"文件“{file.name}”应为一个 JSON 对象（{{…}}）")
    return data


def _section(data: dict[str, Any], key: str, kind: type) -> Any:
    value = data.get(key, kind())
    if not isinstance(value, kind):
        raise _BadInput(f"JSON 中“{key}”应为{'对象' if kind is dict else '列表'}")
    return value


def _str(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _BadInput(f"{where}的“{key}”应为文字")
    return str(value)


def _pairs(items: list[str], what: str) -> dict[DocType, str]:
    out: dict[DocType, str] = {}
    for item in items:
        kind, sep, value = item.partition("=")
        if not sep or kind not in NUMBERED_TYPES:
            raise _BadInput(f"{what}“{item}”应写成 类型=值，类型为 {'/'.join(NUMBERED_TYPES)}")
        out[kind] = value
    return out


def _formats(section: dict[str, Any], args: argparse.Namespace) -> dict[DocType, NumberFormatSpec]:
    raw = _section(section, "number_formats", dict)
    formats: dict[DocType, NumberFormatSpec] = dict(TOWNSHIP_FORMATS)
    for doc_type in NUMBERED_TYPES:
        spec = raw.get(doc_type)
        if spec is None:
            continue
        if not isinstance(spec, dict):
            raise _BadInput(f"JSON 中 number_formats.{doc_type} 应为对象")
        default = formats[doc_type]
        width = spec.get("serial_width", default.serial_width)
        if not isinstance(width, int) or isinstance(width, bool):
            raise _BadInput(f"JSON 中 number_formats.{doc_type}.serial_width 应为整数")
        formats[doc_type] = NumberFormatSpec(
            _str(spec, "template", f"number_formats.{doc_type}") or default.template,
            _str(spec, "prefix", f"number_formats.{doc_type}") or default.prefix,
            width,
        )
    for doc_type, template in _pairs(args.number_format, "编号格式").items():
        formats[doc_type] = NumberFormatSpec(template, formats[doc_type].prefix, formats[doc_type].serial_width)
    for doc_type, prefix in _pairs(args.prefix, "编号代字").items():
        formats[doc_type] = NumberFormatSpec(formats[doc_type].template, prefix, formats[doc_type].serial_width)
    return formats


def _profile(data: dict[str, Any], args: argparse.Namespace) -> TownshipProfile:
    section = _section(data, "township", dict)
    where = "JSON 的 township"

    def pick(flag: str | None, key: str) -> str:
        return flag if flag is not None else _str(section, key, where)

    day_text = pick(args.authorisation_date, "authorisation_date").strip()
    try:
        day = date.fromisoformat(day_text) if day_text else None
    except ValueError as exc:
        raise _BadInput(f"委托或赋权文件的日期“{day_text}”应写成 YYYY-MM-DD") from exc
    bodies = args.reconsideration if args.reconsideration else section.get("reconsideration_bodies", [])
    if isinstance(bodies, str):
        bodies = [bodies]
    if not isinstance(bodies, list) or not all(isinstance(b, str) for b in bodies):
        raise _BadInput("JSON 中 reconsideration_bodies 应为文字列表")
    return TownshipProfile(
        name=pick(args.township, "name"),
        short_name=pick(args.short_name, "short_name"),
        kind=pick(args.kind, "kind") or "乡镇",
        issuer=pick(args.issuer, "issuer"),
        county=pick(args.county, "county"),
        county_government=pick(args.county_government, "county_government"),
        reconsideration_bodies=tuple(bodies),
        court=pick(args.court, "court"),
        authorisation=pick(args.authorisation, "authorisation"),
        authorisation_document=pick(args.authorisation_document, "authorisation_document"),
        authorisation_date=day,
        number_formats=_formats(section, args),
    )


def _villages(data: dict[str, Any], args: argparse.Namespace) -> list[VillageSpec]:
    villages: list[VillageSpec] = []
    for index, item in enumerate(_section(data, "villages", list), start=1):
        if not isinstance(item, dict):
            raise _BadInput(f"JSON 中 villages 的第 {index} 项应为对象")
        grids = item.get("grids", [])
        if not isinstance(grids, list) or not all(isinstance(g, str) for g in grids):
            raise _BadInput(f"JSON 中 villages 的第 {index} 项的 grids 应为文字列表")
        villages.append(VillageSpec(_str(item, "name", f"villages 第 {index} 项"), _str(item, "kind", "villages"),
                                    tuple(grids)))
    for text in args.village:
        name, _sep, grids_text = text.partition(":")
        grids = tuple(g.strip() for g in grids_text.replace("，", ",").split(",") if g.strip())
        villages.append(VillageSpec(name.strip(), "", grids))
    if args.grids:
        preview = ground.read_ground_list(Path(args.grids))
        if preview.has_errors:
            lines = [str(p) for p in preview.problems if p.severity == "error"]
            raise _BadInput("村（社区）和网格清单有错误，未作任何设置：\n" + "\n".join(lines))
        for problem in preview.problems:
            print(str(problem))
        villages += [VillageSpec(name, kind, tuple(grids)) for name, kind, grids in preview.villages()]
    return villages


def _user(item: object, where: str, role: str | None = None) -> UserSpec:
    if not isinstance(item, dict):
        raise _BadInput(f"{where}应为对象")
    return UserSpec(
        username=_str(item, "username", where),
        name=_str(item, "name", where),
        password=_str(item, "password", where),
        role=role or _str(item, "role", where) or "检查员",
        cert_no=_str(item, "cert_no", where),
        work_no=_str(item, "work_no", where),
        phone=_str(item, "phone", where),
    )


def _admin(data: dict[str, Any], args: argparse.Namespace) -> UserSpec:
    section = _section(data, "admin", dict)
    base = _user(section, "JSON 的 admin", role="管理员")
    password = args.admin_password or os.environ.get(PASSWORD_ENV, "") or base.password
    if not password:
        raise _BadInput(f"请给出管理员密码：--admin-password、环境变量 {PASSWORD_ENV} 或 JSON 的 admin.password")
    return UserSpec(
        username=args.admin_username or base.username or "admin",
        name=args.admin_name or base.name,
        password=password,
        role="管理员",
        cert_no=args.admin_cert_no if args.admin_cert_no is not None else base.cert_no,
        work_no=base.work_no,
        phone=base.phone,
    )


def _request(args: argparse.Namespace) -> SetupRequest:
    data = _load_json(args.source) if args.source else {}
    users = tuple(_user(item, f"JSON 的 users 第 {i} 项") for i, item in enumerate(_section(data, "users", list), 1))
    roles = _section(data, "member_roles", list)
    return SetupRequest(
        profile=_profile(data, args),
        villages=tuple(_villages(data, args)),
        admin=_admin(data, args),
        users=users,
        **({"member_roles": tuple(str(r) for r in roles)} if roles else {}),
    )


def cmd_setup(args: argparse.Namespace) -> int:
    try:
        request = _request(args)
    except _BadInput as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    except ImportFileError as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    with desk_for(args, login=True) as desk:
        try:
            result = setup_township(desk, request)
            record = audit.write_sheet(desk, Path(args.record), "keys") if args.record else None
        except AnquanError as exc:
            return fail(str(exc))
    if args.json:
        print_json({
            "township": result.township, "villages": result.villages, "grids": result.grids, "users": result.users,
            "admin": result.admin.username if result.admin else None,
        })
    else:
        print(f"初始设置已完成：{result.township}，{result.villages} 个村（社区），{result.grids} 个网格，"
              f"{result.users} 个用户。")
        if result.admin is not None:
            print(f"管理员用户名：{result.admin.username}")
        if record is not None:
            print(f"签名密钥登记表已写入 {args.record}：请打印，签字盖章后交区（县）应急管理部门留存。")
        else:
            print("请生成并打印签名密钥登记表（anquan-desk audit keys --out 签名密钥登记表.pdf），签字盖章后交区（县）应急管理部门留存。")
    return 0
