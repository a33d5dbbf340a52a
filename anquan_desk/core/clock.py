"""Time: one source of "now" and one way to store instants.

Instants are stored as naive UTC and come back as aware UTC datetimes, on SQLite and
PostgreSQL alike; the UI and documents show them in the laptop's local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in local time (deadlines and 逾期 are local-date rules)."""
    return datetime.now().date()


def to_local(moment: datetime) -> datetime:
    """An aware instant in the laptop's local time zone."""
    return moment.astimezone()


def local_to_utc(moment: datetime) -> datetime:
    """Accept a naive local or an aware datetime and return aware UTC."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetime in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        return local_to_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)
