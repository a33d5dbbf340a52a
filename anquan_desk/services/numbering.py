"""Document numbers in the database: formats per township, offline blocks per laptop.

Series and formats
------------------
Each numbered document type has one yearly series, named by its prefix: 检记 (现场检查记录),
安改 (安全隐患整改通知书), 责改 (责令限期整改指令书), 复查 (整改复查意见书). The format comes from
``Township.number_formats[doc_type]`` (``{"template": …, "prefix": …, "serial_width": …}``, any
key may be left out) with the defaults of the township's mode (``default_formats``: no 应急 in a
township's own numbers, the 2017 式样 with 应急 where it is authorised to enforce); ``{region}`` is
``Township.region_short``. Photo appendices carry no number of their own.

Blocks without collisions, offline (design)
-------------------------------------------
Laptops issue documents without a network and their databases are merged later, so two laptops
must never take the same serial. The township admin gives every laptop a **slot** (1, 2, 3 …)
once, while the laptop is set up from the shared database (``assign_device_slot``; stored in
the township setting ``DEVICE_SLOTS`` and carried to every copy of the database). A slot owns a
fixed, interleaved share of every yearly series::

    block j of slot k = serials  (j·S + k − 1)·B + 1  …  (j·S + k)·B

with ``S`` = ``NUMBER_SLOTS`` (default 10) and ``B`` = ``NUMBER_BLOCK_SIZE``
(default 50). With the defaults slot 1 numbers 1–50, then 501–550, …; slot 2 numbers 51–100, then
551–600, … So a laptop whose block runs out claims its next block **by itself, offline**, and can
never meet another laptop's serials; no coordination is needed after the slot was given. Both
settings must stay fixed for a year once numbers were issued (``check_blocks`` would catch an
overlap on merge).

A laptop takes serials from its own blocks in order, lowest first: no gaps on one laptop. Every
serial taken is written to ``IssuedNumber`` and is never taken again, whatever becomes of it: the
document is issued with it (``document_id``), it is voided with its document (``voided=True``),
or the issue did not complete after the number was taken — the document service takes the
number in a short unit of work of its own before it renders the PDF; when the issue then fails
the number is voided with the reason (``spend_number``), and after a crash it stays recorded
without a document. Such a number is spent, like a voided one: a gap on paper, never a repeat.

A database in which no slot was given at all (one laptop, or the admin's machine) gives the
first laptop that issues a number slot 1 automatically; on the township's server (PostgreSQL) every
laptop that issues its first number gets the next free slot automatically, under the server's write
lock (``anquan_desk.core.locks``); further laptops must be given their slot
before they take a copy of the database into the field (an automatic slot given in two separate
copies would be the same slot — ``find_number_collisions`` reports such a merge).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.audit import record_event
from anquan_desk.core.device import Device
from anquan_desk.core.documents.numbering import (
    NumberFormat,
    NumberFormatError,
    SerialBlock,
    UsedSerial,
    check_blocks,
    find_collisions,
    next_serial,
)
from anquan_desk.core.documents.snapshot import DocType
from anquan_desk.core.errors import AnquanError, UserInputError
from anquan_desk.core.locks import take_write_lock
from anquan_desk.core.models import IssuedNumber, NumberBlock, Township
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import current_township
from anquan_desk.services.laptops import remember_laptop

_OWN = "{region}{prefix}〔{year}〕第{serial_padded}号"
_2017 = "（{region}）应急{prefix}〔{year}〕{serial}号"

#: A township that is not authorised issues its own work documents in its own name: no 应急 (the
#: 应急管理部门's code) in any number, e.g. 青检记〔2026〕第001号 (as the setup wizard proposes).
TOWNSHIP_FORMATS: dict[str, dict[str, Any]] = {
    "record": {"template": _OWN, "prefix": "检记", "serial_width": 3},
    "notice": {"template": _OWN, "prefix": "安改", "serial_width": 3},
    "order": {"template": _OWN, "prefix": "责改", "serial_width": 3},
    "review": {"template": _OWN, "prefix": "复查", "serial_width": 3},
    # 挂牌督办通知书 and 隐患移交抄告函 are the township's own papers in either mode (issue 14 §4).
    "supervision": {"template": _OWN, "prefix": "督办", "serial_width": 3},
    "handover": {"template": _OWN, "prefix": "移交", "serial_width": 3},
}
#: A township authorised to enforce follows the 2017 式样 as local systems write it since 2018,
#: e.g. （青）应急责改〔2026〕15号; its own notice keeps the township's numbering.
AUTHORISED_FORMATS: dict[str, dict[str, Any]] = {
    "record": {"template": _2017, "prefix": "检记", "serial_width": 3},
    "notice": TOWNSHIP_FORMATS["notice"],
    "order": {"template": _2017, "prefix": "责改", "serial_width": 3},
    "review": {"template": _2017, "prefix": "复查", "serial_width": 3},
    "supervision": TOWNSHIP_FORMATS["supervision"],
    "handover": TOWNSHIP_FORMATS["handover"],
}


def default_formats(authorised: bool) -> dict[str, dict[str, Any]]:
    """The default number formats of a township in this mode (its own settings win)."""
    return AUTHORISED_FORMATS if authorised else TOWNSHIP_FORMATS


NUMBERED_TYPES: tuple[DocType, ...] = ("record", "notice", "order", "review")
#: Numbered with their own series too, by default formats only (the setup screens list NUMBERED_TYPES).
#: A 送达回证 has no number of its own: it is numbered after the document it proves served.
MORE_NUMBERED_TYPES: tuple[DocType, ...] = ("supervision", "handover")

DEFAULT_SLOTS = settings.NUMBER_SLOTS.default()
DEFAULT_BLOCK_SIZE = settings.NUMBER_BLOCK_SIZE.default()


def township_or_fail(session: Session) -> Township:
    township = current_township(session)
    if township is None:
        raise UserInputError("尚未设置乡镇（街道）信息，不能出具文书。")
    return township


def number_format(township: Township, doc_type: DocType) -> NumberFormat:
    """The township's format for ``doc_type`` (its own settings over the defaults)."""
    defaults = default_formats(bool(township.enforcement_authorised))
    if doc_type not in defaults:
        raise NumberFormatError(f"“{doc_type}”类文书没有编号")
    spec = dict(defaults[doc_type])
    custom = (township.number_formats or {}).get(doc_type)
    if isinstance(custom, dict):
        spec.update({k: v for k, v in custom.items() if k in ("template", "prefix", "serial_width")})
    region = township.region_short or township.name[:1]
    return NumberFormat(str(spec["template"]), str(spec["prefix"]), region, int(spec["serial_width"]))


