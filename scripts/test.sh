#!/bin/sh
# Set everything up (first time only) and run the whole test suite headless:
# compiled forms current, ruff, mypy (strict) on the whole package, pytest.
. "$(dirname "$0")/bootstrap.sh"
install_debian_packages test
install_python_packages dev
cd "$ROOT"
export QT_QPA_PLATFORM=offscreen
echo "== forms: compiled .ui files are current"
"$VENV/bin/python" -m anquan_desk.ui.build_forms --check
echo "== ruff"
"$VENV/bin/ruff" check anquan_desk tests bench
echo "== mypy --strict (the whole package)"
"$VENV/bin/mypy"
echo "== pytest"
exec "$VENV/bin/python" -m pytest "$@"
