"""Entry point of the frozen program (PyInstaller): the same CLI as ``anquan-desk``."""

import sys

from anquan_desk.cli import main

sys.exit(main())
