"""Built-in checklist library (data in resources/checklists) and template selection."""

from anquan_desk.core.checklists.library import (
    AssessmentClass,
    ChecklistError,
    ChecklistFormatError,
    ChecklistLibrary,
    ItemDef,
    NineSmallKind,
    ParameterDef,
    TemplateDef,
    UnknownParameterError,
    load_library,
    render_item,
    render_template,
    render_text,
)
from anquan_desk.core.checklists.selection import PlaceProfile, select_templates, selected_items

__all__ = [
    "AssessmentClass",
    "ChecklistError",
    "ChecklistFormatError",
    "ChecklistLibrary",
    "ItemDef",
    "NineSmallKind",
    "ParameterDef",
    "PlaceProfile",
    "TemplateDef",
    "UnknownParameterError",
    "load_library",
    "render_item",
    "render_template",
    "render_text",
    "select_templates",
    "selected_items",
]
