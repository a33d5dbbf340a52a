"""Engine, sessions and schema migrations.

SQLite is the embedded default (WAL, foreign keys on, one writer); the same models run on
PostgreSQL when ``--db`` / ``ANQUAN_DB`` is a ``postgresql://`` URL. The schema is built and
upgraded only by the Alembic migrations shipped in ``anquan_desk/migrations``; a SQLite file
is copied aside before any migration touches it.

Files of the data folder are private to the user: the folder is created 0700, the database file
0600 before SQLite first opens it (SQLite gives its ``-wal``/``-shm`` the database file's mode) and
a database found readable by others is tightened when it is opened; backups are 0600 too.

A copy is first written under a partial name beside its target, ``.~<name>~<pid>-<host>-<rand>.part``
(:func:`partial_path_for`), and renamed over the target once complete, so a killed process never
leaves a half-written file under the real name; what such a process leaves behind is recognised by
that name and removed at the next start (``anquan_desk/services/housekeeping.py``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import secrets
import socket
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy.exc
from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from anquan_desk.core import audit
from anquan_desk.core.attachments import AttachmentStore, ServerAttachmentStore
from anquan_desk.core.changes import forget_changes
from anquan_desk.core.errors import DatabaseError
from anquan_desk.core.search import CACHE_KEY, PlaceSearchCache, install_place_hooks
from anquan_desk.core.workplace import saved_server_url
from anquan_desk.migrations import SCHEMA_HEAD

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

APP_NAME = "anquan-desk"
DB_ENV = "ANQUAN_DB"
DEFAULT_DB_NAME = "anquan.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
#: Modes of what the program keeps for its user only (folders, files).
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
#: Suffixes SQLite adds to a database file for its journal, WAL and shared memory.
SQLITE_SIDECARS = ("-journal", "-wal", "-shm")


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_db_url(db: str | os.PathLike[str] | None) -> str:
    """``--db`` value (file path or URL), else ``$ANQUAN_DB``, else the township's server saved on
    this computer (:mod:`anquan_desk.core.workplace`), else the file in the user data folder."""
    value = str(db) if db else os.environ.get(DB_ENV, "")
    if not value:
        value = saved_server_url() or str(default_data_dir() / DEFAULT_DB_NAME)
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def server_tag(url: str) -> str:
    """Eight hex digits naming a server database (host, port, database, user; never the password)."""
    parsed = make_url(url)
    where = f"{parsed.host or ''}|{parsed.port or ''}|{parsed.database or ''}|{parsed.username or ''}|{parsed.query}"
    return hashlib.sha256(where.encode()).hexdigest()[:8]


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


class ServerUnavailable(DatabaseError):
    """The connection to the township's server was lost or could not be made."""


