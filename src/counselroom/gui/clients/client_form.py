"""The dialog that creates or edits a client's file.

Validation comes from the records layer (`validate()` refuses, `warnings()` asks); the messages are
shown next to the field they concern, in words a counselor understands.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import (
    ADULT_AGE,
    GENDER_LABELS,
    GENDERS,
    STATUS_LABELS,
    STATUSES,
    Client,
    ValidationError,
)
from ...records.services import Services
from ..common.qt_models import CLIENT_FIELD_LABELS
from ..common.widgets import clear_when_edited, plain_label

ERROR_STYLE = "color: #b3261e;"
NAME_MAX = 100  # what ClientService.validate accepts
_TEXT_FIELDS = ("code", "name", "phone", "guardian_name", "guardian_phone", "emergency_name",
                "emergency_phone", "school", "department", "class_name")


class ClientForm(QDialog):
    """Create (client=None) or edit a client. After accept(), `saved` holds the stored client."""

    def __init__(self, services: Services, client: Client | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.original = client
        self.saved: Client | None = None
        self.warning_box: QMessageBox | None = None
        self.setWindowTitle(tr("New client") if client is None
                            else tr("Edit client {code}", code=client.code))
        self.setModal(True)

        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.edits: dict[str, QLineEdit] = {}
        for name in _TEXT_FIELDS:
            edit = QLineEdit()
            edit.setAccessibleName(tr(CLIENT_FIELD_LABELS[name]))
            self.edits[name] = edit
        # Widths in characters, not pixels, so the form scales with the font (and at 200%).
        char = self.fontMetrics().averageCharWidth()
        for edit in self.edits.values():
            edit.setMinimumWidth(char * 30)
        self.edits["code"].setMaxLength(32)
        # No maxLength on the name: a pasted name longer than the records take would be cut without a word.
        # It is kept whole and the form says how long it is (and the save refuses it, next to the field).
        self.edits["name"].textChanged.connect(self._name_length)
        self.edits["code"].setPlaceholderText(tr("e.g. 2026-014"))
        self.edits["name"].setPlaceholderText(tr("May be left empty for a pseudonymous client"))

        self.gender = QComboBox()
        for value in GENDERS:
            self.gender.addItem(tr(GENDER_LABELS[value]), value)
        self.gender.setAccessibleName(tr(CLIENT_FIELD_LABELS["gender"]))

        self.dob_known = QCheckBox(tr("Known"))
        self.dob_known.setAccessibleName(tr("Date of birth is known"))
        self.dob = QDateEdit()
        self.dob.setCalendarPopup(True)
        self.dob.setDisplayFormat("yyyy-MM-dd")
        self.dob.setMinimumDate(QDate(1900, 1, 1))
        self.dob.setMaximumDate(QDate(2100, 12, 31))
        self.dob.setDate(QDate(date.today().year - ADULT_AGE, 1, 1))
        self.dob.setEnabled(False)
        self.dob.setAccessibleName(tr(CLIENT_FIELD_LABELS["date_of_birth"]))
        self.dob_known.toggled.connect(self.dob.setEnabled)
        self.dob_known.toggled.connect(self._update_age)
        self.dob.dateChanged.connect(self._update_age)
        self.age_label = plain_label()
        # Room for the longest age text from the start: the row does not rewrap when the age appears.
        widest = max(self.fontMetrics().horizontalAdvance(text) for text in
                     (tr("age {age}, a minor", age=17), tr("age {age}", age=100)))
        self.age_label.setMinimumWidth(widest + 4)

        self.status = QComboBox()
        for value in STATUSES:
            self.status.addItem(tr(STATUS_LABELS[value]), value)
        self.status.setAccessibleName(tr(CLIENT_FIELD_LABELS["status"]))

        self.risk_flag = QCheckBox(tr("Flag for close attention (risk to self or others)"))
        self.risk_flag.setAccessibleName(tr(CLIENT_FIELD_LABELS["risk_flag"]))

        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setAccessibleName(tr(CLIENT_FIELD_LABELS["notes"]))
        self.notes.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)

        self.inputs.update(self.edits)
        self.inputs.update(gender=self.gender, date_of_birth=self.dob, status=self.status,
                           risk_flag=self.risk_flag, notes=self.notes)

        dob_row = QWidget()
        dob_layout = QHBoxLayout(dob_row)
        dob_layout.setContentsMargins(0, 0, 0, 0)
        dob_layout.addWidget(self.dob_known)
        dob_layout.addWidget(self.dob, 1)
        dob_layout.addWidget(self.age_label)

        identity = self._group(tr("Client"), [("code", self.edits["code"]), ("name", self.edits["name"]),
                                              ("gender", self.gender), ("date_of_birth", dob_row),
                                              ("status", self.status), ("risk_flag", self.risk_flag)])
        contact = self._group(tr("Contact"), [("phone", self.edits["phone"]),
                                              ("emergency_name", self.edits["emergency_name"]),
                                              ("emergency_phone", self.edits["emergency_phone"]),
                                              ("guardian_name", self.edits["guardian_name"]),
                                              ("guardian_phone", self.edits["guardian_phone"])])
        school = self._group(tr("School"), [("school", self.edits["school"]),
                                            ("department", self.edits["department"]),
                                            ("class_name", self.edits["class_name"])])
        notes = self._group(tr("Notes"), [("notes", self.notes)], labels=False)

        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(identity)
        left.addWidget(school)
        left.addStretch(1)
        right.addWidget(contact)
        right.addWidget(notes, 1)
        # At intake: any other relationship between counselor and client (issue 12.11). Later checks are
        # recorded from the client's overview.
        self.relationship = None
        if client is None:
            from .relationship_widgets import RelationshipChoices

            self.relationship = RelationshipChoices()
            right.insertWidget(1, self.relationship)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        body = QWidget()
        body.setLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        self.summary = plain_label()
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setWordWrap(True)
        self.summary.hide()

        buttons = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(buttons.Save | buttons.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(tr("Save"))
        self.save_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        order = [self.edits["code"], self.edits["name"], self.gender, self.dob_known, self.dob, self.status,
                 self.risk_flag, self.edits["school"], self.edits["department"], self.edits["class_name"],
                 self.edits["phone"], self.edits["emergency_name"], self.edits["emergency_phone"],
                 self.edits["guardian_name"], self.edits["guardian_phone"], self.notes, self.save_button,
                 self.cancel_button]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

        if client is not None:
            self._load(client)
        self._update_age()
        self.edits["code"].setFocus()
        # The scroll area's own hint is small; size the dialog for its whole content, within the screen.
        extra = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent) * 2
        wanted = body.sizeHint()
        wanted.setWidth(wanted.width() + extra + layout.contentsMargins().left() * 2)
        wanted.setHeight(wanted.height() + self.buttons.sizeHint().height() * 3)
        self.resize(wanted.boundedTo(self.screen().availableSize() * 0.9))

    def _group(self, title: str, rows: list[tuple[str, QWidget]], labels: bool = True) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, widget in rows:
            error = plain_label()
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            error.setAccessibleName(tr("Problem with {field}", field=tr(CLIENT_FIELD_LABELS[name])))
            self.errors[name] = error
            cell = QWidget()
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(2)
            cell_layout.addWidget(widget)
            cell_layout.addWidget(error)
            if labels and name != "risk_flag":
                label = plain_label(tr(CLIENT_FIELD_LABELS[name]))
                label.setBuddy(widget if name != "date_of_birth" else self.dob_known)
                form.addRow(label, cell)
            else:
                form.addRow(cell)
        return box

    def _load(self, client: Client) -> None:
        for name, edit in self.edits.items():
            edit.setText(getattr(client, name))
        self.gender.setCurrentIndex(max(0, self.gender.findData(client.gender)))
        self.status.setCurrentIndex(max(0, self.status.findData(client.status)))
        if client.date_of_birth is not None:
            self.dob_known.setChecked(True)
            dob = client.date_of_birth
            self.dob.setDate(QDate(dob.year, dob.month, dob.day))
        self.risk_flag.setChecked(client.risk_flag)
        # A saved client's flag has a reason, a review date and a history: it changes on the Risk tab only.
        self.risk_flag.setEnabled(False)
        self.risk_flag.setToolTip(tr("Raise, review or clear the flag on the client's Risk and safety tab, with its "
                                     "reason and review date."))
        self.notes.setPlainText(client.notes)

    def _update_age(self, *_: Any) -> None:
        client = Client(code="", date_of_birth=self.date_of_birth())
        age = client.age()
        if age is None or age < 0:
            self.age_label.setText("")
        elif client.is_minor():
            self.age_label.setText(tr("age {age}, a minor", age=age))
        else:
            self.age_label.setText(tr("age {age}", age=age))

    def _name_length(self, text: str) -> None:
        label = self.errors.get("name")
        if label is None:
            return
        too_long = len(text) > NAME_MAX
        if too_long:
            label.setText(tr("The name has {count} characters; at most {most} are kept. Shorten it to save.",
                             count=len(text), most=NAME_MAX))
        elif label.property("length_message"):
            label.setText("")
        label.setProperty("length_message", too_long)
        label.setVisible(bool(label.text()))

    def date_of_birth(self) -> date | None:
        if not self.dob_known.isChecked():
            return None
        d = self.dob.date()
        return date(d.year(), d.month(), d.day())

    def client(self) -> Client:
        """The client as the form now describes it (not yet saved)."""
        base = self.original if self.original is not None else Client(code="")
        values: dict[str, Any] = {name: edit.text() for name, edit in self.edits.items()}
        values.update(gender=self.gender.currentData() or "", status=self.status.currentData(),
                      date_of_birth=self.date_of_birth(), risk_flag=self.risk_flag.isChecked(),
                      notes=self.notes.toPlainText())
        return replace(base, **values)

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            msgid = errors.get(name)
            label.setText(tr(msgid) if msgid else "")
            label.setVisible(bool(msgid))
            if msgid and name in self.inputs:
                clear_when_edited(label, self.inputs[name])  # gone at the next edit of its field
        unknown = [tr(m) for f, m in errors.items() if f not in self.errors]
        if errors:
            self.summary.setText("\n".join([tr("Please correct the marked fields."), *unknown]))
        self.summary.setVisible(bool(errors))
        if errors:
            clear_when_edited(self.summary, *self.inputs.values())
        for name in self.inputs:
            if name in errors:
                target = self.inputs[name]
                if name == "date_of_birth" and not self.dob.isEnabled():
                    target = self.dob_known
                target.setFocus()
                break

    def confirm_warnings(self, warnings: list[str]) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, tr("Save anyway?"),
                          "\n\n".join(tr(w) for w in warnings) + "\n\n" + tr("Save this client anyway?"),
                          parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        save = box.addButton(tr("Save anyway"), QMessageBox.ButtonRole.AcceptRole)
        back = box.addButton(tr("Go back"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(back)
        box.setEscapeButton(back)
        self.warning_box = box
        box.exec()
        self.warning_box = None
        return box.clickedButton() is save

    def abandon(self) -> None:
        """Close without saving, and any question open over the form (the window is locking)."""
        if self.warning_box is not None:
            self.warning_box.reject()
        self.reject()

    def save(self) -> None:
        client = self.client()
        errors = self.services.clients.validate(client)
        self.show_errors(errors)
        if errors:
            return
        warnings = self.services.clients.warnings(client)
        if warnings and not self.confirm_warnings(warnings):
            return
        relationships = self.relationship.chosen() if self.relationship is not None else []
        details = self.relationship.details.text() if self.relationship is not None else ""
        if "other" in relationships and not details.strip():
            self.summary.setText(tr("Describe the other relationship."))
            self.summary.show()
            self.relationship.details.setFocus()  # type: ignore[union-attr]
            return
        try:
            if client.id is None:
                self.saved = self.services.clients.create(client)
                if self.relationship is not None and self.saved.id is not None:
                    self.services.relationships.record_check(self.saved.id, relationships, details,
                                                             self.services.profile.get().name)
            else:
                self.saved = self.services.clients.update(client)
        except ValidationError as exc:
            self.show_errors(exc.errors)
            return
        self.accept()
