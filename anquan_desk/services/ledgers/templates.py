"""The district's own templates: column mappings remembered per template fingerprint."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from anquan_desk.core.models import (
    Setting,
)
from anquan_desk.io.ledger import (
    TemplateMapping,
    detect_template,
)
from anquan_desk.services.ledgers.common import TEMPLATE_MAPPINGS_KEY

# --- template mappings (remembered per template fingerprint) -----------------------------------------


def remembered_template_mapping(session: Session, fingerprint: str) -> TemplateMapping | None:
    row = session.get(Setting, TEMPLATE_MAPPINGS_KEY)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    data = value.get(fingerprint)
    if not isinstance(data, dict):
        return None
    try:
        return TemplateMapping.from_json(data)
    except ValueError:
        return None  # a damaged entry: the guess is used instead


def remember_template_mapping(session: Session, mapping: TemplateMapping) -> None:
    row = session.get(Setting, TEMPLATE_MAPPINGS_KEY)
    value = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    value[mapping.fingerprint] = mapping.to_json()
    if row is None:
        session.add(Setting(key=TEMPLATE_MAPPINGS_KEY, value=value))
    else:
        row.value = value  # a new dict, so the JSON column sees the change


def template_mapping_for(session: Session, template: Path) -> TemplateMapping:
    """The remembered mapping for this template's header, else the guessed one."""
    guessed = detect_template(template)
    remembered = remembered_template_mapping(session, guessed.fingerprint)
    if remembered is not None and remembered.sheet == guessed.sheet:
        return remembered
    return guessed
