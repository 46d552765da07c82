"""``python -m sentvec``: the same command line as the ``sentvec`` script."""

import sys

from .cli import main

sys.exit(main())
