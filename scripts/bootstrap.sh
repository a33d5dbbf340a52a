#!/bin/sh
# Shared set-up for scripts/run.sh and scripts/test.sh (sourced, not run directly).
# 1. As root on Debian: install the system libraries Qt needs, a CJK font, and the tools
#    the tests use to look at PDFs (poppler). Skipped when everything is already there.
# 2. Create the project virtual environment .venv and install the package into it
#    (again only when pyproject.toml changed since the last install).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

DEB_PACKAGES="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 \
fonts-noto-cjk fonts-dejavu-core poppler-utils poppler-data xvfb xauth python3-venv \
postgresql-client-15"
# Only for the tests: the PostgreSQL server binaries (initdb, pg_ctl) the suite starts a throwaway
# cluster with (tests/helpers/pg_server.py).
TEST_DEB_PACKAGES="postgresql-15"

install_debian_packages() {
    # $1: "test" also installs the packages only the tests need.
    [ "$(id -u)" = "0" ] || return 0
    command -v apt-get >/dev/null 2>&1 || return 0
    wanted="$DEB_PACKAGES"
    [ "${1:-}" = "test" ] && wanted="$wanted $TEST_DEB_PACKAGES"
    missing=""
    for p in $wanted; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    echo "安装系统组件:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

install_python_packages() {
    if [ ! -x "$VENV/bin/python" ]; then
        echo "创建虚拟环境 $VENV"
        "$PY" -m venv "$VENV"
    fi
    stamp="$VENV/.installed-$1"
    want=$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "安装 Python 依赖 ($1)…"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        if [ "$1" = "dev" ]; then
            "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]"
        else
            "$VENV/bin/python" -m pip install -q -e "$ROOT"
        fi
        rm -f "$VENV"/.installed-*
        echo "$want" > "$stamp"
    fi
}
