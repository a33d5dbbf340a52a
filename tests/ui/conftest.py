"""GUI tests run background work inline, so results are there when the next line checks them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anquan_desk.ui.background import Background


@pytest.fixture(autouse=True)
def _synchronous_background() -> Iterator[None]:
    Background.synchronous = True
    yield
    Background.synchronous = False
