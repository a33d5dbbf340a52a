"""This laptop's identity: id, short code and a name a person recognises (device.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anquan_desk.core import device
from anquan_desk.core.device import (
    MAX_NAME,
    clean_device_name,
    hazard_code_parts,
    host_name,
    rename_this_device,
    this_device,
)
from anquan_desk.core.errors import UserInputError


@pytest.fixture
def device_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "device.json"
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(path))
    return path


def test_a_new_laptop_is_named_after_the_computer(device_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device.socket, "gethostname", lambda: "DESKTOP-7QK2M.local")
    made = this_device()
    assert made.name == "DESKTOP-7QK2M" == host_name()
    assert len(made.short) == 4 and set(made.short) <= set(device._SHORT_ALPHABET)
    stored = json.loads(device_file.read_text(encoding="utf-8"))
    assert stored == {"id": made.id, "short": made.short, "name": "DESKTOP-7QK2M"}
    assert this_device() == made  # read back, not made again


def test_renaming_keeps_id_and_code(device_file: Path) -> None:
    first = this_device()
    renamed = rename_this_device("  安监办  笔记本1 ")
    assert (renamed.id, renamed.short, renamed.name) == (first.id, first.short, "安监办 笔记本1")
    assert this_device() == renamed
    assert json.loads(device_file.read_text(encoding="utf-8"))["name"] == "安监办 笔记本1"


def test_a_file_of_an_older_version_has_no_name(device_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    device_file.parent.mkdir(parents=True)
    device_file.write_text(json.dumps({"id": "5b0e6c1e-0000-4000-8000-000000000001", "short": "XXRT"}),
                           encoding="utf-8")
    monkeypatch.setattr(device.socket, "gethostname", lambda: "wang-thinkpad")
    read = this_device()
    assert (read.short, read.name) == ("XXRT", "wang-thinkpad")


def test_names_are_checked() -> None:
    assert clean_device_name("镇安办\t2号机") == "镇安办 2号机"
    with pytest.raises(UserInputError, match="请填写本机名称"):
        clean_device_name("   ")
    with pytest.raises(UserInputError, match=f"最多 {MAX_NAME} 个字"):
        clean_device_name("很" * (MAX_NAME + 1))


def test_hazard_code_parts() -> None:
    assert hazard_code_parts("YH2026-XXRT-0001") == ("YH2026", "XXRT", "0001")
    assert hazard_code_parts("YH2030-2345-0120") == ("YH2030", "2345", "0120")
    for other in ("YH2026000117", "YH2026-XXRT", "YH2026-XXRT-00A1", "AB2026-XXRT-0001", ""):
        assert hazard_code_parts(other) is None, other
