"""`counselroom` — with a command, the administrator's command line; without one, the window."""

from __future__ import annotations

import sys

from .cli import COMMANDS, harden_process


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    harden_process()
    if argv[:1] in (["--version"], ["-V"]):
        from . import __version__

        print(f"counselroom {__version__}")
        return 0
    if argv and argv[0] in COMMANDS:
        from .cli import run

        return run(argv)
    from .app import main as app_main

    return app_main(argv)


if __name__ == "__main__":
    sys.exit(main())
