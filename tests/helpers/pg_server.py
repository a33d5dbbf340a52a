"""A throwaway PostgreSQL cluster for the tests, from Debian's own binaries.

``initdb`` and ``pg_ctl`` (``/usr/lib/postgresql/<version>/bin``, installed by ``scripts/test.sh``)
make a cluster in a temporary folder that listens only on a Unix socket in that folder (no TCP
port, nothing left behind: :meth:`PgCluster.stop` removes the folder). PostgreSQL refuses to run as
root, and CI runs as root: then the cluster is owned by, and run as, the ``postgres`` system user
(``runuser``); the tests connect over the socket as the cluster's superuser ``anquan``.

Why not pytest-postgresql: it runs ``initdb`` as the current user in pytest's private temporary
folder, which fails as root (the case of CI) and cannot be made to run as another user.

The cluster's default locale is ``C.UTF-8``, as the README tells the township's IT person to create
the database (text then sorts by code point, as on SQLite). ``create_database(..., icu_locale="zh")``
makes one with a Chinese collation instead, for the test that the place list's pinyin order does
not depend on it (``COLLATE "C"`` on ``places.name_key``).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "anquan"
PORT = 5432  # only in the socket's name: the cluster listens on no TCP port


def find_bindir() -> Path | None:
    """``$ANQUAN_PG_BINDIR``, else the newest ``/usr/lib/postgresql/*/bin`` holding ``pg_ctl``."""
    override = os.environ.get("ANQUAN_PG_BINDIR")
    if override:
        return Path(override)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return candidates[-1].parent if candidates else None


@dataclass
class PgCluster:
    bindir: Path
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="anquan-pg-")))
    #: Commit as a real server does (fsync, synchronous commit). The run's shared cluster does not:
    #: its databases live for one test, and skipping the flushes saves minutes; a test of what
    #: survives a server crash starts a durable one of its own.
    durable: bool = False
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "run"

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _run(self, args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(a) for a in args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def start(self, hba_lines: Sequence[str] = ()) -> PgCluster:
        """``initdb`` and start. ``hba_lines`` go first in ``pg_hba.conf`` (the first line that matches
        a connection decides), before initdb's own lines that trust every local connection: e.g.
        ``local all clerk scram-sha-256`` makes the role ``clerk`` log in with its password."""
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            owner = pwd.getpwnam("postgres")
            for path in (self.base, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run([
            self.bindir / "initdb", "-D", self.data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        ])
        if hba_lines:
            hba = self.data / "pg_hba.conf"
            hba.write_text("".join(f"{line}\n" for line in hba_lines) + hba.read_text())
        self.pg_ctl_start()
        return self

    def pg_ctl_start(self) -> None:
        options = f"-k {self.socket_dir} -c listen_addresses='' -p {PORT} -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        self._run([self.bindir / "pg_ctl", "-D", self.data, "-l", self.base / "server.log", "-o", options, "-w",
                   "start"])

    def pg_ctl_stop(self, mode: str = "fast") -> None:
        self._run([self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"], check=False)

    def stop(self) -> None:
        self.pg_ctl_stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    # --- databases ------------------------------------------------------------------------------

    def url(self, database: str) -> str:
        """The SQLAlchemy URL the program is given (``--db``)."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={PORT}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host=str(self.socket_dir), port=PORT, user=SUPERUSER, dbname="postgres",
                               autocommit=True)

    def new_name(self, prefix: str = "t") -> str:
        return f"{prefix}_{os.getpid()}_{next(self._names)}"

    def create_database(self, name: str, template: str | None = None, *, icu_locale: str = "") -> str:
        """Create ``name`` (a copy of ``template`` if given) and return its URL."""
        with self._admin() as conn:
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if icu_locale:
                statement = sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE {} LOCALE 'C.UTF-8'"
                ).format(sql.Identifier(name), sql.Literal(icu_locale))
            elif template:
                statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            conn.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.base / "server.log").read_text(errors="replace").splitlines()[-lines:])
        return ""
