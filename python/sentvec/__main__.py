"""``python -m sentvec``: the same command line as the ``sentvec`` script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
