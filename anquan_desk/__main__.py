import sys

from anquan_desk.cli import main

sys.exit(main())
