"""Where the files that travel with the program are: the repository's top-level `resources/` folder.

One folder holds everything the program and its packages consume — translations, note and consent
templates, instruments, the document font, the icon, the user guide, desktop integration. At run time it
is found in one of two places:

- inside the package as `counselroom/resources/` — in a wheel (the build maps `resources/` there) and in a
  PyInstaller bundle (the spec collects it there);
- at the top of a source checkout, beside `src/`, when the package is installed in editable mode.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    here = Path(__file__).resolve().parent
    inside = here / "resources"
    if inside.is_dir():
        return inside
    return here.parents[1] / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
