"""Shared builders for the tests: a finished check (``doc_setup``), the messy district place lists
(``district_lists``) and the real work plans used as test data (``PLANS``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import User
from anquan_desk.services.desk import Actor, Desk

#: Real district/county work plans (text), the plan reader's test data.
PLANS = Path(__file__).parent / "plans"


def desk_for(db: Database, username: str = "system") -> Desk:
    """A desk on ``db`` as the user ``username`` (name and role read from the database when the
    user exists, else a system actor of that name)."""
    with db.reader() as session:
        user = session.scalar(select(User).where(User.username == username))
        actor = (
            Actor(username=user.username, name=user.name, role=user.role, user_id=user.id)
            if user is not None
            else Actor.system(username)
        )
    return Desk(db, actor)


def desk_as(db: Database, user: User) -> Desk:
    """A desk on ``db`` as the (ORM) ``user`` a test has just read or created."""
    return Desk(db, Actor(username=user.username, name=user.name, role=user.role, user_id=user.id))


def signed_desk(db: Database, username: str, password: str) -> Desk:
    """A desk on ``db`` logged in as ``username``: its writes are signed with the user's key, as the
    program's after a login (a chain with signing keys accepts nothing else)."""
    from anquan_desk.services.users import log_in

    desk = Desk(db, Actor.system())
    return desk.as_actor(log_in(desk, username, password))
