"""The room's statistics for a period, on screen with bar charts and as a PDF for the school.

De-identified by construction (records/statistics.py reads counts only); a hidden count ("<5", "*") gets no
bar, since a bar's length would give the number away. The PDF is entered in the register of statistics
reports and in the audit trail."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...records.clients import ValidationError
from ...records.services import Services
from ...records.statistics import Breakdown, StatisticsReport
from ...vault.errors import VaultError
from ..common.widgets import StoreWatcher, heading, message_label, paragraph, set_message

BAR = QColor("#7fb3aa")


class BarChart(QWidget):
    """One breakdown as horizontal bars: label, shown count, and a bar only for a count that is shown."""

    ROW = 22

    def __init__(self, breakdown: Breakdown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.breakdown = breakdown
        self.setAccessibleName(breakdown.title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.sizeHint().height())

    def _rows(self) -> list[tuple[str, str, int]]:
        return [(label or tr("In all"), shown, n) for label, shown, n in self.breakdown.lines()]

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(420, self.ROW * len(self._rows()) + 4)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        rows = self._rows()
        label_w = min(max((metrics.horizontalAdvance(r[0]) for r in rows), default=80) + 12, self.width() // 2)
        count_w = metrics.horizontalAdvance("0000") + 16
        bar_x = label_w + count_w + 8
        bar_w = max(20, self.width() - bar_x - 8)
        top = max([n for _l, v, n in rows if v.isdigit() and n > 0] or [1])
        for i, (label, shown, count) in enumerate(rows):
            y = i * self.ROW + 2
            painter.setPen(QColor("#222222"))
            painter.drawText(QRectF(0, y, label_w - 8, self.ROW), int(Qt.AlignmentFlag.AlignVCenter),
                             metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 8))
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(QRectF(label_w, y, count_w, self.ROW),
                             int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight), shown)
            font.setBold(False)
            painter.setFont(font)
            if count > 0 and shown.isdigit():
                painter.fillRect(QRectF(bar_x, y + 5, max(2.0, bar_w * count / top), self.ROW - 10), BAR)
        painter.end()


class StatisticsPage(QWidget):
    """Public: `show_report()`, `save_pdf(path=None, recipient=None)`, `report`, `start`, `end`, `pdf_lang`."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.report: StatisticsReport | None = None
        today = date.today()
        term_start = date(today.year if today.month >= 9 else today.year - 1, 9, 1) if today.month >= 9 or \
            today.month < 2 else date(today.year, 2, 15)
        self.start = QDateEdit(QDate(term_start.year, term_start.month, term_start.day))
        self.end = QDateEdit(QDate.currentDate())
        for edit, name in ((self.start, tr("From")), (self.end, tr("To"))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
        self.pdf_lang = QComboBox()
        self.pdf_lang.setAccessibleName(tr("Language of the report"))
        self.pdf_lang.addItem("中文", "zh_CN")
        self.pdf_lang.addItem("English", "en")
        self.pdf_lang.setCurrentIndex(0 if language() == "zh_CN" else 1)
        self.show_button = QPushButton(tr("&Show"))
        self.show_button.clicked.connect(self.show_report)
        self.pdf_button = QPushButton(tr("Save &PDF for the school…"))
        self.pdf_button.clicked.connect(lambda: self.save_pdf())
        self.message = message_label()
        period = QHBoxLayout()
        for text, w in ((tr("&From:"), self.start), (tr("&To:"), self.end), (tr("Report &language:"), self.pdf_lang)):
            label = QLabel(text)
            label.setBuddy(w)
            period.addWidget(label)
            period.addWidget(w)
        period.addWidget(self.show_button)
        period.addStretch(1)
        period.addWidget(self.pdf_button)
        self.charts = QWidget()
        self.charts_layout = QGridLayout(self.charts)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.charts)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("The room's statistics"), 1.3))
        layout.addWidget(paragraph(tr("For the school's termly report: counts only, no names or client codes; counts "
                                      "from 1 to 4 are shown as “<5”. The PDF is entered in the register of "
                                      "statistics reports.")))
        layout.addLayout(period)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        self.show_report()

    def period(self) -> tuple[date, date]:
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

    def show_report(self) -> StatisticsReport | None:
        start, end = self.period()
        set_message(self.message, "")
        try:
            report = self.services.statistics.report(start, end, language())
        except ValidationError as e:
            set_message(self.message, " ".join(tr(m) for m in e.errors.values()))
            return None
        self.report = report
        while self.charts_layout.count():
            item = self.charts_layout.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        for i, b in enumerate(report.tables):
            box = QGroupBox(b.title)
            inner = QVBoxLayout(box)
            inner.addWidget(BarChart(b))
            self.charts_layout.addWidget(box, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
        note = paragraph(report.note())
        self.charts_layout.addWidget(note, (len(report.tables) + 1) // 2, 0, 1, 2)
        self.charts_layout.setRowStretch((len(report.tables) + 1) // 2 + 1, 1)
        return report

    def save_pdf(self, path: Path | None = None, recipient: str | None = None) -> str | None:
        """Make the PDF in the chosen language, write it where the counselor says and enter it in the register;
        returns the report's number."""
        from ...documents.statistics_report import render_pdf

        start, end = self.period()
        lang = self.pdf_lang.currentData()
        try:
            report = self.services.statistics.report(start, end, lang)
        except ValidationError as e:
            set_message(self.message, " ".join(tr(m) for m in e.errors.values()))
            return None
        if recipient is None:
            recipient, ok = QInputDialog.getText(self, tr("Statistics report"), tr("For whom (such as 学生工作部):"))
            if not ok:
                return None
        if not recipient.strip():
            set_message(self.message, tr("Write whom the report is for, such as “学生工作部”."))
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(self, tr("Save the statistics report"),
                                                  f"statistics-{start.isoformat()}-{end.isoformat()}.pdf",
                                                  tr("PDF files (*.pdf)"))
            if not name:
                return None
            path = Path(name)
        profile = self.services.profile.get()
        room = " · ".join(v for v in (profile.institution, profile.room) if v)
        made_on = date.today()
        try:
            number, _pdf = self.services.statistics.record_export(
                report, recipient, lambda number: render_pdf(report, room, number, made_on), path)
        except (ValidationError, VaultError, OSError) as e:
            text = e.message() if isinstance(e, VaultError) else tr("The file could not be written.")
            set_message(self.message, text)
            return None
        set_message(self.message, tr("Report {number} saved. It holds no names or client codes.", number=number),
                    "ok")
        return number

    def shutdown(self) -> None:
        self.report = None


class StatisticsRegister(QGroupBox):
    """The register of statistics reports made for the school (shown on the Export register page): number, date,
    period and recipient. The reports hold no client records; they are listed because they left the room."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(tr("Statistics reports made (de-identified)"), parent)
        self.services = services
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(tr("Statistics reports made"))
        self.table.setHorizontalHeaderLabels([tr("Number"), tr("Made on"), tr("Period"), tr("Recipient")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMaximumHeight(self.fontMetrics().height() * 8)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.watcher = StoreWatcher(self, services.store, self.refresh,
                                    lambda entity, _id: entity == "statistics_report")
        self.refresh()

    def refresh(self) -> None:
        self.watcher.mark_fresh()
        rows = self.services.statistics.register()
        self.table.setRowCount(len(rows))
        for r, (number, made_on, start, end, recipient) in enumerate(rows):
            for c, text in enumerate((number, made_on, f"{start} – {end}", recipient)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.setVisible(bool(rows))

    def shutdown(self) -> None:
        self.watcher.stop()
        self.table.setRowCount(0)
