"""Document numbers: the configurable format, and serial allocation that works offline.

Format
------
A number is a template filled with the region short name, the prefix, the year and the serial,
e.g. ``{region}{prefix}〔{year}〕第{serial:03d}号`` → ``XX安改〔2026〕第015号`` or
``（{region}）{prefix}〔{year}〕{serial}号`` → ``（X）应急责改〔2026〕15号``. ``{serial_padded}`` is the
serial zero-padded to ``serial_width``. ``parse()`` reads a number back into (year, serial).

Offline allocation (design)
---------------------------
Each township has one yearly sequence per number format (per prefix). Laptops issue documents
without a network, so two laptops must never be able to pick the same serial:

* The sequence is cut into **blocks** (``SerialBlock``: device id, first, last). A block belongs
  to exactly one device. Blocks are handed out by one authority only — the township admin's
  machine, or any laptop while it is synchronised with the shared database — and travel to the
  laptops inside the data package / sync. ``claim_block`` always starts after the highest serial
  of every block known, so blocks never overlap (``check_blocks`` verifies it on import).
* A laptop takes serials from its own blocks only, in order, lowest first: **no gaps on one
  laptop**. When its blocks run out it refuses to issue (``BlocksExhaustedError``) until the admin
  gives it a new block; a laptop can ask for a bigger block before going into the field.
* Every serial ever taken is recorded (``UsedSerial``) with its state; a voided number stays in
  the list and is **never reused** (a correction is a new document with a new number).
* Merging two laptops' records is then a plain union; ``find_collisions`` proves no serial was
  issued twice (it can only happen if someone edited the blocks by hand).

Numbers within the township are therefore unique but not in issue-date order across laptops,
and a block's unused tail stays unused at year end; both are accepted in practice (the ledger
sorts by date). Everything here is pure: the service layer loads blocks/used serials from the
database, calls these functions, and stores the result in the same transaction.
"""

from __future__ import annotations

import itertools
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from anquan_desk.core.errors import UserInputError


class NumberFormatError(UserInputError):
    """A number template is unusable, or a text does not match it."""


class BlocksExhaustedError(UserInputError):
    """This device has no serial left in its blocks."""


_FIELDS = {"region", "prefix", "year", "serial", "serial_padded"}


@dataclass(frozen=True)
class NumberFormat:
    """How one kind of document is numbered in one township."""

    template: str
    prefix: str
    region: str = ""
    serial_width: int = 3

    def __post_init__(self) -> None:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(self.template) if name is not None]
        unknown = set(fields) - _FIELDS
        if unknown:
            raise NumberFormatError(f"编号格式“{self.template}”含未知字段：{'、'.join(sorted(unknown))}")
        if "year" not in fields or not ({"serial", "serial_padded"} & set(fields)):
            raise NumberFormatError(f"编号格式“{self.template}”必须包含 {{year}} 和 {{serial}}（或 {{serial_padded}}）")
        if self.serial_width < 1:
            raise NumberFormatError("流水号位数至少为 1")

    def format(self, year: int, serial: int) -> str:
        if serial < 1:
            raise NumberFormatError(f"流水号必须为正整数（得到 {serial}）")
        return self.template.format(
            region=self.region,
            prefix=self.prefix,
            year=year,
            serial=serial,
            serial_padded=str(serial).zfill(self.serial_width),
        )

    def _pattern(self) -> re.Pattern[str]:
        parts: list[str] = []
        for text, name, spec, _conv in string.Formatter().parse(self.template):
            parts.append(re.escape(text))
            if name is None:
                continue
            if name == "region":
                parts.append(re.escape(self.region))
            elif name == "prefix":
                parts.append(re.escape(self.prefix))
            elif name == "year":
                parts.append(r"(?P<year>\d{4})")
            elif name == "serial_padded":
                parts.append(rf"(?P<serial>\d{{{self.serial_width},}})")
            else:  # serial, possibly with a width spec such as 03d
                width = re.match(r"0?(\d+)d$", spec or "")
                digits = rf"\d{{{int(width.group(1))},}}" if width and (spec or "").startswith("0") else r"\d+"
                parts.append(rf"(?P<serial>{digits})")
        return re.compile("".join(parts))

    def parse(self, number: str) -> tuple[int, int]:
        """(year, serial) of a number written in this format; NumberFormatError otherwise."""
        match = self._pattern().fullmatch(number.strip())
        if match is None:
            raise NumberFormatError(f"“{number}”不符合编号格式“{self.format(2026, 1)}”的写法")
        return int(match.group("year")), int(match.group("serial"))


# --- offline allocation (pure) -------------------------------------------------------------------


@dataclass(frozen=True)
class SerialBlock:
    device_id: str
    first: int
    last: int  # inclusive

    def __contains__(self, serial: object) -> bool:
        return isinstance(serial, int) and self.first <= serial <= self.last


SerialState = Literal["issued", "voided"]


@dataclass(frozen=True)
class UsedSerial:
    serial: int
    device_id: str
    state: SerialState = "issued"


def check_blocks(blocks: Sequence[SerialBlock]) -> None:
    """Raise NumberFormatError if any two blocks overlap or a block is empty."""
    ordered = sorted(blocks, key=lambda b: b.first)
    for block in ordered:
        if block.first < 1 or block.last < block.first:
            raise NumberFormatError(f"编号段 {block.first}–{block.last}（设备 {block.device_id}）无效")
    for a, b in itertools.pairwise(ordered):
        if b.first <= a.last:
            raise NumberFormatError(
                f"编号段重叠：设备 {a.device_id} 的 {a.first}–{a.last} 与设备 {b.device_id} 的 {b.first}–{b.last}"
            )


def claim_block(blocks: Sequence[SerialBlock], device_id: str, size: int) -> SerialBlock:
    """A new block for ``device_id`` after every known block (done by the one allocating authority)."""
    if size < 1:
        raise NumberFormatError("编号段大小至少为 1")
    start = max((b.last for b in blocks), default=0) + 1
    return SerialBlock(device_id, start, start + size - 1)


def next_serial(device_id: str, blocks: Iterable[SerialBlock], used: Iterable[UsedSerial]) -> int:
    """The lowest serial of this device's blocks that was never taken (issued or voided)."""
    taken = {u.serial for u in used}
    for block in sorted((b for b in blocks if b.device_id == device_id), key=lambda b: b.first):
        for serial in range(block.first, block.last + 1):
            if serial not in taken:
                return serial
    raise BlocksExhaustedError(f"本机（{device_id}）的文书编号段已用完，请联系管理员分配新的编号段后再出具文书")


def remaining(device_id: str, blocks: Iterable[SerialBlock], used: Iterable[UsedSerial]) -> int:
    """How many serials this device can still issue offline."""
    taken = {u.serial for u in used}
    return sum(
        1
        for b in blocks
        if b.device_id == device_id
        for s in range(b.first, b.last + 1)
        if s not in taken
    )


def find_collisions(used: Iterable[UsedSerial]) -> list[int]:
    """Serials taken more than once after merging several devices' records (should be empty)."""
    counts = Counter(u.serial for u in used)
    return sorted(serial for serial, n in counts.items() if n > 1)
