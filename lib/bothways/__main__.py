"""``python -m bothways``: the same as the ``bothways`` console script (:mod:`bothways.cli`)."""
import sys

from bothways.cli import main

sys.exit(main())
