"""``python -m steepest``: the same command line as the ``steepest`` script (``steepest.cli:main``),
for environments where the script is not on ``PATH``."""

import sys

from steepest.cli import main

if __name__ == "__main__":
    sys.exit(main())
