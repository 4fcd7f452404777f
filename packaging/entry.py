"""The bundle's entry point: the same `main` as the `counselroom` command of a pip install."""

import sys

from counselroom.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
