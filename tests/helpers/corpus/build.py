"""Write the whole bad-input corpus to a folder: ``python tests/helpers/corpus/build.py OUT_DIR``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/: for ``helpers``

from helpers.corpus import all_cases


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for case in all_cases():
        folder = out / case.kind
        folder.mkdir(exist_ok=True)
        path = case.build(folder)
        print(f"{case.expect:<8} {case.kind:<9} {path.relative_to(out)}  {case.why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")))
