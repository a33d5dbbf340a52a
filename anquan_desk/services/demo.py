"""A realistic demo township for trying the program and for benchmarks.

``small``: 6 villages, 20 grids, ~300 places across every sector and all nine 九小 kinds,
inspections and hazards in every state. ``large``: ~5,000 places, 50,000 inspections and
200,000 hazards (five years of a township), written in bulk.

Everything is drawn from a seeded random generator and laid out around the day the demo is made
(``today``, the local date by default): the same seed and day give the same demo, and on any day it
has overdue, due, awaiting-review and closed hazards, unfinished checks from the last days and
finished checks spread over the past year (five years for ``large``), all before "now".
Names come from ``resources/demo/words.toml``; the people and places are fictional.
"""

from __future__ import annotations

import os
import random
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from anquan_desk.core import clock, settings
from anquan_desk.core.audit import record_event
from anquan_desk.core.audit_check import record_bulk_inserts
from anquan_desk.core.clock import local_to_utc
from anquan_desk.core.db import resolve_db_url, sqlite_path
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import (
    Grid,
    GridMember,
    Hazard,
    Inspection,
    InspectionParticipant,
    InspectionTemplate,
    ItemResult,
    MemberRole,
    Place,
    PlaceSector,
    Reinspection,
    ReinspectionResult,
    Township,
    User,
    Village,
    new_uuid,
)
from anquan_desk.core.search import build_search_text
from anquan_desk.core.security import hash_password
from anquan_desk.core.validators import credit_code_check_char
from anquan_desk.core.vocabulary import (
    HazardGrade,
    HazardStatus,
    InspectionMethod,
    InspectionStatus,
    ItemOutcome,
    PlaceStatus,
    ReviewOutcome,
    UserRole,
)
from anquan_desk.resources import resource_path
from anquan_desk.services.checklists import sync_builtin_library
from anquan_desk.services.desk import Actor, Desk, open_desk
from anquan_desk.services.users import has_users

#: The tables the demo writes in bulk (Core inserts, not seen by the audit flush hook).
_BULK_MODELS = (
    Place, PlaceSector, Inspection, InspectionParticipant, Hazard, InspectionTemplate, ItemResult, Reinspection,
    ReinspectionResult,
)

DEMO_PASSWORD = "demo1234"  # printed in the README and on the login dialog of a demo database
#: The demo's administrator. Demo accounts are named ``demo-…``, never like a real township's.
DEMO_ADMIN = "demo-admin"


@dataclass(frozen=True)
class Scale:
    places: int
    inspections: int
    hazards: int


SCALES = {
    "small": Scale(places=300, inspections=420, hazards=260),
    "large": Scale(places=5000, inspections=50000, hazards=200000),
}

INSPECTORS = [
    ("demo-admin", "周建国", UserRole.ADMIN, "32010019001"),
    ("demo-wangfang", "王芳", UserRole.INSPECTOR, "32010019002"),
    ("demo-lihua", "李华", UserRole.INSPECTOR, "32010019003"),
    ("demo-zhangkun", "张堃", UserRole.INSPECTOR, "32010019004"),
    ("demo-chenzhe", "陈喆", UserRole.INSPECTOR, "32010019005"),
    ("demo-liujun", "刘珺", UserRole.INSPECTOR, "32010019006"),
]

Progress = Callable[[str], None]


