"""The tamper suite (issue 16): deliberate edits of a database and its files, by someone who holds the
file — each is detected by ``audit verify`` (chain, anchors, data against the log, attachment files)
or ``doc verify``, with a message naming what changed.

The world: a township, a finished check with three hazards and two photos, its notice and its
现场检查记录 issued, the record voided. An anchor is taken at the end (as the weekly sheet would).
Edits are made with plain SQL, as a person with the file and a SQLite tool would make them.

What stays undetectable by design is listed (and shown) at the end of this file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup, signed_desk
from sqlalchemy import Connection, text

from anquan_desk.core.audit import HEAD_KEY, entry_hash
from anquan_desk.core.audit_check import current_anchor
from anquan_desk.core.db import Database, open_database
from anquan_desk.services import audit
from anquan_desk.services import documents as docs

FORGED = b"%PDF-1.4\n% a forged notice\n%%EOF\n"


@dataclass
class World:
    db: Database
    folder: Path
    notice_pdf: bytes
    notice_number: str
    notice_id: str
    voided_id: str
    voided_number: str
    hazard_code: str
    anchor: str


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("tamper-world")
    db = open_database(folder / "data" / "anquan.db")
    ids = doc_setup.finished_check(db, folder, signed=True)
    desk = signed_desk(db, "zhang", doc_setup.PASSWORD)
    notice = docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    record = docs.obtain_document(desk, "record", ids["inspection"])
    docs.void_issued(desk, record.document.id, "填写错误")
    (folder / "notice.pdf").write_bytes(notice.pdf)
    with db.session("zhang") as session:
        code = session.execute(text("SELECT code FROM hazards ORDER BY code LIMIT 1")).scalar_one()
        anchor = current_anchor(session).code
    db.dispose()
    return folder, {
        "notice_id": notice.document.id, "notice_number": notice.document.number,
        "voided_id": record.document.id, "voided_number": record.document.number,
        "hazard": code, "anchor": anchor,
    }


@pytest.fixture
def world(_template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[World]:
    source, facts = _template
    shutil.copytree(source / "data", tmp_path / "data")
    db = open_database(tmp_path / "data" / "anquan.db")
    yield World(
        db, tmp_path, (source / "notice.pdf").read_bytes(), facts["notice_number"], facts["notice_id"],
        facts["voided_id"], facts["voided_number"], facts["hazard"], facts["anchor"],
    )
    db.dispose()


def _verdict(world: World, *anchors: str) -> audit.AuditVerdict:
    return audit.verify_all(desk_for(world.db), anchors)


def _sql(world: World, *statements: str, **params: object) -> None:
    with world.db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def _last_seq(world: World) -> int:
    with world.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one())


def _rechain(conn: Connection) -> None:
    """What a forger does after editing entries: recompute every hash in seq order and the head."""
    prev = "0" * 64
    rows = conn.execute(
        text("SELECT seq, at, actor, action, entity, entity_id, payload FROM audit_log ORDER BY seq")
    ).all()
    from anquan_desk.core.models import AuditEntry

    table = AuditEntry.__table__
    for n, row in enumerate(rows, start=1):
        at = conn.execute(table.select().where(table.c.seq == row.seq)).one().at
        digest = entry_hash(prev, n, at, row.actor, row.action, row.entity, row.entity_id, row.payload)
        conn.execute(
            text("UPDATE audit_log SET seq = :n, prev_hash = :p, hash = :h WHERE seq = :s"),
            {"n": -n, "p": prev, "h": digest, "s": row.seq},
        )
        prev = digest
    conn.execute(text("UPDATE audit_log SET seq = -seq"))
    conn.execute(
        text("UPDATE settings SET value = :v WHERE key = :k"),
        {"v": json.dumps({"seq": len(rows), "hash": prev}), "k": HEAD_KEY},
    )


def _edit_and_rechain(world: World, *statements: str, **params: object) -> None:
    with world.db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)
        _rechain(conn)


def _detected(verdict: audit.AuditVerdict, *fragments: str) -> str:
    assert not verdict.ok
    joined = "\n".join(verdict.problems)
    for fragment in fragments:
        assert fragment in joined, joined
    return joined


def test_the_untouched_world_passes(world: World) -> None:
    verdict = _verdict(world, world.anchor)
    assert verdict.ok, verdict.problems
    assert verdict.files.files == 3  # two photos and the signature
    assert verdict.data.rows > 20
    assert "锚点" in verdict.summary and "审计链完整" in verdict.summary


# --- entries edited, inserted, deleted, reordered (the chain) ----------------------------------------

POSITIONS = {"head": "1", "middle": "(SELECT max(seq) / 2 FROM audit_log)", "tail": "(SELECT max(seq) FROM audit_log)"}


@pytest.mark.parametrize("where", POSITIONS)
def test_an_edited_entry_is_found(world: World, where: str) -> None:
    _sql(world, f"UPDATE audit_log SET actor = 'someone' WHERE seq = {POSITIONS[where]}")
    _detected(_verdict(world), "审计记录内容被改动")


@pytest.mark.parametrize("where", POSITIONS)
def test_an_edited_entry_with_recomputed_hashes_breaks_the_anchor(world: World, where: str) -> None:
    _edit_and_rechain(world, f"UPDATE audit_log SET actor = 'someone' WHERE seq = {POSITIONS[where]}")
    _detected(_verdict(world, world.anchor), "该锚点所在的第", "已被改动或删除")


def test_a_rewritten_row_change_with_recomputed_hashes_disagrees_with_the_data(world: World) -> None:
    """The forger changes what an insert recorded and recomputes the chain, but not the row."""
    _edit_and_rechain(
        world,
        "UPDATE audit_log SET payload = replace(payload, '后厨灶台', '仓库') "
        "WHERE entity = 'hazards' AND payload LIKE '%后厨灶台%'",
    )
    _detected(_verdict(world), "表 hazards 中", "的 location 与审计记录不符", "后厨灶台")


@pytest.mark.parametrize("where", POSITIONS)
def test_a_deleted_entry_is_found(world: World, where: str) -> None:
    _sql(world, f"DELETE FROM audit_log WHERE seq = {POSITIONS[where]}")
    _detected(_verdict(world), "审计记录缺失")


def test_deleted_last_entries_with_the_head_fixed_break_the_anchor(world: World) -> None:
    last = _last_seq(world)
    with world.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": last - 3})
        _rechain(conn)
    _detected(_verdict(world, world.anchor), f"该锚点所在的第{last}条记录已被删除")


@pytest.mark.parametrize("where", ["head", "middle"])
def test_a_deleted_entry_with_recomputed_hashes_breaks_the_anchor(world: World, where: str) -> None:
    _edit_and_rechain(world, f"DELETE FROM audit_log WHERE seq = {POSITIONS[where]}")
    _detected(_verdict(world, world.anchor), "该锚点所在的第")


def _insert_entry(world: World, after: str) -> None:
    """A made-up entry squeezed in after ``after`` (later entries moved one on)."""
    _sql(
        world,
        f"UPDATE audit_log SET seq = -(seq + 1) WHERE seq > {after}",
        "UPDATE audit_log SET seq = -seq WHERE seq < 0",
        f"INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, payload, prev_hash, hash) "
        f"SELECT {after} + 1, at, 'admin', 'login', 'users', '', '{{}}', hash, hash FROM audit_log WHERE seq = {after}",
    )


@pytest.mark.parametrize("where", ["1", "(SELECT max(seq) / 2 FROM audit_log)"])
def test_an_inserted_entry_is_found(world: World, where: str) -> None:
    with world.db.engine.connect() as conn:
        after = int(conn.execute(text(f"SELECT {where}")).scalar_one())
    _insert_entry(world, str(after))
    _detected(_verdict(world), "审计记录")


def test_an_inserted_entry_with_recomputed_hashes_breaks_the_anchor(world: World) -> None:
    with world.db.engine.connect() as conn:
        after = int(conn.execute(text("SELECT max(seq) / 2 FROM audit_log")).scalar_one())
    _insert_entry(world, str(after))
    with world.db.engine.begin() as conn:
        _rechain(conn)
    _detected(_verdict(world, world.anchor), "该锚点所在的第")


def test_an_entry_appended_with_a_made_up_hash_is_found(world: World) -> None:
    last = _last_seq(world)
    _sql(
        world,
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, payload, prev_hash, hash) "
        "SELECT seq + 1, at, 'admin', 'login', 'users', '', '{}', hash, :h FROM audit_log WHERE seq = :s",
        h="f" * 64, s=last,
    )
    _detected(_verdict(world), "审计记录")


def test_a_forged_last_entry_with_recomputed_hashes_breaks_the_anchor(world: World) -> None:
    """The last entry replaced by a forged one (hash and head recomputed)."""
    _edit_and_rechain(
        world, "UPDATE audit_log SET payload = '{\"reason\":\"无\"}' WHERE seq = (SELECT max(seq) FROM audit_log)"
    )
    _detected(_verdict(world, world.anchor), "已被改动或删除")


def test_an_appended_forged_row_change_disagrees_with_the_data(world: World) -> None:
    """A forged update entry appended with correct hashes: the row it claims to change did not."""
    last = _last_seq(world)
    _sql(
        world,
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, payload, prev_hash, hash) "
        "SELECT seq + 1, at, 'admin', 'update', 'hazards', (SELECT id FROM hazards WHERE code = :c), "
        "'{\"status\":[\"待整改\",\"已销号\"]}', hash, hash FROM audit_log WHERE seq = :s",
        c=world.hazard_code, s=last,
    )
    with world.db.engine.begin() as conn:
        _rechain(conn)
    _detected(_verdict(world), f"表 hazards 中 {world.hazard_code}", "的 status 与审计记录不符")


@pytest.mark.parametrize("first", ["1", "(SELECT max(seq) / 2 FROM audit_log)", "(SELECT max(seq) - 1 FROM audit_log)"])
def test_reordered_entries_are_found(world: World, first: str) -> None:
    with world.db.engine.connect() as conn:
        a = int(conn.execute(text(f"SELECT {first}")).scalar_one())
    _sql(
        world,
        "UPDATE audit_log SET seq = -1 WHERE seq = :a",
        "UPDATE audit_log SET seq = :a WHERE seq = :b",
        "UPDATE audit_log SET seq = :b WHERE seq = -1",
        a=a, b=a + 1,
    )
    _detected(_verdict(world), "审计记录")


def test_reordered_entries_with_recomputed_hashes_break_the_anchor(world: World) -> None:
    _sql(
        world,
        "UPDATE audit_log SET seq = -1 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = -1",
    )
    with world.db.engine.begin() as conn:
        _rechain(conn)
    _detected(_verdict(world, world.anchor), "该锚点所在的第")


def test_a_wiped_log_is_found(world: World) -> None:
    _sql(world, "DELETE FROM audit_log")
    joined = _detected(_verdict(world))
    assert "审计记录缺失" in joined or "审计记录已被清除" in joined, joined


def test_a_wiped_log_and_head_on_a_database_with_data_is_found(world: World) -> None:
    _sql(world, "DELETE FROM audit_log", "DELETE FROM settings WHERE key = 'audit.head'")
    verdict = _verdict(world)
    _detected(verdict, "审计日志为空，但数据库中有", "没有任何审计记录（数据库被直接插入）")
    _detected(_verdict(world, world.anchor), "已被删除")


# --- data edited outside the log ----------------------------------------------------------------------

DATA_EDITS: dict[str, tuple[str, str]] = {
    "hazard status": ("UPDATE hazards SET status = '已销号' WHERE code = :c", "的 status 与审计记录不符（数据库被直接改动）"),
    "hazard text": ("UPDATE hazards SET description = '无' WHERE code = :c", "的 description 与审计记录不符"),
    "hazard deadline": ("UPDATE hazards SET deadline = '2030-01-01' WHERE code = :c", "的 deadline 与审计记录不符"),
    "document number": ("UPDATE documents SET number = number || '改'", "表 documents 中"),
    "place name": ("UPDATE places SET name = '别家饭店'", f"表 places 中 {doc_setup.PLACE_NAME}"),
    "place flag": ("UPDATE places SET densely_populated = 1", "的 densely_populated 与审计记录不符"),
    "inspection time": ("UPDATE inspections SET started_at = '2026-11-19 01:00:00.000000'", "的 started_at 与审计记录不符"),
    "user password": ("UPDATE users SET password_hash = 'x' WHERE username = 'li'", "表 users 中 li"),
    "document snapshot": (
        "UPDATE documents SET content = json_set(content, '$.x', 1)", "的 content 与审计记录不符"
    ),
    "attachment record": ("UPDATE attachments SET original_name = 'other.jpg'", "表 attachments 中"),
    "row inserted": (
        "INSERT INTO place_sectors (place_id, sector) SELECT id, '危化' FROM places",
        "没有任何审计记录（数据库被直接插入）",
    ),
    "row deleted": ("DELETE FROM item_results WHERE outcome = '合格'", "已不在数据库中，但审计记录中没有删除"),
}


@pytest.mark.parametrize("edit", DATA_EDITS)
def test_data_edited_outside_the_log_is_found(world: World, edit: str) -> None:
    statement, message = DATA_EDITS[edit]
    _sql(world, statement, c=world.hazard_code)
    _detected(_verdict(world), message)


def test_a_voided_document_revived_is_found_by_both_verifications(world: World) -> None:
    _sql(world, "UPDATE documents SET status = '已签发' WHERE id = :i", i=world.voided_id)
    _detected(_verdict(world), f"表 documents 中 {world.voided_number}", "的 status 与审计记录不符")
    with world.db.engine.connect() as conn:
        sha = conn.execute(text("SELECT pdf_sha256 FROM documents WHERE id = :i"), {"i": world.voided_id}).scalar()
    assert sha is not None
    result = _doc_verify_by_hash(world, sha)
    assert (result.ok, result.kind) == (False, "database")
    assert "数据库被改动" in result.message and "已作废" in result.message


def _doc_verify_by_hash(world: World, sha: str) -> docs.VerifyResult:
    """doc verify of the file a document row names (the issued PDF is rebuilt from its snapshot)."""
    with world.db.session("zhang") as session:
        from anquan_desk.core.models import Document

        document = session.query(Document).filter(Document.pdf_sha256 == sha).one()
        pdf = docs.reprint(session, document.id)
        return docs.verify_pdf(session, pdf)


def test_a_forged_document_hash_is_found(world: World) -> None:
    forged = world.folder / "forged.pdf"
    forged.write_bytes(FORGED)
    _sql(world, "UPDATE documents SET pdf_sha256 = :h WHERE id = :i", h=hashlib.sha256(FORGED).hexdigest(),
         i=world.notice_id)
    result = docs.verify_pdf_file(desk_for(world.db), forged)
    assert (result.ok, result.kind) == (False, "database")
    assert "数据库被改动" in result.message and world.notice_number in result.message
    original = world.folder / "original.pdf"
    original.write_bytes(world.notice_pdf)
    again = docs.verify_pdf_file(desk_for(world.db), original)
    assert (again.ok, again.kind) == (False, "database") and "原件" in again.message
    _detected(_verdict(world), "的 pdf_sha256 与审计记录不符")


def test_doc_verify_still_passes_the_untouched_original(world: World) -> None:
    path = world.folder / "original.pdf"
    path.write_bytes(world.notice_pdf)
    result = docs.verify_pdf_file(desk_for(world.db), path)
    assert (result.ok, result.kind) == (True, "ok")


# --- attachment files -----------------------------------------------------------------------------------


def _photo_files(world: World) -> list[Path]:
    return sorted(p for p in world.db.attachments_dir.rglob("*.jpg"))


def test_a_swapped_photo_is_found_by_name(world: World) -> None:
    first, second = _photo_files(world)[:2]
    first.write_bytes(second.read_bytes())
    _detected(_verdict(world), "附件文件被替换或损坏", first.name)


def test_a_deleted_photo_is_found_by_name(world: World) -> None:
    gone = _photo_files(world)[0]
    gone.unlink()
    _detected(_verdict(world), "附件文件缺失", gone.name)


def test_the_ledger_photo_export_refuses_a_swapped_photo(world: World, tmp_path: Path) -> None:
    from anquan_desk.core.errors import UserInputError
    from anquan_desk.services.ledgers.export import _PhotoCopier

    first, second = _photo_files(world)[:2]
    first.write_bytes(second.read_bytes())
    copier = _PhotoCopier(tmp_path / "photos")
    copier("YH1", [("photo", second)])  # an untouched photo is copied
    with pytest.raises(UserInputError, match="已被替换或损坏"):
        copier("YH2", [("photo", first)])
    assert copier.copied == 1 and not list(copier.partial.glob("YH2*"))


# --- signing keys (once the signing half is in) ---------------------------------------------------------


def test_a_replaced_public_key_is_found(world: World) -> None:
    with world.db.engine.connect() as conn:
        keys = conn.execute(text("SELECT count(*) FROM user_keys")).scalar_one()
    if not keys:
        pytest.skip("no user keys in this build yet (the signing half of issue 16)")
    _sql(world, "UPDATE user_keys SET public_key = :k", k="ab" * 32)
    _detected(_verdict(world), "表 user_keys 中", "的 public_key 与审计记录不符")


# --- what remains undetectable by design -----------------------------------------------------------------
#
# 1. A consistent rewrite made after the last anchor anyone holds: the forger edits rows and log together
#    (or appends entries and the matching rows) and recomputes the hashes after the last handed-over
#    anchor. Without keys nothing in the file can tell; with signed entries (the signing half) it takes
#    a user's password as well. Anchors bound the damage to the time since the last sheet or document.
# 2. The same rewrite anywhere, by someone who also destroys or replaces every printed anchor.
# 3. Rows the log records by digest (documents.content) can be checked, not restored; columns added by
#    a later migration are not in the insert entries of older rows (compared once an update records them);
#    ``updated_at`` is not recorded at all.
# 4. Attachment files that no row names (an extra file in the store) are not reported: nothing uses them.
# 5. A copy of the whole database restored from a backup is, by design, a valid earlier state: only an
#    anchor taken after the backup shows that entries are missing.


def test_known_limit_a_consistent_change_after_the_last_anchor_is_not_found(world: World) -> None:
    """Shown so the limit is not forgotten: row and log changed together after the anchor."""
    last = _last_seq(world)
    _sql(
        world,
        "UPDATE hazards SET status = '已销号' WHERE code = :c",
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, payload, prev_hash, hash) "
        "SELECT seq + 1, at, 'admin', 'update', 'hazards', (SELECT id FROM hazards WHERE code = :c), "
        "(SELECT '{\"status\":[\"' || status || '\",\"已销号\"]}' FROM hazards WHERE code = :c), hash, hash "
        "FROM audit_log WHERE seq = :s",
        c=world.hazard_code, s=last,
    )
    with world.db.engine.begin() as conn:
        _rechain(conn)
    verdict = _verdict(world, world.anchor)
    signed = any("签名" in p for p in verdict.problems)
    assert verdict.ok or signed, verdict.problems


