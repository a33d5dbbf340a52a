"""The township's server (PostgreSQL) for real: what only a server has — a locale collation, photos
every laptop reads, pg_dump backups, a server that goes away and comes back. (Everything else runs
on both backends through the ``db``/``demo_db`` fixtures.)"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from anquan_desk.cli import main as cli_main
from anquan_desk.core.attachments import AttachmentRecordError, prepare_photo, save_attachment
from anquan_desk.core.audit import verify_chain
from anquan_desk.core.collation import name_sort_key
from anquan_desk.core.db import Database, ServerUnavailable, open_database
from anquan_desk.core.models import Attachment, AttachmentBlob, Place
from anquan_desk.services.places import PlaceFilter, count_places, fetch_places
from tests.helpers.pg_server import PgCluster, find_bindir

pytestmark = pytest.mark.server_only

NAMES = ["万家五金店", "东方便民日杂店", "丁记小吃", "安心药店", "阿里小店", "KTV之家", "1号超市", "重庆火锅",
         "吕氏面馆", "安徽土菜馆", "昂昂烧烤", "张三", "章三"]


def _jpeg(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (400, 300), colour).save(path, "JPEG")
    return path


def test_places_sort_by_pinyin_whatever_the_database_collation(backend: str, pg_cluster: PgCluster) -> None:
    """A database created with a Chinese ICU collation (as an IT person might): the list still follows
    the program's pinyin key — the key column compares code points (COLLATE "C")."""
    name = pg_cluster.new_name("zh")
    db = open_database(pg_cluster.create_database(name, icu_locale="zh"))
    try:
        with db.session("t") as s:
            s.add_all([Place(name=n) for n in NAMES])
        with db.reader() as s:
            assert [r.name for r in fetch_places(s, PlaceFilter(), 0, 50)] == sorted(NAMES, key=name_sort_key)
            assert [r.name for r in fetch_places(s, PlaceFilter(query="安"), 0, 50)] == ["安徽土菜馆", "安心药店"]
            assert count_places(s, PlaceFilter(query="三")) == 2
            collation = s.execute(text(
                "SELECT collation_name FROM information_schema.columns WHERE table_name = 'places'"
                " AND column_name = 'name_key'"
            )).scalar()
            assert collation == "C"
    finally:
        db.dispose()
        pg_cluster.drop_database(name)


@pytest.fixture
def second_laptop(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The same server database opened by another computer (its own data folder, so its own cache)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "laptop2"))
    other = open_database(db.url)
    yield other
    other.dispose()


def test_a_photo_saved_on_one_laptop_is_read_on_another(db: Database, second_laptop: Database, tmp_path: Path) -> None:
    assert db.attachments_dir != second_laptop.attachments_dir
    stored = prepare_photo(_jpeg(tmp_path / "现场.jpg", (200, 40, 40)))
    with db.session("t") as s:
        attachment_id = save_attachment(s, db.attachment_store(), stored, "现场.jpg").id
    with second_laptop.reader() as s:
        attachment = s.get(Attachment, attachment_id)
        assert attachment is not None
        assert second_laptop.attachment_store().read(attachment) == stored.data
        assert s.scalar(select(func.count()).select_from(AttachmentBlob)) == 1
    # Read once, it stays in that laptop's private cache.
    cached = list(second_laptop.attachments_dir.rglob("*.jpg"))
    assert [p.read_bytes() for p in cached] == [stored.data]


def test_a_photo_is_saved_with_its_record_or_not_at_all(db: Database, tmp_path: Path) -> None:
    stored = prepare_photo(_jpeg(tmp_path / "a.jpg", (40, 200, 40)))
    with pytest.raises(RuntimeError), db.session("t") as s:
        save_attachment(s, db.attachment_store(), stored, "a.jpg")
        raise RuntimeError("the unit of work fails after the photo")
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(AttachmentBlob)) == 0
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_changed_photo_on_the_server_is_refused(db: Database, second_laptop: Database, tmp_path: Path) -> None:
    stored = prepare_photo(_jpeg(tmp_path / "a.jpg", (40, 40, 200)))
    with db.session("t") as s:
        attachment_id = save_attachment(s, db.attachment_store(), stored, "a.jpg").id
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE attachment_blobs SET data = :d"), {"d": b"\xff\xd8 not the photo"})
    with second_laptop.reader() as s:
        attachment = s.get(Attachment, attachment_id)
        assert attachment is not None
        with pytest.raises(AttachmentRecordError, match="与其 SHA-256 不符"):
            second_laptop.attachment_store().read(attachment)
    assert not list(second_laptop.attachments_dir.rglob("*.jpg"))  # nothing wrong was cached


