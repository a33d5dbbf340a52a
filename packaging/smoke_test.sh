#!/bin/sh
# Build the Linux bundle with PyInstaller and start the frozen program once:
# --version, a demo database, the audit check, and the GUI offscreen for a few seconds.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
.venv/bin/pip install -q "pyinstaller>=6.10,<7"
.venv/bin/pyinstaller packaging/anquan-desk.spec --noconfirm --log-level WARN --distpath build/dist --workpath build/work
APP=build/dist/anquan-desk/anquan-desk
"$APP" --version
rm -rf build/smoke && mkdir -p build/smoke
"$APP" demo --db build/smoke/demo.db
"$APP" audit verify --db build/smoke/demo.db
QT_QPA_PLATFORM=offscreen ANQUAN_DEMO_AUTOLOGIN=1 timeout 15 "$APP" --db build/smoke/demo.db || [ $? -eq 124 ]
echo "frozen build ok"
