"""`python -m hall`: the same as the `hall` console script."""

import sys

from hall.cli import main

if __name__ == "__main__":
    sys.exit(main())
