"""Signed audit entries: every entry after the first signing key is signed by the acting user, and
``verify_chain`` checks each signature against the key the chain recorded before it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import nacl.signing
import pytest
from sqlalchemy import Connection, select, update

from anquan_desk.core import security
from anquan_desk.core.audit import (
    GENESIS,
    HEAD_KEY,
    ChainReport,
    append_entries,
    canonical_json,
    entry_hash,
    verify_chain,
)
from anquan_desk.core.db import Database
from anquan_desk.core.errors import PermissionDeniedError
from anquan_desk.core.models import AuditEntry, Setting, User, UserKey
from anquan_desk.core.security import Signer
from anquan_desk.services import users
from anquan_desk.services.desk import Desk

PASSWORD = "first-admin-1"


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "STRENGTH", security.FAST_FOR_TESTS)


@pytest.fixture
def signed(db: Database) -> Iterator[Database]:
    """A database whose first administrator (zhou) added an inspector (wang) and a place change."""
    with db.session() as s:
        users.create_first_admin(s, username="zhou", name="周建国", password=PASSWORD)
        users.create_user(s, username="wang", name="王芳", password="wang-pass-1", cert_no="A001")
    yield db


def _verify(db: Database) -> ChainReport:
    with db.engine.connect() as conn:
        return verify_chain(conn)


def _rows(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq)))


def _rechain(conn: Connection, start: int) -> None:
    """What a forger does: recompute every hash from ``start`` on and fix the head (signatures kept)."""
    table = AuditEntry.__table__
    rows = list(conn.execute(select(table).where(table.c.seq >= start).order_by(table.c.seq)))
    prev = conn.execute(select(table.c.hash).where(table.c.seq == start - 1)).scalar() or GENESIS
    for row in rows:
        digest = entry_hash(prev, row.seq, row.at, row.actor, row.action, row.entity, row.entity_id, row.payload)
        conn.execute(update(table).where(table.c.seq == row.seq).values(prev_hash=prev, hash=digest))
        prev = digest
    last = rows[-1].seq if rows else start - 1
    conn.execute(update(Setting.__table__).where(Setting.__table__.c.key == HEAD_KEY)
                 .values(value={"seq": last, "hash": prev}))


def _forge(conn: Connection, signer: Signer | None, action: str, entity: str, entity_id: str,
           payload: dict[str, Any], *, key_id: str | None = None) -> int:
    """Append an entry by hand (no program checks), signed by ``signer`` if given."""
    table = AuditEntry.__table__
    last = conn.execute(select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)).one()
    seq, at, text = last.seq + 1, datetime.now(UTC).replace(tzinfo=None), canonical_json(payload)
    digest = entry_hash(last.hash, seq, at, "forger", action, entity, entity_id, text)
    conn.execute(table.insert().values(
        seq=seq, at=at, actor="forger", action=action, entity=entity, entity_id=entity_id, payload=text,
        prev_hash=last.hash, hash=digest, key_id=key_id or (signer.key_id if signer else None),
        signature=signer.sign(digest) if signer else None,
    ))
    conn.execute(update(Setting.__table__).where(Setting.__table__.c.key == HEAD_KEY)
                 .values(value={"seq": seq, "hash": digest}))
    return seq


def _signer(db: Database, username: str, password: str) -> Signer:
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return users.unlock_key(s, user, password)


def test_entries_after_the_first_key_are_signed_and_verify(signed: Database) -> None:
    rows = _rows(signed)
    keys = [r for r in rows if r.entity == "user_keys"]
    assert len(keys) == 2
    first_key = keys[0].seq
    assert all(r.signature is None for r in rows if r.seq <= first_key)  # the prologue: nobody could sign
    assert all(r.signature and r.key_id == keys[0].entity_id for r in rows if r.seq > first_key)
    report = _verify(signed)
    assert report.ok and report.keys == 2 and report.signed == len(rows) - first_key
    assert f"其中 {report.signed} 条已签名" in report.message


def test_login_signs_as_the_user(signed: Database) -> None:
    desk = Desk(signed, users.Actor.system("start"))
    actor = users.log_in(desk, "wang", "wang-pass-1")
    assert actor.signer is not None
    users.change_own_password(desk.as_actor(actor), "wang-pass-1", "wang-pass-2")
    last = _rows(signed)[-1]
    assert (last.action, last.key_id) == ("change_password", actor.signer.key_id)
    assert security.verify_signature(actor.signer.public_key, last.hash, last.signature)
    # Re-sealed under the new password: the same key opens with it, not with the old one.
    assert _signer(signed, "wang", "wang-pass-2").public_key == actor.signer.public_key
    with pytest.raises(users.UserInputError, match="无法用该密码解开"):
        _signer(signed, "wang", "wang-pass-1")
    assert _verify(signed).ok


def test_rewriting_an_entry_and_recomputing_the_hashes_is_detected(signed: Database) -> None:
    target = _rows(signed)[-2]
    with signed.engine.begin() as conn:
        payload = json.loads(target.payload)
        payload["name"] = "李四"
        conn.execute(update(AuditEntry.__table__).where(AuditEntry.seq == target.seq)
                     .values(payload=canonical_json(payload)))
        _rechain(conn, target.seq)
    report = _verify(signed)
    assert not report.ok and report.first_bad_seq == target.seq
    assert report.message == f"第 {target.seq} 条审计记录的签名不符（记录被改动或伪造）"


def test_an_unsigned_entry_after_the_first_key_is_refused(signed: Database) -> None:
    with signed.engine.begin() as conn:
        append_entries(conn, "system", [("update", "places", "x", {"name": ["甲", "乙"]})])
    seq = _rows(signed)[-1].seq
    report = _verify(signed)
    assert not report.ok and report.first_bad_seq == seq
    assert f"第 {seq} 条审计记录没有签名" in report.message


def test_a_signature_by_an_unknown_key_is_refused(signed: Database) -> None:
    stranger = Signer("00000000-0000-0000-0000-000000000000", nacl.signing.SigningKey.generate())
    with signed.engine.begin() as conn:
        seq = _forge(conn, stranger, "update", "places", "x", {"name": ["甲", "乙"]})
    report = _verify(signed)
    assert not report.ok and report.message == f"第 {seq} 条审计记录由未登记的密钥签名（可能是伪造的）"


def test_a_forged_signature_with_a_known_key_id_is_refused(signed: Database) -> None:
    zhou_key = _rows(signed)[-1].key_id
    stranger = Signer(str(zhou_key), nacl.signing.SigningKey.generate())
    with signed.engine.begin() as conn:
        seq = _forge(conn, stranger, "update", "places", "x", {"name": ["甲", "乙"]})
    assert _verify(signed).message == f"第 {seq} 条审计记录的签名不符（记录被改动或伪造）"


def test_a_replaced_public_key_in_the_table_is_detected(signed: Database) -> None:
    forged = nacl.signing.SigningKey.generate().verify_key.encode().hex()
    with signed.engine.begin() as conn:
        conn.execute(update(UserKey.__table__).values(public_key=forged))
    report = _verify(signed)
    assert not report.ok and "的公钥被替换（与审计链登记的不符）" in report.message


def test_a_public_key_changed_through_the_chain_is_detected(signed: Database) -> None:
    zhou = _signer(signed, "zhou", PASSWORD)
    wang_key = next(r for r in _rows(signed) if r.entity == "user_keys" and r.key_id is not None).entity_id
    forged = nacl.signing.SigningKey.generate().verify_key.encode().hex()
    with signed.engine.begin() as conn:
        seq = _forge(conn, zhou, "update", "user_keys", wang_key, {"public_key": ["x", forged]})
    assert _verify(signed).message == f"第 {seq} 条审计记录更换了已登记的公钥（公钥不得更改）"


def test_a_key_introduced_by_a_non_administrator_is_refused(signed: Database) -> None:
    wang = _signer(signed, "wang", "wang-pass-1")
    fake = nacl.signing.SigningKey.generate().verify_key.encode().hex()
    with signed.engine.begin() as conn:
        seq = _forge(conn, wang, "insert", "user_keys", "11111111-1111-1111-1111-111111111111",
                     {"public_key": fake, "user_id": "someone"})
    assert _verify(signed).message == f"第 {seq} 条审计记录登记签名密钥的不是管理员"


def test_a_self_introduced_key_for_a_user_with_a_key_is_refused(signed: Database) -> None:
    with signed.reader() as s:
        wang_id = s.scalars(select(User.id).where(User.username == "wang")).one()
    new = Signer("22222222-2222-2222-2222-222222222222", nacl.signing.SigningKey.generate())
    with signed.engine.begin() as conn:
        seq = _forge(conn, new, "insert", "user_keys", new.key_id, {"public_key": new.public_key, "user_id": wang_id})
    assert f"第 {seq} 条审计记录自行登记了签名密钥，但该用户已有密钥" in _verify(signed).message


def test_a_retired_key_signs_nothing(signed: Database) -> None:
    old = _signer(signed, "wang", "wang-pass-1")
    admin = users.log_in(Desk(signed, users.Actor.system()), "zhou", PASSWORD)
    with signed.reader() as s:
        wang_id = s.scalars(select(User.id).where(User.username == "wang")).one()
    users.reset_password(Desk(signed, admin), wang_id, "reset-pass-1")
    assert _verify(signed).ok
    with signed.engine.begin() as conn, pytest.raises(PermissionDeniedError, match="原签名密钥已停用"):
        append_entries(conn, "wang", [("update", "places", "x", {})], old)  # the program refuses
    with signed.engine.begin() as conn:
        seq = _forge(conn, old, "update", "places", "x", {"name": ["甲", "乙"]})  # a forger who knew the old password
    assert _verify(signed).message == f"第 {seq} 条审计记录由已停用（已更换）的签名密钥签名"
    new = _signer(signed, "wang", "reset-pass-1")
    assert new.key_id != old.key_id


def test_stripping_a_signature_is_detected(signed: Database) -> None:
    last = _rows(signed)[-1]
    with signed.engine.begin() as conn:
        conn.execute(update(AuditEntry.__table__).where(AuditEntry.seq == last.seq).values(signature=None, key_id=None))
    assert _verify(signed).message.startswith(f"第 {last.seq} 条审计记录没有签名")


def test_an_older_database_gets_keys_at_the_first_login(db: Database) -> None:
    """Users of a database from before signing (scrypt hash, no key): the first login makes the
    key (self-signed) and replaces the hash by an argon2id one; the chain still verifies."""
    with db.session() as s:
        s.add(User(username="old", name="老用户", role="管理员", password_hash=security.legacy_scrypt_hash("legacy-pw")))
    actor = users.log_in(Desk(db, users.Actor.system()), "old", "legacy-pw")
    assert actor.signer is not None
    with db.reader() as s:
        assert s.scalars(select(User.password_hash)).one().startswith("$argon2id$")
        assert s.scalars(select(UserKey.id)).one() == actor.signer.key_id
    report = _verify(db)
    assert report.ok and report.keys == 1 and report.signed >= 2
