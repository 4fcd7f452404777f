#!/usr/bin/env python3
"""Make the application icon's PNG sizes, .ico (Windows) and .icns (macOS) from resources/icons/counselroom.svg.

Run after changing the SVG; the outputs are committed (the packages and the window use them as they are):

    .venv/bin/python tools/make_icons.py
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int) -> Image.Image:
    renderer = QSvgRenderer(str(svg))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return Image.open(io.BytesIO(bytes(data.data()))).convert("RGBA")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    svg = ICONS / "counselroom.svg"
    images = {size: render(svg, size) for size in SIZES}
    for size, image in images.items():
        image.save(ICONS / f"counselroom-{size}.png", optimize=True)
    images[256].save(ICONS / "counselroom.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    images[512].save(ICONS / "counselroom.icns")
    print(f"wrote {len(SIZES)} PNGs, counselroom.ico and counselroom.icns in {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
