"""The desk: an open database and the person working at it — what every service entry point takes.

Services are the only code that opens database sessions and commits. A service entry point looks
like ``def finish_inspection(desk: Desk, inspection_id: str, ...) -> InspectionView``: it opens a
unit of work with :meth:`Desk.unit` (committed when the block ends, rolled back on any error) or a
read-only session with :meth:`Desk.query`, and returns plain data (dataclasses, tuples, ids) —
never a live ORM object, which would belong to a closed session on another thread.

What a unit of work wrote is noted by the audited session (:mod:`anquan_desk.core.changes`); after
its commit :meth:`Desk.unit` adds it to the caller's :func:`collect_changes` block, if any. The
UI's operation runner opens that block around each operation and announces the result to every
screen, so no screen has to be told by another what to refresh.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy.exc
from sqlalchemy.orm import Session

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.audit import SIGNER
from anquan_desk.core.changes import NO_CHANGES, Changes, session_changes
from anquan_desk.core.db import Database, open_database, server_errors
from anquan_desk.core.security import Signer
from anquan_desk.services.housekeeping import clean_leftovers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who is working: the signed-in user (or the system, for start-up and maintenance work).

    ``signer`` is the user's signing key, unlocked at login: every audit entry the desk's units of
    work write is signed with it (:mod:`anquan_desk.core.audit`). The system has none: its entries
    are unsigned system entries, accepted only before the first signing key exists."""

    username: str
    name: str = ""
    role: str = ""
    user_id: str | None = None
    signer: Signer | None = field(default=None, compare=False, repr=False)

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @staticmethod
    def system(username: str = "system") -> Actor:
        return Actor(username=username, name=username)


@dataclass
class ChangeLog:
    """Collects the changes of every unit of work committed inside one :func:`collect_changes`."""

    changes: Changes = field(default=NO_CHANGES)

    def add(self, changes: Changes) -> None:
        self.changes = self.changes.merged(changes)


_collector: ContextVar[ChangeLog | None] = ContextVar("anquan_change_log", default=None)


@contextmanager
def collect_changes() -> Iterator[ChangeLog]:
    """Collect what the units of work committed in this block (on this thread) changed."""
    log = ChangeLog()
    token = _collector.set(log)
    try:
        yield log
    finally:
        _collector.reset(token)


class Desk:
    """One open database and the person working on it."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db = db
        self.actor = actor

    @property
    def attachments(self) -> AttachmentStore:
        """Photos, signatures and issued PDFs, stored by content hash."""
        return self.db.attachment_store()

    @property
    def file_path(self) -> Path | None:
        """The SQLite database file (None on a server)."""
        return self.db.path

    @property
    def location(self) -> str:
        """Where the data lives, as the status bar shows it."""
        return str(self.db.path or self.db.url)

    def as_actor(self, actor: Actor) -> Desk:
        """The same database worked on by someone else (after a login)."""
        return Desk(self.db, actor)

    @contextmanager
    def unit(self) -> Iterator[Session]:
        """A unit of work as the actor: committed when the block ends, rolled back on any error."""
        with self.db.session(self.actor.username) as session:
            if self.actor.signer is not None:
                session.info[SIGNER] = self.actor.signer
            yield session
        changes = session_changes(session)
        log = _collector.get()
        if log is not None and changes:
            log.add(changes)

    @contextmanager
    def query(self) -> Iterator[Session]:
        """A read-only session (nothing it does is committed)."""
        session = self.db.reader()
        try:
            with server_errors(saving=False):
                yield session
        finally:
            with contextlib.suppress(sqlalchemy.exc.DBAPIError):  # the connection may be gone
                session.rollback()
            session.close()

    def close(self) -> None:
        self.db.dispose()


def open_desk(db: str | os.PathLike[str] | None, actor: Actor | None = None, *, migrate: bool = True) -> Desk:
    """Open (create, upgrade) the database named by ``db`` (file, URL, ``$ANQUAN_DB`` or the default).

    Then the start's housekeeping removes what a killed export, backup or restore left in the data
    folder, its temp area and wherever such a process noted it was writing
    (:func:`anquan_desk.services.housekeeping.clean_leftovers`); it never stops the opening.
    """
    desk = Desk(open_database(db, migrate=migrate), actor or Actor.system())
    try:
        clean_leftovers(desk.db.data_dir, attachments=desk.db.attachments_dir)
    except Exception:  # housekeeping is best effort: the desk opens anyway
        log.exception("start-up housekeeping failed")
    return desk