def test_backup_and_restore_with_pg_dump(demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stored = prepare_photo(_jpeg(tmp_path / "a.jpg", (90, 90, 20)))
    with demo_db.session("t") as s:
        save_attachment(s, demo_db.attachment_store(), stored, "a.jpg")
        places = s.scalar(select(func.count()).select_from(Place))
    out = tmp_path / "红光镇-服务器.dump"
    assert cli_main(["backup", "--db", demo_db.url, "--out", str(out)]) == 0
    assert "附件 1 个" in capsys.readouterr().out
    assert out.read_bytes()[:5] == b"PGDMP" and out.stat().st_mode & 0o077 == 0
    with demo_db.session("t") as s:  # work after the backup that the restore takes back
        s.execute(text("DELETE FROM attachment_blobs"))
        s.add(Place(name="备份之后新增的场所"))
    demo_db.dispose()
    assert cli_main(["restore", str(out), "--db", demo_db.url]) == 0
    said = capsys.readouterr().out
    assert "恢复前的数据库已另存为" in said
    previous = sorted(tmp_path.glob("*.before-restore-*.dump"))
    assert len(previous) == 1 and previous[0].read_bytes()[:5] == b"PGDMP"
    with demo_db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Place)) == places
        assert s.scalar(select(AttachmentBlob.sha256)) == hashlib.sha256(stored.data).hexdigest()
    with demo_db.engine.connect() as conn:
        assert verify_chain(conn).ok


def test_restore_refuses_what_is_not_a_server_backup_and_a_busy_server(
    demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite_backup = tmp_path / "laptop.db"
    sqlite_backup.write_bytes(b"SQLite format 3\x00" + bytes(100))
    assert cli_main(["restore", str(sqlite_backup), "--db", demo_db.url]) != 0
    assert "不是服务器数据库的备份" in capsys.readouterr().err
    out = tmp_path / "b.dump"
    assert cli_main(["backup", "--db", demo_db.url, "--out", str(out)]) == 0
    with demo_db.reader() as s:  # another computer is working on the server
        s.execute(select(func.count()).select_from(Place)).scalar()
        assert cli_main(["restore", str(out), "--db", demo_db.url]) != 0
    assert "不能恢复" in capsys.readouterr().err


@pytest.fixture
def own_cluster() -> Iterator[PgCluster]:
    """A cluster of this test's own, durable as a real server, to be stopped and started again."""
    bindir = find_bindir()
    assert bindir is not None
    cluster = PgCluster(bindir, durable=True).start()
    yield cluster
    cluster.stop()


def test_a_lost_server_loses_nothing_saved_and_the_laptop_carries_on(backend: str, own_cluster: PgCluster) -> None:
    db = open_database(own_cluster.create_database("township"))
    try:
        with db.session("t") as s:
            s.add(Place(name="断线前保存的场所"))
        own_cluster.pg_ctl_stop("immediate")  # the server's power goes
        with pytest.raises(ServerUnavailable, match=r"连接中断.*这一步没有保存") as caught, db.session("t") as s:
            s.add(Place(name="断线时正在保存的场所"))
        assert "之前已保存的内容都在服务器上" in str(caught.value)
        own_cluster.pg_ctl_start()
        with db.session("t") as s:  # the same window goes on: the pool reconnects
            s.add(Place(name="恢复后保存的场所"))
        with db.reader() as s:
            names = set(s.scalars(select(Place.name)))
        assert names == {"断线前保存的场所", "恢复后保存的场所"}
        with db.engine.connect() as conn:
            assert verify_chain(conn).ok
    finally:
        db.dispose()


def test_audit_verify_checks_the_photos_on_the_server(db: Database, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    stored = prepare_photo(_jpeg(tmp_path / "a.jpg", (10, 120, 10)))
    with db.session("t") as s:
        save_attachment(s, db.attachment_store(), stored, "消防通道.jpg")
    assert cli_main(["audit", "verify", "--db", db.url]) == 0
    capsys.readouterr()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE attachment_blobs SET data = :d"), {"d": b"another picture"})
    assert cli_main(["audit", "verify", "--db", db.url]) != 0
    assert "服务器数据库中 消防通道.jpg 的内容与记录的校验值不符" in capsys.readouterr().err
