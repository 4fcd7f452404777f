"""One client's page: a header that always shows who this is (code, name, age, status, risk flag) and
tabs below it. Later parts of the program add their tabs (sessions, consent, tests, ...) to `tabs`."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import GENDER_LABELS, STATUS_LABELS, Client
from ...records.services import Services
from ..common.elided import ElidedLabel
from ..common.qt_models import CLIENT_FIELD_LABELS
from ..common.widgets import StoreWatcher, confirm_destructive, message_label, set_message
from .client_form import ClientForm, plain_label

RISK_BADGE_STYLE = ("QLabel { background: #b3261e; color: white; font-weight: bold; border-radius: 4px;"
                    " padding: 2px 8px; }")
STATUS_BADGE_STYLE = "QLabel { border: 1px solid palette(mid); border-radius: 4px; padding: 2px 8px; }"
ARCHIVED_STYLE = "QLabel { background: #fff4ce; color: #3b2f00; border-radius: 4px; padding: 4px 8px; }"


def _value_label() -> QLabel:
    label = plain_label()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    return label


CRITICAL_BADGE_STYLE = ("QPushButton { background: #b3261e; color: white; border-radius: 4px; padding: 2px 8px;"
                        " font-weight: bold; }")
RELATIONSHIP_BADGE_STYLE = ("QPushButton { background: #fff4ce; color: #3b2f00; border: 1px solid #d8b24a;"
                            " border-radius: 4px; padding: 2px 8px; }")
# Changes that may show or hide the header's badges.
BADGE_ENTITIES = ("test", "risk_assessment", "critical_follow_up", "relationship_check")


TAB_MNEMONIC = re.compile(r"\(&.\)")  # the Chinese form of an &-letter: 咨询记录(&N)


class ClientPage(QWidget):
    back_requested = Signal()
    # Emitted after this client's file was saved, archived or unarchived (with the client's id).
    client_changed = Signal(int)

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.client: Client | None = None
        self.form: ClientForm | None = None

        self.back_button = QPushButton(tr("← Back to list"))
        self.back_button.setAccessibleName(tr("Back to the client list"))
        self.back_button.setToolTip(tr("Back to the client list (Alt+Left)"))
        self.back_button.clicked.connect(self.back_requested)
        self.edit_button = QPushButton(tr("Edit…"))
        self.edit_button.setAccessibleName(tr("Edit this client's file"))
        self.edit_button.setToolTip(tr("Edit this client's file (Ctrl+E)"))
        self.edit_button.clicked.connect(self.edit)
        self.archive_button = QPushButton(tr("Archive…"))
        self.archive_button.setAccessibleName(tr("Archive this client"))
        self.archive_button.clicked.connect(self.archive)
        self.export_button = QPushButton(tr("E&xport…"))
        self.export_button.setAccessibleName(tr("Export this client's record as a locked PDF"))
        self.export_button.setToolTip(tr("Nothing leaves the room by default: an export needs a recorded basis and "
                                         "your passphrase, and is registered."))
        self.export_button.clicked.connect(self.export)
        self.unarchive_button = QPushButton(tr("Restore from archive"))
        self.unarchive_button.setAccessibleName(tr("Restore this client from the archive"))
        self.unarchive_button.clicked.connect(self.unarchive)
        self.emergency_button = QPushButton(tr("Emergenc&y contacts"))
        self.emergency_button.setAccessibleName(tr("Show this client's emergency contacts"))
        self.emergency_button.setToolTip(tr("Guardian, emergency contact and the crisis contacts of the safety plan"))
        self.emergency_button.clicked.connect(self.show_emergency_contacts)

        self.code_label = ElidedLabel()
        self.code_label.setAccessibleName(tr("Client code"))
        self.name_label = ElidedLabel()  # a long name ends in "…", whole in its tooltip
        self.name_label.setAccessibleName(tr("Name"))
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.name_label.setFont(font)
        self.code_label.setFont(font)
        self.age_label = plain_label()
        self.age_label.setAccessibleName(tr("Age"))
        self.status_badge = plain_label()
        self.status_badge.setStyleSheet(STATUS_BADGE_STYLE)
        self.status_badge.setAccessibleName(tr("Status"))
        self.risk_badge = plain_label(tr("Risk flag"))
        self.risk_badge.setStyleSheet(RISK_BADGE_STYLE)
        self.risk_badge.setAccessibleName(tr("Risk flag"))
        self.risk_badge.setToolTip(tr("This client is flagged for close attention."))
        # Issue 12: a critical test answer without a risk assessment, another relationship not decided yet.
        self.critical_badge = QPushButton(tr("Critical answer: no risk assessment yet"))
        self.critical_badge.setStyleSheet(CRITICAL_BADGE_STYLE)
        self.critical_badge.setAccessibleName(tr("Critical test answer without a risk assessment"))
        self.critical_badge.setToolTip(tr("A critical item was answered and no risk assessment or reasoned decision "
                                          "is recorded for it yet. Open the Tests tab."))
        self.critical_badge.clicked.connect(lambda: self.show_tab("tests"))
        self.relationship_badge = QPushButton(tr("Other relationship: decide"))
        self.relationship_badge.setStyleSheet(RELATIONSHIP_BADGE_STYLE)
        self.relationship_badge.setAccessibleName(tr("Another relationship with this client waits for a decision"))
        self.relationship_badge.clicked.connect(lambda: self.show_tab("overview"))
        self.archived_banner = plain_label()
        self.archived_banner.setStyleSheet(ARCHIVED_STYLE)
        self.archived_banner.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addStretch(1)
        top.addWidget(self.emergency_button)
        top.addWidget(self.export_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.archive_button)
        top.addWidget(self.unarchive_button)

        header = QHBoxLayout()
        header.addWidget(self.code_label)
        header.addWidget(self.name_label)
        header.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        header.addWidget(self.age_label)
        header.addWidget(self.status_badge)
        header.addWidget(self.risk_badge)
        header.addWidget(self.critical_badge)
        header.addWidget(self.relationship_badge)
        header.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(tr("Client file"))
        self.overview = self._build_overview()
        self.add_tab(self.overview, tr("Overview"))
        self._add_record_tabs(services, client_id)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(header)
        layout.addWidget(self.archived_banner)
        self.consent_notice = message_label()
        self.consent_notice.hide()
        self.tabs.currentChanged.connect(
            lambda _i: self.consent_notice.hide() if self.tabs.currentWidget() is not self.consent_tab else None)
        layout.addWidget(self.consent_notice)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        layout.addWidget(self.tabs, 1)

        for keys, slot in ((QKeySequence(QKeySequence.StandardKey.Back), self.back_requested.emit),
                           (QKeySequence("Ctrl+E"), self.edit)):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        # Refresh after any committed change to this client (also those made elsewhere).
        # Refreshed whether shown or not: it is the header that says whose file this is.
        self._watcher = StoreWatcher(self, services.store, self.refresh, visible=lambda: True,
                                     wants=lambda entity, entity_id: (entity == "client" and entity_id == client_id)
                                     or entity in BADGE_ENTITIES)
        self.refresh()

    def _build_overview(self) -> QWidget:
        self.values: dict[str, QLabel] = {}
        page = QWidget()
        columns = QHBoxLayout(page)
        left, right = QVBoxLayout(), QVBoxLayout()
        groups = [
            (left, tr("Client"), ("code", "name", "gender", "date_of_birth", "status", "risk_flag")),
            (left, tr("School"), ("school", "department", "class_name")),
            (right, tr("Emergency contact"), ("emergency_name", "emergency_phone")),
            (right, tr("Contact"), ("phone", "guardian_name", "guardian_phone")),
            (right, tr("Notes"), ("notes",)),
        ]
        for column, title, names in groups:
            box = QGroupBox(title)
            form = QFormLayout(box)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            for name in names:
                value = _value_label()
                value.setAccessibleName(tr(CLIENT_FIELD_LABELS[name]))
                self.values[name] = value
                if name == "notes":
                    form.addRow(value)
                else:
                    form.addRow(plain_label(tr(CLIENT_FIELD_LABELS[name])), value)
            column.addWidget(box)
        from .relationship_widgets import RelationshipBox

        self.relationship_box = RelationshipBox(self.services, self.client_id)
        right.addWidget(self.relationship_box)
        left.addStretch(1)
        right.addStretch(1)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        return page

    def _add_record_tabs(self, services: Services, client_id: int) -> None:
        from ..consent.consent_tab import ConsentTab
        from ..psychtests.tests_tab import TestsTab
        from ..referrals.referrals_tab import ReferralsTab
        from ..risk.risk_tab import RiskTab
        from ..sessions.client_appointments_tab import ClientAppointmentsTab
        from ..sessions.client_notes_tab import ClientNotesTab
        from .casework_tab import CaseworkTab

        self.consent_tab = ConsentTab(services, client_id)
        self.add_tab(self.consent_tab, tr("C&onsent"))
        self.notes_tab = ClientNotesTab(services, client_id)
        self.notes_tab.consent_needed.connect(self._consent_needed)
        self.appointments_tab = ClientAppointmentsTab(services, client_id)
        self.casework_tab = CaseworkTab(services, client_id)
        self.add_tab(self.notes_tab, tr("Session &notes"))
        self.add_tab(self.appointments_tab, tr("A&ppointments"))
        self.tests_tab = TestsTab(services, client_id)
        self.risk_tab = RiskTab(services, client_id)
        self.tests_tab.risk_assessment_requested.connect(self.assess_risk)
        self.referrals_tab = ReferralsTab(services, client_id)
        self.add_tab(self.tests_tab, tr("&Tests"))
        self.add_tab(self.risk_tab, tr("&Risk and safety"))
        self.add_tab(self.referrals_tab, tr("Re&ferrals"))
        self.add_tab(self.casework_tab, tr("Dependency and &closure"))
        from ..screening.liaison_tab import LiaisonTab  # issue 15: liaison contacts, grade and concerns

        self.liaison_tab = LiaisonTab(services, client_id)
        self.add_tab(self.liaison_tab, tr("&Liaison"))

    def _tab_keys(self) -> dict[str, QWidget]:
        return {"overview": self.overview, "consent": self.consent_tab, "notes": self.notes_tab,
                "appointments": self.appointments_tab, "tests": self.tests_tab, "risk": self.risk_tab,
                "referrals": self.referrals_tab, "casework": self.casework_tab, "liaison": self.liaison_tab}

    def show_tab(self, key: str) -> None:
        """Bring one tab forward: overview, consent, notes, appointments, tests, risk, referrals, casework."""
        self.tabs.setCurrentWidget(self._tab_keys().get(key, self.overview))

    def current_tab(self) -> str:
        """The key of the tab in front (as show_tab() takes it)."""
        shown = self.tabs.currentWidget()
        return next((key for key, tab in self._tab_keys().items() if tab is shown), "overview")

    def assess_risk(self, context: str = "") -> None:
        """Bring the Risk tab forward and start a new assessment there (after a critical answer)."""
        self.show_tab("risk")
        self.risk_tab.new_assessment(context)

    def show_emergency_contacts(self) -> None:
        from .emergency_contacts_dialog import show_emergency_contacts

        show_emergency_contacts(self.services, self.client_id, self)

    def show_notes(self) -> None:
        self.tabs.setCurrentWidget(self.notes_tab)

    def _consent_needed(self, message: str) -> None:
        """No note before consent: say why, and take the counselor to the checklist."""
        set_message(self.consent_notice, message)
        self.consent_notice.show()
        self.tabs.setCurrentWidget(self.consent_tab)
        self.consent_tab.focus_first_missing()

    def export(self) -> None:
        from ..practice.export_dialog import ExportDialog

        dialog = ExportDialog(self.services, self.services.session.vault, self.client_id, self)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def add_tab(self, widget: QWidget, label: str) -> int:
        """Add a tab (label already translated). A tab with a shutdown() method is shut down with
        the page, before the window locks.

        Tabs have no &-letter: the buttons and fields inside the tabs need the letters (新建记录(&N) clashed
        with 咨询记录(&N)). Alt+1, Alt+2, ... bring the tabs forward instead, as the tabs' tooltips say."""
        index = self.tabs.addTab(widget, TAB_MNEMONIC.sub("", label).replace("&", ""))
        if index < 9:
            keys = QKeySequence(f"Alt+{index + 1}")
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda: self.tabs.setCurrentWidget(widget))
            self.tabs.setTabToolTip(index, keys.toString(QKeySequence.SequenceFormat.NativeText))
        return index

    def shutdown(self) -> None:
        """Stop listening and forget the client (the window calls this before locking)."""
        self._watcher.stop()
        self.client = None
        if self.form is not None:
            self.form.abandon()
        for index in range(self.tabs.count()):
            stop = getattr(self.tabs.widget(index), "shutdown", None)
            if callable(stop):
                stop()
        labels = [self.code_label, self.name_label, self.age_label, self.status_badge, *self.values.values()]
        for label in labels:
            label.clear()

    def refresh(self) -> None:
        try:
            client = self.services.clients.get(self.client_id)
        except KeyError:
            self.back_requested.emit()
            return
        self.client = client
        self.code_label.setText(client.code)
        self.name_label.setText(client.name)
        self.name_label.setVisible(bool(client.name))
        age = client.age()
        self.age_label.setText("" if age is None else tr("{age} years old", age=age))
        self.status_badge.setText(tr(STATUS_LABELS.get(client.status, client.status)))
        self.risk_badge.setVisible(client.risk_flag)
        self.critical_badge.setVisible(bool(self.services.critical.pending(self.client_id)))
        check = self.services.relationships.latest(self.client_id)
        self.relationship_badge.setVisible(check is not None and check.undecided)
        self.relationship_box.refresh()
        archived = client.archived_at is not None
        self.archived_banner.setVisible(archived)
        if archived:
            self.archived_banner.setText(
                tr("This client's file is archived. It stays in the vault and can be restored."))
        self.archive_button.setVisible(not archived)
        self.unarchive_button.setVisible(archived)

        dash = "—"
        for name, label in self.values.items():
            value = getattr(client, name)
            if name == "gender":
                text = tr(GENDER_LABELS.get(value, value))
            elif name == "status":
                text = tr(STATUS_LABELS.get(value, value))
            elif name == "risk_flag":
                text = tr("Yes — flagged for close attention") if value else tr("No")
            elif name == "date_of_birth":
                if value is None:
                    text = tr("Not recorded")
                else:
                    text = tr("{date} ({age} years old)", date=value.isoformat(), age=age)
            else:
                text = str(value) or dash
            label.setText(text)

    def edit(self) -> None:
        if self.client is None:
            return
        form = ClientForm(self.services, self.client, self)
        self.form = form
        if form.exec() and form.saved is not None and self.client is not None:
            self.refresh()
            self.client_changed.emit(self.client_id)
        self.form = None
        form.deleteLater()

    def archive(self) -> None:
        if self.client is None or self.client.archived_at is not None:
            return
        who = self.client.code + (f" {self.client.name}" if self.client.name else "")
        if not confirm_destructive(
                self, tr("Archive client?"),
                tr("Archive the file of {client}? It leaves the client list but stays in the vault, "
                   "and you can restore it from the archive later.", client=who),
                tr("Archive")):
            return
        self.services.clients.archive(self.client_id)
        self.refresh()
        self.client_changed.emit(self.client_id)

    def unarchive(self) -> None:
        if self.client is None or self.client.archived_at is None:
            return
        self.services.clients.unarchive(self.client_id)
        self.refresh()
        self.client_changed.emit(self.client_id)