def _words() -> dict[str, Any]:
    with resource_path("demo", "words.toml").open("rb") as fh:
        return tomllib.load(fh)


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = _words()
        self._codes: set[str] = set()

    def person(self) -> str:
        return str(self.rng.choice(self.words["surnames"]) + self.rng.choice(self.words["given"]))

    def phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"

    def credit_code(self, individual: bool) -> str:
        # 92 = 个体工商户, 91 = 企业; 6-digit region code of a fictional county.
        while True:
            head = ("92" if individual else "91") + "320115"
            body = "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
            first17 = head + body
            code = first17 + credit_code_check_char(first17)
            if code not in self._codes:
                self._codes.add(code)
                return code

    def place_name(self, kind: str, village: str) -> str:
        spec = self.words["kinds"][kind]
        prefix = self.rng.choice(spec["prefixes"]).format(
            surname=self.rng.choice(self.words["surnames"]),
            road2=self.rng.choice(self.words["roads"])[:2],
            village=village,
        )
        return str(prefix + self.rng.choice(spec["suffixes"]))

    def address(self, village: str) -> str:
        return f"{village}{self.rng.choice(self.words['roads'])}{self.rng.randint(1, 399)}号"


def _kind_profile(gen: _Gen, kind: str | None) -> dict[str, Any]:
    """Sectors and flags that fit a place of this kind."""
    rng = gen.rng
    if kind is None:
        if rng.random() < 0.6:  # self-built house, lived in
            return {"sectors": ["自建房"], "house_use": "居住"}
        return {"sectors": ["消防", "工贸"], "densely_populated": rng.random() < 0.3}
    sectors = ["九小场所", "消防"]
    profile: dict[str, Any] = {"densely_populated": kind in ("小歌舞娱乐场所", "小网吧", "小学校或幼儿园", "小医院")}
    if kind == "小餐饮场所" or (kind in ("小旅馆", "小生产加工企业") and rng.random() < 0.3):
        sectors.append("燃气")
        profile["gas_supply"] = "管道" if rng.random() < 0.25 else "瓶装"
    if rng.random() < 0.45:
        sectors.append("自建房")
        profile["house_use"] = "经营性"
    if kind in ("小旅馆", "小商店", "小生产加工企业") and rng.random() < 0.2:
        profile["mixed_residence"] = True
    profile["sectors"] = sectors
    return profile


