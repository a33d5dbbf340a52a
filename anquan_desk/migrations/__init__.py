"""Alembic migrations of the database schema.

``SCHEMA_HEAD`` is the newest revision; the program compares a database against it without
importing Alembic (a test checks it equals Alembic's head). Update it with every new revision.
"""

SCHEMA_HEAD = "0008"
