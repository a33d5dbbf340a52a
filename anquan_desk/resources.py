"""Where the shipped data files (``resources/``) are, in a checkout and in a frozen build.

One small helper so every reader finds the checklist library, fonts, icons and demo data the
same way; inside a PyInstaller bundle the spec copies ``resources/`` next to the program.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anquan_desk


def resources_dir() -> Path:
    """The folder holding the shipped ``resources``."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources"
    return Path(anquan_desk.__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path to one shipped resource, e.g. ``resource_path("fonts", "x.ttf")``."""
    return resources_dir().joinpath(*parts)
