"""The district's own templates: column mappings remembered per template fingerprint."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.io.ledger import (
    TemplateMapping,
    detect_template,
)

# --- template mappings (remembered per template fingerprint) -----------------------------------------


def remembered_template_mapping(session: Session, fingerprint: str) -> TemplateMapping | None:
    data = settings.get(session, settings.LEDGER_TEMPLATE_MAPPINGS).get(fingerprint)
    if not isinstance(data, dict):
        return None
    try:
        return TemplateMapping.from_json(data)
    except ValueError:
        return None  # a damaged entry: the guess is used instead


def remember_template_mapping(session: Session, mapping: TemplateMapping) -> None:
    value = settings.get(session, settings.LEDGER_TEMPLATE_MAPPINGS)
    value[mapping.fingerprint] = mapping.to_json()
    settings.put(session, settings.LEDGER_TEMPLATE_MAPPINGS, value)


def template_mapping_for(session: Session, template: Path) -> TemplateMapping:
    """The remembered mapping for this template's header, else the guessed one."""
    guessed = detect_template(template)
    remembered = remembered_template_mapping(session, guessed.fingerprint)
    if remembered is not None and remembered.sheet == guessed.sheet:
        return remembered
    return guessed