def series_of(township: Township, doc_type: DocType) -> str:
    return number_format(township, doc_type).prefix


# --- slots ----------------------------------------------------------------------------------------


def slot_layout(township: Township) -> tuple[int, int]:
    """(number of slots S, block size B) of the township."""
    slots = settings.township_get(township, settings.NUMBER_SLOTS)
    size = settings.township_get(township, settings.NUMBER_BLOCK_SIZE)
    if slots < 1 or size < 1:
        raise NumberFormatError("编号段设置无效：段位数和每段编号数都至少为 1")
    return slots, size


def device_slots(township: Township) -> dict[str, int]:
    raw = settings.township_get(township, settings.DEVICE_SLOTS)
    return {str(k): int(v) for k, v in raw.items()}


def assign_device_slot(session: Session, device_id: str, slot: int | None = None) -> int:
    """Give a laptop its slot (the next free one unless ``slot`` is given); returns the slot.
    Do this on the shared database before the laptop takes a copy into the field."""
    township = township_or_fail(session)
    slots = device_slots(township)
    if device_id in slots and (slot is None or slots[device_id] == slot):
        return slots[device_id]
    max_slots, _size = slot_layout(township)
    taken = {s for d, s in slots.items() if d != device_id}
    if slot is None:
        free = [s for s in range(1, max_slots + 1) if s not in taken]
        if not free:
            raise UserInputError(f"编号段位已全部分配（共 {max_slots} 个），请管理员调整设置。")
        slot = free[0]
    if not 1 <= slot <= max_slots:
        raise UserInputError(f"段位须在 1–{max_slots} 之间。")
    if slot in taken:
        raise UserInputError(f"段位 {slot} 已分配给其他电脑。")
    if device_id in slots and _device_has_blocks(session, device_id):
        raise UserInputError("本机已按原段位领取过编号段，不能更换段位。")
    settings.township_put(township, settings.DEVICE_SLOTS, {**slots, device_id: slot})
    session.flush()
    record_event(session, "assign_slot", "townships", township.id, device_id=device_id, slot=slot)
    return slot


def _device_has_blocks(session: Session, device_id: str) -> bool:
    return session.scalar(select(NumberBlock.id).where(NumberBlock.device_id == device_id).limit(1)) is not None


def slot_of(session: Session, township: Township, device_id: str) -> int:
    """This laptop's slot; slot 1 is given automatically when no laptop has one yet."""
    slots = device_slots(township)
    if device_id in slots:
        return slots[device_id]
    if not slots:
        return assign_device_slot(session, device_id, 1)
    if session.get_bind().dialect.name == "postgresql":
        # Connected to the township's server, under the write lock: the next free slot is this
        # laptop's, as the admin would have given it (a copy for the field then carries it).
        return assign_device_slot(session, device_id)
    raise UserInputError(
        "本机尚未分配文书编号段位，不能离线编号。请管理员在共享数据库上为本机分配段位后再出具文书。"
    )


def block_range(slot: int, index: int, slots: int, size: int) -> tuple[int, int]:
    """Serials (first, last) of block ``index`` (0-based) of ``slot`` (1-based)."""
    first = (index * slots + slot - 1) * size + 1
    return first, first + size - 1


# --- allocation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocatedNumber:
    series: str
    year: int
    serial: int
    number: str
    row: IssuedNumber


def _blocks(session: Session, series: str, year: int) -> list[NumberBlock]:
    return list(
        session.scalars(
            select(NumberBlock).where(NumberBlock.series == series, NumberBlock.year == year).order_by(NumberBlock.first)
        )
    )


