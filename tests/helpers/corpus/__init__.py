"""The bad-input corpus: files a user might hand the program, each with the outcome it must get.

Every case builds its file with a small function (no binary fixtures in the repository), names
the command that receives it and says what must happen:

* ``refused`` — a non-zero exit code, a Chinese message containing every text in ``message``
  (the file name always; sheet, row and column where they apply), and the database exactly as it was;
* ``accepted`` — exit code 0;
* ``warned`` — exit code 0 and every text in ``message`` in the output (nothing dropped silently).

The cases are split by area: :mod:`helpers.corpus.xlsx` (place lists, checklists, ledger templates)
and :mod:`helpers.corpus.files` (plans, photos, PDFs to verify). ``tests/cli/test_bad_input_corpus.py``
runs each one in its own process with a time limit and measures its peak memory;
``python tests/helpers/corpus/build.py OUT_DIR`` writes the whole corpus to a folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: Which command receives the file.
Kind = Literal["places", "checklist", "template", "plan", "photo", "verify"]
Outcome = Literal["refused", "accepted", "warned"]


@dataclass(frozen=True)
class Case:
    name: str  # the file's name (also the test id)
    kind: Kind
    build: Callable[[Path], Path]  # writes the file into the folder given, returns its path
    expect: Outcome
    message: tuple[str, ...] = ()  # texts the message must contain (besides the file name when refused)
    why: str = ""  # what the file tries to do to us


def all_cases() -> list[Case]:
    from helpers.corpus import files, xlsx

    cases = [*xlsx.CASES, *files.CASES]
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases
