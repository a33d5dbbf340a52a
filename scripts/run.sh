#!/bin/sh
# Set everything up (first time only) and open 安全检查工作台.
# With no database yet, a demo township is created so there is something to look at.
. "$(dirname "$0")/bootstrap.sh"
install_debian_packages
install_python_packages run
exec "$VENV/bin/anquan-desk" "$@"