def _used(session: Session, series: str, year: int) -> list[UsedSerial]:
    rows = session.execute(
        select(IssuedNumber.serial, IssuedNumber.device_id, IssuedNumber.voided).where(
            IssuedNumber.series == series, IssuedNumber.year == year
        )
    ).all()
    return [UsedSerial(serial, device, "voided" if voided else "issued") for serial, device, voided in rows]


def claim_next_block(session: Session, township: Township, series: str, year: int, device_id: str) -> NumberBlock:
    """This laptop's next block of ``series``/``year`` (derived from its slot; works offline)."""
    slot = slot_of(session, township, device_id)
    slots, size = slot_layout(township)
    mine = [b for b in _blocks(session, series, year) if b.device_id == device_id]
    first, last = block_range(slot, len(mine), slots, size)
    block = NumberBlock(series=series, year=year, device_id=device_id, first=first, last=last, next_serial=first)
    session.add(block)
    session.flush()
    every = [SerialBlock(b.device_id, b.first, b.last) for b in _blocks(session, series, year)]
    check_blocks(every)
    return block


def allocate_number(
    session: Session, township: Township, doc_type: DocType, year: int, device_id: str
) -> AllocatedNumber:
    """Take this laptop's next serial of the document type's series and record it."""
    fmt = number_format(township, doc_type)
    series = fmt.prefix
    if take_write_lock(session):  # on a server: the next free serial is read and taken in one turn,
        session.refresh(township)  # with the slots as they are now (another laptop may have taken one)
    used = _used(session, series, year)
    blocks = [SerialBlock(b.device_id, b.first, b.last) for b in _blocks(session, series, year)]
    mine = [b for b in blocks if b.device_id == device_id]
    taken = {u.serial for u in used}
    if not any(s not in taken for b in mine for s in range(b.first, b.last + 1)):
        claim_next_block(session, township, series, year, device_id)
        blocks = [SerialBlock(b.device_id, b.first, b.last) for b in _blocks(session, series, year)]
    serial = next_serial(device_id, blocks, used)
    for block in _blocks(session, series, year):
        if block.device_id == device_id and block.first <= serial <= block.last:
            block.next_serial = serial + 1
    number = fmt.format(year, serial)
    row = IssuedNumber(series=series, year=year, serial=serial, number=number, device_id=device_id)
    session.add(row)
    session.flush()
    return AllocatedNumber(series, year, serial, number, row)


def spend_number(session: Session, number_id: str, reason: str) -> bool:
    """Mark a number that was taken but never given to a document voided (with the reason);
    False when it has a document or was voided already (then nothing changes)."""
    row = session.get(IssuedNumber, number_id)
    if row is None or row.document_id is not None or row.voided:
        return False
    row.voided = True
    row.void_reason = reason
    session.flush()
    return True


def void_number(session: Session, number: str, reason: str) -> None:
    """Mark a number voided; it stays recorded and is never given again."""
    row = session.scalar(select(IssuedNumber).where(IssuedNumber.number == number))
    if row is None:
        return
    row.voided = True
    row.void_reason = reason
    session.flush()


def find_number_collisions(rows: list[IssuedNumber] | list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """(series, year, serial) taken more than once in merged records (should be empty)."""
    keys = [(r.series, r.year, r.serial) if isinstance(r, IssuedNumber) else r for r in rows]
    out: list[tuple[str, int, int]] = []
    for series, year in sorted({(s, y) for s, y, _ in keys}):
        used = [UsedSerial(serial, "") for s, y, serial in keys if (s, y) == (series, year)]
        out += [(series, year, serial) for serial in find_collisions(used)]
    return out


# --- entry points ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotOverview:
    """The township's slot layout and the slots given to laptops (for the 本机文书编号段 dialog)."""

    has_township: bool
    problem: str = ""  # the layout settings are unusable (Chinese message)
    slots: int = 0
    block_size: int = 0
    assigned: tuple[tuple[str, int], ...] = ()  # (device id, slot), by slot

    def slot_of(self, device_id: str) -> int | None:
        return next((slot for device, slot in self.assigned if device == device_id), None)


def number_slots(desk: Desk) -> SlotOverview:
    """The slot layout of the township and which laptop has which slot."""
    with desk.query() as session:
        township = current_township(session)
        if township is None:
            return SlotOverview(has_township=False)
        try:
            slots, size = slot_layout(township)
        except AnquanError as exc:
            return SlotOverview(has_township=True, problem=str(exc))
        assigned = sorted(device_slots(township).items(), key=lambda item: item[1])
    return SlotOverview(True, "", slots, size, tuple(assigned))


def assign_slot(desk: Desk, device_id: str, slot: int | None = None, *, laptop: Device | None = None) -> int:
    """Give a laptop its slot (the next free one unless ``slot`` is given); returns the slot.
    ``laptop``: the laptop itself, when it is the one asking; its name is recorded, so that the
    slot list shows its name on the other laptops too."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "numbers.assign_slot")
        given = assign_device_slot(session, device_id, slot)
        if laptop is not None and laptop.id == device_id:
            remember_laptop(session, laptop)
        return given