def create_demo(
    session: Session,
    *,
    scale: str = "small",
    seed: int = 20261123,
    progress: Progress | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """Fill an empty database with a demo township laid out around ``today`` (default: the local
    date now). Returns row counts."""
    say = progress or (lambda _msg: None)
    size = SCALES[scale]
    today = today or clock.today()
    yesterday = today - timedelta(days=1)
    span_days = 365 * 5 if scale == "large" else 330
    gen = _Gen(seed)
    rng = gen.rng
    words = gen.words

    township = Township(
        name=words["township"],
        issuer=words["issuer"],
        region_short=words["region_short"],
        number_formats={},
    )
    settings.township_put(township, settings.DEMO, True)
    settings.township_put(township, settings.COUNTY, words["county"])
    session.add(township)
    for order, role in enumerate(words["member_roles"]):
        session.add(MemberRole(name=role, sort_order=order))
    users = []
    for n, (username, name, role, cert) in enumerate(INSPECTORS, start=1):
        users.append(
            User(
                username=username,
                name=name,
                role=role.value,
                cert_no=cert,
                # The demo township is not authorised: its papers show the staff's 工作证号.
                work_no=f"HG-AJ-{n:03d}",
                phone=gen.phone(),
                password_hash=hash_password(DEMO_PASSWORD),
            )
        )
    session.add_all(users)
    grids: list[tuple[Grid, str]] = []
    for v_order, vspec in enumerate(words["villages"]):
        village = Village(township=township, name=vspec["name"], kind=vspec["kind"], sort_order=v_order)
        session.add(village)
        for g_order, gname in enumerate(vspec["grids"]):
            grid = Grid(village=village, name=gname, sort_order=g_order)
            session.add(grid)
            grids.append((grid, vspec["name"]))
            session.add(GridMember(grid=grid, name=gen.person(), role="网格长", phone=gen.phone()))
            session.add(GridMember(grid=grid, name=gen.person(), role="网格员", phone=gen.phone()))
    session.flush()
    say("村（社区）与网格已建立")

    # --- places ---------------------------------------------------------------------------
    kinds = list(words["kinds"].keys())
    weights = [words["kinds"][k]["weight"] for k in kinds]
    # The places were entered before the first check of the demo's history.
    now = local_to_utc(datetime.combine(yesterday - timedelta(days=span_days), time(8, 0)))
    place_rows: list[dict[str, Any]] = []
    sector_rows: list[dict[str, Any]] = []
    for i in range(size.places):
        grid, village_name = grids[i % len(grids)] if i < len(kinds) * 2 else rng.choice(grids)
        # The first rows cover every kind at least twice; then by weight, ~15% houses/enterprises.
        if i < len(kinds) * 2:
            kind: str | None = kinds[i % len(kinds)]
        else:
            kind = None if rng.random() < 0.15 else rng.choices(kinds, weights)[0]
        profile = _kind_profile(gen, kind)
        owner = gen.person()
        if kind is None and profile["sectors"] == ["自建房"]:
            name = f"{owner}自建房"
            code = None
        elif kind is None:
            name = f"{words['township'][:2]}{rng.choice(['鑫达', '恒丰', '永兴', '宏达', '华盛'])}{rng.choice(['机械', '建材', '包装', '纺织'])}有限公司"
            code = gen.credit_code(individual=False)
        else:
            name = gen.place_name(kind, village_name)
            code = gen.credit_code(individual=kind != "小生产加工企业") if rng.random() < 0.75 else None
        address = gen.address(village_name)
        phone = gen.phone()
        pid = new_uuid()
        risk = rng.choices(["红", "橙", "黄", "蓝"], [5, 15, 40, 40])[0]
        place_rows.append(
            {
                "id": pid,
                "created_at": now,
                "updated_at": now,
                "author": "demo",
                "grid_id": grid.id,
                "name": name,
                "credit_code": code,
                "address": address,
                "responsible_person": owner,
                "responsible_title": "负责人" if kind else ("户主" if code is None else "法定代表人"),
                "phone": phone,
                "nine_small_kind": kind,
                "gas_supply": profile.get("gas_supply"),
                "house_use": profile.get("house_use"),
                "densely_populated": bool(profile.get("densely_populated", False)),
                "mixed_residence": bool(profile.get("mixed_residence", False)),
                "risk_color": risk,
                "status": rng.choices(
                    [PlaceStatus.OPEN.value, PlaceStatus.SUSPENDED.value, PlaceStatus.CLOSED.value], [92, 5, 3]
                )[0],
                "route_order": i,
                "notes": "",
                "search_text": build_search_text(name, address, code, owner, phone),
            }
        )
        sector_rows.extend({"place_id": pid, "sector": s} for s in profile["sectors"])
    for chunk in _chunks(place_rows, 2000):
        session.execute(insert(Place), chunk)
    for chunk in _chunks(sector_rows, 5000):
        session.execute(insert(PlaceSector), chunk)
    say(f"场所 {len(place_rows)} 个")

    # --- the checklist library: every finished check walks the templates of its place ------------
    sync_builtin_library(session)
    say("内置检查表库已安装")
    checklists = _DemoChecklists(session, seed)
    sectors_of: dict[str, list[str]] = {}
    for r in sector_rows:
        sectors_of.setdefault(r["place_id"], []).append(r["sector"])

    # --- inspections, hazards, re-inspections ----------------------------------------------
    inspectors = [u for u in users if u.cert_no]
    template_rows: list[dict[str, Any]] = []
    result_rows: list[dict[str, Any]] = []
    hazards_per_insp = size.hazards / size.inspections
    insp_rows: list[dict[str, Any]] = []
    part_rows: list[dict[str, Any]] = []
    hazard_rows: list[dict[str, Any]] = []
    rein_rows: list[dict[str, Any]] = []
    rein_result_rows: list[dict[str, Any]] = []
    hazard_texts = words["hazards"]
    serial_by_year: dict[int, int] = {}
    listed_by_year: dict[int, int] = {}
    methods = [m.value for m in InspectionMethod]
    method_weights = [40, 12, 18, 20, 5, 5, 0, 0]
    for n in range(size.inspections):
        place = rng.choice(place_rows)
        # Every check lies in the past days, so that none starts later than "now" at any hour of today.
        day = yesterday - timedelta(days=int(rng.random() ** 1.3 * span_days))
        draft = scale == "small" and n < 3
        if draft:  # interrupted in the last days
            day = yesterday - timedelta(days=n)
        start = local_to_utc(datetime.combine(day, time(rng.randint(8, 16), rng.choice([0, 10, 20, 30, 40, 50]))))
        iid = new_uuid()
        pair = rng.sample(inspectors, 2)
        method = rng.choices(methods, method_weights)[0]
        end = start if draft else start + timedelta(minutes=rng.randint(20, 90))
        insp_rows.append(
            {
                "id": iid,
                "created_at": start,
                "updated_at": start,
                "author": pair[0].username,
                "place_id": place["id"],
                "method": method,
                "started_at": start,
                "ended_at": None if draft else end,
                "status": InspectionStatus.DRAFT.value if draft else InspectionStatus.FINISHED.value,
                "accompanying_person": place["responsible_person"],
                "location": place["address"],
                "findings": "",
                "signer_name": "" if draft else place["responsible_person"],
                "signature_sha256": None,
                "signature_refused": False,
                "refusal_reason": "",
                "refusal_witness": "",
                "task_id": None,
            }
        )
        for seq, user in enumerate(pair):
            part_rows.append(
                {
                    "id": new_uuid(),
                    "created_at": start,
                    "updated_at": start,
                    "author": "demo",
                    "inspection_id": iid,
                    "seq": seq,
                    "user_id": user.id,
                    "name": user.name,
                    "cert_no": user.cert_no,
                }
            )
        if draft:
            continue
        walk = checklists.walk(place, sectors_of.get(place["id"], []))
        failed: dict[str, str] = {}  # item id -> hazard id
        count = _poisson_like(rng, hazards_per_insp)
        place_sectors = [r["sector"] for r in sector_rows if r["place_id"] == place["id"]] if scale == "small" else None
        for seq in range(count):
            sector = rng.choice(place_sectors or list(hazard_texts)) if place_sectors else rng.choice(list(hazard_texts))
            if sector not in hazard_texts:
                sector = "消防"
            text, location, basis = rng.choice(hazard_texts[sector])
            major = rng.random() < 0.04
            deadline_days = 0 if rng.random() < 0.2 else rng.choice([3, 7, 15, 30, 60 if major else 30])
            deadline = day + timedelta(days=deadline_days)
            age = (today - day).days
            status = _hazard_status(rng, age, deadline_days)
            year = day.year
            serial_by_year[year] = serial_by_year.get(year, 0) + 1
            hid = new_uuid()
            closed_on = None
            if status == HazardStatus.CLOSED.value:
                closed_on = min(yesterday, deadline + timedelta(days=rng.randint(-2, 10)))
                closed_on = max(closed_on, day)
                if scale == "small":
                    rid = new_uuid()
                    # The 复查 is in the morning, or after the check on the day of the check itself.
                    at = max(local_to_utc(datetime.combine(closed_on, time(10, 0))), end + timedelta(minutes=30))
                    rein_rows.append(
                        {
                            "id": rid,
                            "created_at": at,
                            "updated_at": at,
                            "author": pair[0].username,
                            "place_id": place["id"],
                            "inspected_at": at,
                            "inspectors": [{"name": u.name, "cert_no": u.cert_no} for u in pair],
                            "opinion": "经复查，隐患已整改完毕，同意销号。",
                            "signer_name": place["responsible_person"],
                            "finished": True,
                        }
                    )
                    rein_result_rows.append(
                        {
                            "id": new_uuid(),
                            "created_at": at,
                            "updated_at": at,
                            "author": pair[0].username,
                            "reinspection_id": rid,
                            "hazard_id": hid,
                            "outcome": ReviewOutcome.RECTIFIED.value,
                            "note": "",
                            "new_deadline": None,
                            "closed": True,
                        }
                    )
            # Drawn in the order the row used to draw them (the demo stays the same data).
            funds_wan = rng.randint(1, 20) if major else 0
            supervised = major and rng.random() < 0.6
            item = checklists.fail_one(walk, sector, failed)
            if item is not None:
                failed[item.id] = hid
                text, basis = item.hazard_text or text, item.basis or basis
            hazard_rows.append(
                {
                    "id": hid,
                    "created_at": start,
                    "updated_at": start,
                    "author": pair[0].username,
                    "inspection_id": iid,
                    "place_id": place["id"],
                    "item_id": item.id if item is not None else None,
                    "seq": seq + 1,
                    "code": f"YH{year}{serial_by_year[year]:06d}",
                    "sector": sector,
                    "description": text,
                    "location": location,
                    "grade": HazardGrade.MAJOR.value if major else HazardGrade.GENERAL.value,
                    "basis": basis,
                    "requirement": "立即整改" if deadline_days == 0 else f"{deadline_days}日内整改完毕",
                    "deadline": deadline,
                    "status": status,
                    "rectifier": place["responsible_person"],
                    "fl_responsibility": f"{place['responsible_person']}（主要负责人）" if major else "",
                    "fl_measures": "制定专项治理方案，整改期间停止使用相关部位" if major else "",
                    "fl_funds": f"{funds_wan}万元，由单位自筹" if major else "",
                    "fl_deadline": deadline if major else None,
                    "fl_plan": "已制定应急处置预案并组织演练" if major else "",
                    "supervised": supervised,
                    "closed_on": closed_on,
                    "notes": "",
                    **_supervision(supervised, day, closed_on, yesterday, listed_by_year, funds_wan, words),
                }
            )
        template_rows.extend(_row(start, pair[0].username, inspection_id=iid, template_id=t) for t in walk.templates)
        # The small demo records every answer; the large one only the failed items (its size).
        answered = walk.items if scale == "small" else [it for it in walk.items if it.id in failed]
        result_rows.extend(
            _row(start, pair[0].username, inspection_id=iid, item_id=it.id,
                 outcome=ItemOutcome.FAIL.value if it.id in failed else ItemOutcome.PASS.value, note="")
            for it in answered
        )
        if len(hazard_rows) >= 20000:
            _flush_rows(session, insp_rows, part_rows, hazard_rows, template_rows, result_rows)
            say(f"检查 {n + 1} 次")
    _flush_rows(session, insp_rows, part_rows, hazard_rows, template_rows, result_rows)
    for chunk in _chunks(rein_rows, 2000):
        session.execute(insert(Reinspection), chunk)
    for chunk in _chunks(rein_result_rows, 2000):
        session.execute(insert(ReinspectionResult), chunk)
    session.flush()
    counts = {
        "villages": len(words["villages"]),
        "grids": len(grids),
        "places": len(place_rows),
        "inspections": size.inspections,
        "hazards": sum(serial_by_year.values()),
        "reinspections": len(rein_rows),
    }
    # The rows written in bulk above bypass the flush hook: their insert entries, so the log covers them.
    record_bulk_inserts(session, [m.__tablename__ for m in _BULK_MODELS])
    record_event(session, "demo", "townships", township.id, scale=scale, seed=seed, counts=counts)
    _prepare_drafts(session)
    return counts


def _prepare_drafts(session: Session) -> None:
    """Give the demo's unfinished checks their checklists and a few answers, as a real
    interrupted check would have."""
    from anquan_desk.core.checklists.store import templates_for_place
    from anquan_desk.services.inspections import checklist_entries, record_answer

    drafts = session.scalars(select(Inspection).where(Inspection.status == InspectionStatus.DRAFT.value)).all()
    for inspection in drafts:
        for template in templates_for_place(session, inspection.place):
            inspection.templates.append(InspectionTemplate(template_id=template.id))
        session.flush()
        for entry in checklist_entries(session, inspection.id)[:4]:
            record_answer(session, inspection.id, entry.item.id, ItemOutcome.PASS.value)


def _supervision(
    supervised: bool, found: date, closed_on: date | None, yesterday: date, listed: dict[int, int], funds_wan: int,
    words: dict[str, Any],
) -> dict[str, Any]:
    """挂牌督办 of a demo major hazard: listed two days after it was found (督办文号 numbered per
    year), a 治理方案, the 整改资金, and the 验收 on the day it was closed."""
    if not supervised:
        return {"listed_on": None, "supervision_no": "", "supervising_unit": "", "treatment_plan": "",
                "funds_yuan": None, "accepted_on": None, "acceptance": ""}
    listed_on = min(found + timedelta(days=2), closed_on or yesterday, yesterday)
    listed_on = max(listed_on, found)
    listed[listed_on.year] = listed.get(listed_on.year, 0) + 1
    return {
        "listed_on": listed_on,
        "supervision_no": f"{str(words['township'])[:1]}安委办督〔{listed_on.year}〕{listed[listed_on.year]}号",
        "supervising_unit": f"{words['township']}安全生产委员会办公室",
        "treatment_plan": "一、目标：消除隐患、恢复安全使用；二、措施：停用隐患部位，委托专业单位整改；"
        f"三、经费：{funds_wan}万元，单位自筹；四、责任：主要负责人牵头，专人落实；"
        "五、时限：按督办期限完成；六、安全措施：设置警戒，制定应急预案。",
        "funds_yuan": funds_wan * 10000,
        "accepted_on": closed_on,
        "acceptance": "经安委办组织现场验收，隐患已消除，同意核销、摘牌。" if closed_on else "",
    }


@dataclass(frozen=True)
class _DemoItem:
    id: str
    sector: str
    hazard_text: str
    basis: str


@dataclass(frozen=True)
class _Walk:
    """The checklist of one check: the template versions and their items, as a real check gets them."""

    templates: tuple[str, ...]
    items: tuple[_DemoItem, ...]


class _DemoChecklists:
    """The library's templates for each kind of place (as ``templates_for_place`` chooses them, once
    per place profile), and which item a demo hazard fails: one of its sector, drawn from a random
    stream of its own so the rest of the demo stays the same data."""

    def __init__(self, session: Session, seed: int) -> None:
        from anquan_desk.core.checklists.selection import PlaceProfile
        from anquan_desk.core.checklists.store import (
            current_templates,
            default_library,
            items_of_templates,
            template_def,
        )

        self._profile = PlaceProfile
        self._items_of = items_of_templates
        self.library = default_library()
        self.rows = [r for r in current_templates(session, enabled_only=True) if r.items]
        self.by_code = {r.code: r for r in self.rows}
        self.db_library = replace(
            self.library, templates=tuple(sorted((template_def(r) for r in self.rows), key=lambda t: (t.order, t.code)))
        )
        self.rng = random.Random(seed + 1)
        self.walks: dict[tuple[Any, ...], _Walk] = {}

    def walk(self, place: dict[str, Any], sectors: list[str]) -> _Walk:
        from anquan_desk.core.checklists.selection import select_templates

        kind = place["nine_small_kind"]
        if kind:
            resolved = self.library.resolve_kind(kind)
            kind = resolved.name if resolved is not None else kind
        key = (frozenset(sectors), kind, place["gas_supply"], place["house_use"], place["densely_populated"],
               place["mixed_residence"])
        if key not in self.walks:
            profile = self._profile(
                sectors=frozenset(sectors), nine_small_kind=kind,
                gas_supply=place["gas_supply"] if place["gas_supply"] in ("瓶装", "管道") else None,
                house_use=place["house_use"] if place["house_use"] in ("经营性", "居住") else None,
                densely_populated=bool(place["densely_populated"]), mixed_residence=bool(place["mixed_residence"]),
            )
            rows = [self.by_code[t.code] for t in select_templates(self.db_library, profile)]
            items = tuple(_DemoItem(it.id, t.sector, it.hazard_text, it.basis) for t, it in self._items_of(rows))
            self.walks[key] = _Walk(tuple(r.id for r in rows), items)
        return self.walks[key]

    def fail_one(self, walk: _Walk, sector: str, failed: dict[str, str]) -> _DemoItem | None:
        """An item of ``sector`` not failed yet at this check (else any item not failed yet)."""
        free = [it for it in walk.items if it.id not in failed]
        same = [it for it in free if it.sector == sector]
        pool = same or free
        return self.rng.choice(pool) if pool else None


def _row(at: datetime, author: str, **values: Any) -> dict[str, Any]:
    return {"id": new_uuid(), "created_at": at, "updated_at": at, "author": author, **values}


def _flush_rows(session: Session, *batches: list[dict[str, Any]]) -> None:
    models = (Inspection, InspectionParticipant, Hazard, InspectionTemplate, ItemResult)
    for rows, model in zip(batches, models, strict=True):
        for chunk in _chunks(rows, 5000):
            session.execute(insert(model), chunk)
        rows.clear()


def _hazard_status(rng: random.Random, age: int, deadline_days: int) -> str:
    if age > deadline_days + 20:
        # Long past the deadline: nearly all closed; the few left are the township's overdue list.
        return rng.choices(
            [HazardStatus.CLOSED.value, HazardStatus.IN_PROGRESS.value, HazardStatus.PENDING.value], [985, 10, 5]
        )[0]
    return rng.choice(
        [
            HazardStatus.PENDING.value,
            HazardStatus.IN_PROGRESS.value,
            HazardStatus.AWAITING_REVIEW.value,
            HazardStatus.CLOSED.value,
        ]
    )


def _poisson_like(rng: random.Random, mean: float) -> int:
    # Many clean checks, a few with several hazards.
    if rng.random() < 0.35 and mean < 2:
        return 0
    return max(0, round(rng.expovariate(1 / max(mean, 0.1))))


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# --- entry point for the window -----------------------------------------------------------------


def open_for_window(db: str | os.PathLike[str] | None) -> Desk:
    """Open the database the window works on; a new SQLite file becomes the demo township so that
    there is something to look at."""
    path = sqlite_path(resolve_db_url(db))
    fresh = path is not None and (not path.exists() or path.stat().st_size == 0)
    desk = open_desk(db, Actor.system("demo"))
    with desk.unit() as session:
        if fresh and not has_users(session):
            create_demo(session, scale="small")
    return desk


def create_demo_database(
    db: str | os.PathLike[str] | None, *, scale: str = "small", seed: int = 20261123, progress: Progress | None = None
) -> tuple[str, dict[str, int]]:
    """Create the demo township in a new, empty database; returns where it is and its row counts.
    Refuses (UserInputError) a database that already holds data."""
    path = sqlite_path(resolve_db_url(db))
    if path is not None and path.exists() and path.stat().st_size > 0:
        raise UserInputError(f"数据库“{path}”已存在，演示数据只写入新的空数据库。")
    desk = open_desk(db, Actor.system("demo"))
    try:
        with desk.unit() as session:
            if has_users(session):
                raise UserInputError("数据库不是空的，演示数据只写入新的空数据库。")
            counts = create_demo(session, scale=scale, seed=seed, progress=progress)
        return desk.location, counts
    finally:
        desk.close()
