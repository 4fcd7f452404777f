"""Re-encrypting the vault under a new key, from the backup page: a question that says what it does and does
not do (Cancel by default), the passphrase, a progress dialog, then the window locks (the vault file was
replaced) and the new recovery key is shown once. The work is vault/rotation.py; this only asks and shows."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QProgressDialog, QWidget

from ...i18n import N_, tr
from ...records.services import Services
from ...vault import rotation
from ...vault.errors import VaultError

QUESTION = N_("Re-encrypt the vault under a new key?\n\nA new recovery key is made and shown once: the old recovery "
              "key, and the old passphrase held in backups, no longer open today's vault. Backups made before keep "
              "opening with the secrets they were made with ({count} registered): make a new backup afterwards, "
              "then destroy the old ones.\n\nThe window locks when it is done; unlock it with your passphrase.")


def ask_passphrase(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(parent, tr("Re-encrypt the vault"),
                                    tr("Your passphrase (the new key is locked under it):"),
                                    QLineEdit.EchoMode.Password)
    return text if ok and text else None


def rotate(parent: QWidget, services: Services,
           passphrase_for: Callable[[QWidget], str | None] | None = None) -> rotation.RotationResult | None:
    """Ask, rotate with a progress dialog, and return the result (None when the counselor cancelled or the
    passphrase was wrong: nothing changed). The session is closed afterwards: the caller locks the window."""
    session = services.session
    count = len(rotation.registered_backups(session))
    box = QMessageBox(QMessageBox.Icon.Question, tr("Re-encrypt the vault"), tr(QUESTION, count=count),
                      parent=parent)
    go = box.addButton(tr("Re-&encrypt"), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    if box.clickedButton() is not go:
        return None
    passphrase = (passphrase_for or ask_passphrase)(parent)
    if passphrase is None:
        return None
    if not session.vault.check_passphrase(passphrase):
        QMessageBox.warning(parent, tr("Re-encrypt the vault"),
                            tr("The passphrase is not correct. Nothing was changed."))
        return None
    dialog = QProgressDialog(tr("Re-encrypting the vault…"), "", 0, 1000, parent)
    # no Cancel: a rotation is not stopped half-way (a kill is safe, but leaves two generations to settle)
    dialog.setCancelButton(None)
    # Not modal, and no event processing while the copy runs: the session's connection is busy on the export's
    # thread, and nothing else (a page's timer) may reach it meanwhile. The dialog is repainted directly.
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.show()
    dialog.repaint()

    def progress(stage: str, done: int, total: int) -> None:
        share = done / max(1, total)
        dialog.setValue({"copying": int(800 * share), "checking": 850}.get(stage, 900 + int(100 * share)))
        dialog.repaint()

    try:
        return rotation.rotate_data_key(session, passphrase, progress=progress)
    except VaultError as e:
        QMessageBox.warning(parent, tr("Re-encrypt the vault"), e.message())
        return None
    finally:
        dialog.close()
        dialog.deleteLater()


def done_text(result: rotation.RotationResult) -> str:
    """What the unlock screen says after a rotation: what changed, and what it could not reach."""
    text = tr("The vault is re-encrypted under a new key; unlock it with your passphrase.")
    if result.old_backups:
        names = ", ".join(b.file_name for b in result.old_backups[:5]) + (" …" if len(result.old_backups) > 5 else "")
        text += " " + tr("{count} older backup(s) still open with the secrets they were made with ({names}): make a "
                         "new backup, then destroy them.", count=len(result.old_backups), names=names)
    return text
