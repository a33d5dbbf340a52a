"""Compile the Qt Designer forms in ``forms/`` into ``anquan_desk/ui/forms/``.

Forms are compiled ahead of time (the PySide6 docs advise against loading ``.ui`` files at
run time). Run ``python -m anquan_desk.ui.build_forms`` after editing a form; the test
command runs it with ``--check`` and fails when a compiled file is missing or stale.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
OUT = Path(__file__).resolve().parent / "forms"
HEADER = "# Generated from forms/{name} by anquan_desk.ui.build_forms — do not edit.\n"


def _uic() -> str:
    exe = shutil.which("pyside6-uic") or str(Path(sys.executable).with_name("pyside6-uic"))
    return exe


def compile_form(ui_file: Path) -> str:
    result = subprocess.run(
        [_uic(), "--no-autoconnection", str(ui_file)], check=True, capture_output=True, text=True
    )
    body = "\n".join(
        line for line in result.stdout.splitlines() if not line.startswith("## Created by: Qt User Interface")
    )
    # Typed entry points, so that strictly typed widgets may call them.
    body = re.sub(r"def (setupUi|retranslateUi)\(self, (\w+)\):", r"def \1(self, \2: Any) -> None:", body)
    typing = "from typing import Any\n"
    return HEADER.format(name=ui_file.name) + "# ruff: noqa\n# mypy: ignore-errors\n" + typing + body + "\n"


def target_for(ui_file: Path) -> Path:
    return OUT / f"ui_{ui_file.stem}.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="compile forms/*.ui")
    parser.add_argument("--check", action="store_true", help="only check that compiled files are current")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    (OUT / "__init__.py").touch()
    stale = []
    for ui_file in sorted(FORMS.glob("*.ui")):
        code = compile_form(ui_file)
        target = target_for(ui_file)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != code:
            if args.check:
                stale.append(target.name)
            else:
                target.write_text(code, encoding="utf-8")
                print(f"compiled {ui_file.name} -> {target.relative_to(ROOT)}")
    if stale:
        print("过期的界面文件（请运行 python -m anquan_desk.ui.build_forms）：" + "、".join(stale))
        return 1
    print("forms ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
