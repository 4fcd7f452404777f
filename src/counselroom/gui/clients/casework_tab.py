"""A client's casework: the dependency alert with a place to record the review, and case closure (reason,
closing summary, date, the presenting concerns confirmed or changed at closure) with reopening and the history
of earlier closures."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...records.casework import CLOSURE_LABELS, CLOSURE_REASONS, Closure, DependencyAlert
from ...records.clients import ValidationError
from ...records.services import Services
from ..common.qt_models import local_time
from ..common.widgets import StoreWatcher, confirm_destructive, message_label, set_message
from ..sessions.note_editor import SectionEdit
from .client_form import plain_label

ALERT_STYLE = ("QFrame#dependencyAlert { background: #fff4ce; border: 1px solid #d8b24a; border-radius: 6px; } "
               "QLabel { color: #3b2f00; }")
CLOSED_STYLE = ("QFrame#closedCase { background: #eceff3; border: 1px solid #9aa5b1; border-radius: 6px; } "
                "QLabel { color: #1f2a36; }")


def review_time(value: str | None) -> str:
    """A review time as stored (local wall-clock time, to the minute) for reading."""
    return value.replace("T", " ") if value else ""


def reason_label(reason: str) -> str:
    return tr(CLOSURE_LABELS[reason]) if reason in CLOSURE_LABELS else reason


def concerns_text(services: Services, concerns: tuple[str, ...] | None) -> str:
    """The concerns kept with a closure, named in the window's language ('' for a closure made before they were
    asked at closure)."""
    if concerns is None:
        return ""
    names = {c.id: c.text(language()) for c in services.liaison.concerns()}
    return "、".join(names.get(c, c) for c in concerns) if language() == "zh_CN" else \
        ", ".join(names.get(c, c) for c in concerns)


class CaseworkTab(QWidget):
    """Public: `refresh()`, `record_review()`, `close_case()`, `reopen_case()`, `shutdown()`;
    `alert` is the client's current dependency alert or None."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.alert: DependencyAlert | None = None
        self.closure: Closure | None = None

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self._build_dependency())
        column.addWidget(self._build_closure())
        column.addWidget(self._build_history())
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self._watcher = StoreWatcher(self, services.store, self.refresh, wants=self._wants)
        self.refresh()

    # -- building ---------------------------------------------------------------------------------------------

    def _build_dependency(self) -> QGroupBox:
        box = QGroupBox(tr("Avoiding excessive dependency"))
        layout = QVBoxLayout(box)
        self.alert_frame = QFrame()
        self.alert_frame.setObjectName("dependencyAlert")
        self.alert_frame.setStyleSheet(ALERT_STYLE)
        alert_layout = QVBoxLayout(self.alert_frame)
        title = plain_label(tr("Dependency alert: review whether the counseling still serves the client"))
        title.setWordWrap(True)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.alert_details = plain_label()
        self.alert_details.setWordWrap(True)
        self.alert_details.setAccessibleName(tr("Dependency alert"))
        self.review_edit = SectionEdit(tr("What the review found and what was decided"))
        self.review_edit.set_lines(3, 12)
        review_label = plain_label(tr("&What you found and decided (for example a termination plan):"))
        review_label.setWordWrap(True)
        review_label.setBuddy(self.review_edit)
        self.review_button = QPushButton(tr("&Record review"))
        self.review_button.setAccessibleName(tr("Record the dependency review"))
        self.review_button.clicked.connect(self.record_review)
        self.review_error = message_label()
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.review_button)
        for w in (title, self.alert_details, review_label, self.review_edit, self.review_error):
            alert_layout.addWidget(w)
        alert_layout.addLayout(row)
        self.no_alert_label = plain_label()
        self.no_alert_label.setWordWrap(True)
        self.no_alert_label.setAccessibleName(tr("Dependency"))
        self.review_notice = message_label()
        layout.addWidget(self.alert_frame)
        layout.addWidget(self.no_alert_label)
        layout.addWidget(self.review_notice)
        return box

    def _build_closure(self) -> QGroupBox:
        box = QGroupBox(tr("Case closure"))
        layout = QVBoxLayout(box)

        self.closed_frame = QFrame()
        self.closed_frame.setObjectName("closedCase")
        self.closed_frame.setStyleSheet(CLOSED_STYLE)
        closed_layout = QVBoxLayout(self.closed_frame)
        self.closed_label = plain_label()
        self.closed_label.setWordWrap(True)
        self.closed_label.setAccessibleName(tr("Case closed"))
        font = self.closed_label.font()
        font.setBold(True)
        self.closed_label.setFont(font)
        self.closed_summary = plain_label()
        self.closed_summary.setWordWrap(True)
        self.closed_summary.setAccessibleName(tr("Closing summary"))
        self.closed_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                    | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.closed_concerns = plain_label()
        self.closed_concerns.setWordWrap(True)
        self.closed_concerns.setAccessibleName(tr("Presenting concerns at closure"))
        self.reopen_button = QPushButton(tr("Re&open case"))
        self.reopen_button.setAccessibleName(tr("Reopen this client's case"))
        self.reopen_button.clicked.connect(self.reopen_case)
        reopen_row = QHBoxLayout()
        reopen_row.addStretch(1)
        reopen_row.addWidget(self.reopen_button)
        closed_layout.addWidget(self.closed_label)
        closed_layout.addWidget(self.closed_summary)
        closed_layout.addWidget(self.closed_concerns)
        closed_layout.addLayout(reopen_row)

        self.close_form = QWidget()
        form = QFormLayout(self.close_form)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.reason_combo = QComboBox()
        self.reason_combo.setAccessibleName(tr("Reason for closing"))
        self.reason_combo.addItem(tr("Choose a reason…"), None)
        for reason in CLOSURE_REASONS:
            self.reason_combo.addItem(reason_label(reason), reason)
        self.summary_edit = SectionEdit(tr("Closing summary"))
        self.summary_edit.set_lines(3, 12)
        self.date_edit = QDateEdit()
        self.date_edit.setAccessibleName(tr("Date the case closed"))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_edit.setDate(QDate.currentDate())
        # the client's presenting concerns (Liaison tab), ticked as they stand: confirmed or changed at closure
        self.concerns_box = QWidget()
        self.concerns_box.setAccessibleName(tr("Presenting concerns"))
        concern_grid = QGridLayout(self.concerns_box)
        concern_grid.setContentsMargins(0, 0, 0, 0)
        self.concern_boxes: dict[str, QCheckBox] = {}
        for i, concern in enumerate(self.services.liaison.concerns()):
            check = QCheckBox(concern.text(language()))
            check.setAccessibleName(tr("Presenting concern at closure: {name}", name=concern.text(language())))
            check.clicked.connect(self._concerns_changed_by_hand)
            self.concern_boxes[concern.id] = check
            concern_grid.addWidget(check, i // 4, i % 4)
        self._kept_concerns: tuple[str, ...] = ()  # the client's concerns no longer on the room's list
        self._concerns_touched = False  # ticked by hand: a refresh leaves the boxes as the counselor set them
        self.close_errors: dict[str, QLabel] = {}
        for key, text, widget in (("reason", tr("R&eason:"), self.reason_combo),
                                  ("summary", tr("Closing &summary:"), self.summary_edit),
                                  ("concerns", tr("Presenting concerns (confirm or change):"), self.concerns_box),
                                  ("closed_on", tr("Closed &on:"), self.date_edit)):
            label = plain_label(text)
            if key != "concerns":  # a group of boxes: each box is reached by Tab
                label.setBuddy(widget)
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 0)
            holder_layout.addWidget(widget)
            error = message_label()
            holder_layout.addWidget(error)
            self.close_errors[key] = error
            form.addRow(label, holder)
        self.close_error = message_label()
        self.close_button = QPushButton(tr("&Close case…"))
        self.close_button.setAccessibleName(tr("Close this client's case"))
        self.close_button.clicked.connect(self.close_case)
        close_row = QHBoxLayout()
        close_row.addWidget(self.close_error, 1)
        close_row.addStretch(1)
        close_row.addWidget(self.close_button)
        form.addRow(close_row)

        layout.addWidget(self.closed_frame)
        layout.addWidget(self.close_form)
        return box

    def _build_history(self) -> QGroupBox:
        self.history_box = QGroupBox(tr("Earlier closures"))
        layout = QVBoxLayout(self.history_box)
        self.history = QTableWidget(0, 5)
        self.history.setAccessibleName(tr("Earlier closures"))
        self.history.setHorizontalHeaderLabels([tr("Closed on"), tr("Reason"), tr("Reopened"),
                                                tr("Presenting concerns"), tr("Closing summary")])
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setTabKeyNavigation(False)
        self.history.verticalHeader().hide()
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.history.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        layout.addWidget(self.history)
        return self.history_box

    # -- showing ------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._watcher.mark_fresh()
        alerts = self.services.dependency.alerts(client_id=self.client_id)
        self.alert = alerts[0] if alerts else None
        self._show_dependency()
        self.closure = self.services.closures.current(self.client_id)
        self._show_closure()
        self._show_history()

    def _show_dependency(self) -> None:
        alert = self.alert
        t = self.services.dependency.thresholds()
        self.alert_frame.setVisible(alert is not None)
        self.no_alert_label.setVisible(alert is None)
        last = self.services.dependency.last_review(self.client_id)
        if alert is None:
            text = tr("No dependency alert. An alert shows when there are more than {window_max} sessions in "
                      "{weeks} weeks or more than {total_max} in all.", window_max=t.max_in_window,
                      weeks=t.window_weeks, total_max=t.max_total)
            if last:
                text += "\n" + tr("Last review: {time}", time=review_time(last))
            self.no_alert_label.setText(text)
            return
        over = tr("over the limit")
        lines = [tr("Sessions in the last {weeks} weeks: {count} (limit {limit})", weeks=alert.thresholds.window_weeks,
                    count=alert.in_window, limit=alert.thresholds.max_in_window)
                 + (f" — {over}" if "window" in alert.reasons else ""),
                 tr("Sessions in all: {count} (limit {limit})", count=alert.total, limit=alert.thresholds.max_total)
                 + (f" — {over}" if "total" in alert.reasons else ""),
                 tr("Last review: {time}", time=review_time(alert.last_review)) if alert.last_review
                 else tr("Not reviewed yet.")]
        self.alert_details.setText("\n".join(lines))

    def _show_closure(self) -> None:
        closure = self.closure
        self.closed_frame.setVisible(closure is not None)
        self.close_form.setVisible(closure is None)
        if closure is None:
            self.closed_label.clear()
            self.closed_summary.clear()
            self.closed_concerns.clear()
            if not self._concerns_touched:
                self._show_client_concerns()
            return
        self.closed_label.setText(tr("Case closed on {date}. Reason: {reason}.", date=closure.closed_on.isoformat(),
                                     reason=reason_label(closure.reason)))
        self.closed_summary.setText(closure.summary)
        if closure.concerns is None:
            self.closed_concerns.clear()
        else:
            self.closed_concerns.setText(tr("Presenting concerns at closure: {concerns}",
                                            concerns=concerns_text(self.services, closure.concerns)
                                            or tr("none recorded")))
        self.closed_concerns.setVisible(closure.concerns is not None)

    def _show_client_concerns(self) -> None:
        current = self.services.liaison.school_details(self.client_id).concerns
        for cid, check in self.concern_boxes.items():
            check.setChecked(cid in current)
        self._kept_concerns = tuple(c for c in current if c not in self.concern_boxes)

    def _concerns_changed_by_hand(self) -> None:
        self._concerns_touched = True

    def chosen_concerns(self) -> list[str]:
        """The concerns ticked in the closure form (and any of the client's the room's list no longer has)."""
        return [cid for cid, check in self.concern_boxes.items() if check.isChecked()] + list(self._kept_concerns)

    def _show_history(self) -> None:
        earlier = [c for c in self.services.closures.history(self.client_id) if c.reopened_at is not None]
        self.history_box.setVisible(bool(earlier))
        self.history.setRowCount(len(earlier))
        for row, c in enumerate(reversed(earlier)):
            values = (c.closed_on.isoformat(), reason_label(c.reason), local_time(c.reopened_at or "")[:10],
                      concerns_text(self.services, c.concerns), " ".join(c.summary.split()))
            for col, value in enumerate(values):
                self.history.setItem(row, col, QTableWidgetItem(value))

    # -- acting -------------------------------------------------------------------------------------------------

    def record_review(self) -> None:
        try:
            self.services.dependency.record_review(self.client_id, self.review_edit.toPlainText())
        except ValidationError as e:
            set_message(self.review_error, "\n".join(tr(m) for m in e.errors.values()))
            self.review_edit.setFocus()
            return
        set_message(self.review_error, "")
        self.review_edit.clear()
        self.refresh()
        set_message(self.review_notice, tr("Review recorded."), "ok")

    def _client_text(self) -> str:
        try:
            client = self.services.clients.get(self.client_id)
        except KeyError:
            return ""
        return client.code + (f" {client.name}" if client.name else "")

    def close_case(self) -> None:
        if self.services.closures.current(self.client_id) is not None:
            self.refresh()
            return
        reason = self.reason_combo.currentData()
        summary = self.summary_edit.toPlainText()
        errors = {}
        if reason is None:
            errors["reason"] = tr("Choose why the case is closing.")
        if not summary.strip():
            errors["summary"] = tr("Write a short closing summary.")
        self._show_close_errors(errors)
        if errors:
            (self.reason_combo if "reason" in errors else self.summary_edit).setFocus()
            return
        if not confirm_destructive(
                self, tr("Close the case?"),
                tr("Close the case of {client} ({reason})? The client's status becomes “closed”. You can reopen "
                   "the case later.", client=self._client_text(), reason=reason_label(reason)) + "\n\n"
                + tr("Presenting concerns kept with the closure: {concerns}",
                     concerns=concerns_text(self.services, tuple(self.chosen_concerns())) or tr("none recorded")),
                tr("Close case")):
            return
        qd = self.date_edit.date()
        try:
            self.services.closures.close(self.client_id, reason, summary, date(qd.year(), qd.month(), qd.day()),
                                         self.chosen_concerns())
        except ValidationError as e:
            self._show_close_errors({k: tr(m) for k, m in e.errors.items()})
            return
        self.reason_combo.setCurrentIndex(0)
        self.summary_edit.clear()
        self._concerns_touched = False
        self.refresh()
        self.reopen_button.setFocus()

    def _show_close_errors(self, errors: dict[str, str]) -> None:
        for key, label in self.close_errors.items():
            set_message(label, errors.get(key, ""))
        others = [m for k, m in errors.items() if k not in self.close_errors]
        set_message(self.close_error, "\n".join(others))

    def reopen_case(self) -> None:
        try:
            self.services.closures.reopen(self.client_id)
        except ValidationError:
            pass  # already reopened elsewhere: showing the current state is the answer
        self.refresh()
        self.close_button.setFocus()

    # -- changes made elsewhere ---------------------------------------------------------------------------------

    def _wants(self, entity: str, entity_id: int | None) -> bool:
        return entity in ("appointment", "dependency_review", "settings") or (entity == "client"
                                                                              and entity_id == self.client_id)

    def shutdown(self) -> None:
        """Stop listening and clear what is shown (the window calls this before locking)."""
        self._watcher.stop()
        for label in (self.alert_details, self.no_alert_label, self.closed_label, self.closed_summary,
                      self.closed_concerns):
            label.clear()
        self.review_edit.clear()
        self.summary_edit.clear()
        self.history.setRowCount(0)
