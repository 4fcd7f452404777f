"""The client file's liaison tab: contacts with class teachers, 辅导员, parents and hospitals about the client
(who, when, how, what was shared, on which basis), and the client's grade and presenting concerns, which the
room's statistics count."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, language, tr
from ...records.clients import ValidationError
from ...records.exports import EXCEPTION_LABELS, EXCEPTIONS
from ...records.liaison import METHOD_LABELS, METHODS, PARTIES, PARTY_LABELS, Liaison, basis_label
from ...records.services import Services
from ...vault.errors import VaultError
from ..common.qt_models import ID_ROLE, SORT_ROLE, RowTableModel
from ..common.widgets import (
    RecordTable,
    StoreWatcher,
    message_label,
    paragraph,
    save_cancel_buttons,
    set_message,
    show_error,
)
from ..referrals.referral_dialog import FormDialog


class LiaisonModel(RowTableModel[Liaison]):
    COLUMNS = ("contacted_at", "party", "who", "method", "shared", "basis")
    HEADERS = {"contacted_at": N_("When"), "party": N_("With"), "who": N_("Who"), "method": N_("How"),
               "shared": N_("What was shared"), "basis": N_("Basis")}

    def set_records(self, records: list[Liaison]) -> None:
        self._set_rows(records)

    def _text(self, c: Liaison, column: str) -> str:
        if column == "contacted_at":
            return c.contacted_at.strftime("%Y-%m-%d %H:%M")
        if column == "party":
            return tr(PARTY_LABELS.get(c.party, c.party))
        if column == "method":
            return tr(METHOD_LABELS.get(c.method, c.method))
        if column == "basis":
            return f"{tr(basis_label(c))}: {c.basis_note}"
        return str(getattr(c, column)).replace("\n", " ")

    def cell(self, c: Liaison, column: str, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            return self._text(c, column)
        if role == ID_ROLE:
            return c.id
        return None


class LiaisonTab(QWidget):
    """Public: `refresh()`, `record_contact()`, `save_details()`, `model`, `grade`, `concern_boxes`, `shutdown()`."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        intro = paragraph(tr("Contacts with class teachers, 辅导员, parents and hospitals about this client: each "
                             "says what was shared and on which basis, the client's consent or a confidentiality "
                             "exception. A record is kept as written, and the audit trail lists it."))
        self.model = LiaisonModel(self)
        self.table = RecordTable(tr("Liaison contacts"))
        self.table.setModel(self.model)
        self.add_button = QPushButton(tr("&Record a contact…"))
        self.add_button.clicked.connect(self.record_contact)

        details = QGroupBox(tr("Grade and presenting concerns (for the room's statistics)"))
        self.grade = QLineEdit()
        self.grade.setAccessibleName(tr("Grade"))
        self.grade.setPlaceholderText(tr("such as 2025级"))
        self.grade.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 12)
        self.concern_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        for i, concern in enumerate(services.liaison.concerns()):
            box = QCheckBox(concern.text(language()))
            box.setAccessibleName(tr("Presenting concern: {name}", name=concern.text(language())))
            self.concern_boxes[concern.id] = box
            grid.addWidget(box, i // 8, i % 8)
        self.save_details_button = QPushButton(tr("Save gra&de and concerns"))
        self.save_details_button.clicked.connect(self.save_details)
        self.details_message = message_label()
        row = QHBoxLayout()
        row.addWidget(self.grade)
        row.addLayout(grid, 1)
        row.addWidget(self.save_details_button)
        inner = QVBoxLayout(details)
        inner.addLayout(row)
        inner.addWidget(self.details_message)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(details)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self._watcher = StoreWatcher(self, services.store, self.refresh,
                                     wants=lambda entity, _id: entity in ("liaison", "client"))
        self.refresh()

    def refresh(self) -> None:
        self._watcher.mark_fresh()
        self.model.set_records(self.services.liaison.for_client(self.client_id))
        details = self.services.liaison.school_details(self.client_id)
        self.grade.setText(details.grade)
        for cid, box in self.concern_boxes.items():
            box.setChecked(cid in details.concerns)

    def save_details(self) -> None:
        chosen = [cid for cid, box in self.concern_boxes.items() if box.isChecked()]
        try:
            self.services.liaison.set_school_details(self.client_id, self.grade.text(), chosen)
        except ValidationError as e:
            set_message(self.details_message, " ".join(tr(m) for m in e.errors.values()))
            return
        except VaultError as e:
            set_message(self.details_message, e.message())
            return
        set_message(self.details_message, tr("Saved."), "ok")

    def record_contact(self) -> None:
        dialog = LiaisonDialog(self.services, self.client_id, self)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def shutdown(self) -> None:
        self._watcher.stop()
        self.model.set_records([])


class LiaisonDialog(FormDialog):
    """Record one contact. After accept(), `saved` holds it."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.saved: Liaison | None = None
        self.setWindowTitle(tr("Record a liaison contact"))
        self.when = QDateTimeEdit(QDateTime.currentDateTime())
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName(tr("When"))
        self.party = QComboBox()
        self.party.setAccessibleName(tr("With"))
        self.party.addItem(tr("Choose…"), None)
        for key in PARTIES:
            self.party.addItem(tr(PARTY_LABELS[key]), key)
        self.who = QLineEdit()
        self.who.setAccessibleName(tr("Who"))
        self.who.setPlaceholderText(tr("name and role, such as 王老师（辅导员）"))
        self.method = QComboBox()
        self.method.setAccessibleName(tr("How"))
        self.method.addItem(tr("Choose…"), None)
        for key in METHODS:
            self.method.addItem(tr(METHOD_LABELS[key]), key)
        self.shared = QPlainTextEdit()
        self.shared.setAccessibleName(tr("What was shared"))
        self.shared.setTabChangesFocus(True)
        self.shared.setMaximumHeight(self.fontMetrics().height() * 5)
        self.by_consent = QRadioButton(tr("The client's &consent"))
        self.by_exception = QRadioButton(tr("A confidentiality e&xception"))
        self.basis_group = QButtonGroup(self)
        self.basis_group.addButton(self.by_consent)
        self.basis_group.addButton(self.by_exception)
        self.exception = QComboBox()
        self.exception.setAccessibleName(tr("Confidentiality exception"))
        self.exception.addItem(tr("Choose the exception…"), None)
        for key in EXCEPTIONS:
            self.exception.addItem(tr(EXCEPTION_LABELS[key]), key)
        self.exception.setEnabled(False)
        self.by_exception.toggled.connect(self.exception.setEnabled)
        self.basis_note = QLineEdit()
        self.basis_note.setAccessibleName(tr("How the client consented, or why the exception applied"))
        basis = QWidget()
        basis_layout = QHBoxLayout(basis)
        basis_layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.by_consent, self.by_exception, self.exception):
            basis_layout.addWidget(w)
        basis_layout.addStretch(1)
        form = QFormLayout()
        self._row(form, "contacted_at", tr("&When:"), self.when)
        self._row(form, "party", tr("W&ith:"), self.party)
        self._row(form, "who", tr("W&ho:"), self.who)
        self._row(form, "method", tr("H&ow:"), self.method)
        self._row(form, "shared", tr("What was &shared:"), self.shared)
        self._row(form, "basis_kind", tr("&Basis:"), basis)
        self._row(form, "basis_note", tr("Basis &details:"), self.basis_note)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(box)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 56, self.sizeHint().height())
        self.party.setFocus()

    def save(self) -> None:
        basis = "exception" if self.by_exception.isChecked() else "consent" if self.by_consent.isChecked() else ""
        when: datetime = self.when.dateTime().toPython()  # type: ignore[assignment]
        record = Liaison(self.client_id, when.replace(second=0, microsecond=0), self.party.currentData() or "",
                         self.who.text(), self.method.currentData() or "", self.shared.toPlainText(), basis,
                         self.basis_note.text(), self.exception.currentData() if basis == "exception" else None,
                         self.services.profile.get().name)
        try:
            self.saved = self.services.liaison.record(record)
        except ValidationError as e:
            errors = dict(e.errors)
            if "exception" in errors:  # shown beside the basis, where the exception is chosen
                errors.setdefault("basis_kind", errors.pop("exception"))
            self.show_errors(errors)
            return
        except VaultError as e:
            show_error(self, self.windowTitle(), e.message())
            return
        self.accept()
