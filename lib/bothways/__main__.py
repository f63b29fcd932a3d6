"""``python -m bothways``: the same as the ``bothways`` console script (:mod:`bothways.cli`)."""
import sys

from bothways.cli import main

if __name__ == "__main__":  # importing this module (e.g. to document it) runs nothing
    sys.exit(main())
