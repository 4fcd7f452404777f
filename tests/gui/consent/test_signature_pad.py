"""The signature pad: strokes from a mouse, a pen (tablet events with pressure) and a finger (touch) leave ink;
the PNG is cropped to the ink; clearing empties it; the dialog keeps the signature only when something is drawn."""

from __future__ import annotations

import io

from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from counselroom.gui.consent.signature_pad import SignatureDialog, SignaturePad

from .test_consent_tab import draw


def make_pad(qtbot) -> SignaturePad:  # type: ignore[no-untyped-def]
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(600, 220)
    with qtbot.waitExposed(pad):
        pad.show()
    return pad


def ink_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(1 for value in image.tobytes() if value < 128)


def test_mouse_strokes_make_a_cropped_png_and_clear_empties_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = make_pad(qtbot)
    assert pad.is_empty() and pad.png_bytes() == b""
    with qtbot.waitSignal(pad.changed):
        draw(pad)
    png = pad.png_bytes()
    assert not pad.is_empty() and png.startswith(b"\x89PNG")
    width, height = Image.open(io.BytesIO(png)).size
    assert 240 <= width <= 300 and 50 <= height <= 90  # the stroke (228 x 36) with its margin, not the whole pad
    assert ink_pixels(png) > 200
    pad.clear()
    assert pad.is_empty() and pad.png_bytes() == b""


def test_a_pen_with_pressure_draws(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = make_pad(qtbot)
    device = QPointingDevice.primaryPointingDevice()
    for kind, x, pressure in ((QEvent.Type.TabletPress, 50, 0.2), (QEvent.Type.TabletMove, 150, 0.6),
                              (QEvent.Type.TabletMove, 250, 1.0), (QEvent.Type.TabletRelease, 250, 0.0)):
        pos = QPointF(x, 100)
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
        event = QTabletEvent(kind, device, pos, pos, pressure, 0.0, 0.0, 0.0, 0.0, 0.0,
                             Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, held)
        QApplication.sendEvent(pad, event)
    assert not pad.is_empty() and ink_pixels(pad.png_bytes()) > 150


def test_a_finger_draws(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = make_pad(qtbot)
    touch = QTest.createTouchDevice()
    QTest.touchEvent(pad, touch).press(0, pad.rect().center() - pad.rect().center() / 2).commit()
    QTest.touchEvent(pad, touch).move(0, pad.rect().center()).commit()
    QTest.touchEvent(pad, touch).move(0, pad.rect().center() + pad.rect().center() / 3).commit()
    QTest.touchEvent(pad, touch).release(0, pad.rect().center() + pad.rect().center() / 3).commit()
    assert not pad.is_empty() and ink_pixels(pad.png_bytes()) > 50


def test_the_dialog_keeps_a_signature_only_when_drawn(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = SignatureDialog("Sign below.")
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    draw(dialog.pad)
    assert dialog.save_button.isEnabled()
    dialog.clear_button.click()
    assert not dialog.save_button.isEnabled()
    draw(dialog.pad)
    dialog.save_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.png.startswith(b"\x89PNG")