def _is_connection_error(exc: BaseException) -> bool:
    """A lost or refused connection (PostgreSQL), as opposed to an error in what was asked."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        return exc.connection_invalidated or _lost(exc.orig)
    return False


def _lost(orig: BaseException | None) -> bool:
    import psycopg

    if isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError):
        # Errors with an SQLSTATE of class 08 (connection exception) or 57P (operator intervention:
        # the server shut down), and those without one (the socket closed, the server unreachable).
        state = getattr(orig, "sqlstate", None) or ""
        return not state or state.startswith(("08", "57P"))
    return False


@contextmanager
def server_errors(*, saving: bool) -> Iterator[None]:
    """Turn a lost connection to the server into a :class:`ServerUnavailable` with a message the user
    can act on."""
    try:
        yield
    except sqlalchemy.exc.DBAPIError as exc:
        if not _is_connection_error(exc):
            raise
        what = "这一步没有保存，之前已保存的内容都在服务器上。" if saving else "没有读到数据。"
        raise ServerUnavailable(
            f"与服务器数据库的连接中断（服务器已关闭或网络不通），{what}请检查网络或联系管理员，恢复后再试一次。"
        ) from exc


class AuditedSession(Session):
    """A session whose flushes write the audit log (see :mod:`anquan_desk.core.audit`)."""


event.listen(AuditedSession, "before_flush", audit.before_flush)
event.listen(AuditedSession, "after_flush", audit.after_flush)
install_place_hooks(AuditedSession)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


class Database:
    """One open database: engine, session factory and where its files live."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.path = sqlite_path(url)
        if self.path is not None:
            make_private_dir(self.path.parent)
            self.data_dir = self.path.parent
            _tighten_database_files(self.path)
        else:
            self.data_dir = default_data_dir()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.path is not None:
            kwargs["connect_args"] = {"check_same_thread": False}
        elif make_url(url).get_backend_name() == "postgresql":
            # A laptop's connection may die (Wi-Fi, the server restarted): test a pooled connection
            # before use and reconnect; give up connecting after 10 s rather than hang the window.
            kwargs["pool_pre_ping"] = True
            kwargs["connect_args"] = {"connect_timeout": 10, "application_name": APP_NAME}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.path is not None:
            event.listen(self.engine, "do_connect", _create_private_database)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # pysqlite's own implicit transactions are switched off so that every session,
            # reads included, runs in one real SQLite transaction (SQLAlchemy's recipe).
            event.listen(self.engine, "connect", _disable_pysqlite_begin)
            event.listen(self.engine, "begin", _sqlite_begin)
        #: Search as you type: an in-memory copy kept current by the change log of revisions 0003
        #: (SQLite) and 0007 (PostgreSQL).
        self.search_cache: PlaceSearchCache | None = (
            PlaceSearchCache() if self.engine.dialect.name in {"sqlite", "postgresql"} else None
        )
        info = {CACHE_KEY: self.search_cache} if self.search_cache is not None else {}
        self._factory = sessionmaker(bind=self.engine, class_=AuditedSession, expire_on_commit=False, info=info)

    @property
    def attachments_dir(self) -> Path:
        """Beside a SQLite file, its attachment store; for a server, this computer's cache of the
        server's attachments (one per server database)."""
        if self.path is not None:
            return self.data_dir / f"{self.path.stem}-attachments"
        return self.data_dir / "server-cache" / f"{server_tag(self.url)}-attachments"

    def attachment_store(self) -> AttachmentStore:
        """Photos, signatures and issued PDFs, stored by content hash: files beside a SQLite
        database, rows of ``attachment_blobs`` on a server (cached in :attr:`attachments_dir`)."""
        if self.path is None and self.engine.dialect.name == "postgresql":
            return ServerAttachmentStore(self.attachments_dir, self.engine)
        return AttachmentStore(self.attachments_dir)

    @contextmanager
    def session(self, actor: str = "system") -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error. A lost
        connection to the server is reported as :class:`ServerUnavailable` (nothing of this unit
        was saved; every unit committed before it is)."""
        session = self._factory()
        session.info["actor"] = actor
        try:
            with server_errors(saving=True):
                yield session
                session.commit()
        except BaseException:
            with contextlib.suppress(sqlalchemy.exc.DBAPIError):  # the connection may be gone
                session.rollback()
            forget_changes(session)
            raise
        finally:
            session.close()

    def reader(self) -> Session:
        """A session for read-only screens (caller closes it)."""
        return self._factory()

    # --- schema ----------------------------------------------------------------------------

    # Alembic is imported only when the schema has to change: it costs ~0.5 s at start-up.

    def alembic_config(self) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        cfg.attributes["engine"] = self.engine
        return cfg

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def migrate(self) -> Path | None:
        """Bring the schema to the newest version. Returns the backup copy made first, if any."""
        current = self.current_revision()
        if current == SCHEMA_HEAD:
            return None
        from alembic import command

        head = self.head_revision()
        if current is not None and current not in _known_revisions(self.alembic_config()):
            raise DatabaseError("该数据库由更新版本的程序创建，请升级本程序后再打开。")
        backup = None
        if current is not None and self.path is not None and self.path.exists():
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            backup = self.path.with_name(f"{self.path.stem}.before-{head}-{stamp}{self.path.suffix}")
            backup_sqlite(self.path, backup)
            log.info("backed up %s to %s before migrating", self.path, backup)
        command.upgrade(self.alembic_config(), "head")
        return backup

    def dispose(self) -> None:
        self.engine.dispose()


def _disable_pysqlite_begin(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _known_revisions(cfg: Config) -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def open_database(db: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Database:
    """Open (and by default create/upgrade) the database named by ``db``."""
    database = Database(resolve_db_url(db))
    if database.path is not None and database.path.exists() and database.path.stat().st_size > 0:
        check_sqlite_file(database.path)
    if migrate:
        database.migrate()
    return database


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a readable SQLite database, with a clear message."""
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != b"SQLite format 3\x00":
        raise DatabaseError(f"文件“{path}”不是本程序的数据库文件（不是 SQLite 数据库）。")


