"""Laptop names: which laptop made a hazard number, in words a person recognises.

A hazard number carries the short code of the laptop that made it (``YH2026-XXRT-0001``, see
:mod:`anquan_desk.core.device`). The screens show the laptop's name instead of ``XXRT``. Each
laptop records its name in the shared ``settings`` table (:data:`~anquan_desk.core.settings.LAPTOP_NAMES`)
when it makes a hazard number and when its user renames it, so a hazard made on another laptop
shows that laptop's name too; a code with no recorded name shows as ``其他电脑 XXRT``. The laptop's
id (by which document-number slots are given, :mod:`anquan_desk.services.numbering`) is recorded
with its code (:data:`~anquan_desk.core.settings.LAPTOP_CODES`), so the slot list names laptops too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.device import (
    Device,
    clean_device_name,
    hazard_code_parts,
    rename_this_device,
    this_device,
)
from anquan_desk.core.errors import UserInputError
from anquan_desk.services.desk import Desk

OTHER_LAPTOP = "其他电脑"


@dataclass(frozen=True)
class Laptops:
    """This laptop's short code, and the names known for short codes (this laptop's included)."""

    this_short: str
    names: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, str] = field(default_factory=dict)  # laptop id → short code

    @staticmethod
    def local(device: Device | None = None) -> Laptops:
        """Only this laptop's name (no database read)."""
        device = device or this_device()
        return Laptops(device.short, {device.short: device.name}, {device.id: device.short})

    def shown(self, code: str) -> str:
        """A hazard number as shown: ``YH2026-XXRT-0001`` → ``YH2026-0001（安监办笔记本1）``; other
        shapes (``YH2026000117``) as they are (see :func:`anquan_desk.services.inspections.shown_hazard_code`)."""
        parts = hazard_code_parts(code)
        if parts is None:
            return code
        prefix, short, serial = parts
        return f"{prefix}-{serial}（{self.label(short)}）"

    def label_of_device(self, device_id: str) -> str:
        """The name of the laptop with this id (as :meth:`label`); ``其他电脑 1a2b3c4d`` (the start of
        its id) when its code is not known."""
        short = self.codes.get(device_id)
        return self.label(short) if short else f"{OTHER_LAPTOP} {device_id[:8]}"

    def label(self, short: str) -> str:
        """The laptop's name; with its code when another laptop has the same name; ``其他电脑 XXRT``
        when no name is recorded. Never the same label for two codes."""
        name = self.names.get(short, "").strip()
        if not name:
            return f"{OTHER_LAPTOP} {short}"
        if sum(1 for other in self.names.values() if other.strip() == name) > 1:
            return f"{name}·{short}"
        return name


def check_laptop_name(name: str) -> str:
    """A laptop name as stored; names that would read like another laptop's label are refused."""
    text = clean_device_name(name)
    if text.startswith(OTHER_LAPTOP) or "·" in text:
        raise UserInputError(f"本机名称不能以“{OTHER_LAPTOP}”开头，也不能含“·”，请换一个名称。")
    return text


def remember_laptop(session: Session, device: Device) -> None:
    """Record the laptop's name under its short code, and its code under its id, in the shared
    settings (when they changed)."""
    names = settings.get(session, settings.LAPTOP_NAMES)
    if names.get(device.short) != device.name:
        names[device.short] = device.name
        settings.put(session, settings.LAPTOP_NAMES, names)
    codes = settings.get(session, settings.LAPTOP_CODES)
    if codes.get(device.id) != device.short:
        codes[device.id] = device.short
        settings.put(session, settings.LAPTOP_CODES, codes)


def _laptops(session: Session, device: Device) -> Laptops:
    names = {str(k): str(v) for k, v in settings.get(session, settings.LAPTOP_NAMES).items()}
    names[device.short] = device.name  # as it is now, even before it was recorded
    codes = {str(k): str(v) for k, v in settings.get(session, settings.LAPTOP_CODES).items()}
    codes[device.id] = device.short
    return Laptops(device.short, names, codes)


def shown_hazard_number(session: Session, code: str) -> str:
    """A hazard number as a message to the user says it (the laptops' names read in ``session``)."""
    return _laptops(session, this_device()).shown(code)


def laptops(desk: Desk, device: Device | None = None) -> Laptops:
    """This laptop (``device``, by default the one this runs on) and the names recorded for the others."""
    with desk.query() as session:
        return _laptops(session, device or this_device())


def name_this_laptop(desk: Desk, name: str) -> Laptops:
    """Rename this laptop (device.json) and record the name for the other laptops. A name another
    laptop of the township already has is refused."""
    text = check_laptop_name(name)
    device = this_device()
    with desk.unit() as session:
        taken = settings.get(session, settings.LAPTOP_NAMES)
        if any(other == text and short != device.short for short, other in taken.items()):
            raise UserInputError(f"另一台电脑已叫“{text}”，请换一个名称，以便区分各台电脑的隐患编号。")
        device = rename_this_device(text)
        remember_laptop(session, device)
        return _laptops(session, device)
