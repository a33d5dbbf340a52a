"""A throwaway cluster whose ``pg_hba.conf`` asks for passwords, as a township's server does.

``clerk`` logs in to the database ``township`` (which it owns, created as the README says) with
scram-sha-256 and :data:`CLERK_PASSWORD` (which holds the characters libpq's password file must
escape); ``stranger`` is turned away by ``pg_hba.conf``. Everything else is trusted on the socket, as
on the run's cluster, so ``clerk`` opens the ``postgres`` database without a password: a wrong
password must still be told as such (not as "no such database").
"""

from __future__ import annotations

from psycopg import sql

from tests.helpers.pg_server import PgCluster, find_bindir

CLERK_PASSWORD = r"Hong:guang\2026"


def start_clerk_cluster() -> PgCluster:
    bindir = find_bindir()
    assert bindir is not None, "no PostgreSQL binaries (/usr/lib/postgresql/*/bin)"
    cluster = PgCluster(bindir).start(hba_lines=[
        "local township clerk scram-sha-256",
        "local all stranger reject",
    ])
    with cluster._admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE clerk LOGIN PASSWORD {}").format(sql.Literal(CLERK_PASSWORD)))
        conn.execute("CREATE ROLE stranger LOGIN")
        conn.execute("CREATE DATABASE township OWNER clerk LOCALE 'C.UTF-8' TEMPLATE template0 ENCODING 'UTF8'")
    return cluster
