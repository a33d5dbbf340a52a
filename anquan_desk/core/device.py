"""This laptop's identity.

Several laptops of one township work offline and later merge their records, so anything that
must be unique across the township without a server (hazard numbers, document-number blocks)
carries the laptop's id. The id lives in the user's config folder, not in the database, so a
copied database file on another laptop does not inherit it.

Besides the id and the 4-character short code printed in hazard numbers (``YH2026-XXRT-0001``),
a laptop has a name a person recognises (default: the computer's host name; the user may change
it). The screens show the name instead of the code (:func:`hazard_code_parts` splits a number).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from platformdirs import user_config_dir

from anquan_desk.core.errors import UserInputError

# Letters and digits that cannot be misread on paper (no 0/O, 1/I/L).
_SHORT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_NAME = 20
_HAZARD_CODE = re.compile(r"^(YH\d{4})-([0-9A-Z]{4})-(\d+)$")


@dataclass(frozen=True)
class Device:
    id: str  # UUID
    short: str  # 4 characters, printed in hazard numbers
    name: str = ""  # what a person calls the laptop (default: the host name)


def _config_file() -> Path:
    override = os.environ.get("ANQUAN_DEVICE_FILE")
    if override:
        return Path(override)
    return Path(user_config_dir("anquan-desk", appauthor=False)) / "device.json"


def host_name() -> str:
    """The computer's name as the system knows it (the default laptop name)."""
    name = socket.gethostname().split(".")[0].strip()
    return name[:MAX_NAME] or "本机"


def _write(path: Path, device: Device) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    data = {"id": device.id, "short": device.short, "name": device.name}
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def this_device() -> Device:
    """Read this laptop's identity, creating it on first use. A file without a name (written by an
    older version) gives the host name."""
    path = _config_file()
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        name = str(data.get("name") or "").strip() or host_name()
        return Device(id=str(data["id"]), short=str(data["short"]), name=name)
    device = Device(
        id=str(uuid.uuid4()),
        short="".join(secrets.choice(_SHORT_ALPHABET) for _ in range(4)),
        name=host_name(),
    )
    _write(path, device)
    return device


def clean_device_name(name: str) -> str:
    """A laptop name as stored: trimmed, one line, at most :data:`MAX_NAME` characters."""
    text = " ".join(name.split())
    if not text:
        raise UserInputError("请填写本机名称，如“安监办笔记本1”。")
    if len(text) > MAX_NAME:
        raise UserInputError(f"本机名称最多 {MAX_NAME} 个字（现在 {len(text)} 个），请缩短。")
    return text


def rename_this_device(name: str) -> Device:
    """Give this laptop a name (its id and short code stay)."""
    device = replace(this_device(), name=clean_device_name(name))
    _write(_config_file(), device)
    return device


def hazard_code_parts(code: str) -> tuple[str, str, str] | None:
    """``YH2026-XXRT-0001`` → (``YH2026``, ``XXRT``, ``0001``); ``None`` for other shapes
    (``YH2026000117`` of older data)."""
    match = _HAZARD_CODE.match(code)
    return (match.group(1), match.group(2), match.group(3)) if match else None
