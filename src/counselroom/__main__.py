"""`counselroom` — with a command, the administrator's command line; without one, the window.

The window's start imports nothing it does not need for the unlock screen: the command line (and with it
the demo generator, the records services, pypinyin and reportlab: about 400 ms) is imported only when a
command is given. Every command is a word and every option of the window starts with "-", so the first
argument decides; an unknown word reaches the command line, which says so.
"""

from __future__ import annotations

import sys

from .hardening import harden_process


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    harden_process()
    if argv[:1] in (["--version"], ["-V"]):
        from . import __version__

        print(f"counselroom {__version__}")
        return 0
    if argv and not argv[0].startswith("-"):
        from .cli import run

        return run(argv)
    from .app import main as app_main

    return app_main(argv)


if __name__ == "__main__":
    sys.exit(main())