def backup_sqlite(source: Path, target: Path) -> None:
    """Consistent online copy with SQLite's backup API (safe while the program runs).

    Written under a partial name beside ``target`` (:func:`partial_path_for`), readable by the user
    only, and renamed over ``target`` when complete; on any error the partial file is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path_for(target)
    try:
        copy_sqlite(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        remove_sqlite_files(tmp)
        raise


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy ``source`` into the new file ``target`` (created 0600; refused if it exists) with the
    backup API, as a rollback-journal database (no ``-wal`` beside it)."""
    create_private_file(target)
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def remove_sqlite_files(path: Path) -> None:
    """Remove a database file and its journal/WAL/shared-memory files, whichever exist."""
    for name in (path.name, *(path.name + s for s in SQLITE_SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(name).unlink()


# --- private files and partial names ------------------------------------------------------------


@functools.cache
def host_tag() -> str:
    """Six hex digits naming this computer in partial-file names (a data folder may be shared)."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def process_tag() -> str:
    """``<pid>-<host>``: which process wrote a partial file (housekeeping checks it is gone)."""
    return f"{os.getpid()}-{host_tag()}"


def partial_path_for(target: Path) -> Path:
    """A new partial name beside ``target``: ``.~<name>~<pid>-<host>-<rand>.part``.

    Same folder, so the final :func:`os.replace` is atomic; the name part is cut to 60 characters
    (a file name has at most 255 bytes).
    """
    return target.with_name(f".~{target.name[:60]}~{process_tag()}-{secrets.token_hex(3)}.part")


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) if needed; a folder created here is 0700.

    An existing folder keeps its mode: it may be one the user chose (``--db ~/文档/x.db``)."""
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create the empty file ``path`` readable and writable by its user only (fails if it exists)."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    os.close(os.open(path, flags, PRIVATE_FILE))


def tighten(path: Path) -> None:
    """Take group and others' access away from an existing file or folder (POSIX; quietly)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def _tighten_database_files(path: Path) -> None:
    """A database (and WAL) an older version left readable by every local user becomes private;
    so does the program's own default data folder."""
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        candidate = path.with_name(name)
        if candidate.exists():
            tighten(candidate)
    if path.parent == default_data_dir():
        tighten(path.parent)


def _create_private_database(_dialect: Any, _record: Any, cargs: Any, _cparams: Any) -> None:
    """Before SQLite opens the file: create a missing database file 0600, so that the database
    and the ``-wal``/``-shm`` SQLite derives from it are the user's only."""
    target = str(cargs[0]) if cargs else ""
    if not target or target == ":memory:" or target.startswith("file:"):
        return
    with contextlib.suppress(OSError):  # exists already, or SQLite reports the real problem
        create_private_file(Path(target))


def integrity_ok(path: Path) -> bool:
    conn = sqlite3.connect(str(path))
    try:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
    finally:
        conn.close()

