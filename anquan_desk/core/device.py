"""This laptop's identity.

Several laptops of one township work offline and later merge their records, so anything that
must be unique across the township without a server (hazard numbers, document-number blocks)
carries the laptop's id. The id lives in the user's config folder, not in the database, so a
copied database file on another laptop does not inherit it.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir

# Letters and digits that cannot be misread on paper (no 0/O, 1/I/L).
_SHORT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Device:
    id: str  # UUID
    short: str  # 4 characters, printed in hazard numbers


def _config_file() -> Path:
    override = os.environ.get("ANQUAN_DEVICE_FILE")
    if override:
        return Path(override)
    return Path(user_config_dir("anquan-desk", appauthor=False)) / "device.json"


def this_device() -> Device:
    """Read this laptop's identity, creating it on first use."""
    path = _config_file()
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return Device(id=str(data["id"]), short=str(data["short"]))
    device = Device(id=str(uuid.uuid4()), short="".join(secrets.choice(_SHORT_ALPHABET) for _ in range(4)))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"id": device.id, "short": device.short}), encoding="utf-8")
    os.replace(tmp, path)
    return device
