"""Group counseling: groups and their rosters, each member's group confidentiality agreement (printed form,
signed on paper or on screen), and a warning when a session is held with a member who has no agreement yet."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...records.clients import ValidationError
from ...records.consent import Member
from ...records.services import Services
from ...vault.errors import VaultError
from ..common import pdf_printing
from ..common.widgets import confirm_destructive, heading, message_label, set_message
from .consent_tab import FORM_LANGUAGES, date_edit, qdate_to_date
from .signature_pad import SignatureDialog

WARNING_STYLE = "QLabel { background: #fde7e7; color: #5c1111; border: 1px solid #d77a7a; border-radius: 6px; " \
                "padding: 6px; }"
OK_STYLE = "QLabel { color: #1b6e20; }"


def launch(dialog: QDialog) -> int:
    """Run a modal dialog. Tests replace this to answer the dialog without a screen."""
    return dialog.exec()


class GroupsPage(QWidget):
    """Public: `refresh()`, `select_group(id)`, `create_group()`, `add_member()`, `remove_member()`,
    `record_agreement_on_paper()`, `sign_agreement_on_screen()`, `print_agreement()`, `check_session()`,
    `shutdown()`; `group_id` is the selected group; `warning_label` shows members without an agreement."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.group_id: int | None = None
        self.members: list[Member] = []

        self.groups_list = QListWidget()
        self.groups_list.setAccessibleName(tr("Groups"))
        self.groups_list.currentItemChanged.connect(self._group_chosen)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName(tr("Name of the new group"))
        self.name_edit.setPlaceholderText(tr("Name of a new group"))
        self.name_edit.returnPressed.connect(self.create_group)
        self.create_button = QPushButton(tr("&New group"))
        self.create_button.clicked.connect(self.create_group)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.groups_list, 1)
        new_row = QHBoxLayout()
        new_row.addWidget(self.name_edit, 1)
        new_row.addWidget(self.create_button)
        left_layout.addLayout(new_row)

        self.group_title = heading("", 1.2)
        self.roster = QTableWidget(0, 4)
        self.roster.setAccessibleName(tr("Members of the group"))
        self.roster.setHorizontalHeaderLabels([tr("Code"), tr("Name"), tr("Added"),
                                               tr("Confidentiality agreement")])
        self.roster.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.roster.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.roster.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.roster.verticalHeader().hide()
        header = self.roster.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.roster.itemSelectionChanged.connect(self._update_buttons)

        self.client_combo = QComboBox()
        self.client_combo.setAccessibleName(tr("Client to add to the group"))
        self.client_combo.setEditable(True)
        self.client_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.add_button = QPushButton(tr("&Add to group"))
        self.add_button.clicked.connect(self.add_member)
        self.remove_button = QPushButton(tr("&Remove from group…"))
        self.remove_button.clicked.connect(self.remove_member)
        members_row = QHBoxLayout()
        members_row.addWidget(self.client_combo, 1)
        members_row.addWidget(self.add_button)
        members_row.addWidget(self.remove_button)

        self.agreement_box = QGroupBox(tr("The selected member's group confidentiality agreement"))
        self.form_language = QComboBox()
        self.form_language.setAccessibleName(tr("Language of the printed agreement"))
        for code, name in FORM_LANGUAGES:
            self.form_language.addItem(name, code)
        self.form_language.setCurrentIndex(0 if language() == "zh_CN" else 1)
        self.print_button = QPushButton(tr("&Print agreement…"))
        self.print_button.clicked.connect(self.print_agreement)
        self.agreed_date = date_edit(tr("Date the agreement was signed"))
        self.paper_button = QPushButton(tr("Signed on pap&er"))
        self.paper_button.setAccessibleName(tr("Record that the member signed the agreement on paper"))
        self.paper_button.clicked.connect(self.record_agreement_on_paper)
        self.screen_button = QPushButton(tr("Sign on &screen…"))
        self.screen_button.clicked.connect(self.sign_agreement_on_screen)
        agreement_layout = QHBoxLayout(self.agreement_box)
        w: QWidget
        date_label = QLabel(tr("Signed &on:"))
        date_label.setBuddy(self.agreed_date)
        for w in (self.form_language, self.print_button, date_label, self.agreed_date, self.paper_button,
                  self.screen_button):
            agreement_layout.addWidget(w)
        agreement_layout.addStretch(1)

        self.session_date = QDateEdit()
        self.session_date.setAccessibleName(tr("Date of the group session"))
        self.session_date.setCalendarPopup(True)
        self.session_date.setDisplayFormat("yyyy-MM-dd")
        self.session_date.setDate(QDate.currentDate())
        self.session_date.dateChanged.connect(lambda _d: self.check_session())
        session_label = QLabel(tr("Group sess&ion on:"))
        session_label.setBuddy(self.session_date)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setTextFormat(Qt.TextFormat.PlainText)
        self.warning_label.setAccessibleName(tr("Members without a confidentiality agreement"))
        session_row = QHBoxLayout()
        session_row.addWidget(session_label)
        session_row.addWidget(self.session_date)
        session_row.addStretch(1)
        self.message = message_label()

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.group_title, self.roster):
            right_layout.addWidget(w)
        right_layout.addLayout(members_row)
        right_layout.addWidget(self.agreement_box)
        right_layout.addLayout(session_row)
        right_layout.addWidget(self.warning_label)
        right_layout.addWidget(self.message)
        from .group_sessions import GroupSessionsBox  # issue 12.5: sessions, attendance, the group note

        self.sessions_box = GroupSessionsBox(services)
        right_layout.addWidget(self.sessions_box, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 840])
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Groups")))
        layout.addWidget(QLabel(tr("Confidentiality in a group is agreed in advance: record each member's "
                                   "agreement before the member's first group session.")))
        layout.addWidget(splitter, 1)
        self.refresh()

    # -- showing ----------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        groups = self.services.consent.groups()
        keep = self.group_id
        self.groups_list.blockSignals(True)
        self.groups_list.clear()
        for g in groups:
            item = QListWidgetItem(g.name)
            item.setData(Qt.ItemDataRole.UserRole, g.id)
            self.groups_list.addItem(item)
            if g.id == keep:
                self.groups_list.setCurrentItem(item)
        self.groups_list.blockSignals(False)
        if keep is None and groups:
            self.groups_list.setCurrentRow(0)
            keep = groups[0].id
        self.group_id = keep if any(g.id == keep for g in groups) else None
        self.client_combo.clear()
        for c in self.services.clients.list():
            self.client_combo.addItem(f"{c.code} {c.name}".strip(), c.id)
        self.client_combo.setCurrentIndex(-1)
        self._show_group()

    def select_group(self, group_id: int) -> None:
        for row in range(self.groups_list.count()):
            item = self.groups_list.item(row)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == group_id:
                self.groups_list.setCurrentRow(row)
                return

    def _group_chosen(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self.group_id = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self._show_group()

    def _show_group(self) -> None:
        gid = self.group_id
        self.members = self.services.consent.roster(gid) if gid is not None else []
        self.group_title.setText(self.services.consent.group(gid).name if gid is not None
                                 else tr("Create a group to begin."))
        self.roster.setRowCount(len(self.members))
        for row, m in enumerate(self.members):
            agreement = (tr("Signed on {date}", date=m.agreement.agreed_on.isoformat()) if m.agreement
                         else tr("None yet"))
            for col, value in enumerate((m.code, m.name, m.added_on.isoformat(), agreement)):
                cell = QTableWidgetItem(value)
                if col == 3 and m.agreement is None:
                    cell.setForeground(Qt.GlobalColor.darkRed)
                self.roster.setItem(row, col, cell)
        self.check_session()
        self._update_buttons()
        self.sessions_box.show_group(gid)

    def selected_member(self) -> Member | None:
        rows = self.roster.selectionModel().selectedRows()
        return self.members[rows[0].row()] if rows and rows[0].row() < len(self.members) else None

    def _update_buttons(self) -> None:
        has_group = self.group_id is not None
        member = self.selected_member()
        for w in (self.client_combo, self.add_button):
            w.setEnabled(has_group)
        self.remove_button.setEnabled(member is not None)
        self.agreement_box.setEnabled(member is not None)
        no_agreement = member is not None and member.agreement is None
        self.paper_button.setEnabled(no_agreement)
        self.screen_button.setEnabled(no_agreement)

    def check_session(self) -> list[Member]:
        """Warn about members who would be in a session on the chosen date without an agreement."""
        if self.group_id is None:
            self.warning_label.clear()
            self.warning_label.setStyleSheet("")
            return []
        day = qdate_to_date(self.session_date.date())
        missing = self.services.consent.group_warnings(self.group_id, day)
        if missing:
            self.warning_label.setStyleSheet(WARNING_STYLE)
            self.warning_label.setText(tr("Warning: for a session on {date}, these members have no group "
                                          "confidentiality agreement yet: {names}. Record their agreements before "
                                          "the session.", date=day.isoformat(),
                                          names=("、" if language() == "zh_CN" else ", ").join(
                                              m.display_name for m in missing)))
        else:
            self.warning_label.setStyleSheet(OK_STYLE)
            self.warning_label.setText(tr("Every member in the group on {date} has a confidentiality agreement.",
                                          date=day.isoformat()) if self.members else "")
        return missing

    # -- acting -----------------------------------------------------------------------------------------------------

    def _run(self, done: str, call: object) -> bool:
        try:
            call()  # type: ignore[operator]
        except ValidationError as e:
            set_message(self.message, "\n".join(tr(m) for m in e.errors.values()))
            return False
        except VaultError as e:
            set_message(self.message, e.message())
            return False
        set_message(self.message, done, "ok")
        return True

    def create_group(self) -> None:
        name = self.name_edit.text()
        created: list[int] = []
        if self._run(tr("Group created."), lambda: created.append(self.services.consent.create_group(name).id)):
            self.name_edit.clear()
            self.group_id = created[0]
            self.refresh()

    def add_member(self) -> None:
        client_id = self.client_combo.currentData()
        gid = self.group_id
        if gid is None:
            return
        if client_id is None:
            set_message(self.message, tr("Choose a client to add."))
            return
        if self._run(tr("Member added. Record the member's confidentiality agreement before the first session."),
                     lambda: self.services.consent.add_member(gid, client_id)):
            self._show_group()

    def remove_member(self) -> None:
        member = self.selected_member()
        gid = self.group_id
        if member is None or gid is None:
            return
        if not confirm_destructive(self, tr("Remove from the group?"),
                                   tr("Remove {name} from the group? The member's earlier sessions and agreement "
                                      "are kept.", name=member.display_name), tr("Remove")):
            return
        if self._run(tr("Member removed."), lambda: self.services.consent.remove_member(gid, member.client_id)):
            self._show_group()

    def record_agreement_on_paper(self) -> None:
        member = self.selected_member()
        gid = self.group_id
        if member is None or gid is None:
            return
        day = qdate_to_date(self.agreed_date.date())
        if self._run(tr("Agreement recorded: signed on paper on {date}.", date=day.isoformat()),
                     lambda: self.services.consent.record_agreement(gid, member.client_id, day)):
            self._show_group()

    def sign_agreement_on_screen(self) -> None:
        member = self.selected_member()
        gid = self.group_id
        if member is None or gid is None:
            return
        dialog = SignatureDialog(tr("Ask {name} to read the agreement and sign in the box below.",
                                    name=member.display_name), self)
        try:
            if launch(dialog) != QDialog.DialogCode.Accepted or not dialog.png:
                return
            png = dialog.png
        finally:
            dialog.deleteLater()
        if self._run(tr("Agreement signed on screen."),
                     lambda: self.services.consent.record_agreement(gid, member.client_id, date.today(), png)):
            self._show_group()

    def print_agreement(self) -> bool:
        member = self.selected_member()
        gid = self.group_id
        if gid is None:
            return False
        lang = self.form_language.currentData()
        client_id = member.client_id if member else None
        pdf = self.services.consent.agreement_form_pdf(gid, client_id, lang)
        printed = pdf_printing.preview_pdf(self, pdf, tr("Group confidentiality agreement"))
        if printed:
            self.services.consent.record_printed(None, lang, kind="group_agreement", group_id=gid,
                                                 client_id=client_id)
        return printed

    def shutdown(self) -> None:
        self.groups_list.clear()
        self.roster.setRowCount(0)
        self.client_combo.clear()
        self.warning_label.clear()
        self.members = []
