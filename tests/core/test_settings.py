"""The settings registry: every setting kept with the data is declared once, typed, with a default;
nothing reads or writes one by a bare key."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

import anquan_desk
from anquan_desk.core import settings
from anquan_desk.core.db import Database
from anquan_desk.core.models import Setting, Township

PACKAGE = Path(anquan_desk.__file__).parent
#: The registry itself, the model that defines the storage, and the audit chain's Core-level head.
ALLOWED = {PACKAGE / "core" / "settings.py", PACKAGE / "core" / "models.py", PACKAGE / "core" / "audit.py"}


def _offenders(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "Setting":
            found.append(f"line {node.lineno}: the Setting table")
        elif isinstance(node, ast.Attribute) and node.attr == "settings":
            found.append(f"line {node.lineno}: .settings (the township's settings JSON)")
        elif isinstance(node, ast.keyword) and node.arg == "settings":
            found.append(f"line {node.value.lineno}: settings=…")
    return found


def test_settings_are_read_and_written_only_through_the_registry() -> None:
    files = [f for f in PACKAGE.rglob("*.py") if f not in ALLOWED and "migrations" not in f.parts]
    offenders = [f"{f.relative_to(PACKAGE)} {o}" for f in files for o in _offenders(f)]
    assert offenders == []


def test_the_check_sees_a_bare_key(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f(session, township):\n"
        "    session.get(Setting, 'plan.current')\n"
        "    return township.settings.get('court')\n",
        encoding="utf-8",
    )
    assert [o.split(":")[0] for o in _offenders(probe)] == ["line 2", "line 3"]


def test_every_stored_key_is_declared(demo_db: Database) -> None:
    with demo_db.reader() as s:
        keys = set(s.scalars(select(Setting.key)))
        township_keys = {k for t in s.scalars(select(Township)) for k in (t.settings or {})}
    assert keys and keys <= settings.DECLARED_KEYS, keys - settings.DECLARED_KEYS
    assert township_keys and township_keys <= settings.DECLARED_TOWNSHIP_KEYS


def test_declarations_are_complete_and_unique() -> None:
    for group in (settings.OPTIONS, settings.TOWNSHIP_OPTIONS):
        keys = [o.key for o in group]
        assert len(keys) == len(set(keys))
        for option in group:
            assert option.description and not option.description.isascii()  # a Chinese one-liner
            default = option.default()
            assert default is None or isinstance(default, option.type)


def test_get_put_round_trip_and_defaults(db: Database) -> None:
    with db.session("t") as s:
        assert settings.get(s, settings.PLAN_DRAWS) == []
        assert settings.get(s, settings.PLAN_CURRENT) is None
        settings.put(s, settings.PLAN_FREQUENCY, {"红": 1})
    with db.session("t") as s:
        value = settings.get(s, settings.PLAN_FREQUENCY)
        value["红"] = 99  # a copy: changing it changes nothing stored
        assert settings.get(s, settings.PLAN_FREQUENCY) == {"红": 1}


def test_types_are_checked(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    with db.session("t") as s:
        with pytest.raises(TypeError):
            settings.put(s, settings.PLAN_DRAWS, {"not": "a list"})  # type: ignore[arg-type]
        stray = settings.Option("plan.undeclared", dict, dict, "未声明")
        with pytest.raises(KeyError, match="not declared"):
            settings.get(s, stray)
        s.add(Setting(key=settings.PLAN_DRAWS.key, value={"written": "by another tool"}))
    with db.session("t") as s, caplog.at_level(logging.WARNING):
        assert settings.get(s, settings.PLAN_DRAWS) == []
    assert "plan.draws" in caplog.text


def test_township_settings(db: Database) -> None:
    township = Township(name="白沙镇")
    assert settings.township_get(township, settings.NUMBER_SLOTS) == 10
    settings.township_put(township, settings.NUMBER_SLOTS, 4)
    assert settings.township_get(township, settings.NUMBER_SLOTS) == 4
    with pytest.raises(TypeError):
        settings.township_put(township, settings.NUMBER_SLOTS, True)
    township.settings = {"number_slots": "four"}
    assert settings.township_get(township, settings.NUMBER_SLOTS) == 10
