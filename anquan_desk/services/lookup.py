"""Finding records by what a user can read: short ids and document numbers.

The command line shows an inspection as a short id (the first characters of its UUID, like git's
short hashes) and documents carry numbers (``XX安监检〔2026〕第0001号``) and short codes; a user
types any of those. :func:`resolve_inspection` turns such a reference into the inspection's id;
:func:`list_inspections` lists inspections with their short ids (``inspections list``);
:func:`resolve_place` finds a place by a part of its name or its (short) id (``inspections start``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from anquan_desk.core.clock import to_local
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import Document, Hazard, Inspection, Place, Reinspection
from anquan_desk.services.desk import Desk

__all__ = [
    "MIN_PREFIX",
    "SHORT_ID_LENGTH",
    "InspectionRow",
    "list_inspections",
    "resolve_inspection",
    "resolve_place",
    "short_id",
]

#: How many characters of a UUID are shown as its short id.
SHORT_ID_LENGTH = 8
#: The shortest id prefix accepted (shorter ones match too much to be meant).
MIN_PREFIX = 4


def short_id(record_id: str) -> str:
    return record_id[:SHORT_ID_LENGTH]


@dataclass(frozen=True)
class InspectionRow:
    """One inspection as a list shows it."""

    id: str
    short_id: str
    place_name: str
    place_address: str
    day: date  # local date it started
    status: str  # 草稿 / 已完成 / 已作废
    hazards: int


def list_inspections(
    desk: Desk, *, limit: int | None = 50, status: str | None = None, place: str | None = None
) -> list[InspectionRow]:
    """Inspections, newest first; ``status`` keeps one status, ``place`` those whose place name
    contains the text; ``limit`` (None: all) the newest so many."""
    with desk.query() as session:
        query = (
            select(Inspection)
            .join(Place, Inspection.place_id == Place.id)
            .options(joinedload(Inspection.place), joinedload(Inspection.hazards))
            .order_by(Inspection.started_at.desc(), Inspection.id)
        )
        if status:
            query = query.where(Inspection.status == status)
        if place:
            query = query.where(Place.name.contains(place.strip()))
        if limit is not None:
            query = query.limit(limit)
        rows = session.scalars(query).unique().all()
        return [
            InspectionRow(
                id=i.id,
                short_id=short_id(i.id),
                place_name=i.place.name,
                place_address=i.place.address,
                day=to_local(i.started_at).date(),
                status=i.status,
                hazards=len(i.hazards),
            )
            for i in rows
        ]


def resolve_inspection(desk: Desk, reference: str) -> str:
    """The id of the inspection ``reference`` names: its id, a unique id prefix (at least
    ``MIN_PREFIX`` characters, as ``inspections list`` shows), or the number or short code of a
    document issued for it. Raises ``NotFoundError`` / ``UserInputError`` (ambiguous) in Chinese."""
    text = reference.strip()
    if not text:
        raise UserInputError("请给出检查的编号（inspections list 列出的短编号）或文书编号。")
    with desk.query() as session:
        if session.get(Inspection, text) is not None:
            return text
        found = _by_document(session, text)
        if found is not None:
            return found
        return _by_prefix(session, text)


def _by_document(session: Session, text: str) -> str | None:
    document = session.scalars(
        select(Document).where((Document.number == text) | (Document.short_code == text))
    ).first()
    if document is None:
        return None
    if document.inspection_id is not None:
        return document.inspection_id
    if document.reinspection_id is not None:
        reinspection = session.get(Reinspection, document.reinspection_id)
        first = reinspection.results[0] if reinspection is not None and reinspection.results else None
        hazard = session.get(Hazard, first.hazard_id) if first is not None else None
        if hazard is not None:
            return hazard.inspection_id
    raise NotFoundError(f"文书“{text}”不属于任何一次检查。")


def _by_prefix(session: Session, text: str) -> str:
    prefix = text.lower()
    if len(prefix) < MIN_PREFIX or any(c not in "0123456789abcdef-" for c in prefix):
        raise NotFoundError(f"没有找到检查或文书“{text}”。用 inspections list 查看检查及其短编号。")
    ids = session.scalars(select(Inspection.id).where(Inspection.id.startswith(prefix)).limit(6)).all()
    if not ids:
        raise NotFoundError(f"没有找到编号以“{text}”开头的检查。用 inspections list 查看检查及其短编号。")
    if len(ids) > 1:
        shown = "、".join(short_id(i) for i in ids[:5])
        raise UserInputError(f"编号“{text}”对应多次检查（{shown}…），请多写几位。")
    return ids[0]


def resolve_place(desk: Desk, reference: str) -> str:
    """The id of the place ``reference`` names: its id or a unique id prefix, its exact name, or a
    part of its name that only one place has. Raises ``NotFoundError`` / ``UserInputError`` (several
    places match: they are listed) in Chinese."""
    text = reference.strip()
    if not text:
        raise UserInputError("请给出场所名称（或其中几个字）或场所编号。")
    with desk.query() as session:
        if session.get(Place, text) is not None:
            return text
        exact = session.scalars(select(Place).where(Place.name == text).limit(6)).all()
        if len(exact) == 1:
            return exact[0].id
        found = exact or session.scalars(
            select(Place).where(Place.name.contains(text)).order_by(Place.name).limit(6)
        ).all()
        if not found and len(text) >= MIN_PREFIX and all(c in "0123456789abcdef-" for c in text.lower()):
            found = session.scalars(select(Place).where(Place.id.startswith(text.lower())).limit(6)).all()
        if not found:
            raise NotFoundError(f"没有找到名称含“{text}”的场所。")
        if len(found) > 1:
            shown = "；".join(f"{p.name}（{p.address}，编号 {short_id(p.id)}）" for p in found[:5])
            more = "等" if len(found) > 5 else ""
            raise UserInputError(f"“{text}”对应多个场所：{shown}{more}。请写全名称或写场所编号。")
        return found[0].id
