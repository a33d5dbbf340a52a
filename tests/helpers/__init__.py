"""Shared builders for the tests: a finished check (``doc_setup``), the messy district place lists
(``district_lists``) and the real work plans used as test data (``PLANS``)."""

from __future__ import annotations

from pathlib import Path

#: Real district/county work plans (text), the plan reader's test data.
PLANS = Path(__file__).parent / "plans"
