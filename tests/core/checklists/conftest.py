from __future__ import annotations

import pytest

from anquan_desk.core.checklists import ChecklistLibrary, load_library


@pytest.fixture(scope="session")
def library() -> ChecklistLibrary:
    """The shipped library, loaded once (it is immutable)."""
    return load_library()
